//! Issue 8: one contract suite, run on both backends — the embedded node (SQLite,
//! in-process coordination) and a Postgres + Redis node — so that they cannot drift
//! apart. Each scenario is written once against [`Backend`] and instantiated for
//! both by `on_both_backends!`. The embedded mode's own promises (first-start seed,
//! restart keeps data, refusals) are in `embedded_mode.rs`.

mod common;

use common::*;
use domain::Routing;
use serde_json::{Value, json};

/// Instantiates each scenario as a test per backend: `embedded::name`, `postgres::name`.
macro_rules! on_both_backends {
    ($($scenario:ident: $routing:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test] async fn $scenario() {
                super::$scenario(&super::Backend::embedded(super::Routing::$routing).await).await
            })*
        }
        mod postgres {
            $(#[tokio::test] async fn $scenario() {
                super::$scenario(&super::Backend::postgres(super::Routing::$routing).await).await
            })*
        }
    };
}

on_both_backends! {
    widget_session_keeps_the_visitor: Manual,
    request_queues_first_come_first_served: Manual,
    accept_race_has_one_winner: Manual,
    max_chats_is_enforced: Manual,
    messages_retry_by_client_id_and_seq_order: Manual,
    sync_returns_what_was_missed: Manual,
    close_then_reopen: Manual,
    auto_routing_assigns_when_room_frees: Auto,
    ai_mode_replies_then_hands_off_in_words: Manual,
    call_is_signalled_and_recorded: Manual,
    rate_limits_hold: Manual,
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_else(|| panic!("no id in {v}")).to_owned()
}

/// POST /manager/request as the visitor; returns the session.
async fn request(b: &Backend, visitor_token: &str) -> Value {
    let (status, body) = post(&format!("{}/manager/request", b.url), Some(visitor_token), json!({})).await;
    assert_eq!(status, 200, "[{}] request: {body}", b.name);
    body["session"].clone()
}

async fn accept(b: &Backend, manager_token: &str, session_id: &str) -> (u16, Value) {
    post(&format!("{}/manager/sessions/{session_id}/accept", b.url), Some(manager_token), json!({})).await
}

/// A visitor with a waiting session and a manager who accepted it, both on sockets.
struct Conversation {
    session_id: String,
    visitor: Sio,
    manager: Sio,
    manager_token: String,
    visitor_token: String,
}

async fn conversation(b: &Backend) -> Conversation {
    let (_, visitor_token) = b.visitor().await;
    let (_, manager_token) = b.manager(None).await;
    let session_id = id(&request(b, &visitor_token).await);
    let (status, body) = accept(b, &manager_token, &session_id).await;
    assert_eq!(status, 200, "[{}] accept: {body}", b.name);
    let visitor = sio(&b.url, "/chat", &visitor_token).await;
    let manager = sio(&b.url, "/chat", &manager_token).await;
    Conversation { session_id, visitor, manager, manager_token, visitor_token }
}

async fn widget_session_keeps_the_visitor(b: &Backend) {
    let url = format!("{}/widget/session", b.url);
    let (status, first) = post(&url, None, json!({ "site_key": b.site_key, "name": "Ann" })).await;
    assert_eq!(status, 200, "[{}] {first}", b.name);
    assert!(first["session"].is_null(), "no session before the first message: {first}");
    assert_eq!(first["visitor"]["name"], "Ann");
    let token = first["visitor_token"].as_str().expect("token");
    let (_, again) = post(&url, None, json!({ "site_key": b.site_key, "visitor_token": token })).await;
    assert_eq!(again["visitor"]["id"], first["visitor"]["id"], "[{}] the token keeps the visitor", b.name);
    let (_, stranger) = post(&url, None, json!({ "site_key": b.site_key, "visitor_token": "vt_forged" })).await;
    assert_ne!(stranger["visitor"]["id"], first["visitor"]["id"], "an unknown token gets a new visitor");

    // The first message opens a session in `ai`; the widget then finds it.
    let c = sio(&b.url, "/chat", token).await;
    let ack = ack_ok(&c, "message:send", json!({ "client_id": "w-1", "text": "hello" })).await;
    assert_eq!(ack["message"]["seq"], 1);
    let (_, later) = post(&url, None, json!({ "site_key": b.site_key, "visitor_token": token })).await;
    assert_eq!(later["session"]["status"], "ai", "[{}] {later}", b.name);
    assert_eq!(later["session"]["id"], ack["message"]["session_id"]);
}

async fn request_queues_first_come_first_served(b: &Backend) {
    let mut visitors = Vec::new();
    let mut sessions = Vec::new();
    for expected in 1..=3 {
        let (_, token) = b.visitor().await;
        let s = request(b, &token).await;
        assert_eq!(
            (s["status"].as_str(), s["queue_position"].as_i64()),
            (Some("waiting"), Some(expected)),
            "[{}] {s}",
            b.name
        );
        sessions.push(id(&s));
        visitors.push(token);
    }
    // Idempotent while waiting.
    let again = request(b, &visitors[1]).await;
    assert_eq!((id(&again), again["queue_position"].as_i64()), (sessions[1].clone(), Some(2)));

    let (_, manager) = b.manager(None).await;
    let (status, q) = get(&format!("{}/manager/queue", b.url), Some(&manager)).await;
    assert_eq!(status, 200, "{q}");
    let order: Vec<_> = q["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["session_id"].as_str().unwrap().to_owned(), e["position"].as_i64().unwrap()))
        .collect();
    assert_eq!(order, sessions.iter().cloned().zip(1..).collect::<Vec<_>>(), "[{}]", b.name);
    assert_eq!(q["stats"]["waiting"], 3);

    // The third visitor moves up when the first is taken.
    let mut third = sio(&b.url, "/chat", &visitors[2]).await;
    assert_eq!(accept(b, &manager, &sessions[0]).await.0, 200);
    let update = wait_event(&mut third, "session:updated", |d| d["session"]["queue_position"] == 2).await;
    assert_eq!(id(&update["session"]), sessions[2]);
}

async fn accept_race_has_one_winner(b: &Backend) {
    let (_, visitor_token) = b.visitor().await;
    let session_id = id(&request(b, &visitor_token).await);
    let mut visitor = sio(&b.url, "/chat", &visitor_token).await;
    let ((id_a, tok_a), (id_b, tok_b)) = (b.manager(None).await, b.manager(None).await);
    let (ra, rb) = tokio::join!(accept(b, &tok_a, &session_id), accept(b, &tok_b, &session_id));
    let mut statuses = [ra.0, rb.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "[{}] {ra:?} {rb:?}", b.name);
    let loser = if ra.0 == 409 { &ra.1 } else { &rb.1 };
    assert_eq!(loser["error"]["code"], "conflict");
    let winner = if ra.0 == 200 { id_a } else { id_b }.to_string();

    let update = wait_event(&mut visitor, "session:updated", |d| d["session"]["status"] == "active").await;
    assert_eq!(update["session"]["manager"]["id"], winner.as_str());
    let joined = wait_event(&mut visitor, "message:new", |d| d["message"]["kind"] == "manager_joined").await;
    assert_eq!(joined["message"]["sender"], "system");
    let winner_token = if ra.0 == 200 { tok_a } else { tok_b };
    let (_, mine) = get(&format!("{}/manager/sessions", b.url), Some(&winner_token)).await;
    assert_eq!(
        mine["sessions"].as_array().map(|s| s.iter().map(id).collect::<Vec<_>>()),
        Some(vec![session_id.clone()])
    );
    let (_, log) = get(&format!("{}/sessions/{session_id}/messages", b.url), Some(&visitor_token)).await;
    let joins = log["messages"].as_array().unwrap().iter().filter(|m| m["kind"] == "manager_joined").count();
    assert_eq!(joins, 1, "[{}] one claim, one system message", b.name);
}

async fn max_chats_is_enforced(b: &Backend) {
    let (_, manager) = b.manager(Some(1)).await;
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let (_, token) = b.visitor().await;
        sessions.push(id(&request(b, &token).await));
    }
    assert_eq!(accept(b, &manager, &sessions[0]).await.0, 200);
    let (status, body) = accept(b, &manager, &sessions[1]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("conflict")), "[{}] {body}", b.name);
    let (status, _) =
        post(&format!("{}/manager/sessions/{}/close", b.url, sessions[0]), Some(&manager), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(accept(b, &manager, &sessions[1]).await.0, 200, "[{}] room again after a close", b.name);
}

async fn messages_retry_by_client_id_and_seq_order(b: &Backend) {
    let mut c = conversation(b).await;
    let first = ack_ok(&c.visitor, "message:send", json!({ "client_id": "c-1", "text": "hello" })).await;
    let retry = ack_ok(&c.visitor, "message:send", json!({ "client_id": "c-1", "text": "hello" })).await;
    assert_eq!(first["message"], retry["message"], "[{}] a retry returns the stored message", b.name);
    let seen = wait_event(&mut c.manager, "message:new", |d| d["message"]["client_id"] == "c-1").await;
    assert_eq!(seen["message"]["id"], first["message"]["id"]);

    let reply =
        ack_ok(&c.manager, "message:send", json!({ "session_id": c.session_id, "client_id": "m-1", "text": "hi" }))
            .await;
    assert_eq!(reply["message"]["seq"].as_i64(), first["message"]["seq"].as_i64().map(|s| s + 1));
    assert_eq!(reply["message"]["sender"], "manager");
    wait_event(&mut c.visitor, "message:new", |d| d["message"]["client_id"] == "m-1").await;

    let (status, log) =
        get(&format!("{}/sessions/{}/messages?after_seq=0", b.url, c.session_id), Some(&c.visitor_token)).await;
    assert_eq!(status, 200, "{log}");
    let messages = log["messages"].as_array().unwrap();
    let seqs: Vec<i64> = messages.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "[{}] seq without gaps", b.name);
    let kinds: Vec<_> = messages.iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["manager_requested", "manager_joined", "text", "text"], "[{}]", b.name);
    assert_eq!(log["has_more"], false);
    let (_, page) =
        get(&format!("{}/sessions/{}/messages?after_seq=1&limit=2", b.url, c.session_id), Some(&c.manager_token)).await;
    assert_eq!(
        page["messages"].as_array().map(|m| m.iter().map(|m| m["seq"].as_i64().unwrap()).collect::<Vec<_>>()),
        Some(vec![2, 3])
    );
    assert_eq!(page["has_more"], true);
}

async fn sync_returns_what_was_missed(b: &Backend) {
    let c = conversation(b).await;
    let last = ack_ok(&c.visitor, "message:send", json!({ "client_id": "v-1", "text": "before" })).await;
    let seen = last["message"]["seq"].as_i64().unwrap();
    c.visitor.disconnect().await;
    for i in 0..3 {
        ack_ok(
            &c.manager,
            "message:send",
            json!({ "session_id": c.session_id, "client_id": format!("m-{i}"), "text": format!("missed {i}") }),
        )
        .await;
    }
    let visitor = sio(&b.url, "/chat", &c.visitor_token).await;
    let sync = ack_ok(&visitor, "messages:sync", json!({ "after_seq": seen })).await;
    let texts: Vec<_> =
        sync["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_owned()).collect();
    assert_eq!(texts, ["missed 0", "missed 1", "missed 2"], "[{}]", b.name);
    assert_eq!(sync["has_more"], false);
    let partial =
        ack_ok(&visitor, "messages:sync", json!({ "session_id": c.session_id, "after_seq": seen, "limit": 2 })).await;
    assert_eq!((partial["messages"].as_array().map(Vec::len), &partial["has_more"]), (Some(2), &json!(true)));
}

async fn close_then_reopen(b: &Backend) {
    let mut c = conversation(b).await;
    let (status, body) =
        post(&format!("{}/manager/sessions/{}/close", b.url, c.session_id), Some(&c.manager_token), json!({})).await;
    assert_eq!((status, body["session"]["status"].as_str()), (200, Some("closed")), "[{}] {body}", b.name);
    wait_event(&mut c.visitor, "session:updated", |d| d["session"]["status"] == "closed").await;
    let closed = wait_event(&mut c.visitor, "message:new", |d| d["message"]["kind"] == "session_closed").await;
    assert_eq!(closed["message"]["sender"], "system");
    let code = ack_err(
        &c.visitor,
        "message:send",
        json!({ "session_id": c.session_id, "client_id": "late", "text": "still there?" }),
    )
    .await;
    assert_eq!(code, "conflict", "[{}] a closed session takes no messages", b.name);
    // Closing twice is harmless.
    let (status, _) =
        post(&format!("{}/manager/sessions/{}/close", b.url, c.session_id), Some(&c.manager_token), json!({})).await;
    assert_eq!(status, 200);

    let reopened = request(b, &c.visitor_token).await;
    assert_ne!(id(&reopened), c.session_id, "[{}] a new session after close", b.name);
    assert_eq!((reopened["status"].as_str(), reopened["queue_position"].as_i64()), (Some("waiting"), Some(1)));
}

async fn auto_routing_assigns_when_room_frees(b: &Backend) {
    let (manager_id, manager_token) = b.manager(Some(1)).await;
    let mut manager = sio(&b.url, "/chat", &manager_token).await;
    wait_event(&mut manager, "queue:updated", |d| d["stats"]["online_managers"] == 1).await;

    let (_, first_token) = b.visitor().await;
    let first = request(b, &first_token).await;
    assert_eq!(first["status"], "active", "[{}] routed at once: {first}", b.name);
    assert_eq!(first["manager"]["id"], manager_id.to_string());

    // Nobody has room now: the second waits, and is assigned when the first closes.
    let (_, second_token) = b.visitor().await;
    let second = request(b, &second_token).await;
    assert_eq!(second["status"], "waiting", "[{}] {second}", b.name);
    let mut second_socket = sio(&b.url, "/chat", &second_token).await;
    let (status, _) =
        post(&format!("{}/manager/sessions/{}/close", b.url, id(&first)), Some(&manager_token), json!({})).await;
    assert_eq!(status, 200);
    let update = wait_event(&mut second_socket, "session:updated", |d| d["session"]["status"] == "active").await;
    assert_eq!(
        (id(&update["session"]), update["session"]["manager"]["id"].as_str()),
        (id(&second), Some(manager_id.to_string().as_str()))
    );
}

async fn history(b: &Backend, token: &str, session_id: &str) -> Vec<Value> {
    let (status, log) = get(&format!("{}/sessions/{session_id}/messages", b.url), Some(token)).await;
    assert_eq!(status, 200, "[{}] {log}", b.name);
    log["messages"].as_array().expect("messages").clone()
}

async fn ai_mode_replies_then_hands_off_in_words(b: &Backend) {
    let (_, token) = b.visitor().await;
    let mut v = sio(&b.url, "/chat", &token).await;
    let q = ack_ok(&v, "message:send", json!({ "client_id": "q1", "text": "how long does the delivery take" })).await;
    let session_id = q["message"]["session_id"].as_str().expect("session").to_owned();
    let reply = wait_event(&mut v, "message:new", |m| m["message"]["sender"] == "ai").await;
    assert_eq!(reply["message"]["seq"].as_i64(), q["message"]["seq"].as_i64().map(|s| s + 1), "[{}]", b.name);

    ack_ok(&v, "message:send", json!({ "client_id": "q2", "text": "Позовите оператора, пожалуйста" })).await;
    let update = wait_event(&mut v, "session:updated", |d| d["session"]["status"] == "waiting").await;
    assert_eq!(update["session"]["id"], session_id.as_str());
    let log = history(b, &token, &session_id).await;
    let senders: Vec<_> = log.iter().map(|m| (m["sender"].as_str().unwrap(), m["kind"].as_str().unwrap())).collect();
    assert_eq!(
        senders,
        [("visitor", "text"), ("ai", "text"), ("visitor", "text"), ("ai", "text"), ("system", "manager_requested")],
        "[{}] one reply per message, the handoff confirmed, then queued",
        b.name
    );
}

async fn call_is_signalled_and_recorded(b: &Backend) {
    let c = conversation(b).await;
    let mut v = sio(&b.url, "/call", &c.visitor_token).await;
    let mut m = sio(&b.url, "/call", &c.manager_token).await;
    let invite = ack_ok(&v, "call:invite", json!({ "media": "audio" })).await;
    let call_id = invite["call"]["id"].as_str().expect("call id").to_owned();
    assert_eq!(invite["call"]["session_id"], c.session_id.as_str());
    wait_event(&mut m, "call:incoming", |e| e["call"]["id"] == call_id.as_str()).await;
    ack_ok(&m, "call:accept", json!({ "call_id": call_id })).await;
    wait_event(&mut v, "call:accepted", |e| e["call"]["id"] == call_id.as_str()).await;
    let offer = json!({ "call_id": call_id, "sdp": { "type": "offer", "sdp": "v=0\r\n" } });
    ack_ok(&v, "call:offer", offer.clone()).await;
    assert_eq!(wait_event(&mut m, "call:offer", |_| true).await, offer, "[{}] relayed unchanged", b.name);
    ack_ok(&v, "call:end", json!({ "call_id": call_id })).await;
    let ended = wait_event(&mut m, "call:ended", |_| true).await;
    assert_eq!(ended, json!({ "call_id": call_id, "reason": "hangup" }));
    assert_eq!(ack_err(&m, "call:end", json!({ "call_id": call_id })).await, "not_found");

    // The call is recorded, and both parties read it in the history.
    let kinds: Vec<String> = history(b, &c.manager_token, &c.session_id)
        .await
        .iter()
        .filter_map(|m| m["kind"].as_str().filter(|k| k.starts_with("call_")).map(str::to_owned))
        .collect();
    assert_eq!(kinds, ["call_started", "call_ended"], "[{}]", b.name);
}

/// The coordinators' rate limits (Redis, in-process) with the default settings.
async fn rate_limits_hold(b: &Backend) {
    let (_, email) = b.create_manager(domain::Role::Manager, None).await;
    let url = format!("{}/manager/auth", b.url);
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(post(&url, None, json!({ "email": email, "password": "not-the-password" })).await.0);
    }
    assert_eq!(statuses, [[401; 10].as_slice(), &[429]].concat(), "[{}] 10 failures per account", b.name);
    let resp = http().post(&url).json(&json!({ "email": email, "password": b.password })).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 429, "[{}] even the right password waits", b.name);
    assert!(resp.headers().get("retry-after").is_some());

    // A waiting visitor (no assistant replies) may send 30 messages per 10 s.
    let (_, token) = b.visitor().await;
    request(b, &token).await;
    let v = sio(&b.url, "/chat", &token).await;
    for n in 0..30 {
        ack_ok(&v, "message:send", json!({ "client_id": format!("r{n}"), "text": "spam" })).await;
    }
    let code = ack_err(&v, "message:send", json!({ "client_id": "r30", "text": "spam" })).await;
    assert_eq!(code, "rate_limited", "[{}]", b.name);
}
