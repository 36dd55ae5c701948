//! Tests of the chat preset end to end against a small in-memory fake of the contract
//! (REST + `/chat`), which can be told to drop some live deliveries: the report must
//! count exactly those as lost, and nothing when nothing is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State as HttpState};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef, State};
use socketioxide::handler::ConnectHandler;
use tokio::time::Instant;

use crate::api::Api;
use crate::cli::{Cli, Command, Params};
use crate::ctx::Ctx;
use crate::fixture::Credentials;
use crate::presets;
use crate::watch::Watches;

#[derive(Default)]
struct Session {
    visitor: String,
    manager: Option<String>,
    messages: Vec<Value>,
}

#[derive(Default)]
struct Fake {
    next: u64,
    /// Session id → session; tokens are their own ids.
    sessions: HashMap<String, Session>,
    /// Every n-th live `message:new` is not sent (0: none).
    drop_every: u64,
    dropped: u64,
}

type Shared = Arc<Mutex<Fake>>;

fn bearer(headers: &HeaderMap) -> String {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    auth.trim_start_matches("Bearer ").to_owned()
}

async fn widget_session(HttpState(fake): HttpState<Shared>) -> Json<Value> {
    let mut f = fake.lock().unwrap();
    f.next += 1;
    let token = format!("v{}", f.next);
    Json(json!({ "visitor_token": token, "visitor": { "id": token }, "session": null }))
}

async fn manager_auth(Json(body): Json<Value>) -> Json<Value> {
    let token = format!("m-{}", body["email"].as_str().unwrap_or_default());
    Json(json!({ "token": token, "manager": { "id": token } }))
}

async fn request(HttpState(fake): HttpState<Shared>, headers: HeaderMap) -> Json<Value> {
    let mut f = fake.lock().unwrap();
    f.next += 1;
    let id = format!("s{}", f.next);
    f.sessions.insert(id.clone(), Session { visitor: bearer(&headers), ..Session::default() });
    Json(json!({ "session": { "id": id, "status": "waiting", "manager": null } }))
}

async fn accept(HttpState(fake): HttpState<Shared>, Path(id): Path<String>, headers: HeaderMap) -> Json<Value> {
    let manager = bearer(&headers);
    fake.lock().unwrap().sessions.get_mut(&id).expect("known session").manager = Some(manager.clone());
    Json(json!({ "session": { "id": id, "status": "active", "manager": { "id": manager } } }))
}

async fn on_connect(socket: SocketRef, Data(auth): Data<Value>) {
    socket.on("message:send", send);
    socket.on("messages:sync", sync);
    let token = auth["token"].as_str().unwrap_or_default().to_owned();
    socket.extensions.insert(token.clone());
    socket.join(token);
}

async fn send(socket: SocketRef, Data(d): Data<Value>, ack: AckSender, State(fake): State<Shared>) {
    let (message, peer, deliver) = {
        let mut f = fake.lock().unwrap();
        f.next += 1;
        let id = format!("msg{}", f.next);
        let drop_every = f.drop_every;
        let s = f.sessions.get_mut(d["session_id"].as_str().unwrap_or_default()).expect("known session");
        let seq = s.messages.len() + 1;
        let message = json!({ "id": id, "session_id": d["session_id"], "seq": seq, "text": d["text"], "client_id": d["client_id"] });
        s.messages.push(message.clone());
        let me = socket.extensions.get::<String>().unwrap_or_default();
        let peer = if me == s.visitor { s.manager.clone().unwrap_or_default() } else { s.visitor.clone() };
        let deliver = drop_every == 0 || !(seq as u64).is_multiple_of(drop_every);
        f.dropped += u64::from(!deliver);
        (message, peer, deliver)
    };
    ack.send(&json!({ "ok": true, "message": message })).ok();
    if deliver {
        socket.to(peer).emit("message:new", &json!({ "message": message })).await.ok();
    }
}

async fn sync(Data(d): Data<Value>, ack: AckSender, State(fake): State<Shared>) {
    let f = fake.lock().unwrap();
    let after = d["after_seq"].as_u64().unwrap_or(0) as usize;
    let s = &f.sessions[d["session_id"].as_str().unwrap_or_default()];
    let page: Vec<Value> = s.messages.iter().skip(after).cloned().collect();
    ack.send(&json!({ "ok": true, "messages": page, "has_more": false })).ok();
}

async fn spawn(drop_every: u64) -> (String, Shared) {
    let fake: Shared = Arc::new(Mutex::new(Fake { drop_every, ..Fake::default() }));
    let (layer, io) = SocketIo::builder().with_state(fake.clone()).build_layer();
    io.ns(
        "/chat",
        on_connect.with(
            async |Data(auth): Data<Value>| {
                if auth["token"].is_string() { Ok(()) } else { Err("unauthorized") }
            },
        ),
    );
    let app = Router::new()
        .route("/widget/session", post(widget_session))
        .route("/manager/auth", post(manager_auth))
        .route("/manager/request", post(request))
        .route("/manager/sessions/{id}/accept", post(accept))
        .with_state(fake.clone())
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, fake)
}

fn ctx(url: &str) -> Arc<Ctx> {
    let argv = ["loadtest", "run", "--url", url, "--site-key", "k", "--smoke", "--duration", "1", "--rate", "100"];
    let short = ["--drain", "0.5", "--settle", "0.5"];
    let Command::Run(args) = <Cli as clap::Parser>::try_parse_from(argv.iter().chain(&short)).unwrap().command else {
        unreachable!()
    };
    let managers = (0..2).map(|j| Credentials::new(&format!("m{j}@t"), "x")).collect();
    Arc::new(Ctx {
        urls: vec![url.to_owned()],
        api: Api::new(None, 16, Duration::from_secs(5)),
        site_key: "k".into(),
        managers,
        params: Params::resolve(&args, 2),
        timeout: Duration::from_secs(5),
        origin: Instant::now(),
    })
}

#[tokio::test]
async fn a_clean_run_loses_nothing() {
    let (url, _) = spawn(0).await;
    let out = presets::chat::run(ctx(&url), &Watches::start(&[]), true, false).await.unwrap();
    let c = &out.stats.counters;
    // 100 msg/s for 1 s, give or take the rounding of six senders' schedules.
    assert!((98..=102).contains(&c["acked"]), "{c:?}");
    assert_eq!((c["delivered"], c["lost"], c["duplicated"], c["seq_gaps"]), (c["acked"], 0, 0, 0), "{c:?}");
    assert_eq!(out.stats.summary("delivery").unwrap().count, c["acked"]);
}

#[tokio::test]
async fn dropped_deliveries_are_counted_lost() {
    let (url, fake) = spawn(5).await;
    let out = presets::chat::run(ctx(&url), &Watches::start(&[]), true, false).await.unwrap();
    let c = &out.stats.counters;
    let dropped = fake.lock().unwrap().dropped;
    assert!(dropped > 0);
    assert_eq!(c["lost"], dropped, "{c:?}");
    assert_eq!(c["lost_in_store"], 0, "they were stored: {c:?}");
    assert_eq!(c["delivered"] + dropped, c["acked"], "{c:?}");
}
