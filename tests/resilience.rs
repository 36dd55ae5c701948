//! Failures: Redis restarting under a conversation, a node dying, a node draining.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::node::spawn_cluster_with;
use common::*;
use domain::Routing;
use serde_json::json;

/// A Redis of the test's own, which it may stop and start (never the shared one).
struct OwnRedis {
    port: u16,
    child: std::process::Child,
}

impl OwnRedis {
    fn start(port: u16) -> Self {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed for this test");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "own redis did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { port, child }
    }
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn ready(url: &str) -> u16 {
    match http().get(format!("{url}/readyz")).timeout(Duration::from_secs(3)).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

async fn eventually(what: &str, limit: Duration, mut f: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f().await {
        assert!(Instant::now() < deadline, "{what} did not happen within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn redis_restart_mid_conversation() {
    let mut redis = OwnRedis::start(free_port());
    let url = redis.url();
    let c = spawn_cluster_with(2, Routing::Manual, &[("REDIS_URL", url.as_str())]).await;
    let (_, mt) = c.manager(1).await;
    let mut manager = sio(c.url(1), "/chat", &mt).await;
    let (_, vt) = c.visitor(0).await;
    let visitor = sio(c.url(0), "/chat", &vt).await;
    let (_, b) = post(&format!("{}/manager/request", c.url(0)), Some(&vt), json!({})).await;
    let session = b["session"]["id"].as_str().unwrap().to_owned();
    ack_ok(&manager, "session:accept", json!({ "session_id": session })).await;
    ack_ok(&visitor, "message:send", json!({ "client_id": "before", "text": "before" })).await;
    wait_event(&mut manager, "message:new", |m| m["message"]["text"] == "before").await;

    redis.stop();
    eventually("readiness reporting Redis down", Duration::from_secs(10), async || ready(c.url(0)).await == 503).await;
    let (_, body) = get(&format!("{}/readyz", c.url(0)), None).await;
    assert!(body["error"]["message"].as_str().unwrap().contains("redis"), "{body}");
    let down = visitor.emit_ack("message:send", json!({ "client_id": "during", "text": "during" })).await.unwrap();
    assert_eq!(down["error"]["code"], "unavailable", "{down}");

    let _redis = OwnRedis::start(redis.port);
    eventually("readiness after Redis is back", Duration::from_secs(15), async || ready(c.url(0)).await == 200).await;
    // Fan-out resumes by itself: a message from node 0 reaches the manager on node 1.
    let mut acked = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut n = 0;
    loop {
        assert!(Instant::now() < deadline, "cross-node delivery did not resume");
        n += 1;
        let text = format!("after {n}");
        let a =
            visitor.emit_ack("message:send", json!({ "client_id": format!("after{n}"), "text": text })).await.unwrap();
        if a["ok"] == true {
            acked.insert(a["message"]["id"].as_str().unwrap().to_owned());
        }
        let got = tokio::time::timeout(
            Duration::from_millis(700),
            wait_event(&mut manager, "message:new", |m| m["message"]["sender"] == "visitor"),
        )
        .await;
        if got.is_ok() {
            break;
        }
    }
    // Nothing acknowledged was lost: every acked message is in the history.
    let (_, h) = get(&format!("{}/sessions/{session}/messages?limit=500", c.url(1)), Some(&mt)).await;
    let stored: HashSet<String> =
        h["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
    assert!(acked.is_subset(&stored));
    assert!(!h.to_string().contains("\"during\""), "a refused message must not be stored");
}

#[tokio::test]
async fn managers_of_a_dead_node_go_offline() {
    let c = spawn_cluster_with(1, Routing::Manual, &[("SWITCHBOARD__REDIS__PRESENCE_TTL_SECS", "3")]).await;
    let mut doomed = ProcessNode::start(&c.env, &[("SWITCHBOARD__REDIS__PRESENCE_TTL_SECS", "3")]).await;
    let (_, observer) = c.manager(0).await;
    let mut obs = sio(c.url(0), "/chat", &observer).await;
    wait_event(&mut obs, "queue:updated", |q| q["stats"]["online_managers"] == 1).await;
    let (_, email) = c.create_manager(c.site_id, domain::Role::Manager, None).await;
    let token = c.login(0, &email).await;
    let _victim = sio(&doomed.url, "/chat", &token).await;
    wait_event(&mut obs, "queue:updated", |q| q["stats"]["online_managers"] == 2).await;
    doomed.signal("-KILL");
    let _ = doomed.child.wait().await;
    let start = Instant::now();
    wait_event(&mut obs, "queue:updated", |q| q["stats"]["online_managers"] == 1).await;
    assert!(start.elapsed() < Duration::from_secs(8), "took {:?}", start.elapsed());
}

#[tokio::test]
async fn sigterm_drains_without_losing_acknowledged_messages() {
    let c = spawn_cluster(1).await;
    let mut draining = ProcessNode::start(&c.env, &[]).await;
    let (_, vt) = c.visitor(0).await;
    let mut visitor = sio(&draining.url, "/chat", &vt).await;
    let first = ack_ok(&visitor, "message:send", json!({ "client_id": "d0", "text": "start" })).await;
    let session = first["message"]["session_id"].as_str().unwrap().to_owned();

    // Traffic while the node drains: record what was acknowledged.
    let (started, traffic) = tokio::sync::oneshot::channel();
    let sender = {
        let url = draining.url.clone();
        let vt = vt.clone();
        tokio::spawn(async move {
            let client = sio(&url, "/chat", &vt).await;
            let mut acked = Vec::new();
            let mut started = Some(started);
            for n in 1..400 {
                match client
                    .emit_ack("message:send", json!({ "client_id": format!("d{n}"), "text": format!("m{n}") }))
                    .await
                {
                    Ok(a) if a["ok"] == true => acked.push(a["message"]["id"].as_str().unwrap().to_owned()),
                    Ok(_) => {}
                    Err(_) => break,
                }
                if acked.len() == 5
                    && let Some(tx) = started.take()
                {
                    let _ = tx.send(());
                }
            }
            acked
        })
    };
    // SIGTERM only once traffic flows (a loaded CI box can take longer than any fixed pause).
    tokio::time::timeout(Duration::from_secs(10), traffic).await.expect("traffic starts").expect("sender alive");
    draining.signal("-TERM");
    let t0 = Instant::now();
    eventually("readiness failing", Duration::from_secs(1), async || ready(&draining.url).await != 200).await;
    assert!(t0.elapsed() <= Duration::from_secs(1));
    // The node closes our socket: the client reconnects to the other node and syncs.
    assert!(visitor.next_event().await.is_err() || !visitor.is_connected());
    let acked = sender.await.unwrap();
    let status =
        tokio::time::timeout(Duration::from_secs(30), draining.child.wait()).await.expect("exits within 30 s").unwrap();
    assert!(status.success(), "{status:?}");
    visitor = sio(c.url(0), "/chat", &vt).await;
    let sync = ack_ok(&visitor, "messages:sync", json!({ "session_id": session, "after_seq": 0 })).await;
    let stored: HashSet<String> =
        sync["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect();
    assert!(!acked.is_empty());
    for id in &acked {
        assert!(stored.contains(id), "acknowledged message {id} lost");
    }
}
