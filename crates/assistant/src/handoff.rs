//! Does a visitor ask for a human in words? Matching is on Snowball stems, so case and
//! inflection do not matter ("оператора", "Менеджером", "agents").
//!
//! Rules, in words:
//! - the whole message is nothing but a request: person, request, qualifier, filler and
//!   stop words with a person among them ("оператор", "человека!", "менеджера пожалуйста",
//!   "human please", "I need a person", "Hello, support?");
//! - a qualifier right before a person or a chat: "живой человек", "real person",
//!   "live chat";
//! - a support-person word ("оператор", "manager", "human") near any request word
//!   ("хочу", "позовите", "want", "talk");
//! - a generic person word ("человек", "someone", "support") near a word of talking or
//!   connecting ("поговорить", "соедините", "speak", "transfer").
//!
//! The last three are judged per clause, and a negation just before a word ("не нужен
//! оператор", "don't want to talk") cancels it.
//!
//! Decided: a support word inside unrelated text does not trigger, so "human resources
//! policy", "the delivery agent was rude", "я сам менеджер проекта" and "какой оператор
//! связи?" are not handoffs; asking whether a human is there ("is this a human?") is.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::provider::Locale;
use crate::text;

// The word lists stay compact on purpose: rustfmt would put one word per line.

/// Words for someone whose job is support: enough with any request word, or alone.
#[rustfmt::skip]
const SUPPORT_PERSON: &[&str] = &[
    "оператор", "менеджер", "консультант", "специалист", "сотрудник", "администратор",
    "operator", "manager", "agent", "human", "humans", "representative", "rep", "staff",
];
/// Words for anyone: need a word of talking or connecting, unless alone.
#[rustfmt::skip]
const ANY_PERSON: &[&str] = &[
    "человек", "человеком", "люди", "людьми", "нибудь", "поддержка", "поддержкой",
    "person", "someone", "somebody", "people", "support", "service", "team", "anyone",
];
/// What "live" may qualify besides a person: "live chat", "живой чат".
const CHANNEL: &[&str] = &["chat", "чат"];
#[rustfmt::skip]
const QUALIFIER: &[&str] = &[
    "живой", "живого", "живым", "реальный", "реальным", "настоящий", "настоящим",
    "real", "live", "actual",
];
/// Talking or connecting.
#[rustfmt::skip]
const TALK: &[&str] = &[
    "позвать", "позовите", "позови", "соединить", "соедините", "соедини", "переключить",
    "переключите", "переключи", "переведите", "перевести", "поговорить", "говорить",
    "связаться", "свяжите", "связать", "общаться", "пообщаться", "вызовите", "вызвать",
    "talk", "speak", "connect", "transfer", "chat", "call", "contact", "reach", "escalate",
    "switch",
];
/// Asking for something.
#[rustfmt::skip]
const ASK: &[&str] = &[
    "хочу", "хотим", "нужен", "нужна", "нужно", "можно", "дайте", "дай", "пригласите",
    "давайте", "want", "need", "get", "give", "request", "prefer", "where",
];
/// Words that may stand around a bare request without changing it.
#[rustfmt::skip]
const FILLER: &[&str] = &[
    "пожалуйста", "срочно", "сейчас", "скорее", "ну", "эй", "помощь", "помочь", "помогите",
    "служба", "службу", "службой", "please", "now", "asap", "urgent", "urgently", "hey",
    "hi", "hello", "ok", "help", "customer",
];
#[rustfmt::skip]
const NEGATION: &[&str] = &[
    "не", "нет", "ни", "без", "no", "not", "dont", "never", "without", "nobody", "doesnt",
    "didnt", "wont",
];

struct Lexicon {
    support_person: HashSet<String>,
    any_person: HashSet<String>,
    qualifier: HashSet<String>,
    channel: HashSet<String>,
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
        channel: set(CHANNEL),
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
    // The whole message may be nothing but a request ("Здравствуйте, оператора!") …
    Words::new(text).is_bare_request()
        // … or one clause asks. Clauses are judged apart so that a negation in one ("бот
        // не помогает, позовите оператора") does not reach into the next.
        || text
            .split([',', '.', ';', '!', '?', ':', '…', '—', '\n'])
            .any(|clause| Words::new(clause).asks_in_context())
}

/// A message or a clause, stemmed, with each word's negation worked out.
struct Words {
    words: Vec<String>,
    stems: Vec<String>,
    negated: Vec<bool>,
}

impl Words {
    fn new(text: &str) -> Self {
        let words = text::words(text);
        let stems: Vec<String> = words.iter().map(|w| text::stem(w)).collect();
        let mut this = Words { negated: vec![false; words.len()], words, stems };
        // A word is negated when one of the two words before it is a negation or a negated
        // request, so "don't want to talk to a human" cancels the whole chain.
        for i in 0..this.stems.len() {
            this.negated[i] = (i.saturating_sub(2)..i).any(|j| {
                this.is(&LEXICON.negation, j) || (this.negated[j] && (this.is_request(j) || this.is_person(j)))
            });
        }
        this
    }

    fn is(&self, set: &HashSet<String>, i: usize) -> bool {
        set.contains(&self.stems[i])
    }

    fn is_person(&self, i: usize) -> bool {
        self.is(&LEXICON.support_person, i) || self.is(&LEXICON.any_person, i)
    }

    fn is_request(&self, i: usize) -> bool {
        self.is(&LEXICON.talk, i) || self.is(&LEXICON.ask, i)
    }

    /// A word within four of `i` (either side) that is not negated and satisfies `pred`.
    fn near(&self, i: usize, pred: impl Fn(usize) -> bool) -> bool {
        (i.saturating_sub(4)..(i + 4).min(self.stems.len())).any(|j| j != i && !self.negated[j] && pred(j))
    }

    fn any(&self, pred: impl Fn(usize) -> bool) -> bool {
        (0..self.stems.len()).any(pred)
    }

    /// Only person, request, qualifier, filler and stop words, with a person among them:
    /// "оператор", "человека!", "human please", "I need a person", "Hello, support".
    fn is_bare_request(&self) -> bool {
        let lex = &*LEXICON;
        let allowed = |i: usize| {
            self.is_person(i)
                || self.is_request(i)
                || self.is(&lex.qualifier, i)
                || self.is(&lex.filler, i)
                || (text::is_stop(&self.words[i]) && !self.is(&lex.negation, i))
        };
        !self.stems.is_empty() && (0..self.stems.len()).all(allowed) && self.any(|i| self.is_person(i))
    }

    fn asks_in_context(&self) -> bool {
        let lex = &*LEXICON;
        let end = self.stems.len();
        // "живой человек", "real person", "live chat".
        let qualified = self.any(|i| {
            self.is(&lex.qualifier, i)
                && !self.negated[i]
                && (i + 1..(i + 3).min(end)).any(|j| self.is_person(j) || self.is(&lex.channel, j))
        });
        // "позовите менеджера", "I want an operator".
        let support_asked =
            self.any(|i| self.is(&lex.support_person, i) && !self.negated[i] && self.near(i, |j| self.is_request(j)));
        // "поговорить с человеком", "talk to someone".
        let anyone_to_talk =
            self.any(|i| self.is(&lex.any_person, i) && !self.negated[i] && self.near(i, |j| self.is(&lex.talk, j)));
        qualified || support_asked || anyone_to_talk
    }
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
            "нужна помощь человека",
            "поговорить с живым человеком",
            "человека!",
            "Можно с человеком пообщаться?",
            "Здравствуйте, оператора позовите",
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
            "live chat",
            "customer service",
            "can a person help me",
            "Hello, support?",
            "Where is my order? I need an agent.",
            // Decided: asking whether a human is there is taken as wanting one.
            "is this a human?",
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
            "я сам менеджер проекта",
            "спасибо, менеджер уже помог",
            "hi team, where is my order?",
            "помогите",
            "are you a bot?",
        ] {
            assert!(!wants_human(text), "{text:?} should not ask for a human");
        }
    }
}
