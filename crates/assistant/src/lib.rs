//! The visitor-facing assistant of AI mode: FAQ retrieval (BM25 over question variants
//! with Russian/English stemming, a 0..1 confidence, typo correction), handoff detection
//! in words, reply providers behind one seam (built-in FAQ; an OpenAI-compatible
//! streaming endpoint with retries and a circuit breaker, grounded in the FAQ), the
//! handoff note for managers, and the demo site's FAQ.
//!
//! # How the server uses it
//!
//! One [`Assistants`] for the process: it keeps each site's model endpoint (and so its
//! circuit breaker) and FAQ index between replies, and replaces them when the settings
//! or the entries change. For each visitor message stored while the session is in `ai`:
//!
//! ```
//! use switchboard_assistant::{
//!     AssistantSettings, Assistants, FaqEntry, Locale, ReplyRequest, Turn, handoff_confirmation,
//!     summarize, wants_human,
//! };
//!
//! async fn on_visitor_message(
//!     assistants: &Assistants,
//!     site_id: uuid::Uuid,
//!     stored_settings: &serde_json::Value, // the site's `assistant` JSON column
//!     faq: &[FaqEntry],                    // the site's FAQ rows
//!     history: Vec<Turn>,                  // the session's messages, oldest first
//!     question: String,
//! ) {
//!     let locale = Locale::parse("ru"); // the site's locale
//!     if wants_human(&question) {
//!         // Request a manager as POST /manager/request does, then store
//!         // handoff_confirmation(locale) as the `ai` reply. On accept, store
//!         // summarize(&history, locale) as the managers-only note.
//!         let _ = (handoff_confirmation(locale), summarize(&history, locale));
//!         return;
//!     }
//!     let settings = AssistantSettings::parse(stored_settings).unwrap_or_default();
//!     let provider = assistants.provider(site_id, &settings, faq);
//!     let request = ReplyRequest { locale, site_name: "Demo".into(), history, question };
//!     let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
//!     let forward = tokio::spawn(async move {
//!         while let Some(_delta) = rx.recv().await {
//!             // emit `message:delta {session_id, reply_to, delta}` to the session's room
//!         }
//!     });
//!     let reply = provider.reply(&request, Some(tx)).await; // never fails
//!     let _ = forward.await;
//!     // Only if the session is still `ai`: store `reply.text` with sender "ai" and emit
//!     // `message:new`; the final message replaces the streamed draft.
//!     let _ = reply;
//! }
//! ```

mod breaker;
mod demo;
pub mod faq;
pub mod handoff;
pub mod provider;
mod registry;
mod settings;
mod summary;
pub mod text;

#[cfg(test)]
mod ranking_eval;

pub use demo::demo_faq;
pub use faq::{FaqEntry, FaqIndex, Match};
pub use handoff::{handoff_confirmation, wants_human};
pub use provider::{
    BuiltIn, DEFAULT_THRESHOLD, Locale, MAX_REPLY_CHARS, OpenAiCompatible, OpenAiConfig, Provider, Reply, ReplyRequest,
    ReplySource, Role, Turn, WithFaq,
};
pub use registry::Assistants;
pub use settings::{AssistantSettings, ProviderKind};
pub use summary::summarize;
