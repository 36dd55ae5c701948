//! The handoff note managers see when they accept a session: what the visitor asked the
//! assistant, in a line or two, taken from the visitor's own words.

use crate::handoff::wants_human;
use crate::provider::{Locale, Role, Turn};
use crate::text;

/// Longest quote of one message, in characters.
const QUOTE_CHARS: usize = 160;
/// A message this short that asks for a human is only the request, not the topic.
const BARE_REQUEST_WORDS: usize = 6;

/// A one- or two-line note: the visitor's first question and their latest one (requests
/// for a human left out), and how many messages they wrote.
pub fn summarize(history: &[Turn], locale: Locale) -> String {
    let visitor: Vec<&str> = history.iter().filter(|t| t.role == Role::Visitor).map(|t| t.text.as_str()).collect();
    let topical: Vec<&str> = visitor
        .iter()
        .copied()
        .filter(|t| !text::terms(t).is_empty())
        .filter(|t| !(wants_human(t) && text::words(t).len() <= BARE_REQUEST_WORDS))
        .collect();
    let (Some(first), Some(last)) = (topical.first(), topical.last()) else {
        return match locale {
            Locale::Ru => "Посетитель попросил менеджера, не задав вопроса.".into(),
            Locale::En => "The visitor asked for a manager without asking a question.".into(),
        };
    };
    let (first, last, n) = (quote(first), quote(last), visitor.len());
    match (locale, topical.len() > 1) {
        (Locale::Ru, false) => format!("Посетитель спросил: «{first}». Сообщений: {n}."),
        (Locale::Ru, true) => {
            format!("Посетитель спросил: «{first}»; последнее: «{last}». Сообщений: {n}.")
        }
        (Locale::En, false) => format!("The visitor asked: \"{first}\". Messages: {n}."),
        (Locale::En, true) => {
            format!("The visitor asked: \"{first}\"; latest: \"{last}\". Messages: {n}.")
        }
    }
}

/// One line, at most `QUOTE_CHARS` characters, cut at a word when possible.
fn quote(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= QUOTE_CHARS {
        return line;
    }
    let cut: String = line.chars().take(QUOTE_CHARS).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > QUOTE_CHARS / 2 => &cut[..space],
        _ => &cut,
    };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(list: &[(Role, &str)]) -> Vec<Turn> {
        list.iter().map(|(role, text)| Turn { role: *role, text: (*text).into() }).collect()
    }

    #[test]
    fn quotes_first_and_latest_question_without_the_handoff_request() {
        let history = turns(&[
            (Role::Visitor, "Здравствуйте!"),
            (Role::Ai, "Здравствуйте! Чем помочь?"),
            (Role::Visitor, "Где мой заказ\n№ 1042?"),
            (Role::Ai, "Трек-номер приходит в письме."),
            (Role::Visitor, "Письма нет, посылка потерялась?"),
            (Role::Visitor, "позовите оператора"),
        ]);
        assert_eq!(
            summarize(&history, Locale::Ru),
            "Посетитель спросил: «Где мой заказ № 1042?»; последнее: «Письма нет, посылка \
             потерялась?». Сообщений: 4."
        );
    }

    #[test]
    fn one_question_or_none() {
        let one = turns(&[(Role::Visitor, "Do you ship to Canada? I want a human")]);
        assert_eq!(
            summarize(&one, Locale::En),
            "The visitor asked: \"Do you ship to Canada? I want a human\". Messages: 1."
        );
        let none = turns(&[(Role::Visitor, "hi"), (Role::Visitor, "agent please")]);
        assert_eq!(summarize(&none, Locale::En), "The visitor asked for a manager without asking a question.");
        assert!(summarize(&[], Locale::Ru).contains("не задав вопроса"));
    }

    #[test]
    fn long_messages_are_cut_at_a_word() {
        let long = "слово ".repeat(60);
        let note = summarize(&turns(&[(Role::Visitor, &long)]), Locale::Ru);
        let quoted = note.split('«').nth(1).unwrap().split('»').next().unwrap();
        assert!(quoted.ends_with("слово…"), "{quoted}");
        assert!(quoted.chars().count() <= QUOTE_CHARS + 1);
    }
}
