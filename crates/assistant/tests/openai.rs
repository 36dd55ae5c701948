//! The OpenAI-compatible provider against a local chat-completions server (axum on
//! 127.0.0.1:0): streaming, retries, timeouts, malformed streams, the breaker, and the
//! FAQ-grounded wrapper.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures::stream::{self, StreamExt};
use secrecy::SecretString;
use serde_json::{Value, json};
use switchboard_assistant::{
    self as assistant, FaqEntry, FaqIndex, Locale, MAX_REPLY_CHARS, OpenAiCompatible, OpenAiConfig, Provider,
    ReplyRequest, ReplySource, Role, Turn, WithFaq,
};
use tokio::sync::mpsc;

/// The timeout of the tests that wait for one.
const SHORT: Duration = Duration::from_millis(300);

/// What the mock server does on each request.
#[derive(Clone)]
enum Behaviour {
    /// Answer 200 with these SSE body pieces, each written separately.
    Stream(Vec<Vec<u8>>),
    /// The first `n` requests get this status, the rest `then`.
    FailFirst(usize, u16, Box<Behaviour>),
    Status(u16),
    /// Never send the response headers.
    Hang,
    /// Send these pieces, then stall forever.
    StallAfter(Vec<Vec<u8>>),
    /// A plain JSON completion, as a server that ignores `stream: true` would.
    Json(Value),
}

#[derive(Clone)]
struct Mock {
    behaviour: Behaviour,
    hits: Arc<AtomicUsize>,
    last: Arc<Mutex<Option<(HeaderMap, Value)>>>,
}

async fn completions(State(mock): State<Mock>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let hit = mock.hits.fetch_add(1, Ordering::SeqCst) + 1;
    *mock.last.lock().unwrap() = Some((headers, body));
    respond(&mock.behaviour, hit).await
}

async fn respond(behaviour: &Behaviour, hit: usize) -> Response {
    let sse = |body: Body| ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response();
    let pieces = |chunks: &[Vec<u8>]| {
        let chunks: Vec<Result<Bytes, Infallible>> = chunks.iter().map(|c| Ok(Bytes::from(c.clone()))).collect();
        stream::iter(chunks)
    };
    match behaviour {
        Behaviour::Stream(chunks) => sse(Body::from_stream(pieces(chunks))),
        Behaviour::FailFirst(n, status, then) => {
            if hit <= *n {
                StatusCode::from_u16(*status).unwrap().into_response()
            } else {
                Box::pin(respond(then, hit)).await
            }
        }
        Behaviour::Status(status) => (StatusCode::from_u16(*status).unwrap(), "{\"error\":{}}").into_response(),
        Behaviour::Hang => std::future::pending().await,
        Behaviour::StallAfter(chunks) => sse(Body::from_stream(pieces(chunks).chain(stream::pending()))),
        Behaviour::Json(value) => Json(value.clone()).into_response(),
    }
}

struct Server {
    base_url: String,
    hits: Arc<AtomicUsize>,
    last: Arc<Mutex<Option<(HeaderMap, Value)>>>,
}

impl Server {
    async fn start(behaviour: Behaviour) -> Server {
        let mock = Mock { behaviour, hits: Arc::default(), last: Arc::default() };
        let (hits, last) = (mock.hits.clone(), mock.last.clone());
        let app = Router::new().route("/v1/chat/completions", post(completions)).with_state(mock);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { base_url: format!("http://{addr}/v1/"), hits, last }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn provider(&self, tune: impl FnOnce(&mut OpenAiConfig)) -> OpenAiCompatible {
        let mut cfg = OpenAiConfig::new(&self.base_url, "test-model", SecretString::from("sk-test-secret"));
        // Generous, so a busy machine never trips it; the timeout tests set `SHORT`.
        cfg.timeout = Duration::from_secs(5);
        cfg.retry_backoff = Duration::from_millis(10);
        tune(&mut cfg);
        OpenAiCompatible::new(cfg).unwrap()
    }
}

fn data(value: Value) -> Vec<u8> {
    format!("data: {value}\n\n").into_bytes()
}

fn delta(text: &str) -> Vec<u8> {
    data(json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]}))
}

fn happy_stream() -> Vec<Vec<u8>> {
    let mut chunks = vec![
        b": keep-alive\n\n".to_vec(),
        data(json!({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})),
        delta("Привет"),
        delta(", "),
        delta("world"),
        data(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})),
        b"data: [DONE]\n\n".to_vec(),
    ];
    // One event split across two network writes, inside a Cyrillic letter.
    let split = chunks.remove(2);
    let cut = String::from_utf8_lossy(&split).find('р').unwrap() + 1;
    chunks.insert(2, split[cut..].to_owned());
    chunks.insert(2, split[..cut].to_owned());
    chunks
}

fn request(locale: Locale) -> ReplyRequest {
    let turn = |role, text: &str| Turn { role, text: text.into() };
    ReplyRequest {
        locale,
        site_name: "Demo Shop".into(),
        history: vec![
            turn(Role::Visitor, "first"),
            turn(Role::Ai, "second"),
            turn(Role::Visitor, "third"),
            turn(Role::Ai, "fourth"),
            turn(Role::Visitor, "question?"),
        ],
        question: "question?".into(),
    }
}

async fn reply_collecting(provider: &OpenAiCompatible, req: &ReplyRequest) -> (assistant::Reply, Vec<String>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let reply = provider.reply(req, Some(tx)).await;
    let mut deltas = Vec::new();
    // The provider dropped its sender when it returned: this ends.
    while let Some(d) = rx.recv().await {
        deltas.push(d);
    }
    (reply, deltas)
}

fn assert_fallback(reply: &assistant::Reply) {
    assert_eq!(reply.source, ReplySource::Fallback, "{reply:?}");
    assert!(reply.offer_manager);
    assert!(reply.text.contains("manager"), "{reply:?}");
}

#[tokio::test]
async fn streams_deltas_and_returns_the_whole_text() {
    let server = Server::start(Behaviour::Stream(happy_stream())).await;
    let provider = server.provider(|c| c.context_messages = 2);
    let (reply, deltas) = reply_collecting(&provider, &request(Locale::En)).await;

    assert_eq!(deltas, ["Привет", ", ", "world"]);
    assert_eq!(reply.text, "Привет, world");
    assert_eq!(reply.source, ReplySource::Llm);
    assert!(!reply.offer_manager);

    let (headers, body) = server.last.lock().unwrap().clone().unwrap();
    assert_eq!(headers[header::AUTHORIZATION], "Bearer sk-test-secret");
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["stream"], true);
    let messages = body["messages"].as_array().unwrap();
    let roles: Vec<_> = messages.iter().map(|m| m["role"].as_str().unwrap()).collect();
    let texts: Vec<_> = messages.iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert!(texts[0].contains("Demo Shop"), "{texts:?}");
    // The last two turns before the question; the repeated question is not sent twice.
    assert_eq!(&texts[1..], ["third", "fourth", "question?"]);
}

#[tokio::test]
async fn a_custom_system_prompt_gets_the_site_name() {
    let server = Server::start(Behaviour::Stream(happy_stream())).await;
    let provider = server.provider(|c| c.system_prompt = Some("Be {site_name}'s helper.".into()));
    provider.reply(&request(Locale::En), None).await;
    let (_, body) = server.last.lock().unwrap().clone().unwrap();
    assert_eq!(body["messages"][0]["content"], "Be Demo Shop's helper.");
}

#[tokio::test]
async fn timeout_before_headers_falls_back_without_retrying() {
    let server = Server::start(Behaviour::Hang).await;
    let provider = server.provider(|c| {
        c.timeout = SHORT;
        c.max_retries = 2;
    });
    let started = tokio::time::Instant::now();
    let reply = provider.reply(&request(Locale::En), None).await;
    assert_fallback(&reply);
    assert_eq!(server.hits(), 1);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_stalled_stream_times_out_and_falls_back() {
    let server = Server::start(Behaviour::StallAfter(vec![delta("partial")])).await;
    let provider = server.provider(|c| {
        c.timeout = SHORT;
        c.max_retries = 2;
    });
    let question = ReplyRequest { question: "Где мой заказ?".into(), ..request(Locale::Ru) };
    let (reply, deltas) = reply_collecting(&provider, &question).await;
    assert_eq!(reply.source, ReplySource::Fallback);
    assert!(reply.text.contains("менеджер"), "{reply:?}");
    assert_eq!(deltas, ["partial"]);
    assert_eq!(server.hits(), 1, "never retried once a token reached the visitor");
}

#[tokio::test]
async fn http_500_is_retried_then_falls_back() {
    let server = Server::start(Behaviour::Status(500)).await;
    let provider = server.provider(|c| c.max_retries = 2);
    assert_fallback(&provider.reply(&request(Locale::En), None).await);
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_retry_after_503_can_succeed() {
    let server = Server::start(Behaviour::FailFirst(1, 503, Box::new(Behaviour::Stream(happy_stream())))).await;
    let provider = server.provider(|c| c.max_retries = 1);
    let (reply, deltas) = reply_collecting(&provider, &request(Locale::En)).await;
    assert_eq!(reply.source, ReplySource::Llm);
    assert_eq!(deltas.concat(), reply.text);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = Server::start(Behaviour::Status(401)).await;
    let provider = server.provider(|c| c.max_retries = 3);
    assert_fallback(&provider.reply(&request(Locale::En), None).await);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_malformed_stream_falls_back() {
    for body in [
        vec![delta("ok "), b"data: {not json\n\n".to_vec()],
        // Ends with neither [DONE] nor a finish_reason: truncated.
        vec![delta("cut short")],
        vec![data(json!({"error": {"message": "overloaded"}}))],
        vec![b"data: [DONE]\n\n".to_vec()],
    ] {
        let server = Server::start(Behaviour::Stream(body.clone())).await;
        let provider = server.provider(|c| c.max_retries = 2);
        let reply = provider.reply(&request(Locale::En), None).await;
        assert_fallback(&reply);
        assert_eq!(server.hits(), 1, "{body:?}");
    }
}

#[tokio::test]
async fn a_reply_stops_at_the_message_limit_and_is_trimmed() {
    // 100 pieces of 50 characters: 5000 in all, then a stream that never ends.
    let piece = "я".repeat(49) + " ";
    let mut chunks = vec![delta("\n\n")];
    chunks.extend((0..100).map(|_| delta(&piece)));
    let server = Server::start(Behaviour::StallAfter(chunks)).await;
    let (reply, deltas) = reply_collecting(&server.provider(|_| {}), &request(Locale::En)).await;
    assert_eq!(reply.source, ReplySource::Llm);
    assert_eq!(deltas.concat().chars().count(), MAX_REPLY_CHARS);
    assert!(reply.text.starts_with('я') && reply.text.chars().count() < MAX_REPLY_CHARS);
}

#[tokio::test]
async fn a_non_streaming_answer_is_accepted() {
    let completion = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": "Whole answer"}}]});
    let server = Server::start(Behaviour::Json(completion)).await;
    let reply = server.provider(|_| {}).reply(&request(Locale::En), None).await;
    assert_eq!((reply.text.as_str(), reply.source), ("Whole answer", ReplySource::Llm));
}

#[tokio::test]
async fn the_breaker_opens_after_consecutive_failures() {
    let server = Server::start(Behaviour::Status(500)).await;
    let provider = server.provider(|c| {
        c.max_retries = 0;
        c.breaker_threshold = 3;
        c.breaker_open_for = Duration::from_secs(3600);
    });
    for _ in 0..3 {
        assert_fallback(&provider.reply(&request(Locale::En), None).await);
    }
    assert_eq!(server.hits(), 3);
    assert!(provider.breaker_open());
    let reply = provider.reply(&request(Locale::En), None).await;
    assert_fallback(&reply);
    assert_eq!(server.hits(), 3, "an open breaker sends nothing");
}

#[tokio::test]
async fn an_unreachable_endpoint_falls_back() {
    // Bind, note the port, close: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut cfg = OpenAiConfig::new(format!("http://{addr}/v1"), "m", SecretString::from(""));
    cfg.retry_backoff = Duration::from_millis(1);
    let reply = OpenAiCompatible::new(cfg).unwrap().reply(&request(Locale::En), None).await;
    assert_fallback(&reply);
}

#[test]
fn the_api_key_is_not_in_debug_output() {
    let cfg = OpenAiConfig::new("http://127.0.0.1:1/v1", "m", SecretString::from("sk-very-secret"));
    assert!(!format!("{cfg:?}").contains("sk-very-secret"));
}

fn shipping_faq() -> Arc<FaqIndex> {
    let entry = FaqEntry {
        id: uuid::Uuid::new_v4(),
        questions: vec!["How much does shipping cost?".into()],
        answer: "Shipping is $5, free over $50.".into(),
    };
    Arc::new(FaqIndex::build(&[entry]))
}

fn ask(question: &str) -> ReplyRequest {
    ReplyRequest { question: question.into(), history: vec![], ..request(Locale::En) }
}

#[tokio::test]
async fn with_faq_puts_relevant_answers_in_the_prompt() {
    let server = Server::start(Behaviour::Stream(happy_stream())).await;
    let grounded = WithFaq { llm: Arc::new(server.provider(|_| {})), index: shipping_faq(), threshold: 0.45 };
    let reply = grounded.reply(&ask("what does shipping cost?"), None).await;
    assert_eq!(reply.source, ReplySource::Llm);
    let (_, body) = server.last.lock().unwrap().clone().unwrap();
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("- Shipping is $5, free over $50."), "{system}");

    grounded.reply(&ask("tell me a joke"), None).await;
    let (_, body) = server.last.lock().unwrap().clone().unwrap();
    assert!(!body["messages"][0]["content"].as_str().unwrap().contains("Shipping is"));
}

#[tokio::test]
async fn with_faq_answers_from_the_faq_when_the_model_fails() {
    let server = Server::start(Behaviour::Status(500)).await;
    let grounded =
        WithFaq { llm: Arc::new(server.provider(|c| c.max_retries = 0)), index: shipping_faq(), threshold: 0.45 };
    let reply = grounded.reply(&ask("shipping cost?"), None).await;
    assert_eq!((reply.text.as_str(), reply.source), ("Shipping is $5, free over $50.", ReplySource::Faq));
    assert_fallback(&grounded.reply(&ask("tell me a joke"), None).await);
}
