//! An OpenAI-compatible chat-completions provider (OpenAI, vLLM, llama.cpp, Ollama's
//! /v1, …): streams tokens as they come, retries what is safe to retry, and trips a
//! circuit breaker so a dead endpoint costs visitors no waiting.

use std::borrow::Cow;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::timeout;

use super::sse::SseDecoder;
use super::{Locale, MAX_REPLY_CHARS, Provider, Reply, ReplyRequest, ReplySource, Role, clip};
use crate::breaker::CircuitBreaker;

#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// Up to and including the version, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub model: String,
    /// Sent as `Authorization: Bearer …` unless empty; never logged.
    pub api_key: SecretString,
    /// The site's own prompt; `{site_name}` in it is replaced. `None`: a default that
    /// asks for short answers in the site's language and to offer the manager.
    pub system_prompt: Option<String>,
    /// How many earlier turns go with the question.
    pub context_messages: usize,
    /// The longest wait for the response headers, then for each next piece of the stream.
    pub timeout: Duration,
    /// The cap on a whole reply, retries included.
    pub total_timeout: Duration,
    /// Extra attempts after a connection error or a 429/5xx, only before any token was
    /// streamed (the visitor must never see a reply twice).
    pub max_retries: u32,
    /// The first retry's delay; each next one doubles (plus up to 50 % jitter).
    pub retry_backoff: Duration,
    /// Failed replies in a row that open the breaker …
    pub breaker_threshold: u32,
    /// … and for how long it stays open before one trial goes through.
    pub breaker_open_for: Duration,
}

impl OpenAiConfig {
    pub fn new(base_url: impl Into<String>, model: impl Into<String>, api_key: SecretString) -> Self {
        OpenAiConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key,
            system_prompt: None,
            context_messages: 10,
            timeout: Duration::from_secs(15),
            total_timeout: Duration::from_secs(60),
            max_retries: 2,
            retry_backoff: Duration::from_millis(300),
            breaker_threshold: 5,
            breaker_open_for: Duration::from_secs(30),
        }
    }
}

/// Keep one instance per site configuration: the circuit breaker lives in it.
pub struct OpenAiCompatible {
    cfg: OpenAiConfig,
    client: reqwest::Client,
    breaker: CircuitBreaker,
}

/// Why one attempt failed. Display never includes the API key.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// Without the URL, which for some providers carries a key.
    #[error("request failed: {0}")]
    Connect(#[source] reqwest::Error),
    #[error("provider answered HTTP {0}")]
    Status(u16),
    #[error("provider timed out")]
    Timeout,
    #[error("malformed stream: {0}")]
    Malformed(String),
    #[error("provider reported an error: {0}")]
    Api(String),
    #[error("provider returned no text")]
    Empty,
    #[error("the API key is not a valid header value")]
    BadKey,
}

impl Failure {
    fn retryable(&self) -> bool {
        match self {
            Failure::Connect(_) => true,
            Failure::Status(code) => *code == 429 || *code >= 500,
            _ => false,
        }
    }
}

impl OpenAiCompatible {
    pub fn new(cfg: OpenAiConfig) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder().connect_timeout(cfg.timeout).build()?;
        Ok(Self::with_client(cfg, client))
    }

    /// With a shared client (one connection pool for every site's provider).
    pub fn with_client(cfg: OpenAiConfig, client: reqwest::Client) -> Self {
        let breaker = CircuitBreaker::new(cfg.breaker_threshold, cfg.breaker_open_for);
        OpenAiCompatible { cfg, client, breaker }
    }

    /// Whether replies are currently short-circuited to the fallback.
    pub fn breaker_open(&self) -> bool {
        self.breaker.is_open()
    }

    async fn attempts(
        &self,
        body: &ChatRequest<'_>,
        deltas: Option<&UnboundedSender<String>>,
    ) -> Result<String, Failure> {
        let mut attempt = 0;
        loop {
            let mut streamed = false;
            match self.attempt(body, deltas, &mut streamed).await {
                Ok(text) => return Ok(text),
                Err(failure) if !streamed && failure.retryable() && attempt < self.cfg.max_retries => {
                    tracing::info!(%failure, attempt, "llm attempt failed, retrying");
                    tokio::time::sleep(backoff(self.cfg.retry_backoff, attempt)).await;
                    attempt += 1;
                }
                Err(failure) => return Err(failure),
            }
        }
    }

    /// One HTTP exchange. Sets `streamed` once a token went to the visitor.
    async fn attempt(
        &self,
        body: &ChatRequest<'_>,
        deltas: Option<&UnboundedSender<String>>,
        streamed: &mut bool,
    ) -> Result<String, Failure> {
        let url = format!("{}/chat/completions", self.cfg.base_url.trim_end_matches('/'));
        let mut request = self.client.post(url).json(body).header(ACCEPT, "text/event-stream");
        let key = self.cfg.api_key.expose_secret();
        if !key.is_empty() {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| Failure::BadKey)?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let response = timeout(self.cfg.timeout, request.send())
            .await
            .map_err(|_| Failure::Timeout)?
            .map_err(|e| Failure::Connect(e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Failure::Status(status.as_u16()));
        }
        let is_json = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if is_json {
            // A server that ignored `stream: true` and answered in one piece.
            let bytes = timeout(self.cfg.timeout, response.bytes())
                .await
                .map_err(|_| Failure::Timeout)?
                .map_err(|e| Failure::Connect(e.without_url()))?;
            let whole: Completion = serde_json::from_slice(&bytes).map_err(|e| Failure::Malformed(e.to_string()))?;
            let text = whole.choices.into_iter().next().and_then(|c| c.message.content);
            return non_empty(clip(text.unwrap_or_default()));
        }

        let mut stream = response.bytes_stream();
        let mut decoder = SseDecoder::default();
        let mut text = String::new();
        let mut chars = 0;
        let mut finished = false;
        loop {
            let next = timeout(self.cfg.timeout, stream.next()).await.map_err(|_| Failure::Timeout)?;
            let (events, ended) = match next {
                Some(chunk) => {
                    let chunk = chunk.map_err(|e| Failure::Connect(e.without_url()))?;
                    (decoder.push(&chunk), false)
                }
                None => (decoder.finish().into_iter().collect(), true),
            };
            for data in events {
                if data.trim() == "[DONE]" {
                    return non_empty(text);
                }
                let chunk: StreamChunk = serde_json::from_str(&data).map_err(|e| Failure::Malformed(e.to_string()))?;
                if let Some(error) = chunk.error {
                    return Err(Failure::Api(error.to_string()));
                }
                for choice in chunk.choices.into_iter().take(1) {
                    finished |= choice.finish_reason.is_some();
                    let Some(mut delta) = choice.delta.and_then(|d| d.content) else {
                        continue;
                    };
                    // A reply must fit in one message: what goes past that is not read.
                    let room = MAX_REPLY_CHARS - chars;
                    let full = delta.chars().count() >= room;
                    if full {
                        delta = delta.chars().take(room).collect();
                    }
                    if !delta.is_empty() {
                        *streamed = true;
                        chars += delta.chars().count();
                        text.push_str(&delta);
                        if let Some(tx) = deltas {
                            // The receiver may be gone (visitor left); the reply still counts.
                            let _ = tx.send(delta);
                        }
                    }
                    if full {
                        return non_empty(text);
                    }
                }
            }
            if ended {
                // Some servers omit [DONE] but do say why the choice finished.
                return if finished {
                    non_empty(text)
                } else {
                    Err(Failure::Malformed("stream ended before [DONE]".into()))
                };
            }
        }
    }

    /// Like [`Provider::reply`], with FAQ answers relevant to the question added to the
    /// system prompt, so the model answers from the site's own facts.
    pub async fn reply_with_knowledge(
        &self,
        req: &ReplyRequest,
        deltas: Option<UnboundedSender<String>>,
        knowledge: &[String],
    ) -> Reply {
        let Some(permit) = self.breaker.try_acquire() else {
            tracing::debug!("llm circuit open, falling back");
            return Reply::fallback(req.reply_locale());
        };
        let body = self.request_body(req, knowledge);
        let outcome = timeout(self.cfg.total_timeout, self.attempts(&body, deltas.as_ref()))
            .await
            .unwrap_or(Err(Failure::Timeout));
        match outcome {
            Ok(text) => {
                permit.success();
                Reply { text, offer_manager: false, source: ReplySource::Llm }
            }
            Err(failure) => {
                permit.failure();
                tracing::warn!(%failure, model = %self.cfg.model, "llm reply failed, falling back");
                Reply::fallback(req.reply_locale())
            }
        }
    }

    fn request_body<'a>(&'a self, req: &'a ReplyRequest, knowledge: &[String]) -> ChatRequest<'a> {
        let mut system = match &self.cfg.system_prompt {
            Some(prompt) => prompt.replace("{site_name}", &req.site_name),
            None => default_prompt(req.reply_locale(), &req.site_name),
        };
        if !knowledge.is_empty() {
            system.push_str(match req.reply_locale() {
                Locale::Ru => "\n\nОтвечай по этим сведениям из базы знаний, если они подходят:",
                Locale::En => "\n\nAnswer from these knowledge-base facts when they fit:",
            });
            for fact in knowledge {
                system.push_str("\n- ");
                system.push_str(fact);
            }
        }
        let mut messages = vec![ChatMessage { role: "system", content: Cow::Owned(system) }];
        messages.extend(req.context(self.cfg.context_messages).iter().map(|turn| ChatMessage {
            role: match turn.role {
                Role::Visitor => "user",
                Role::Ai | Role::Manager => "assistant",
            },
            content: Cow::Borrowed(turn.text.as_str()),
        }));
        messages.push(ChatMessage { role: "user", content: Cow::Borrowed(req.question.as_str()) });
        ChatRequest { model: &self.cfg.model, stream: true, messages }
    }
}

#[async_trait]
impl Provider for OpenAiCompatible {
    async fn reply(&self, req: &ReplyRequest, deltas: Option<UnboundedSender<String>>) -> Reply {
        self.reply_with_knowledge(req, deltas, &[]).await
    }
}

fn default_prompt(locale: Locale, site_name: &str) -> String {
    match locale {
        Locale::Ru => format!(
            "Ты — ассистент службы поддержки «{site_name}». Отвечай кратко и вежливо, по-русски. \
             Если не знаешь ответа, так и скажи и предложи позвать менеджера."
        ),
        Locale::En => format!(
            "You are the customer support assistant of {site_name}. Answer briefly and politely, \
             in English. If you do not know the answer, say so and offer to bring in a manager."
        ),
    }
}

/// The reply as it will be stored: trimmed, and not empty.
fn non_empty(text: String) -> Result<String, Failure> {
    match text.trim() {
        "" => Err(Failure::Empty),
        trimmed if trimmed.len() == text.len() => Ok(text),
        trimmed => Ok(trimmed.to_owned()),
    }
}

fn backoff(base: Duration, attempt: u32) -> Duration {
    let delay = base.saturating_mul(1 << attempt.min(10));
    let jitter_ms = rand::random_range(0..=delay.as_millis() as u64 / 2);
    delay + Duration::from_millis(jitter_ms)
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    stream: bool,
    messages: Vec<ChatMessage<'a>>,
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    role: &'static str,
    content: Cow<'a, str>,
}

#[derive(Deserialize)]
struct StreamChunk {
    #[serde(default)]
    choices: Vec<StreamChoice>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct StreamChoice {
    delta: Option<Delta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<CompletionChoice>,
}

#[derive(Deserialize)]
struct CompletionChoice {
    message: CompletionMessage,
}

#[derive(Deserialize)]
struct CompletionMessage {
    content: Option<String>,
}
