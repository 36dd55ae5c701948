//! The providers of every site: the registry keeps each site's model endpoint (its
//! circuit breaker and connection pool must outlive one reply) and FAQ index, and
//! replaces them when the site's settings or entries change.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use uuid::Uuid;

use crate::faq::{FaqEntry, FaqIndex};
use crate::provider::{BuiltIn, OpenAiCompatible, Provider, WithFaq};
use crate::settings::{AssistantSettings, ProviderKind};

/// Providers per site. Model endpoints are kept between replies (their circuit breaker
/// and connection pool must persist) and replaced when the site's settings change; the
/// FAQ index is rebuilt on each call, which costs microseconds for a site's FAQ.
pub struct Assistants {
    client: reqwest::Client,
    llms: Mutex<HashMap<Uuid, (u64, Arc<OpenAiCompatible>)>>,
    /// Each site's index with the fingerprint of the entries it was built from: hashing
    /// the entries is far cheaper than stemming them again.
    indexes: Mutex<HashMap<Uuid, (u64, Arc<FaqIndex>)>>,
}

impl Assistants {
    pub fn new() -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).build()?;
        Ok(Assistants { client, llms: Mutex::default(), indexes: Mutex::default() })
    }

    /// The provider for `site_id` with its settings and FAQ.
    pub fn provider(&self, site_id: Uuid, settings: &AssistantSettings, faq: &[FaqEntry]) -> Arc<dyn Provider> {
        let index = self.index(site_id, faq);
        let threshold = settings.threshold();
        if settings.provider == ProviderKind::Builtin {
            return Arc::new(BuiltIn { index, threshold });
        }
        if let Err(problem) = settings.validate() {
            tracing::warn!(%site_id, %problem, "invalid model settings, using the built-in assistant");
            return Arc::new(BuiltIn { index, threshold });
        }
        let fingerprint = settings.endpoint_fingerprint();
        let mut llms = lock(&self.llms);
        let llm = match llms.get(&site_id) {
            Some((f, llm)) if *f == fingerprint => llm.clone(),
            _ => {
                let llm = Arc::new(OpenAiCompatible::with_client(settings.openai_config(), self.client.clone()));
                llms.insert(site_id, (fingerprint, llm.clone()));
                llm
            }
        };
        Arc::new(WithFaq { llm, index, threshold })
    }

    /// The site's FAQ index, rebuilt only when the entries changed.
    pub fn index(&self, site_id: Uuid, faq: &[FaqEntry]) -> Arc<FaqIndex> {
        let mut h = DefaultHasher::new();
        faq.hash(&mut h);
        let fingerprint = h.finish();
        let mut indexes = lock(&self.indexes);
        match indexes.get(&site_id) {
            Some((f, index)) if *f == fingerprint => index.clone(),
            _ => {
                let index = Arc::new(FaqIndex::build(faq));
                indexes.insert(site_id, (fingerprint, index.clone()));
                index
            }
        }
    }

    /// Drops what is kept for a site (the site was deleted).
    pub fn forget(&self, site_id: Uuid) {
        lock(&self.llms).remove(&site_id);
        lock(&self.indexes).remove(&site_id);
    }
}

/// The maps stay consistent under a panic (one insert or remove), so a poisoned lock is
/// safe to reuse.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;
    use serde_json::json;

    use super::*;
    use crate::demo::demo_faq;
    use crate::provider::Locale;

    #[test]
    fn the_model_endpoint_is_kept_until_its_settings_change() {
        let assistants = Assistants::new().unwrap();
        let site = Uuid::new_v4();
        let a = json!({"provider": "openai", "base_url": "http://127.0.0.1:1/v1", "model": "m", "api_key": "k1"});
        let a = AssistantSettings::parse(&a).unwrap();
        let cached = |s: &AssistantSettings| {
            assistants.provider(site, s, &[]);
            assistants.llms.lock().unwrap()[&site].1.clone()
        };
        let first = cached(&a);
        assert!(Arc::ptr_eq(&first, &cached(&a)));
        let mut b = a.clone();
        b.api_key = Some(SecretString::from("k2"));
        assert!(!Arc::ptr_eq(&first, &cached(&b)), "a new key makes a new endpoint");
    }

    #[test]
    fn the_index_is_rebuilt_only_when_entries_change() {
        let assistants = Assistants::new().unwrap();
        let site = Uuid::new_v4();
        let mut faq = demo_faq(Locale::En);
        let first = assistants.index(site, &faq);
        assert!(Arc::ptr_eq(&first, &assistants.index(site, &faq)));
        faq[0].answer.push_str(" Updated.");
        assert!(!Arc::ptr_eq(&first, &assistants.index(site, &faq)));
        assert!(!Arc::ptr_eq(&first, &assistants.index(Uuid::new_v4(), &faq)));
    }
}
