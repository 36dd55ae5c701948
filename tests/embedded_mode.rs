//! Issue 8: the embedded single-node mode's own promises — the first start seeds a
//! demo site, its FAQ and an admin printed once; data survives a restart; a second
//! node on the same data directory and a half-configured cluster are refused.
//! (The contract's behaviour on this backend is in `contract_backends.rs`.)

mod common;

use std::collections::HashMap;

use common::*;
use serde_json::json;

/// A port free right now, for a node whose printed URLs and seeded origins must
/// name its real port (port 0 would leave them unknown at seed time).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn process_vars(dir: &TempDir, port: u16) -> HashMap<String, String> {
    let listen = format!("127.0.0.1:{port}");
    embedded_vars(dir.path(), &[("SWITCHBOARD_LISTEN", listen.as_str())])
}

async fn demo_key(url: &str) -> String {
    let page = http().get(format!("{url}/demo/")).send().await.expect("GET /demo/");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("demo page");
    let key = html.split("data-site-key=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("widget tag");
    assert!(key.starts_with("pk_"), "the demo page embeds the demo site without ?site_key: {key:?}");
    key.to_owned()
}

async fn login(url: &str, email: &str, password: &str) -> (u16, serde_json::Value) {
    send(http().post(format!("{url}/manager/auth")).json(&json!({ "email": email, "password": password }))).await
}

#[tokio::test]
async fn first_start_seeds_once_and_a_restart_keeps_the_data() {
    let dir = TempDir::new();
    let port = free_port();
    let node = EmbeddedProcess::start(process_vars(&dir, port)).await.expect("first start");
    let base = format!("http://localhost:{port}");
    assert_eq!(banner_value(&node.banner, "demo page"), Some(format!("{base}/demo/").as_str()), "{}", node.banner);
    assert_eq!(banner_value(&node.banner, "manager panel"), Some(format!("{base}/admin/").as_str()));
    let email = banner_value(&node.banner, "admin email").expect("admin email printed").to_owned();
    let password = banner_value(&node.banner, "admin password").expect("admin password printed").to_owned();
    assert!(password.len() >= 16, "a generated password: {password:?}");

    let (status, auth) = login(&node.url, &email, &password).await;
    assert_eq!(status, 200, "{auth}");
    assert_eq!(auth["manager"]["role"], "admin");
    let key = demo_key(&node.url).await;

    // The widget works from the demo page's origin, on the node's port.
    let origin = format!("http://localhost:{port}");
    let (status, widget) = send(
        http().post(format!("{}/widget/session", node.url)).header("origin", &origin).json(&json!({ "site_key": key })),
    )
    .await;
    assert_eq!(status, 200, "{widget}");
    assert_eq!(widget["settings"]["locale"], "ru");
    let visitor_token = widget["visitor_token"].as_str().expect("visitor token").to_owned();
    let (status, session) = send(
        http()
            .post(format!("{}/manager/request", node.url))
            .header("origin", &origin)
            .bearer_auth(&visitor_token)
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    let session_id = session["session"]["id"].as_str().expect("session id").to_owned();
    assert!(node.stop().await.success(), "SIGTERM drains and exits cleanly");

    // Restarted on another port: same data, and the demo page's new origin is allowed.
    let port = free_port();
    let again = EmbeddedProcess::start(process_vars(&dir, port)).await.expect("restart");
    assert_eq!(banner_value(&again.banner, "admin password"), None, "printed only once: {}", again.banner);
    let new_origin = format!("http://127.0.0.1:{port}");
    let (status, body) = send(
        http()
            .post(format!("{}/widget/session", again.url))
            .header("origin", &new_origin)
            .json(&json!({ "site_key": key })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(login(&again.url, &email, &password).await.0, 200, "the admin survives");
    assert_eq!(demo_key(&again.url).await, key, "the same demo site");
    let (status, log) = send(
        http()
            .get(format!("{}/sessions/{session_id}/messages", again.url))
            .header("origin", &origin)
            .bearer_auth(&visitor_token),
    )
    .await;
    assert_eq!(status, 200, "the visitor token survives: {log}");
    assert_eq!(log["messages"][0]["kind"], "manager_requested", "{log}");
    assert!(again.stop().await.success());

    // The seeded FAQ is there too (read through the embedded backends of this process).
    let settings = server::Settings::load_from(None, process_vars(&dir, port)).expect("settings");
    let b = server::embedded::backends(&settings).await.expect("reopen after the process exited");
    let site = b.store.site_by_key(&key).await.unwrap().expect("demo site");
    assert_eq!(site.name, "Demo");
    for o in [origin.as_str(), new_origin.as_str(), "http://127.0.0.1", "http://localhost"] {
        assert!(site.origins.iter().any(|s| s == o), "{o} in {:?}", site.origins);
    }
    assert!(!b.store.faq_entries(site.id).await.unwrap().is_empty(), "the demo FAQ is seeded");
    assert_eq!(b.demo_site_key.as_deref(), Some(key.as_str()));
}

#[tokio::test]
async fn a_second_node_on_the_same_data_dir_is_refused() {
    let dir = TempDir::new();
    let first = spawn_embedded(dir.path(), &[]).await.expect("first node");
    let err = spawn_embedded(dir.path(), &[]).await.err().expect("the second node is refused");
    assert_eq!(err.code, domain::ErrorCode::Conflict);
    assert!(err.message.contains("already used by another Switchboard node"), "{}", err.message);
    assert_eq!(get(&format!("{}/readyz", first.node.url), None).await.0, 200, "the first node is unaffected");

    // As processes: the second exits with the reason, the first keeps serving.
    let other = TempDir::new();
    let running = EmbeddedProcess::start(process_vars(&other, 0)).await.expect("first process");
    let refused = EmbeddedProcess::start(process_vars(&other, 0)).await.err().expect("second process refused");
    assert_ne!(refused.code, Some(0));
    assert!(refused.stderr.contains("already used by another Switchboard node"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&running.child.id().expect("pid").to_string()),
        "names the holder: {}",
        refused.stderr
    );
    assert_eq!(get(&format!("{}/readyz", running.url), None).await.0, 200);
}

#[tokio::test]
async fn only_one_of_database_url_and_redis_url_is_refused() {
    let dir = TempDir::new();
    for (var, value, missing) in [
        ("DATABASE_URL", "postgres://postgres@127.0.0.1/x", "REDIS_URL"),
        ("REDIS_URL", "redis://127.0.0.1:6379", "DATABASE_URL"),
    ] {
        let mut vars = embedded_vars(dir.path(), &[(var, value)]);
        let err = server::Settings::load_from(None, vars.clone()).expect_err("refused");
        assert!(err.contains(&format!("{missing} is not")), "{err}");

        vars.insert("SWITCHBOARD_LISTEN".into(), "127.0.0.1:0".into());
        let refused = EmbeddedProcess::start(vars).await.err().expect("the binary refuses to start");
        assert_ne!(refused.code, Some(0));
        assert!(refused.stderr.contains(&format!("{var} is set but {missing} is not")), "{}", refused.stderr);
    }
    // Nothing was created in the data directory by the refused starts.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
