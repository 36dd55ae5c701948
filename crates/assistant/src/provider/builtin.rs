//! The built-in assistant: answers from the site's FAQ, no network.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;

use super::{Provider, Reply, ReplyRequest, ReplySource, clip};
use crate::faq::FaqIndex;
use crate::text;

/// The confidence below which the built-in assistant says it is not sure. Chosen on the
/// ranking evaluation (`ranking_eval`): it keeps most right answers and turns away
/// questions the FAQ does not cover.
pub const DEFAULT_THRESHOLD: f64 = 0.45;

pub struct BuiltIn {
    pub index: Arc<FaqIndex>,
    /// 0..1, compared with [`crate::Match::confidence`].
    pub threshold: f64,
}

impl BuiltIn {
    pub fn new(index: Arc<FaqIndex>) -> Self {
        BuiltIn { index, threshold: DEFAULT_THRESHOLD }
    }
}

#[async_trait]
impl Provider for BuiltIn {
    async fn reply(&self, req: &ReplyRequest, _deltas: Option<UnboundedSender<String>>) -> Reply {
        // A message of nothing but stop words ("привет", "hello, thanks") asks nothing.
        if text::terms(&req.question).is_empty() {
            return Reply::small_talk(req.reply_locale(), &req.site_name);
        }
        match self.index.best(&req.question) {
            Some(m) if m.confidence >= self.threshold => {
                Reply { text: clip(m.answer), offer_manager: false, source: ReplySource::Faq }
            }
            _ => Reply::not_sure(req.reply_locale()),
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::faq::FaqEntry;
    use crate::provider::Locale;

    fn provider() -> BuiltIn {
        let entry =
            FaqEntry {
                id: Uuid::new_v4(), questions: vec!["Сколько стоит доставка?".into()], answer: "300 ₽".into()
            };
        BuiltIn::new(Arc::new(FaqIndex::build(&[entry])))
    }

    fn ask(question: &str, locale: Locale) -> ReplyRequest {
        ReplyRequest { locale, site_name: "Demo".into(), history: vec![], question: question.into() }
    }

    #[tokio::test]
    async fn answers_confidently_or_offers_the_manager() {
        let p = provider();
        let r = p.reply(&ask("Доставку сколько стоит?", Locale::Ru), None).await;
        assert_eq!((r.text.as_str(), r.source), ("300 ₽", ReplySource::Faq));
        assert!(!r.offer_manager);

        let r = p.reply(&ask("доставка на Марс в субботу", Locale::Ru), None).await;
        assert_eq!(r.source, ReplySource::NotSure);
        assert!(r.offer_manager && r.text.contains("менеджер"), "{r:?}");

        let r = p.reply(&ask("what is love", Locale::En), None).await;
        assert_eq!(r.source, ReplySource::NotSure);
        assert!(r.text.contains("manager"), "{r:?}");
    }

    #[tokio::test]
    async fn greetings_get_small_talk() {
        let r = provider().reply(&ask("Здравствуйте!", Locale::Ru), None).await;
        assert_eq!(r.source, ReplySource::SmallTalk);
        assert!(r.text.contains("Demo"));
    }
}
