//! The visitor-facing assistant of AI mode: FAQ retrieval, handoff detection, reply
//! providers (built-in FAQ, OpenAI-compatible chat completions) and the handoff note.

mod breaker;
mod demo;
pub mod faq;
pub mod handoff;
pub mod provider;
mod settings;
mod summary;
pub mod text;

#[cfg(test)]
mod ranking_eval;

pub use demo::demo_faq;
pub use faq::{FaqEntry, FaqIndex, Match};
pub use handoff::wants_human;
pub use provider::{
    BuiltIn, DEFAULT_THRESHOLD, Locale, OpenAiCompatible, OpenAiConfig, Provider, Reply,
    ReplyRequest, ReplySource, Role, Turn, WithFaq,
};
pub use settings::{AssistantSettings, Assistants, ProviderKind};
pub use summary::summarize;
