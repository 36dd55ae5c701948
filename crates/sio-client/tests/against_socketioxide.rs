//! The client against a small socketioxide server: handshake with auth and headers,
//! connect_error, acks, server events and a server-side disconnect.

use std::time::Duration;

use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::handler::ConnectHandler;
use switchboard_sio_client::{Client, ConnectOptions, Error};

async fn authorize(Data(auth): Data<Value>) -> Result<(), &'static str> {
    if auth["token"] == "good" { Ok(()) } else { Err("unauthorized") }
}

async fn on_connect(socket: SocketRef, Data(auth): Data<Value>) {
    socket.on("echo", async |Data(data): Data<Value>, ack: AckSender| {
        ack.send(&data).ok();
    });
    socket.on("silent", async |Data(_): Data<Value>| {});
    socket.on("fanout", async |socket: SocketRef, Data(data): Data<Value>| {
        socket.emit("first", &json!({"n": 1})).ok();
        socket.emit("second", &data).ok();
    });
    socket.on("kick", async |socket: SocketRef| {
        socket.disconnect().ok();
    });
    let origin = socket.req_parts().headers.get("origin").and_then(|v| v.to_str().ok()).map(str::to_owned);
    socket.emit("welcome", &json!({"auth": auth, "origin": origin})).ok();
}

/// Serves `/chat` (token-checked) and `/` on a free port; returns the base URL.
async fn spawn_server() -> String {
    spawn_server_pinging_every(Duration::from_secs(25)).await
}

async fn spawn_server_pinging_every(interval: Duration) -> String {
    let (layer, io) = SocketIo::builder().ping_interval(interval).ping_timeout(interval).build_layer();
    io.ns("/chat", on_connect.with(authorize));
    io.ns("/", on_connect);
    let app = axum::Router::new().layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn chat(base: &str) -> ConnectOptions {
    ConnectOptions::new(base, "/chat", json!({"token": "good"})).timeout(Duration::from_secs(2))
}

#[tokio::test]
async fn connects_with_auth_and_headers() {
    let base = spawn_server().await;
    let mut client = Client::connect(chat(&base).header("Origin", "https://shop.test")).await.unwrap();
    assert!(client.is_connected());
    let welcome = client.wait_for("welcome").await.unwrap();
    assert_eq!(welcome, json!({"auth": {"token": "good"}, "origin": "https://shop.test"}));
    client.disconnect().await;
}

#[tokio::test]
async fn rejected_connect_carries_the_error_payload() {
    let base = spawn_server().await;
    let opts = ConnectOptions::new(&base, "/chat", json!({"token": "bad"}));
    match Client::connect(opts).await {
        Err(Error::ConnectRejected(data)) => {
            assert_eq!(data, json!({"message": "unauthorized", "code": "unauthorized"}));
        }
        other => panic!("expected a rejection, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn emit_ack_returns_the_first_ack_argument() {
    let base = spawn_server().await;
    let client = Client::connect(chat(&base)).await.unwrap();
    let payloads = [json!({"ok": true, "n": [1, 2]}), json!("text"), json!(null)];
    for payload in payloads {
        assert_eq!(client.emit_ack("echo", payload.clone()).await.unwrap(), payload);
    }
    // Many in flight at once: each waiter gets its own answer.
    let answers = futures::future::join_all((0..50).map(|i| client.emit_ack("echo", json!({"i": i})))).await;
    for (i, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer.unwrap(), json!({"i": i}));
    }
}

#[tokio::test]
async fn unanswered_ack_times_out() {
    let base = spawn_server().await;
    let client = Client::connect(chat(&base).timeout(Duration::from_millis(200))).await.unwrap();
    assert!(matches!(client.emit_ack("silent", json!({})).await, Err(Error::Timeout)));
    assert!(client.is_connected());
}

#[tokio::test]
async fn server_events_arrive_in_order() {
    let base = spawn_server().await;
    let mut client = Client::connect(chat(&base)).await.unwrap();
    assert_eq!(client.next_event().await.unwrap().0, "welcome");
    client.emit("fanout", json!({"x": 1})).await.unwrap();
    assert_eq!(client.next_event().await.unwrap(), ("first".to_owned(), json!({"n": 1})));
    assert_eq!(client.next_event().await.unwrap(), ("second".to_owned(), json!({"x": 1})));

    client.emit("fanout", json!({"x": 2})).await.unwrap();
    assert_eq!(client.wait_for("second").await.unwrap(), json!({"x": 2}));

    // An acked round trip orders after the fanout's events on the same socket.
    client.emit("fanout", json!({"x": 3})).await.unwrap();
    client.emit_ack("echo", json!(0)).await.unwrap();
    let drained: Vec<String> = client.try_events().into_iter().map(|(name, _)| name).collect();
    assert_eq!(drained, ["first", "second"]);
    assert!(client.try_events().is_empty());
    let more = tokio::time::timeout(Duration::from_millis(100), client.next_event()).await;
    assert!(more.is_err(), "no further events expected");
}

#[tokio::test]
async fn server_disconnect_surfaces_as_closed() {
    let base = spawn_server().await;
    let mut client = Client::connect(chat(&base)).await.unwrap();
    client.wait_for("welcome").await.unwrap();
    client.emit("kick", json!(null)).await.unwrap();
    assert!(matches!(client.next_event().await, Err(Error::Closed)));
    assert!(!client.is_connected());
    assert!(matches!(client.emit_ack("echo", json!(1)).await, Err(Error::Closed)));
    assert!(matches!(client.emit("echo", json!(1)).await, Err(Error::Closed)));
}

#[tokio::test]
async fn default_namespace_works() {
    let base = spawn_server().await;
    let mut client = Client::connect(ConnectOptions::new(&base, "/", Value::Null)).await.unwrap();
    // socketioxide hands an absent auth payload to handlers as `{}`.
    assert_eq!(client.wait_for("welcome").await.unwrap()["auth"], json!({}));
    assert_eq!(client.emit_ack("echo", json!([1])).await.unwrap(), json!([1]));
    client.disconnect().await;
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    assert!(matches!(Client::connect(chat(&base)).await, Err(Error::Transport(_))));
}

#[tokio::test]
async fn answers_pings_so_the_server_keeps_it() {
    let base = spawn_server_pinging_every(Duration::from_millis(50)).await;
    let mut client = Client::connect(chat(&base)).await.unwrap();
    client.wait_for("welcome").await.unwrap();
    // Ten ping rounds: a client that did not pong would be dropped after the first.
    let more = tokio::time::timeout(Duration::from_millis(500), client.next_event()).await;
    assert!(more.is_err(), "no events expected, and no close");
    assert!(client.is_connected());
    assert_eq!(client.emit_ack("echo", json!(1)).await.unwrap(), json!(1));
}

#[tokio::test]
async fn close_ends_the_connection_from_the_client_side() {
    let base = spawn_server().await;
    let mut client = Client::connect(chat(&base)).await.unwrap();
    client.wait_for("welcome").await.unwrap();
    client.close();
    assert!(matches!(client.next_event().await, Err(Error::Closed)));
    assert!(!client.is_connected());
}
