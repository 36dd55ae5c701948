//! The reply seam: one trait, a provider per site. A provider never fails outward: any
//! failure becomes a polite fallback that offers the manager, so the visitor is never
//! met with silence.

mod builtin;
mod grounded;
mod openai;
mod sse;

pub use builtin::{BuiltIn, DEFAULT_THRESHOLD};
pub use grounded::WithFaq;
pub use openai::{OpenAiCompatible, OpenAiConfig};

use async_trait::async_trait;
use domain::SenderKind;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

/// The longest reply, in characters: a stored message's limit, so every reply can be
/// stored as it is.
pub const MAX_REPLY_CHARS: usize = domain::MessageText::MAX_CHARS;

/// `text` cut to [`MAX_REPLY_CHARS`].
pub(crate) fn clip(text: String) -> String {
    match text.char_indices().nth(MAX_REPLY_CHARS) {
        Some((cut, _)) => text[..cut].to_owned(),
        None => text,
    }
}

/// The language of the assistant's own texts (fallbacks, "not sure", the default prompt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    Ru,
    #[default]
    En,
}

impl Locale {
    /// "ru", "ru-RU", "RU" → Russian; anything else → English.
    pub fn parse(s: &str) -> Locale {
        let lang = s.split(['-', '_']).next().unwrap_or_default();
        if lang.eq_ignore_ascii_case("ru") { Locale::Ru } else { Locale::En }
    }

    /// The language a text is written in, by its letters: mostly Cyrillic → Russian,
    /// mostly Latin → English, no letters → `None`.
    pub fn detect(text: &str) -> Option<Locale> {
        let (mut cyrillic, mut latin) = (0usize, 0usize);
        for c in text.chars() {
            if matches!(c, '\u{0400}'..='\u{04FF}') {
                cyrillic += 1;
            } else if c.is_ascii_alphabetic() {
                latin += 1;
            }
        }
        match (cyrillic, latin) {
            (0, 0) => None,
            (c, l) if c >= l => Some(Locale::Ru),
            _ => Some(Locale::En),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }
}

/// Who said a turn of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Visitor,
    Ai,
    Manager,
}

impl Role {
    /// The role of a stored message's sender; system messages are not conversation.
    pub fn from_sender(sender: SenderKind) -> Option<Role> {
        match sender {
            SenderKind::Visitor => Some(Role::Visitor),
            SenderKind::Ai => Some(Role::Ai),
            SenderKind::Manager => Some(Role::Manager),
            SenderKind::System => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Turn {
    pub role: Role,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyRequest {
    /// The site's locale; a question written in the other language is answered in it.
    pub locale: Locale,
    pub site_name: String,
    /// The conversation so far, oldest first. It may or may not end with the question
    /// itself; providers drop such a duplicate.
    pub history: Vec<Turn>,
    /// The visitor message to answer.
    pub question: String,
}

impl ReplyRequest {
    /// The language to answer in: the visitor's, when the question shows it, else the
    /// site's (`locale`).
    pub fn reply_locale(&self) -> Locale {
        Locale::detect(&self.question).unwrap_or(self.locale)
    }

    /// The last `n` turns before the question.
    pub fn context(&self, n: usize) -> &[Turn] {
        let mut turns = self.history.as_slice();
        if let Some((last, rest)) = turns.split_last()
            && last.role == Role::Visitor
            && last.text.trim() == self.question.trim()
        {
            turns = rest;
        }
        &turns[turns.len().saturating_sub(n)..]
    }
}

/// Where a reply came from (for logs and metrics; the visitor sees only `text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplySource {
    /// An FAQ answer above the confidence threshold.
    Faq,
    /// A greeting or thanks with no question in it.
    SmallTalk,
    /// The built-in assistant found nothing confident enough.
    NotSure,
    /// The language model.
    Llm,
    /// The provider failed (timeout, error, malformed stream, circuit open).
    Fallback,
}

impl ReplySource {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplySource::Faq => "faq",
            ReplySource::SmallTalk => "small_talk",
            ReplySource::NotSure => "not_sure",
            ReplySource::Llm => "llm",
            ReplySource::Fallback => "fallback",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    /// Whether the reply offers the manager (the widget may highlight its button).
    pub offer_manager: bool,
    pub source: ReplySource,
}

impl Reply {
    /// What the visitor gets when a provider fails.
    pub fn fallback(locale: Locale) -> Reply {
        let text = match locale {
            Locale::Ru => {
                "Извините, сейчас я не могу ответить. Могу позвать менеджера: напишите «менеджер» \
                 или нажмите кнопку вызова."
            }
            Locale::En => {
                "Sorry, I can't answer right now. I can bring in a manager: type \"manager\" or \
                 press the button to call one."
            }
        };
        Reply { text: text.into(), offer_manager: true, source: ReplySource::Fallback }
    }

    pub(crate) fn not_sure(locale: Locale) -> Reply {
        let text = match locale {
            Locale::Ru => {
                "Не уверен, что знаю точный ответ на этот вопрос. Могу позвать менеджера: \
                 напишите «менеджер» или нажмите кнопку вызова."
            }
            Locale::En => {
                "I'm not sure I know the right answer to that. I can bring in a manager: type \
                 \"manager\" or press the button to call one."
            }
        };
        Reply { text: text.into(), offer_manager: true, source: ReplySource::NotSure }
    }

    pub(crate) fn small_talk(locale: Locale, site_name: &str) -> Reply {
        let text = match locale {
            Locale::Ru => format!(
                "Здравствуйте! Я ассистент {site_name}. Спросите меня о заказе, доставке, оплате \
                 или возврате, а если нужен человек, напишите «менеджер»."
            ),
            Locale::En => format!(
                "Hello! I'm the {site_name} assistant. Ask me about orders, shipping, payment or \
                 returns, and type \"manager\" if you'd rather talk to a person."
            ),
        };
        Reply { text, offer_manager: false, source: ReplySource::SmallTalk }
    }
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// Answers `req.question`. Streaming providers send each piece of text to `deltas` as
    /// it arrives (their concatenation is a prefix of the final text, unless the provider
    /// fails midway and falls back); the returned reply is authoritative.
    async fn reply(&self, req: &ReplyRequest, deltas: Option<UnboundedSender<String>>) -> Reply;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(role: Role, text: &str) -> Turn {
        Turn { role, text: text.into() }
    }

    #[test]
    fn locale_parse() {
        assert_eq!(Locale::parse("ru"), Locale::Ru);
        assert_eq!(Locale::parse("RU-ru"), Locale::Ru);
        assert_eq!(Locale::parse("en"), Locale::En);
        assert_eq!(Locale::parse(""), Locale::En);
        assert_eq!(Locale::parse("rus"), Locale::En);
    }

    #[test]
    fn the_reply_follows_the_visitors_language() {
        assert_eq!(Locale::detect("Где мой заказ #123?"), Some(Locale::Ru));
        assert_eq!(Locale::detect("where is заказ"), Some(Locale::En));
        assert_eq!(Locale::detect("123 ?!"), None);
        let mut req =
            ReplyRequest { locale: Locale::Ru, site_name: "Shop".into(), history: vec![], question: "hello?".into() };
        assert_eq!(req.reply_locale(), Locale::En);
        req.question = "42".into();
        assert_eq!(req.reply_locale(), Locale::Ru);
    }

    #[test]
    fn context_drops_the_repeated_question_and_keeps_the_last_n() {
        let req = ReplyRequest {
            locale: Locale::En,
            site_name: "Shop".into(),
            history: vec![
                turn(Role::Visitor, "a"),
                turn(Role::Ai, "b"),
                turn(Role::Visitor, "c"),
                turn(Role::Ai, "d"),
                turn(Role::Visitor, "question "),
            ],
            question: "question".into(),
        };
        assert_eq!(req.context(2), &req.history[2..4]);
        assert_eq!(req.context(10), &req.history[..4]);
        assert!(req.context(0).is_empty());
    }
}
