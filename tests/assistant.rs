//! Issue 7 (server side): one assistant reply per visitor message, handoff in words,
//! silence after handoff, FAQ answers, the managers' handoff note.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

async fn history(c: &Cluster, node: usize, token: &str, session: &str) -> Vec<Value> {
    let (s, h) = get(&format!("{}/sessions/{session}/messages?limit=500", c.url(node)), Some(token)).await;
    assert_eq!(s, 200, "{h}");
    h["messages"].as_array().unwrap().clone()
}

/// Waits until the session's history satisfies `done`.
async fn until(c: &Cluster, token: &str, session: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let h = history(c, 0, token, session).await;
        if done(&h) {
            return h;
        }
        assert!(Instant::now() < deadline, "history never got there: {h:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn count(h: &[Value], sender: &str) -> usize {
    h.iter().filter(|m| m["sender"] == sender).count()
}

#[tokio::test]
async fn one_reply_per_visitor_message_across_nodes() {
    let c = spawn_cluster(2).await;
    let admin = c.login(1, &c.admin_email).await;
    let faq = json!({ "questions": ["How long does delivery take?", "When will my order arrive?"], "answer": "Delivery takes 2-3 business days." });
    let (s, b) = post(&format!("{}/manager/faq", c.url(1)), Some(&admin), faq).await;
    assert_eq!(s, 201, "{b}");
    let (_, vt) = c.visitor(0).await;
    let mut v = sio(c.url(0), "/chat", &vt).await;
    let first =
        ack_ok(&v, "message:send", json!({ "client_id": "q1", "text": "how long does the delivery take" })).await;
    let session = first["message"]["session_id"].as_str().unwrap().to_owned();
    let reply = wait_event(&mut v, "message:new", |m| m["message"]["sender"] == "ai").await;
    assert_eq!(reply["message"]["text"], "Delivery takes 2-3 business days.");
    ack_ok(&v, "message:send", json!({ "client_id": "q2", "text": "what is the meaning of life" })).await;
    ack_ok(&v, "message:send", json!({ "client_id": "q3", "text": "and the weather?" })).await;
    // A retried message gets no second reply.
    ack_ok(&v, "message:send", json!({ "client_id": "q3", "text": "and the weather?" })).await;
    let h = until(&c, &vt, &session, |h| count(h, "ai") >= 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let h2 = history(&c, 1, &vt, &session).await;
    assert_eq!(h.len(), h2.len(), "no late extra replies");
    assert_eq!((count(&h2, "visitor"), count(&h2, "ai")), (3, 3));
    // Each visitor message has its own reply, after it.
    for (i, m) in h2.iter().enumerate().filter(|(_, m)| m["sender"] == "visitor") {
        let key = format!("ai-{}", m["id"].as_str().unwrap().replace('-', ""));
        let replies: Vec<usize> =
            h2.iter().enumerate().filter(|(_, r)| r["client_id"] == key.as_str()).map(|(j, _)| j).collect();
        assert_eq!(replies.len(), 1, "{key}");
        assert!(replies[0] > i);
    }
}

#[tokio::test]
async fn asking_for_a_human_hands_off_and_the_assistant_goes_quiet() {
    let c = spawn_cluster(2).await;
    let (_, mt) = c.manager(1).await;
    let mut m = sio(c.url(1), "/chat", &mt).await;
    let (_, vt) = c.visitor(0).await;
    let v = sio(c.url(0), "/chat", &vt).await;
    let a = ack_ok(&v, "message:send", json!({ "client_id": "a", "text": "My parcel is damaged" })).await;
    let session = a["message"]["session_id"].as_str().unwrap().to_owned();
    until(&c, &vt, &session, |h| count(h, "ai") == 1).await;
    ack_ok(&v, "message:send", json!({ "client_id": "b", "text": "Позовите оператора, пожалуйста" })).await;
    let q = wait_event(&mut m, "queue:updated", |q| q["waiting"].as_array().is_some_and(|w| !w.is_empty())).await;
    assert_eq!(q["waiting"][0]["session_id"], session.as_str());
    let h = until(&c, &vt, &session, |h| count(h, "ai") == 2).await;
    assert!(h.iter().any(|m| m["kind"] == "manager_requested"));
    // Silence after handoff.
    ack_ok(&v, "message:send", json!({ "client_id": "c", "text": "Hello? Anyone?" })).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(count(&history(&c, 0, &vt, &session).await, "ai"), 2);
    // The manager sees the AI part and a note.
    ack_ok(&m, "session:accept", json!({ "session_id": session })).await;
    let (s, d) = get(&format!("{}/manager/sessions/{session}", c.url(1)), Some(&mt)).await;
    assert_eq!(s, 200, "{d}");
    assert!(!d["notes"].as_array().unwrap().is_empty(), "{d}");
}

#[tokio::test]
async fn assistant_settings_are_validated_and_the_key_never_shown() {
    let c = spawn_cluster(1).await;
    let admin = c.login(0, &c.admin_email).await;
    let url = format!("{}/manager/assistant", c.url(0));
    let (s, b) = get(&url, Some(&admin)).await;
    assert_eq!((s, b["assistant"]["provider"].as_str()), (200, Some("builtin")));
    let put = |body: Value| {
        let admin = admin.clone();
        let url = url.clone();
        async move { send(http().put(url).bearer_auth(admin).json(&body)).await }
    };
    let (s, _) = put(json!({ "provider": "openai" })).await;
    assert_eq!(s, 400, "openai needs a base URL and a model");
    let cfg =
        json!({ "provider": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m", "api_key": "sk-secret" });
    let (s, b) = put(cfg).await;
    assert_eq!(s, 200, "{b}");
    assert!(!b.to_string().contains("sk-secret"));
    // Saving without the key keeps it.
    let (s, b) = put(json!({ "provider": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m2" })).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["assistant"]["api_key_set"], true, "{b}");
    let (_, mt) = c.manager(0).await;
    assert_eq!(get(&url, Some(&mt)).await.0, 403);
}
