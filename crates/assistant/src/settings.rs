//! A site's assistant settings as the store keeps them: a JSON object, `{}` meaning the
//! built-in assistant with defaults.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::provider::{DEFAULT_THRESHOLD, OpenAiConfig};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// FAQ retrieval, no network.
    #[default]
    #[serde(alias = "built_in")]
    Builtin,
    /// An OpenAI-compatible chat-completions endpoint, grounded in the FAQ.
    #[serde(alias = "openai_compatible")]
    Openai,
}

/// Every field is optional in the JSON; a missing one takes its default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AssistantSettings {
    pub provider: ProviderKind,
    /// FAQ confidence (0..1) needed to answer; default [`DEFAULT_THRESHOLD`].
    pub threshold: Option<f64>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<SecretString>,
    /// `{site_name}` in it is replaced.
    pub system_prompt: Option<String>,
    pub context_messages: Option<usize>,
    pub timeout_ms: Option<u64>,
    pub max_retries: Option<u32>,
}

impl AssistantSettings {
    /// Parses and validates stored or submitted settings; the error is a message fit for
    /// a `validation_failed` reply.
    pub fn parse(value: &Value) -> Result<Self, String> {
        let settings: AssistantSettings =
            serde_json::from_value(value.clone()).map_err(|e| format!("assistant settings: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), String> {
        if let Some(t) = self.threshold
            && !(0.0..=1.0).contains(&t)
        {
            return Err("threshold must be between 0 and 1".into());
        }
        if self.context_messages.is_some_and(|n| n > 50) {
            return Err("context_messages must be at most 50".into());
        }
        if self.timeout_ms.is_some_and(|ms| !(1_000..=120_000).contains(&ms)) {
            return Err("timeout_ms must be between 1000 and 120000".into());
        }
        if self.max_retries.is_some_and(|n| n > 5) {
            return Err("max_retries must be at most 5".into());
        }
        if self.provider == ProviderKind::Openai {
            let url = self.base_url.as_deref().unwrap_or_default();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err("base_url must be an http(s) URL".into());
            }
            if self.model.as_deref().is_none_or(|m| m.trim().is_empty()) {
                return Err("model is required".into());
            }
        }
        Ok(())
    }

    pub fn threshold(&self) -> f64 {
        self.threshold.unwrap_or(DEFAULT_THRESHOLD)
    }

    /// The settings as an admin may see them: the key replaced by whether one is set.
    pub fn redacted(&self) -> Value {
        json!({
            "provider": self.provider,
            "threshold": self.threshold(),
            "base_url": self.base_url,
            "model": self.model,
            "api_key_set": self.api_key.as_ref().is_some_and(|k| !k.expose_secret().is_empty()),
            "system_prompt": self.system_prompt,
            "context_messages": self.context_messages,
            "timeout_ms": self.timeout_ms,
            "max_retries": self.max_retries,
        })
    }

    pub(crate) fn openai_config(&self) -> OpenAiConfig {
        let key = self.api_key.clone().unwrap_or_else(|| SecretString::from(""));
        let mut cfg =
            OpenAiConfig::new(self.base_url.clone().unwrap_or_default(), self.model.clone().unwrap_or_default(), key);
        cfg.system_prompt = self.system_prompt.clone();
        if let Some(n) = self.context_messages {
            cfg.context_messages = n;
        }
        if let Some(ms) = self.timeout_ms {
            cfg.timeout = Duration::from_millis(ms);
        }
        if let Some(n) = self.max_retries {
            cfg.max_retries = n;
        }
        cfg
    }

    /// Tells apart two configurations of the model endpoint (key included, hashed).
    pub(crate) fn endpoint_fingerprint(&self) -> u64 {
        let mut h = DefaultHasher::new();
        (&self.base_url, &self.model, &self.system_prompt).hash(&mut h);
        (self.context_messages, self.timeout_ms, self.max_retries).hash(&mut h);
        self.api_key.as_ref().map(|k| k.expose_secret().to_owned()).hash(&mut h);
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_is_the_builtin_with_defaults() {
        let s = AssistantSettings::parse(&json!({})).unwrap();
        assert_eq!(s.provider, ProviderKind::Builtin);
        assert_eq!(s.threshold(), DEFAULT_THRESHOLD);
    }

    #[test]
    fn openai_needs_url_and_model_and_bounds_hold() {
        assert!(AssistantSettings::parse(&json!({"provider": "openai"})).is_err());
        assert!(AssistantSettings::parse(&json!({"provider": "openai", "base_url": "ftp://x", "model": "m"})).is_err());
        assert!(AssistantSettings::parse(&json!({"threshold": 1.5})).is_err());
        assert!(AssistantSettings::parse(&json!({"timeout_ms": 10})).is_err());
        assert!(AssistantSettings::parse(&json!({"provider": "gpt"})).is_err());
        let ok = json!({"provider": "openai", "base_url": "http://127.0.0.1:1/v1", "model": "m", "api_key": "sk-x"});
        assert!(AssistantSettings::parse(&ok).is_ok());
    }

    #[test]
    fn redacted_never_shows_the_key() {
        let s = AssistantSettings::parse(
            &json!({"provider": "openai", "base_url": "https://a/v1", "model": "m", "api_key": "sk-secret"}),
        )
        .unwrap();
        let shown = s.redacted().to_string();
        assert!(!shown.contains("sk-secret") && shown.contains("\"api_key_set\":true"), "{shown}");
        assert!(!format!("{s:?}").contains("sk-secret"));
    }
}
