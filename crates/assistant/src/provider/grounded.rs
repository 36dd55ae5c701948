//! The language model grounded in the site's FAQ: the entries closest to the question go
//! into the prompt, and when the model fails a confident FAQ answer beats an apology.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::{OpenAiCompatible, Provider, Reply, ReplyRequest, ReplySource, clip};
use crate::faq::FaqIndex;

/// FAQ answers this close to the question are offered to the model as facts; the model
/// judges relevance itself, so the bar is lower than for answering directly.
const KNOWLEDGE_MIN_CONFIDENCE: f64 = 0.25;
const KNOWLEDGE_ENTRIES: usize = 3;

pub struct WithFaq {
    /// Long-lived: its circuit breaker must outlive one reply.
    pub llm: Arc<OpenAiCompatible>,
    pub index: Arc<FaqIndex>,
    /// The confidence an FAQ answer needs to stand in for a failed model reply.
    pub threshold: f64,
}

#[async_trait]
impl Provider for WithFaq {
    async fn reply(&self, req: &ReplyRequest, deltas: Option<UnboundedSender<String>>) -> Reply {
        let matches = self.index.top(&req.question, KNOWLEDGE_ENTRIES);
        let knowledge: Vec<String> =
            matches.iter().filter(|m| m.confidence >= KNOWLEDGE_MIN_CONFIDENCE).map(|m| m.answer.clone()).collect();
        let reply = self.llm.reply_with_knowledge(req, deltas, &knowledge).await;
        match matches.into_iter().next() {
            Some(best) if reply.source == ReplySource::Fallback && best.confidence >= self.threshold => {
                Reply { text: clip(best.answer), offer_manager: false, source: ReplySource::Faq }
            }
            _ => reply,
        }
    }
}
