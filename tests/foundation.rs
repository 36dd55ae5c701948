//! Issue 2: the REST part of the contract, auth and its limits, handshake rules.

mod common;

use common::node::spawn_cluster_with;
use common::*;
use domain::Role;
use serde_json::json;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let c = spawn_cluster(1).await;
    let (s, b) = get(&format!("{}/healthz", c.url(0)), None).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("ok")));
    let (s, _) = get(&format!("{}/readyz", c.url(0)), None).await;
    assert_eq!(s, 200);
    let metrics = http().get(format!("{}/metrics", c.url(0))).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
}

#[tokio::test]
async fn every_failure_has_the_error_shape() {
    let c = spawn_cluster(1).await;
    let u = c.url(0);
    let (s, b) = get(&format!("{u}/no/such/route"), None).await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")));
    // Malformed JSON, wrong types, a missing field.
    let raw = http().post(format!("{u}/manager/auth")).header("content-type", "application/json").body("{bad");
    let (s, b) = send(raw).await;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("validation_failed")));
    let (s, b) = post(&format!("{u}/manager/auth"), None, json!({ "email": 5, "password": "x" })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("validation_failed")));
    let (s, _) = post(&format!("{u}/widget/session"), None, json!({})).await;
    assert_eq!(s, 400);
    // A path id that is not a UUID.
    let (_, token) = c.manager(0).await;
    let (s, b) = post(&format!("{u}/manager/sessions/not-a-uuid/accept"), Some(&token), json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("validation_failed")));
    // A body over the 64 KiB limit.
    let big = "x".repeat(70 * 1024);
    let (s, b) = post(&format!("{u}/manager/auth"), None, json!({ "email": big, "password": "x" })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (413, Some("too_large")));
    // A wrong method on a known path.
    let (s, b) = send(http().delete(format!("{u}/manager/me"))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn widget_session_issues_and_resumes_visitors() {
    let c = spawn_cluster(1).await;
    let url = format!("{}/widget/session", c.url(0));
    let (s, first) = post(&url, None, json!({ "site_key": c.site_key, "name": "Ann" })).await;
    assert_eq!(s, 200, "{first}");
    assert!(first["session"].is_null());
    assert_eq!(first["settings"]["routing"], "manual");
    assert!(first["ice_servers"].is_array());
    let token = first["visitor_token"].as_str().unwrap();
    let (_, again) = post(&url, None, json!({ "site_key": c.site_key, "visitor_token": token })).await;
    assert_eq!(again["visitor"]["id"], first["visitor"]["id"]);
    assert_eq!(again["visitor"]["name"], "Ann");
    // An unknown token gets a new visitor; an unknown key is not found.
    let (_, fresh) = post(&url, None, json!({ "site_key": c.site_key, "visitor_token": "v_bogus" })).await;
    assert_ne!(fresh["visitor"]["id"], first["visitor"]["id"]);
    let (s, b) = post(&url, None, json!({ "site_key": "pk_nope" })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")));
    // A visitor token of another site is not reused there.
    let (_, other_key) = c.create_site("Other", domain::Routing::Manual).await;
    let (_, other) = post(&url, None, json!({ "site_key": other_key, "visitor_token": token })).await;
    assert_ne!(other["visitor"]["id"], first["visitor"]["id"]);
}

#[tokio::test]
async fn origins_and_cors() {
    let c = spawn_cluster(1).await;
    let url = format!("{}/widget/session", c.url(0));
    let evil = http().post(&url).header("origin", "http://evil.test").json(&json!({ "site_key": c.site_key }));
    let (s, b) = send(evil).await;
    assert_eq!((s, b["error"]["code"].as_str()), (403, Some("forbidden")));
    // Preflight from an allowed origin, and from an unknown one.
    let pre = http()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", ORIGIN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status().as_u16(), 204);
    assert_eq!(pre.headers()["access-control-allow-origin"], ORIGIN);
    let pre = http()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://evil.test")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status().as_u16(), 403);
    // The real request carries the header for the allowed origin.
    let ok = http().post(&url).header("origin", ORIGIN).json(&json!({ "site_key": c.site_key })).send().await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
    // A visitor token used from a foreign origin is refused too.
    let (_, vt) = c.visitor(0).await;
    let req =
        http().post(format!("{}/manager/request", c.url(0))).header("origin", "http://evil.test").bearer_auth(&vt);
    assert_eq!(send(req).await.0, 403);
}

#[tokio::test]
async fn login_me_logout_across_nodes() {
    let c = spawn_cluster(2).await;
    let (s, wrong_pw) = post(
        &format!("{}/manager/auth", c.url(0)),
        None,
        json!({ "email": c.admin_email, "password": "wrong-password" }),
    )
    .await;
    let (s2, wrong_email) = post(
        &format!("{}/manager/auth", c.url(0)),
        None,
        json!({ "email": "nobody@x.test", "password": "wrong-password" }),
    )
    .await;
    assert_eq!((s, s2), (401, 401));
    assert_eq!(wrong_pw, wrong_email, "unknown email and wrong password must look the same");

    // Emails are matched regardless of case.
    let token = c.login(0, &c.admin_email.to_uppercase()).await;
    let (s, me) = get(&format!("{}/manager/me", c.url(1)), Some(&token)).await;
    assert_eq!(s, 200);
    assert_eq!(me["manager"]["role"], "admin");
    assert!(me["manager"].get("password_hash").is_none());

    // A live socket on node 1 is closed by a logout on node 0, and the token is dead everywhere.
    let mut socket = sio(c.url(1), "/chat", &token).await;
    let (s, _) = post(&format!("{}/manager/logout", c.url(0)), Some(&token), json!({})).await;
    assert_eq!(s, 204);
    let (s, _) = get(&format!("{}/manager/me", c.url(1)), Some(&token)).await;
    assert_eq!(s, 401);
    loop {
        match socket.next_event().await {
            Ok(_) => continue, // queue/stats updates may come first
            Err(e) => {
                assert!(matches!(e, sio_client::Error::Closed), "{e:?}");
                break;
            }
        }
    }
    let refused = Sio::connect(ConnectOptions::new(c.url(1), "/chat", json!({ "token": token }))).await;
    assert!(matches!(refused, Err(sio_client::Error::ConnectRejected(_))));
}

#[tokio::test]
async fn wrong_kind_of_token_is_unauthorized() {
    let c = spawn_cluster(1).await;
    let (_, vt) = c.visitor(0).await;
    let (s, b) = get(&format!("{}/manager/me", c.url(0)), Some(&vt)).await;
    assert_eq!((s, b["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (_, mt) = c.manager(0).await;
    let (s, _) = post(&format!("{}/manager/request", c.url(0)), Some(&mt), json!({})).await;
    assert_eq!(s, 401);
    let (s, _) = get(&format!("{}/manager/me", c.url(0)), None).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn login_limit_is_shared_by_nodes() {
    let c =
        spawn_cluster_with(2, domain::Routing::Manual, &[("SWITCHBOARD__AUTH__LOGIN_ATTEMPTS_PER_ACCOUNT", "4")]).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let (s, _) = post(
            &format!("{}/manager/auth", c.url(i % 2)),
            None,
            json!({ "email": c.admin_email, "password": "not-the-password" }),
        )
        .await;
        statuses.push(s);
    }
    assert_eq!(statuses, vec![401, 401, 401, 401, 429, 429]);
    let resp = http()
        .post(format!("{}/manager/auth", c.url(1)))
        .json(&json!({ "email": c.admin_email, "password": c.password }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429, "even the right password waits out the limit");
    assert!(resp.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn admins_create_managers() {
    let c = spawn_cluster(1).await;
    let u = c.url(0);
    let admin = c.login(0, &c.admin_email).await;
    let (_, manager) = c.manager(0).await;
    let body =
        json!({ "email": "New.Person@Example.test", "name": "New", "password": "long-enough-1", "max_chats": 3 });
    let (s, b) = post(&format!("{u}/manager/create"), Some(&manager), body.clone()).await;
    assert_eq!((s, b["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, b) = post(&format!("{u}/manager/create"), Some(&admin), body.clone()).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["manager"]["max_chats"], 3);
    assert_eq!(b["manager"]["role"], "manager");
    let taken = json!({ "email": "new.person@example.TEST", "name": "Dup", "password": "long-enough-1" });
    let (s, b) = post(&format!("{u}/manager/create"), Some(&admin), taken).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("conflict")));
    for bad in [
        json!({ "email": "x@y.test", "name": "A", "password": "short" }),
        json!({ "email": "not-an-email", "name": "A", "password": "long-enough-1" }),
        json!({ "email": "z@y.test", "name": "", "password": "long-enough-1" }),
        json!({ "email": "z@y.test", "name": "A", "password": "long-enough-1", "role": "owner" }),
    ] {
        let (s, b) = post(&format!("{u}/manager/create"), Some(&admin), bad.clone()).await;
        assert_eq!(s, 400, "{bad} → {b}");
    }
    let (s, list) = get(&format!("{u}/manager/managers"), Some(&admin)).await;
    assert_eq!(s, 200);
    assert_eq!(list["managers"].as_array().unwrap().len(), 3);
    let (s, _) = post(
        &format!("{u}/manager/auth"),
        None,
        json!({ "email": "new.person@example.test", "password": "long-enough-1" }),
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn two_nodes_migrating_at_once() {
    let env = test_env().await;
    let (a, b) = tokio::join!(spawn_node(&env, &[]), spawn_node(&env, &[]));
    for n in [&a, &b] {
        assert_eq!(get(&format!("{}/readyz", n.url), None).await.0, 200);
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn handshake_refusals() {
    let c = spawn_cluster(1).await;
    for auth in [json!({}), json!({ "token": "m_nope" }), json!({ "token": 42 })] {
        let r = Sio::connect(ConnectOptions::new(c.url(0), "/chat", auth.clone())).await;
        match r {
            Err(sio_client::Error::ConnectRejected(data)) => assert_eq!(data["message"], "unauthorized", "{auth}"),
            Err(other) => panic!("{auth}: expected connect_error, got {other:?}"),
            Ok(_) => panic!("{auth}: connected without a valid token"),
        }
    }
    // A visitor from an origin the site does not allow.
    let (_, vt) = c.visitor(0).await;
    let r = Sio::connect(
        ConnectOptions::new(c.url(0), "/chat", json!({ "token": vt })).header("Origin", "http://evil.test"),
    )
    .await;
    assert!(matches!(r, Err(sio_client::Error::ConnectRejected(_))));
    // Both namespaces accept valid tokens.
    let _chat = sio(c.url(0), "/chat", &vt).await;
    let _call = sio(c.url(0), "/call", &vt).await;
    let (_, mt) = c.manager(0).await;
    let _m = sio(c.url(0), "/chat", &mt).await;
    let _ = Role::Admin;
}
