//! Issue 4: the TURN credentials our API hands out, proven against a real TURN
//! server. Debian's coturn runs on loopback with `use-auth-secret`; its
//! `turnutils_uclient` must allocate a relay (and move packets through it) with the
//! credentials of `GET /call/ice-servers` and `POST /manager/auth`, and must fail
//! with tampered ones.
//!
//! coturn is a requirement of this test, not an option: without it the test fails
//! and says how to install it (`apt-get install -y coturn`).

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::node::spawn_cluster_with;
use common::*;
use domain::Routing;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SECRET: &str = "turn-test-shared-secret";

fn require(binary: &str) {
    match std::process::Command::new(binary).arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(_) => {}
        Err(e) => panic!("{binary} is missing ({e}): this test needs Debian's coturn, `apt-get install -y coturn`"),
    }
}

/// A port free for both UDP and TCP on loopback (coturn listens on both).
fn free_port() -> u16 {
    loop {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = udp.local_addr().expect("addr").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Starts turnserver on `127.0.0.1:port` and returns once it is serving.
async fn start_coturn(port: u16, dir: &std::path::Path) -> Child {
    let mut child = Command::new("turnserver")
        .args([
            "-n",
            "--listening-ip=127.0.0.1",
            "--relay-ip=127.0.0.1",
            &format!("--listening-port={port}"),
            "--use-auth-secret",
            &format!("--static-auth-secret={SECRET}"),
            "--realm=switchboard.test",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            // turnutils_uclient's peer is on loopback too.
            "--allow-loopback-peers",
            "--log-file=stdout",
            "--simple-log",
            &format!("--pidfile={}", dir.join("turnserver.pid").display()),
            &format!("--userdb={}", dir.join("turndb").display()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("turnserver starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let ready = async {
        while let Some(line) = lines.next_line().await.expect("turnserver log") {
            if line.contains("Total General servers") {
                return;
            }
        }
        panic!("turnserver exited before serving");
    };
    tokio::time::timeout(Duration::from_secs(15), ready).await.expect("turnserver ready within 15 s");
    // Keep reading its log so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}

/// Runs turnutils_uclient against the server: (exit success, its output).
async fn uclient(port: u16, username: &str, credential: &str, tcp: bool) -> (bool, String) {
    let port = port.to_string();
    let mut args = vec!["-p", &port, "-u", username, "-w", credential, "-e", "127.0.0.1", "-n", "5", "-m", "1", "-y"];
    if tcp {
        args.push("-t");
    }
    args.push("127.0.0.1");
    let out = tokio::time::timeout(
        Duration::from_secs(30),
        Command::new("turnutils_uclient").args(&args).kill_on_drop(true).output(),
    )
    .await
    .expect("turnutils_uclient finishes within 30 s")
    .expect("turnutils_uclient runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Packets the client got back through its relay, from uclient's summary line.
fn received(output: &str) -> u64 {
    output
        .lines()
        .filter_map(|l| l.split("tot_recv_msgs=").nth(1))
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .max()
        .unwrap_or(0)
}

/// The TURN entry of an `ice_servers` list: (urls, username, credential).
fn turn_entry(ice: &Value) -> (Vec<String>, String, String) {
    let entry = ice
        .as_array()
        .expect("ice_servers is a list")
        .iter()
        .find(|s| s["urls"][0].as_str().is_some_and(|u| u.starts_with("turn:")))
        .unwrap_or_else(|| panic!("no TURN server in {ice}"));
    let urls = entry["urls"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect();
    (
        urls,
        entry["username"].as_str().expect("username").to_owned(),
        entry["credential"].as_str().expect("credential").to_owned(),
    )
}

fn tamper(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn turn_credentials_allocate_on_coturn() {
    require("turnserver");
    require("turnutils_uclient");
    let dir = std::env::temp_dir().join(format!("sb-turn-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let port = free_port();
    let _coturn = start_coturn(port, &dir).await;

    let turn_urls = format!("turn:127.0.0.1:{port}?transport=udp,turn:127.0.0.1:{port}?transport=tcp");
    let stun_url = format!("stun:127.0.0.1:{port}");
    let c = spawn_cluster_with(
        1,
        Routing::Manual,
        &[
            ("SWITCHBOARD__ICE__STUN_URLS", &stun_url),
            ("SWITCHBOARD__ICE__TURN_URLS", &turn_urls),
            ("SWITCHBOARD__ICE__TURN_SECRET", SECRET),
            ("SWITCHBOARD__ICE__TURN_TTL_SECS", "600"),
        ],
    )
    .await;

    // A visitor's fresh credentials: coturn's REST scheme, `expiry:subject`.
    let (visitor_id, vt) = c.visitor(0).await;
    let (s, body) = get(&format!("{}/call/ice-servers", c.url(0)), Some(&vt)).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["ice_servers"][0], json!({ "urls": [stun_url] }));
    let (urls, username, credential) = turn_entry(&body["ice_servers"]);
    assert_eq!(urls, turn_urls.split(',').collect::<Vec<_>>());
    let (expiry, subject) = username.split_once(':').expect("expiry:subject");
    assert_eq!(subject, visitor_id.to_string());
    let lifetime = expiry.parse::<i64>().unwrap() - chrono_now();
    assert!((590..=600).contains(&lifetime), "lifetime {lifetime}");

    let (ok, out) = uclient(port, &username, &credential, false).await;
    assert!(ok && !out.contains("Cannot complete Allocation"), "allocation with our credentials failed:\n{out}");
    assert!(received(&out) > 0, "nothing came back through the relay:\n{out}");

    // A manager's, from the login reply, over TCP.
    let (_, email) = c.create_manager(c.site_id, domain::Role::Manager, None).await;
    let (s, login) =
        post(&format!("{}/manager/auth", c.url(0)), None, json!({ "email": email, "password": c.password })).await;
    assert_eq!(s, 200, "{login}");
    let (_, m_user, m_cred) = turn_entry(&login["ice_servers"]);
    let (ok, out) = uclient(port, &m_user, &m_cred, true).await;
    assert!(ok && received(&out) > 0, "TCP allocation with the manager's credentials failed:\n{out}");

    // Tampered credential, or a username that is not the one signed: refused.
    for (user, cred) in
        [(username.clone(), tamper(&credential)), (format!("{expiry}:someone-else"), credential.clone())]
    {
        let (ok, out) = uclient(port, &user, &cred, false).await;
        assert!(
            !ok && out.contains("Cannot complete Allocation"),
            "tampered credentials were accepted ({user}):\n{out}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}
