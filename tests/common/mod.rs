//! Test harness: real Postgres and Redis, a fresh database and Redis key prefix per
//! test (so tests run in parallel), nodes in-process on port 0 or as processes.
//!
//! Postgres/Redis come from `TEST_DATABASE_URL` / `TEST_REDIS_URL`, else the local
//! services on their default ports, else testcontainers (Postgres 16, Redis 7) when a
//! Docker engine is there; otherwise the test fails saying how to provide them.
#![allow(dead_code, unused_imports)]

mod backing;
mod embedded;
pub mod node;

use std::time::Duration;

pub use backing::{TestEnv, test_env};
pub use embedded::{
    Backend, EmbeddedNode, EmbeddedProcess, Refusal, TempDir, banner_value, embedded_vars, spawn_embedded,
};
pub use node::{Cluster, ProcessNode, TestNode, spawn_cluster, spawn_node};
use serde_json::{Value, json};
pub use sio_client::{Client as Sio, ConnectOptions};

/// The origin every test site allows (tests send it as a browser would).
pub const ORIGIN: &str = "http://widget.test";

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("http client")
}

/// `(status, json body)` of a request.
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn post(url: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = http().post(url).header("origin", ORIGIN).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

pub async fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = http().get(url).header("origin", ORIGIN);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

/// Connects a Socket.IO client to `ns` with a token, as a browser on [`ORIGIN`].
pub async fn sio(base: &str, ns: &str, token: &str) -> Sio {
    let opts = ConnectOptions::new(base, ns, json!({ "token": token }))
        .header("Origin", ORIGIN)
        .timeout(Duration::from_secs(10));
    Sio::connect(opts).await.expect("socket connects")
}

/// Sends `event` and returns the ack, asserting `ok: true`.
pub async fn ack_ok(c: &Sio, event: &str, data: Value) -> Value {
    let ack = c.emit_ack(event, data.clone()).await.expect("ack arrives");
    assert_eq!(ack["ok"], true, "{event} {data} failed: {ack}");
    ack
}

/// Sends `event` and returns the error code of the ack, asserting `ok: false`.
pub async fn ack_err(c: &Sio, event: &str, data: Value) -> String {
    let ack = c.emit_ack(event, data.clone()).await.expect("ack arrives");
    assert_eq!(ack["ok"], false, "{event} {data} should fail: {ack}");
    ack["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// Waits for an event matching `pred`, skipping others.
pub async fn wait_event(c: &mut Sio, event: &str, pred: impl Fn(&Value) -> bool) -> Value {
    loop {
        let (name, data) = c.next_event().await.unwrap_or_else(|e| panic!("waiting for {event}: {e:?}"));
        if name == event && pred(&data) {
            return data;
        }
    }
}

/// Creates a manager of `site` with `password`; returns (id, email). Shared by every
/// harness (cluster and single-backend).
pub async fn new_manager(
    store: &dyn store::Store,
    site: uuid::Uuid,
    password: &str,
    role: domain::Role,
    max_chats: Option<i32>,
) -> (uuid::Uuid, String) {
    let email = format!("m{}@example.test", uuid::Uuid::new_v4().simple());
    let hash = server::auth::PasswordHashing::new(1).hash(password).await.expect("hash");
    let new = store::NewManager {
        site_id: site,
        email: email.clone(),
        name: "Manager".into(),
        role,
        max_chats,
        password_hash: hash,
    };
    let m = store.create_manager(new).await.expect("manager");
    (m.id, email)
}

/// Logs in at `base`; returns the token.
pub async fn login_as(base: &str, email: &str, password: &str) -> String {
    let (status, body) =
        post(&format!("{base}/manager/auth"), None, json!({ "email": email, "password": password })).await;
    assert_eq!(status, 200, "login at {base} failed: {body}");
    body["token"].as_str().expect("token").to_owned()
}

/// A new visitor of `site_key` through `base`: (visitor id, token).
pub async fn new_visitor(base: &str, site_key: &str) -> (uuid::Uuid, String) {
    let (status, body) = post(&format!("{base}/widget/session"), None, json!({ "site_key": site_key })).await;
    assert_eq!(status, 200, "widget session at {base} failed: {body}");
    let id = body["visitor"]["id"].as_str().and_then(|s| s.parse().ok()).expect("visitor id");
    (id, body["visitor_token"].as_str().expect("token").to_owned())
}
