//! Issue 3: live chat across nodes — queue, accept race, delivery, sync, isolation.

mod common;

use std::collections::HashSet;

use common::node::spawn_cluster_with;
use common::*;
use domain::{Role, Routing};
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v.as_str().expect("string id").to_owned()
}

/// Visitor on node 0 requests a manager; returns (visitor token, session id).
async fn waiting_visitor(c: &Cluster, node: usize) -> (String, String) {
    let (_, vt) = c.visitor(node).await;
    let (s, b) =
        post(&format!("{}/manager/request", c.url(node)), Some(&vt), json!({ "message": "Help please" })).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["session"]["status"], "waiting");
    (vt, id(&b["session"]["id"]))
}

#[tokio::test]
async fn scenario_one_across_nodes() {
    let c = spawn_cluster(2).await;
    let (_, mt) = c.manager(1).await;
    let mut manager = sio(c.url(1), "/chat", &mt).await;
    let (_, vt) = c.visitor(0).await;
    let mut visitor = sio(c.url(0), "/chat", &vt).await;

    // AI mode: the first message opens a session in `ai`.
    let ack = ack_ok(&visitor, "message:send", json!({ "client_id": "c1", "text": "  Hello there  " })).await;
    assert_eq!(ack["message"]["text"], "Hello there");
    assert_eq!(ack["message"]["seq"], 1);
    let session_id = id(&ack["message"]["session_id"]);
    let ai = wait_event(&mut visitor, "message:new", |m| m["message"]["sender"] == "ai").await;
    assert_eq!(ai["message"]["session_id"], session_id.as_str());

    // "С менеджером": the request reaches the manager on the other node.
    let (s, b) = post(&format!("{}/manager/request", c.url(0)), Some(&vt), json!({})).await;
    assert_eq!((s, b["session"]["status"].as_str()), (200, Some("waiting")));
    assert_eq!(b["session"]["queue_position"], 1);
    let q = wait_event(&mut manager, "queue:updated", |q| q["waiting"].as_array().is_some_and(|w| !w.is_empty())).await;
    assert_eq!(q["waiting"][0]["session_id"], session_id.as_str());
    assert_eq!(q["stats"]["waiting"], 1);
    assert_eq!(q["stats"]["online_managers"], 1);
    // Idempotent while waiting.
    let (_, again) = post(&format!("{}/manager/request", c.url(0)), Some(&vt), json!({})).await;
    assert_eq!(again["session"]["id"], session_id.as_str());

    // Accept on node 1: the visitor on node 0 sees the session go live and the divider.
    let accepted = ack_ok(&manager, "session:accept", json!({ "session_id": session_id })).await;
    assert_eq!(accepted["session"]["status"], "active");
    let upd = wait_event(&mut visitor, "session:updated", |u| u["session"]["status"] == "active").await;
    assert!(upd["session"]["manager"]["id"].is_string());
    let joined = wait_event(&mut visitor, "message:new", |m| m["message"]["kind"] == "manager_joined").await;
    assert_eq!(joined["message"]["sender"], "system");

    // Messages both ways, typing relayed.
    ack_ok(&manager, "message:send", json!({ "session_id": session_id, "client_id": "m1", "text": "Hi, I am here" }))
        .await;
    let m = wait_event(&mut visitor, "message:new", |m| m["message"]["sender"] == "manager").await;
    assert_eq!(m["message"]["text"], "Hi, I am here");
    visitor.emit("typing", json!({ "typing": true })).await.unwrap();
    let t = wait_event(&mut manager, "typing", |_| true).await;
    assert_eq!((t["sender"].as_str(), t["typing"].as_bool()), (Some("visitor"), Some(true)));
    ack_ok(&visitor, "message:send", json!({ "client_id": "c2", "text": "Thanks" })).await;
    let m = wait_event(&mut manager, "message:new", |m| m["message"]["sender"] == "visitor").await;
    assert_eq!(m["message"]["text"], "Thanks");

    // History in seq order with no gaps, for both parties.
    let (s, h) = get(&format!("{}/sessions/{session_id}/messages", c.url(1)), Some(&mt)).await;
    assert_eq!(s, 200);
    let seqs: Vec<i64> = h["messages"].as_array().unwrap().iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let kinds: Vec<&str> = h["messages"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    let senders: Vec<&str> = h["messages"].as_array().unwrap().iter().map(|m| m["sender"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["text", "text", "manager_requested", "manager_joined", "text", "text"]);
    assert_eq!(senders, ["visitor", "ai", "system", "system", "manager", "visitor"]);

    // Close: both get it; the visitor's next message opens a new session.
    ack_ok(&manager, "session:close", json!({ "session_id": session_id })).await;
    wait_event(&mut visitor, "message:new", |m| m["message"]["kind"] == "session_closed").await;
    let next = ack_ok(&visitor, "message:send", json!({ "client_id": "c3", "text": "One more thing" })).await;
    assert_ne!(next["message"]["session_id"], session_id.as_str());
    assert_eq!(next["message"]["seq"], 1);
}

#[tokio::test]
async fn accept_race_has_one_winner() {
    let c = spawn_cluster(2).await;
    let (_, a) = c.manager(0).await;
    let (_, b) = c.manager(1).await;
    let ma = sio(c.url(0), "/chat", &a).await;
    let mb = sio(c.url(1), "/chat", &b).await;
    for _ in 0..15 {
        let (_, session) = waiting_visitor(&c, 0).await;
        let req = json!({ "session_id": session });
        let (ra, rb) = tokio::join!(ma.emit_ack("session:accept", req.clone()), mb.emit_ack("session:accept", req));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let wins = [&ra, &rb].iter().filter(|r| r["ok"] == true).count();
        assert_eq!(wins, 1, "{ra} {rb}");
        let loser = if ra["ok"] == true { &rb } else { &ra };
        assert_eq!(loser["error"]["code"], "conflict");
    }
    // REST gives the same answer to the slower one.
    let (_, session) = waiting_visitor(&c, 0).await;
    let url = |n: usize| format!("{}/manager/sessions/{session}/accept", c.url(n));
    assert_eq!(post(&url(0), Some(&a), json!({})).await.0, 200);
    assert_eq!(post(&url(1), Some(&b), json!({})).await.0, 409);
}

#[tokio::test]
async fn max_chats_is_respected() {
    let c = spawn_cluster(1).await;
    let (_, email) = c.create_manager(c.site_id, Role::Manager, Some(1)).await;
    let token = c.login(0, &email).await;
    let (_, s1) = waiting_visitor(&c, 0).await;
    let (_, s2) = waiting_visitor(&c, 0).await;
    assert_eq!(post(&format!("{}/manager/sessions/{s1}/accept", c.url(0)), Some(&token), json!({})).await.0, 200);
    let (s, b) = post(&format!("{}/manager/sessions/{s2}/accept", c.url(0)), Some(&token), json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("conflict")));
    // Closing frees the slot.
    assert_eq!(post(&format!("{}/manager/sessions/{s1}/close", c.url(0)), Some(&token), json!({})).await.0, 200);
    assert_eq!(post(&format!("{}/manager/sessions/{s2}/accept", c.url(0)), Some(&token), json!({})).await.0, 200);
    let (_, mine) = get(&format!("{}/manager/sessions", c.url(0)), Some(&token)).await;
    assert_eq!(mine["sessions"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn many_visitors_none_lost_or_duplicated() {
    let c = spawn_cluster(2).await;
    let (_, mt) = c.manager(1).await;
    let mut manager = sio(c.url(1), "/chat", &mt).await;
    let mut visitors = Vec::new();
    for i in 0..30 {
        let (vt, session) = waiting_visitor(&c, i % 2).await;
        ack_ok(&manager, "session:accept", json!({ "session_id": session })).await;
        visitors.push((sio(c.url(i % 2), "/chat", &vt).await, session));
    }
    manager.try_events();
    let sends = visitors.iter().map(|(v, session)| async move {
        for n in 0..20 {
            let text = format!("{session} #{n}");
            ack_ok(v, "message:send", json!({ "client_id": format!("k{n}"), "text": text })).await;
        }
    });
    futures::future::join_all(sends).await;
    let mut seen = HashSet::new();
    while seen.len() < 600 {
        let m = wait_event(&mut manager, "message:new", |m| m["message"]["sender"] == "visitor").await;
        assert!(seen.insert(id(&m["message"]["id"])), "duplicate delivery {m}");
    }
    for (_, session) in &visitors {
        let (_, h) = get(&format!("{}/sessions/{session}/messages?limit=500", c.url(0)), Some(&mt)).await;
        let msgs = h["messages"].as_array().unwrap();
        let seqs: Vec<i64> = msgs.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gap in {session}");
        let texts: Vec<&str> =
            msgs.iter().filter(|m| m["sender"] == "visitor").map(|m| m["text"].as_str().unwrap()).collect();
        // "Help please" from the request, then the 20 in order.
        assert_eq!(texts.len(), 21);
        for (n, t) in texts[1..].iter().enumerate() {
            assert_eq!(*t, format!("{session} #{n}"));
        }
    }
}

#[tokio::test]
async fn retries_reconnects_and_sync() {
    let c = spawn_cluster(2).await;
    // Waiting for a manager: no assistant replies interleave (seq 1, 2 are the request).
    let (vt, session) = waiting_visitor(&c, 0).await;
    let v = sio(c.url(0), "/chat", &vt).await;
    let first = ack_ok(&v, "message:send", json!({ "client_id": "same", "text": "once" })).await;
    let retry = ack_ok(&v, "message:send", json!({ "client_id": "same", "text": "once" })).await;
    assert_eq!(first["message"], retry["message"], "a retry returns the stored message");
    assert_eq!(first["message"]["session_id"], session.as_str());
    for n in 0..5 {
        ack_ok(&v, "message:send", json!({ "client_id": format!("n{n}"), "text": format!("m{n}") })).await;
    }
    v.disconnect().await;
    // Reconnect on the other node and catch up from seq 2.
    let w = sio(c.url(1), "/chat", &vt).await;
    let sync = ack_ok(&w, "messages:sync", json!({ "after_seq": 2 })).await;
    let seqs: Vec<i64> = sync["messages"].as_array().unwrap().iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (3..=8).collect::<Vec<_>>());
    assert_eq!(sync["has_more"], false);
    let page = ack_ok(&w, "messages:sync", json!({ "session_id": session, "after_seq": 0, "limit": 2 })).await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 2);
    assert_eq!(page["has_more"], true);
    assert_eq!(ack_err(&w, "messages:sync", json!({ "after_seq": 0, "limit": 501 })).await, "validation_failed");
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_is_stored() {
    let c = spawn_cluster(1).await;
    let (_, vt) = c.visitor(0).await;
    let v = sio(c.url(0), "/chat", &vt).await;
    let cases = [
        (json!({ "client_id": "a", "text": "   " }), "validation_failed"),
        (json!({ "client_id": "a", "text": "x".repeat(4001) }), "validation_failed"),
        (json!({ "client_id": "bad id!", "text": "hi" }), "validation_failed"),
        (json!({ "client_id": "a".repeat(65), "text": "hi" }), "validation_failed"),
        (json!({ "client_id": "a", "text": 5 }), "validation_failed"),
        (json!({ "text": "hi" }), "validation_failed"),
        (json!({ "session_id": "nope", "client_id": "a", "text": "hi" }), "validation_failed"),
        (json!({ "session_id": uuid::Uuid::new_v4(), "client_id": "a", "text": "hi" }), "not_found"),
        (json!({ "client_id": "a", "text": "x".repeat(200_000) }), "too_large"),
        (json!("not an object"), "validation_failed"),
    ];
    for (payload, code) in cases {
        assert_eq!(
            ack_err(&v, "message:send", payload.clone()).await,
            code,
            "{}",
            &payload.to_string()[..80.min(payload.to_string().len())]
        );
    }
    let (_, mt) = c.manager(0).await;
    let m = sio(c.url(0), "/chat", &mt).await;
    assert_eq!(ack_err(&m, "message:send", json!({ "client_id": "a", "text": "hi" })).await, "validation_failed");
    assert_eq!(ack_err(&m, "presence:set", json!({ "status": "busy" })).await, "validation_failed");
    assert_eq!(ack_err(&v, "session:accept", json!({ "session_id": uuid::Uuid::new_v4() })).await, "forbidden");
    // The socket survived all of it, and nothing was written.
    let sync = ack_ok(&v, "messages:sync", json!({ "after_seq": 0 })).await;
    assert_eq!(sync["messages"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn visitor_rate_limit() {
    let c = spawn_cluster_with(1, Routing::Manual, &[("SWITCHBOARD__CHAT__VISITOR_RATE_LIMIT", "5")]).await;
    let (_, vt) = c.visitor(0).await;
    let v = sio(c.url(0), "/chat", &vt).await;
    for n in 0..5 {
        ack_ok(&v, "message:send", json!({ "client_id": format!("r{n}"), "text": "spam" })).await;
    }
    assert_eq!(ack_err(&v, "message:send", json!({ "client_id": "r5", "text": "spam" })).await, "rate_limited");
}

#[tokio::test]
async fn sites_see_nothing_of_each_other() {
    let c = spawn_cluster(2).await;
    let (vt, session) = waiting_visitor(&c, 0).await;
    let (other_site, _) = c.create_site("Other", Routing::Manual).await;
    let (_, email) = c.create_manager(other_site, Role::Admin, None).await;
    let outsider = c.login(1, &email).await;
    let u = c.url(1);
    let mut o = sio(u, "/chat", &outsider).await;
    for path in [format!("{u}/manager/sessions/{session}/accept"), format!("{u}/manager/sessions/{session}/close")] {
        let (s, b) = post(&path, Some(&outsider), json!({})).await;
        assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    assert_eq!(get(&format!("{u}/sessions/{session}/messages"), Some(&outsider)).await.0, 404);
    assert_eq!(get(&format!("{u}/manager/sessions/{session}"), Some(&outsider)).await.0, 404);
    let (_, q) = get(&format!("{u}/manager/queue"), Some(&outsider)).await;
    assert_eq!(q["waiting"].as_array().unwrap().len(), 0);
    assert_eq!(ack_err(&o, "session:accept", json!({ "session_id": session })).await, "not_found");
    assert_eq!(ack_err(&o, "messages:sync", json!({ "session_id": session, "after_seq": 0 })).await, "not_found");
    assert_eq!(
        ack_err(&o, "message:send", json!({ "session_id": session, "client_id": "x", "text": "hi" })).await,
        "not_found"
    );
    // Another visitor cannot read or write the session either.
    let (_, other_visitor) = c.visitor(0).await;
    assert_eq!(get(&format!("{u}/sessions/{session}/messages"), Some(&other_visitor)).await.0, 404);
    // The outsider heard nothing of site A's activity.
    let v = sio(c.url(0), "/chat", &vt).await;
    ack_ok(&v, "message:send", json!({ "client_id": "z", "text": "secret" })).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let leaked: Vec<_> = o
        .try_events()
        .into_iter()
        .filter(|(name, data)| name != "queue:updated" || data.to_string().contains(&session))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
}

#[tokio::test]
async fn auto_routing_assigns_at_once_and_when_room_frees() {
    let c = spawn_cluster_with(2, Routing::Auto, &[]).await;
    let (_, email) = c.create_manager(c.site_id, Role::Manager, Some(1)).await;
    let token = c.login(1, &email).await;
    let mut m = sio(c.url(1), "/chat", &token).await;
    // Presence is announced asynchronously: wait until the manager counts as online.
    wait_event(&mut m, "queue:updated", |q| q["stats"]["online_managers"] == 1).await;
    let (_, vt) = c.visitor(0).await;
    let (_, b) = post(&format!("{}/manager/request", c.url(0)), Some(&vt), json!({})).await;
    assert_eq!(b["session"]["status"], "active", "{b}");
    let first = id(&b["session"]["id"]);
    // Full: the next one waits, then gets the freed slot.
    let (vt2, second) = waiting_visitor(&c, 0).await;
    let mut v2 = sio(c.url(0), "/chat", &vt2).await;
    ack_ok(&m, "session:close", json!({ "session_id": first })).await;
    let upd = wait_event(&mut v2, "session:updated", |u| u["session"]["status"] == "active").await;
    assert_eq!(upd["session"]["id"], second.as_str());
}

#[tokio::test]
async fn queue_positions_move_for_waiting_visitors() {
    let c = spawn_cluster(2).await;
    let (_, mt) = c.manager(1).await;
    let m = sio(c.url(1), "/chat", &mt).await;
    let (_, first) = waiting_visitor(&c, 0).await;
    let (vt2, second) = waiting_visitor(&c, 0).await;
    let mut v2 = sio(c.url(0), "/chat", &vt2).await;
    let (_, s) = get(&format!("{}/manager/queue", c.url(1)), Some(&mt)).await;
    let order: Vec<String> = s["waiting"].as_array().unwrap().iter().map(|e| id(&e["session_id"])).collect();
    assert_eq!(order, vec![first.clone(), second.clone()]);
    ack_ok(&m, "session:accept", json!({ "session_id": first })).await;
    let upd = wait_event(&mut v2, "session:updated", |u| u["session"]["queue_position"] == 1).await;
    assert_eq!(upd["session"]["id"], second.as_str());
}

#[tokio::test]
async fn presence_and_stats_reach_every_manager() {
    let c = spawn_cluster(2).await;
    let (_, a) = c.manager(0).await;
    let (_, b) = c.manager(1).await;
    let mut ma = sio(c.url(0), "/chat", &a).await;
    wait_event(&mut ma, "queue:updated", |q| q["stats"]["online_managers"] == 1).await;
    let mb = sio(c.url(1), "/chat", &b).await;
    wait_event(&mut ma, "queue:updated", |q| q["stats"]["online_managers"] == 2).await;
    ack_ok(&mb, "presence:set", json!({ "status": "away" })).await;
    wait_event(&mut ma, "queue:updated", |q| q["stats"]["online_managers"] == 1).await;
    ack_ok(&mb, "presence:set", json!({ "status": "online" })).await;
    wait_event(&mut ma, "queue:updated", |q| q["stats"]["online_managers"] == 2).await;
    mb.disconnect().await;
    wait_event(&mut ma, "queue:updated", |q| q["stats"]["online_managers"] == 1).await;
}
