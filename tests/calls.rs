//! Issue 4: WebRTC signaling on `/call` across nodes — relay, who may signal, limits,
//! decline, hang-up, session close, ring timeout, reconnect grace period, and the
//! calls' traces in Postgres and in the chat history.
//!
//! "Nothing was relayed" is checked without sleeping: after a refused event, the
//! legitimate party sends a marker through the same node, and the next `/call`
//! event the target sees must be that marker (one node's fan-out keeps its order).

mod common;

use std::time::{Duration, Instant};

use common::node::spawn_cluster_with;
use common::*;
use domain::{Role, Routing};
use serde_json::{Value, json};
use sqlx::Row;

/// An active session: the visitor asked for a manager on `vnode`, a new manager
/// accepted it on `mnode`.
struct Active {
    session_id: String,
    visitor_token: String,
    manager_token: String,
}

async fn active_session(c: &Cluster, vnode: usize, mnode: usize) -> Active {
    let (_, visitor_token) = c.visitor(vnode).await;
    let (s, b) = post(&format!("{}/manager/request", c.url(vnode)), Some(&visitor_token), json!({})).await;
    assert_eq!(s, 200, "{b}");
    let session_id = b["session"]["id"].as_str().expect("session id").to_owned();
    let (_, manager_token) = c.manager(mnode).await;
    let (s, b) =
        post(&format!("{}/manager/sessions/{session_id}/accept", c.url(mnode)), Some(&manager_token), json!({})).await;
    assert_eq!((s, b["session"]["status"].as_str()), (200, Some("active")), "{b}");
    Active { session_id, visitor_token, manager_token }
}

/// `/call` sockets of both parties: visitor on `vnode`, manager on `mnode`.
async fn call_sockets(c: &Cluster, a: &Active, vnode: usize, mnode: usize) -> (Sio, Sio) {
    (sio(c.url(vnode), "/call", &a.visitor_token).await, sio(c.url(mnode), "/call", &a.manager_token).await)
}

/// Visitor calls, manager answers; returns the call id once both have read every
/// event of the set-up (`call:accepted` goes to both parties).
async fn answered_call(v: &mut Sio, m: &mut Sio) -> String {
    let ack = ack_ok(v, "call:invite", json!({ "media": "audio" })).await;
    let call_id = ack["call"]["id"].as_str().expect("call id").to_owned();
    wait_event(m, "call:incoming", |e| e["call"]["id"] == call_id.as_str()).await;
    ack_ok(m, "call:accept", json!({ "call_id": call_id })).await;
    for party in [v, m] {
        wait_event(party, "call:accepted", |e| e["call"]["id"] == call_id.as_str()).await;
    }
    call_id
}

/// The marker of "nothing before this": an ICE candidate only `to` receives.
async fn marker(from: &Sio, to: &mut Sio, call_id: &str) {
    let candidate = json!({ "candidate": "marker", "sdpMid": "0", "sdpMLineIndex": 0 });
    ack_ok(from, "call:ice", json!({ "call_id": call_id, "candidate": candidate })).await;
    let (name, data) = to.next_event().await.expect("the marker arrives");
    assert_eq!((name.as_str(), &data["candidate"]["candidate"]), ("call:ice", &json!("marker")), "got {name} {data}");
}

/// The stored call row: (state, end_reason, answered, ended).
async fn stored_call(c: &Cluster, call_id: &str) -> (String, Option<String>, bool, bool) {
    let pool = sqlx::PgPool::connect(&c.env.database_url).await.expect("db");
    let row = sqlx::query(
        "SELECT state, end_reason, answered_at IS NOT NULL AS answered, ended_at IS NOT NULL AS ended FROM calls WHERE id = $1::uuid",
    )
    .bind(call_id)
    .fetch_one(&pool)
    .await
    .expect("call row");
    (row.get("state"), row.get("end_reason"), row.get("answered"), row.get("ended"))
}

async fn history(c: &Cluster, node: usize, token: &str, session_id: &str) -> Vec<Value> {
    let (s, h) = get(&format!("{}/sessions/{session_id}/messages", c.url(node)), Some(token)).await;
    assert_eq!(s, 200, "{h}");
    h["messages"].as_array().expect("messages").clone()
}

/// The next event `c` reads, which must be `event`; its payload.
async fn next(c: &mut Sio, event: &str) -> Value {
    let (name, data) = c.next_event().await.unwrap_or_else(|e| panic!("waiting for {event}: {e:?}"));
    assert_eq!(name, event, "expected {event}, got {name} {data}");
    data
}

fn of_kind<'a>(messages: &'a [Value], kind: &str) -> Vec<&'a Value> {
    messages.iter().filter(|m| m["kind"] == kind).collect()
}

#[tokio::test]
async fn every_signaling_event_crosses_nodes_unchanged() {
    let c = spawn_cluster(2).await;
    let a = active_session(&c, 0, 1).await;
    let (mut v, mut m) = call_sockets(&c, &a, 0, 1).await;
    let mut v_chat = sio(c.url(0), "/chat", &a.visitor_token).await;

    // Visitor on node 0 calls (no session_id: its open session); manager on node 1 rings.
    let ack = ack_ok(&v, "call:invite", json!({ "media": "video" })).await;
    let call = ack["call"].clone();
    assert_eq!(
        (call["state"].as_str(), call["media"].as_str(), call["from"].as_str()),
        (Some("ringing"), Some("video"), Some("visitor"))
    );
    assert_eq!(call["session_id"], a.session_id.as_str());
    let call_id = call["id"].as_str().unwrap().to_owned();
    let incoming = next(&mut m, "call:incoming").await;
    assert_eq!(incoming["call"], call);

    let accepted = ack_ok(&m, "call:accept", json!({ "call_id": call_id })).await;
    assert_eq!(accepted["call"]["state"], "active");
    // Every event is checked as the next one its receiver reads: nothing is echoed
    // to a sender or sent twice.
    for party in [&mut v, &mut m] {
        assert_eq!(next(party, "call:accepted").await["call"], accepted["call"]);
    }
    let started = wait_event(&mut v_chat, "message:new", |e| e["message"]["kind"] == "call_started").await;
    assert_eq!(
        (started["message"]["sender"].as_str(), started["message"]["text"].as_str()),
        (Some("system"), Some("Video call started"))
    );

    // SDP and candidates arrive exactly as sent, whatever they contain.
    let offer_sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=msid-semantic: WMS \"q\\u00e9\" ✓\r\n";
    let offer = json!({ "call_id": call_id, "sdp": { "type": "offer", "sdp": offer_sdp } });
    ack_ok(&v, "call:offer", offer.clone()).await;
    assert_eq!(next(&mut m, "call:offer").await, offer);

    let answer = json!({ "call_id": call_id, "sdp": { "type": "answer", "sdp": "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\na=setup:active\r\n" } });
    ack_ok(&m, "call:answer", answer.clone()).await;
    assert_eq!(next(&mut v, "call:answer").await, answer);

    let candidate = json!({
        "candidate": "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.2 rport 46154 generation 0 ufrag sBx3 network-cost 999",
        "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": "sBx3"
    });
    let ice = json!({ "call_id": call_id, "candidate": candidate });
    ack_ok(&v, "call:ice", ice.clone()).await;
    assert_eq!(next(&mut m, "call:ice").await, ice);
    let end_of_candidates =
        json!({ "call_id": call_id, "candidate": { "candidate": "", "sdpMid": null, "sdpMLineIndex": null } });
    ack_ok(&m, "call:ice", end_of_candidates.clone()).await;
    assert_eq!(next(&mut v, "call:ice").await, end_of_candidates);

    // Hang-up from node 1: both parties hear it.
    ack_ok(&m, "call:end", json!({ "call_id": call_id })).await;
    let ended = json!({ "call_id": call_id, "reason": "hangup" });
    assert_eq!(next(&mut v, "call:ended").await, ended);
    assert_eq!(next(&mut m, "call:ended").await, ended);
    let e = wait_event(&mut v_chat, "message:new", |e| e["message"]["kind"] == "call_ended").await;
    assert!(e["message"]["text"].as_str().unwrap().starts_with("Video call ended, duration 0:0"), "{e}");

    // The call is over: signaling on it is refused, and the session may call again.
    assert_eq!(ack_err(&v, "call:offer", offer).await, "not_found");
    assert_eq!(ack_err(&m, "call:end", json!({ "call_id": call_id })).await, "not_found");
    assert_eq!(stored_call(&c, &call_id).await, ("ended".into(), Some("hangup".into()), true, true));

    // After a reload both sides read the call in the history.
    for (node, token) in [(0, &a.visitor_token), (1, &a.manager_token)] {
        let h = history(&c, node, token, &a.session_id).await;
        let kinds: Vec<&str> = h.iter().filter_map(|m| m["kind"].as_str()).filter(|k| k.starts_with("call_")).collect();
        assert_eq!(kinds, ["call_started", "call_ended"]);
        assert!(of_kind(&h, "call_ended")[0]["text"].as_str().unwrap().contains("duration"));
    }
    let again = ack_ok(&m, "call:invite", json!({ "session_id": a.session_id, "media": "audio" })).await;
    assert_eq!(again["call"]["from"], "manager");
    wait_event(&mut v, "call:incoming", |e| e["call"]["id"] == again["call"]["id"]).await;
}

#[tokio::test]
async fn outsiders_are_refused_and_nothing_is_relayed() {
    let c = spawn_cluster(2).await;
    let a = active_session(&c, 0, 1).await;
    let (mut v, mut m) = call_sockets(&c, &a, 0, 1).await;
    let sid = a.session_id.as_str();

    // Outsiders, all on node 0 like the visitor: another visitor of the site, another
    // manager of the site, an admin of another site.
    let (_, other_visitor) = c.visitor(0).await;
    let (_, colleague) = c.manager(0).await;
    let (other_site, _) = c.create_site("Other", Routing::Manual).await;
    let (_, foreign_email) = c.create_manager(other_site, Role::Admin, None).await;
    let foreign = c.login(0, &foreign_email).await;
    let mut outsiders = Vec::new();
    for token in [&other_visitor, &colleague, &foreign] {
        outsiders.push(sio(c.url(0), "/call", token).await);
    }

    for o in &outsiders {
        assert_eq!(ack_err(o, "call:invite", json!({ "session_id": sid, "media": "audio" })).await, "not_found");
    }
    // The other visitor has no active session of its own either.
    assert_eq!(ack_err(&outsiders[0], "call:invite", json!({ "media": "audio" })).await, "not_found");

    let ack = ack_ok(&v, "call:invite", json!({ "media": "audio" })).await;
    let call_id = ack["call"]["id"].as_str().unwrap().to_owned();
    wait_event(&mut m, "call:incoming", |_| true).await;
    let sdp = json!({ "type": "offer", "sdp": "v=0\r\n" });
    let candidate = json!({ "candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host" });
    for o in &outsiders {
        for (event, data) in [
            ("call:accept", json!({ "call_id": call_id })),
            ("call:decline", json!({ "call_id": call_id })),
            ("call:offer", json!({ "call_id": call_id, "sdp": sdp })),
            ("call:answer", json!({ "call_id": call_id, "sdp": sdp })),
            ("call:ice", json!({ "call_id": call_id, "candidate": candidate })),
            ("call:end", json!({ "call_id": call_id })),
        ] {
            assert_eq!(ack_err(o, event, data).await, "not_found", "{event}");
        }
    }
    // The call still rings for the manager and nothing reached either party.
    marker(&v, &mut m, &call_id).await;
    marker(&m, &mut v, &call_id).await;
    ack_ok(&m, "call:accept", json!({ "call_id": call_id })).await;
    for mut o in outsiders {
        assert_eq!(o.try_events(), Vec::<(String, Value)>::new());
    }

    // One call at a time per session, from either side.
    assert_eq!(ack_err(&v, "call:invite", json!({ "media": "video" })).await, "conflict");
    assert_eq!(ack_err(&m, "call:invite", json!({ "session_id": sid, "media": "video" })).await, "conflict");
    // The caller cannot answer or decline its own call.
    assert_eq!(ack_err(&v, "call:accept", json!({ "call_id": call_id })).await, "conflict");

    // Sessions that are not active: waiting (the manager of the site cannot call
    // into it either) and closed.
    let (_, waiting_token) = c.visitor(0).await;
    let (s, b) = post(&format!("{}/manager/request", c.url(0)), Some(&waiting_token), json!({})).await;
    assert_eq!(s, 200);
    let waiting_sid = b["session"]["id"].as_str().unwrap().to_owned();
    let waiting = sio(c.url(0), "/call", &waiting_token).await;
    assert_eq!(ack_err(&waiting, "call:invite", json!({ "media": "audio" })).await, "not_found");
    assert_eq!(ack_err(&m, "call:invite", json!({ "session_id": waiting_sid, "media": "audio" })).await, "not_found");

    let closed = active_session(&c, 0, 0).await;
    let (s, _) = post(
        &format!("{}/manager/sessions/{}/close", c.url(0), closed.session_id),
        Some(&closed.manager_token),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let (cv, cm) = call_sockets(&c, &closed, 0, 0).await;
    assert_eq!(
        ack_err(&cv, "call:invite", json!({ "session_id": closed.session_id, "media": "audio" })).await,
        "not_found"
    );
    assert_eq!(
        ack_err(&cm, "call:invite", json!({ "session_id": closed.session_id, "media": "audio" })).await,
        "not_found"
    );
}

#[tokio::test]
async fn payload_shapes_and_sizes_are_checked() {
    let c = spawn_cluster(2).await;
    let a = active_session(&c, 0, 1).await;
    let (mut v, mut m) = call_sockets(&c, &a, 0, 1).await;
    let call_id = answered_call(&mut v, &mut m).await;

    let cases = [
        ("call:invite", json!({ "media": "hologram" }), "validation_failed"),
        ("call:invite", json!({ "session_id": "not-a-uuid", "media": "audio" }), "validation_failed"),
        ("call:accept", json!({ "call_id": "nope" }), "validation_failed"),
        ("call:end", json!({}), "validation_failed"),
        ("call:offer", json!({ "call_id": call_id, "sdp": "v=0" }), "validation_failed"),
        ("call:offer", json!({ "call_id": call_id, "sdp": { "type": "offer", "sdp": 42 } }), "validation_failed"),
        ("call:offer", json!({ "call_id": call_id, "sdp": { "type": "bogus", "sdp": "v=0" } }), "validation_failed"),
        ("call:ice", json!({ "call_id": call_id, "candidate": "candidate:1" }), "validation_failed"),
        ("call:ice", json!({ "call_id": call_id, "candidate": { "sdpMid": "0" } }), "validation_failed"),
        (
            "call:offer",
            json!({ "call_id": call_id, "sdp": { "type": "offer", "sdp": "a".repeat(64 * 1024 + 1) } }),
            "too_large",
        ),
        ("call:ice", json!({ "call_id": call_id, "candidate": { "candidate": "a".repeat(4 * 1024) } }), "too_large"),
        // Far over every limit (but under the 1 MiB packet limit): still an error ack.
        (
            "call:answer",
            json!({ "call_id": call_id, "sdp": { "type": "answer", "sdp": "a".repeat(900 * 1024) } }),
            "too_large",
        ),
    ];
    for (event, data, code) in cases {
        assert_eq!(ack_err(&v, event, data.clone()).await, code, "{event}");
    }
    let raw = v.emit_ack("call:offer", json!("just a string")).await.unwrap();
    assert_eq!(raw["error"]["code"], "validation_failed");
    marker(&v, &mut m, &call_id).await;

    // At the limits exactly, events are relayed.
    let sdp = json!({ "call_id": call_id, "sdp": { "type": "offer", "sdp": "a".repeat(64 * 1024) } });
    ack_ok(&v, "call:offer", sdp.clone()).await;
    assert_eq!(wait_event(&mut m, "call:offer", |_| true).await, sdp);
    let pad = 4 * 1024 - json!({ "candidate": "" }).to_string().len();
    let ice = json!({ "call_id": call_id, "candidate": { "candidate": "a".repeat(pad) } });
    ack_ok(&v, "call:ice", ice.clone()).await;
    assert_eq!(wait_event(&mut m, "call:ice", |_| true).await, ice);
}

#[tokio::test]
async fn declined_and_cancelled_calls() {
    let c = spawn_cluster(2).await;
    let a = active_session(&c, 0, 1).await;
    let (mut v, mut m) = call_sockets(&c, &a, 0, 1).await;
    let sid = a.session_id.as_str();

    // The manager calls, the visitor declines.
    let ack = ack_ok(&m, "call:invite", json!({ "session_id": sid, "media": "video" })).await;
    let call_id = ack["call"]["id"].as_str().unwrap().to_owned();
    wait_event(&mut v, "call:incoming", |_| true).await;
    assert_eq!(ack_err(&m, "call:decline", json!({ "call_id": call_id })).await, "conflict");
    ack_ok(&v, "call:decline", json!({ "call_id": call_id })).await;
    assert_eq!(wait_event(&mut m, "call:ended", |_| true).await, json!({ "call_id": call_id, "reason": "declined" }));
    assert_eq!(stored_call(&c, &call_id).await, ("ended".into(), Some("declined".into()), false, true));

    // The visitor calls and hangs up before the manager answers.
    let ack = ack_ok(&v, "call:invite", json!({ "media": "audio" })).await;
    let second = ack["call"]["id"].as_str().unwrap().to_owned();
    wait_event(&mut m, "call:incoming", |e| e["call"]["id"] == second.as_str()).await;
    ack_ok(&v, "call:end", json!({ "call_id": second })).await;
    assert_eq!(wait_event(&mut m, "call:ended", |_| true).await, json!({ "call_id": second, "reason": "hangup" }));
    assert_eq!(ack_err(&m, "call:accept", json!({ "call_id": second })).await, "not_found");

    // An answered call cannot be declined, only ended.
    let third = answered_call(&mut v, &mut m).await;
    assert_eq!(ack_err(&m, "call:decline", json!({ "call_id": third })).await, "conflict");

    let h = history(&c, 1, &a.manager_token, sid).await;
    let texts: Vec<&str> = of_kind(&h, "call_ended").iter().filter_map(|m| m["text"].as_str()).collect();
    assert_eq!(texts, ["Video call declined", "Missed audio call"]);
    assert!(of_kind(&h, "call_started").len() == 1);
}

#[tokio::test]
async fn closing_the_session_ends_its_call() {
    let c = spawn_cluster(2).await;
    let a = active_session(&c, 0, 1).await;
    let (mut v, mut m) = call_sockets(&c, &a, 0, 1).await;
    let call_id = answered_call(&mut v, &mut m).await;

    let (s, _) =
        post(&format!("{}/manager/sessions/{}/close", c.url(1), a.session_id), Some(&a.manager_token), json!({})).await;
    assert_eq!(s, 200);
    let ended = json!({ "call_id": call_id, "reason": "session_closed" });
    assert_eq!(wait_event(&mut v, "call:ended", |_| true).await, ended);
    assert_eq!(wait_event(&mut m, "call:ended", |_| true).await, ended);
    assert_eq!(stored_call(&c, &call_id).await, ("ended".into(), Some("session_closed".into()), true, true));
    let h = history(&c, 0, &a.visitor_token, &a.session_id).await;
    assert_eq!(of_kind(&h, "call_ended").len(), 1);
}

#[tokio::test]
async fn unanswered_calls_time_out() {
    let c = spawn_cluster_with(2, Routing::Manual, &[("SWITCHBOARD__CALLS__RING_TIMEOUT_SECS", "1")]).await;
    let a = active_session(&c, 0, 1).await;
    let (mut v, mut m) = call_sockets(&c, &a, 0, 1).await;
    let started = Instant::now();
    let ack = ack_ok(&v, "call:invite", json!({ "media": "audio" })).await;
    let call_id = ack["call"]["id"].as_str().unwrap().to_owned();
    let ended = json!({ "call_id": call_id, "reason": "timeout" });
    assert_eq!(wait_event(&mut m, "call:ended", |_| true).await, ended);
    assert_eq!(wait_event(&mut v, "call:ended", |_| true).await, ended);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(stored_call(&c, &call_id).await, ("ended".into(), Some("timeout".into()), false, true));
    // The session is free for a new call, which times out only if unanswered.
    let call_id = answered_call(&mut v, &mut m).await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // past the ring timeout: nothing to await
    ack_ok(&m, "call:end", json!({ "call_id": call_id })).await;
    assert_eq!(wait_event(&mut v, "call:ended", |_| true).await["reason"], "hangup");
}

#[tokio::test]
async fn a_party_may_reconnect_within_the_grace_period() {
    const GRACE: Duration = Duration::from_secs(2);
    let c = spawn_cluster_with(2, Routing::Manual, &[("SWITCHBOARD__CALLS__RECONNECT_GRACE_SECS", "2")]).await;
    let a = active_session(&c, 0, 1).await;
    let (mut v1, mut m) = call_sockets(&c, &a, 0, 1).await;
    let call_id = answered_call(&mut v1, &mut m).await;

    // A second tab on the other node is told the call as it stands.
    let mut v2 = sio(c.url(1), "/call", &a.visitor_token).await;
    let state = wait_event(&mut v2, "call:state", |_| true).await;
    assert_eq!(
        (state["call"]["id"].as_str(), state["call"]["state"].as_str()),
        (Some(call_id.as_str()), Some("active"))
    );

    // The first tab goes; the visitor still has a socket on node 1, so past the grace
    // period the call goes on (a sleep: the event to check is one that must not come).
    v1.disconnect().await;
    tokio::time::sleep(GRACE + Duration::from_secs(1)).await;
    marker(&m, &mut v2, &call_id).await;

    // The last socket goes and the visitor is back, on node 0, within the grace period.
    v2.disconnect().await;
    let mut v3 = sio(c.url(0), "/call", &a.visitor_token).await;
    let state = wait_event(&mut v3, "call:state", |_| true).await;
    assert_eq!(state["call"]["state"], "active");
    tokio::time::sleep(GRACE + Duration::from_secs(1)).await;
    marker(&m, &mut v3, &call_id).await;

    // Gone for good: the manager hears it after the grace period.
    let gone = Instant::now();
    v3.disconnect().await;
    assert_eq!(
        wait_event(&mut m, "call:ended", |_| true).await,
        json!({ "call_id": call_id, "reason": "disconnected" })
    );
    assert!(gone.elapsed() >= GRACE, "ended after {:?}", gone.elapsed());
    assert_eq!(stored_call(&c, &call_id).await, ("ended".into(), Some("disconnected".into()), true, true));
    let h = history(&c, 1, &a.manager_token, &a.session_id).await;
    assert!(of_kind(&h, "call_ended")[0]["text"].as_str().unwrap().starts_with("Audio call ended, duration 0:0"));
}

#[tokio::test]
async fn racing_invites_and_answers_have_one_outcome() {
    let c = spawn_cluster(2).await;
    let a = active_session(&c, 0, 1).await;
    let (mut v, mut m) = call_sockets(&c, &a, 0, 1).await;
    let sid = a.session_id.as_str();

    for round in 0..5 {
        // Both parties call at once, from two nodes: one call, from one of them.
        let (va, ma) = tokio::join!(
            v.emit_ack("call:invite", json!({ "media": "audio" })),
            m.emit_ack("call:invite", json!({ "session_id": sid, "media": "audio" })),
        );
        let (va, ma) = (va.unwrap(), ma.unwrap());
        let winners: Vec<&Value> = [&va, &ma].into_iter().filter(|a| a["ok"] == true).collect();
        assert_eq!(winners.len(), 1, "round {round}: {va} {ma}");
        let loser = if va["ok"] == true { &ma } else { &va };
        assert_eq!(loser["error"]["code"], "conflict");
        let call = winners[0]["call"].clone();
        let call_id = call["id"].as_str().unwrap().to_owned();
        let (caller, callee) = if call["from"] == "visitor" { (&v, &m) } else { (&m, &v) };

        // The callee answers while the caller hangs up: the call ends exactly once.
        let (accept, end) = tokio::join!(
            callee.emit_ack("call:accept", json!({ "call_id": call_id })),
            caller.emit_ack("call:end", json!({ "call_id": call_id })),
        );
        let (accept, end) = (accept.unwrap(), end.unwrap());
        assert_eq!(end["ok"], true, "{end}");
        assert!(accept["ok"] == true || accept["error"]["code"] == "not_found", "{accept}");
        for party in [&mut v, &mut m] {
            wait_event(party, "call:ended", |e| e["call_id"] == call_id.as_str()).await;
        }
        let (state, reason, answered, ended) = stored_call(&c, &call_id).await;
        assert_eq!((state.as_str(), reason.as_deref(), ended), ("ended", Some("hangup"), true));
        assert_eq!(answered, accept["ok"] == true, "round {round}");
    }
    let h = history(&c, 0, &a.visitor_token, sid).await;
    assert_eq!(of_kind(&h, "call_ended").len(), 5);
}
