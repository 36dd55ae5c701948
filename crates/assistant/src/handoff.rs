//! Does a visitor ask for a human in words? Matching is on Snowball stems, so case and
//! inflection do not matter ("оператора", "Менеджером", "agents").
//!
//! Rules, in words:
//! - a qualifier right before a person word: "живой человек", "real person", "live agent";
//! - a short message made only of support-person words, request words and filler:
//!   "оператор", "менеджера пожалуйста", "human please", "I need a person";
//! - a support-person word ("оператор", "manager", "human") near any request word
//!   ("хочу", "позовите", "want", "talk");
//! - a generic person word ("человек", "someone", "support") near a word of talking or
//!   connecting ("поговорить", "соедините", "speak", "transfer").
//!
//! Each clause is judged on its own. A negation just before a word ("не нужен оператор", "don't want to talk") cancels it.
//! Decided: a support word inside unrelated text does not trigger, so "human resources
//! policy", "the delivery agent was rude" and "какой оператор связи?" are not handoffs.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::provider::Locale;
use crate::text;

/// Words for someone whose job is support: enough with any request word, or alone.
const SUPPORT_PERSON: &[&str] = &[
    "оператор",
    "менеджер",
    "консультант",
    "специалист",
    "сотрудник",
    "администратор",
    "operator",
    "manager",
    "agent",
    "human",
    "humans",
    "representative",
    "rep",
    "staff",
];
/// Words for anyone: need a word of talking or connecting.
const ANY_PERSON: &[&str] = &[
    "человек",
    "человеком",
    "люди",
    "людьми",
    "нибудь",
    "поддержка",
    "поддержкой",
    "person",
    "someone",
    "somebody",
    "people",
    "support",
    "team",
    "anyone",
];
const QUALIFIER: &[&str] = &[
    "живой",
    "живого",
    "живым",
    "реальный",
    "реальным",
    "настоящий",
    "настоящим",
    "real",
    "live",
    "actual",
];
/// Talking or connecting.
const TALK: &[&str] = &[
    "позвать",
    "позовите",
    "позови",
    "соединить",
    "соедините",
    "соедини",
    "переключить",
    "переключите",
    "переключи",
    "переведите",
    "перевести",
    "поговорить",
    "говорить",
    "связаться",
    "свяжите",
    "связать",
    "общаться",
    "пообщаться",
    "вызовите",
    "вызвать",
    "talk",
    "speak",
    "connect",
    "transfer",
    "chat",
    "call",
    "contact",
    "reach",
    "escalate",
    "switch",
];
/// Asking for something.
const ASK: &[&str] = &[
    "хочу",
    "хотим",
    "нужен",
    "нужна",
    "нужно",
    "можно",
    "дайте",
    "дай",
    "пригласите",
    "давайте",
    "want",
    "need",
    "get",
    "give",
    "request",
    "prefer",
    "where",
];
/// Words that may stand around a bare request without changing it.
const FILLER: &[&str] = &[
    "пожалуйста",
    "срочно",
    "сейчас",
    "скорее",
    "ну",
    "эй",
    "please",
    "now",
    "asap",
    "urgent",
    "urgently",
    "hey",
    "hi",
    "hello",
    "ok",
];
const NEGATION: &[&str] = &[
    "не", "нет", "ни", "без", "no", "not", "dont", "never", "without", "nobody", "doesnt", "didnt",
    "wont",
];

struct Lexicon {
    support_person: HashSet<String>,
    any_person: HashSet<String>,
    qualifier: HashSet<String>,
    talk: HashSet<String>,
    ask: HashSet<String>,
    filler: HashSet<String>,
    negation: HashSet<String>,
}

/// Stemmed once, so the lists above can be written in plain words.
static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let set = |words: &[&str]| words.iter().map(|w| text::stem(w)).collect();
    Lexicon {
        support_person: set(SUPPORT_PERSON),
        any_person: set(ANY_PERSON),
        qualifier: set(QUALIFIER),
        talk: set(TALK),
        ask: set(ASK),
        filler: set(FILLER),
        negation: set(NEGATION),
    }
});

/// The assistant's confirmation once a manager was requested (by words or the button).
pub fn handoff_confirmation(locale: Locale) -> &'static str {
    match locale {
        Locale::Ru => {
            "Зову менеджера — он подключится к чату в ближайшее время. Пока можно описать вопрос \
             подробнее."
        }
        Locale::En => {
            "I'm calling a manager: they'll join this chat shortly. Meanwhile, feel free to \
             describe your question in more detail."
        }
    }
}

/// Whether `text` asks for a human (manager, operator, live person) in Russian or English.
pub fn wants_human(text: &str) -> bool {
    // Clauses are judged apart so that a negation in one ("бот не помогает, позовите
    // оператора") does not reach into the next.
    text.split([',', '.', ';', '!', '?', ':', '…', '—', '\n'])
        .any(clause_wants_human)
}

fn clause_wants_human(clause: &str) -> bool {
    let words = text::words(clause);
    let stems: Vec<String> = words.iter().map(|w| text::stem(w)).collect();
    let lex = &*LEXICON;
    let is = |set: &HashSet<String>, i: usize| set.contains(&stems[i]);
    let is_person = |i: usize| is(&lex.support_person, i) || is(&lex.any_person, i);
    let is_request = |i: usize| is(&lex.talk, i) || is(&lex.ask, i);

    // A word is negated when one of the two words before it is a negation or a negated
    // request, so "don't want to talk to a human" cancels the whole chain.
    let mut negated = vec![false; stems.len()];
    for i in 0..stems.len() {
        negated[i] = (i.saturating_sub(2)..i)
            .any(|j| is(&lex.negation, j) || (negated[j] && (is_request(j) || is_person(j))));
    }
    let live = |i: usize| !negated[i];
    let near = |i: usize, pred: &dyn Fn(usize) -> bool| {
        (i.saturating_sub(4)..(i + 4).min(stems.len())).any(|j| j != i && live(j) && pred(j))
    };

    let qualified_person = (0..stems.len()).any(|i| {
        is(&lex.qualifier, i) && live(i) && (i + 1..(i + 3).min(stems.len())).any(is_person)
    });
    let bare_request = !stems.is_empty()
        && (0..stems.len()).all(|i| {
            is_person(i)
                || is_request(i)
                || is(&lex.qualifier, i)
                || is(&lex.filler, i)
                || text::is_stop(&words[i]) && !is(&lex.negation, i)
        })
        && (0..stems.len()).any(|i| {
            is(&lex.support_person, i) || (is(&lex.any_person, i) && near(i, &is_request))
        });
    let support_asked =
        (0..stems.len()).any(|i| is(&lex.support_person, i) && live(i) && near(i, &is_request));
    let anyone_to_talk = (0..stems.len())
        .any(|i| is(&lex.any_person, i) && live(i) && near(i, &|j| is(&lex.talk, j)));
    qualified_person || bare_request || support_asked || anyone_to_talk
}

#[cfg(test)]
mod tests {
    use super::wants_human;

    #[test]
    fn russian_requests_for_a_human() {
        for text in [
            "оператор",
            "Оператора!",
            "ОПЕРАТОРА ПОЖАЛУЙСТА",
            "менеджер",
            "Позовите менеджера",
            "можно менеджера?",
            "хочу поговорить с менеджером",
            "живой человек",
            "Дайте живого человека",
            "позовите человека",
            "соедините с сотрудником",
            "Переключите на оператора, пожалуйста",
            "хочу с человеком поговорить",
            "мне нужен консультант",
            "соедините с кем-нибудь",
            "бот не помогает, позовите оператора",
            "свяжите меня со специалистом",
            "нужен настоящий человек",
        ] {
            assert!(wants_human(text), "{text:?} should ask for a human");
        }
    }

    #[test]
    fn english_requests_for_a_human() {
        for text in [
            "human",
            "Human please",
            "AGENT",
            "operator!",
            "talk to someone",
            "I want to talk to a human",
            "Can I speak with a real person?",
            "connect me to an agent",
            "I need a person",
            "live agent please",
            "get me a manager",
            "transfer me to support",
            "the bot doesn't help, I want a human",
            "let me speak to a representative",
            "is there an actual human here",
        ] {
            assert!(wants_human(text), "{text:?} should ask for a human");
        }
    }

    #[test]
    fn unrelated_text_does_not_trigger() {
        for text in [
            "",
            "сколько стоит доставка?",
            "какой оператор связи у вас поддерживается?",
            "менеджер по продажам обещал скидку, где она?",
            "сколько человек в вашей команде?",
            "ваш сотрудник привёз не тот товар",
            "не нужен оператор, спасибо",
            "нет, менеджера не надо",
            "human resources policy",
            "the delivery agent was rude",
            "how many people work there?",
            "is this product safe for humans and pets?",
            "I don't want to talk to a human",
            "no operator needed, thanks",
            "what payment methods do you accept",
        ] {
            assert!(!wants_human(text), "{text:?} should not ask for a human");
        }
    }
}
