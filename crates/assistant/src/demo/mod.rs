//! The demo site's FAQ: an online shop's usual questions, in Russian and English. The
//! server seeds it into the demo site; the ranking evaluation measures against it.

use uuid::Uuid;

mod en;
mod ru;

use crate::faq::FaqEntry;
use crate::provider::Locale;

/// One demo entry with a topic name that tests refer to.
pub(crate) struct DemoEntry {
    /// Read only by the ranking evaluation.
    #[cfg_attr(not(test), allow(dead_code))]
    pub topic: &'static str,
    pub questions: &'static [&'static str],
    pub answer: &'static str,
}

/// The demo FAQ of `locale`, with fresh ids (each seeded site owns its own rows).
pub fn demo_faq(locale: Locale) -> Vec<FaqEntry> {
    table(locale)
        .iter()
        .map(|e| FaqEntry {
            id: Uuid::new_v4(),
            questions: e.questions.iter().map(|q| q.to_string()).collect(),
            answer: e.answer.to_owned(),
        })
        .collect()
}

pub(crate) fn table(locale: Locale) -> &'static [DemoEntry] {
    match locale {
        Locale::Ru => ru::ENTRIES,
        Locale::En => en::ENTRIES,
    }
}

pub(crate) const fn e(topic: &'static str, questions: &'static [&'static str], answer: &'static str) -> DemoEntry {
    DemoEntry { topic, questions, answer }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_faq_has_at_least_15_entries_with_variants_per_locale() {
        for locale in [Locale::Ru, Locale::En] {
            let faq = demo_faq(locale);
            assert!(faq.len() >= 15, "{locale:?}: {}", faq.len());
            assert!(faq.iter().all(|e| e.questions.len() >= 2 && !e.answer.is_empty()));
            let topics: std::collections::HashSet<_> = table(locale).iter().map(|e| e.topic).collect();
            assert_eq!(topics.len(), faq.len(), "topics are unique");
        }
    }
}
