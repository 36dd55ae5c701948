//! Issue 2: the REST part of the contract, auth and its limits, handshake rules.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn health_and_readiness() {
    let c = spawn_cluster(1).await;
    let (s, b) = get(&format!("{}/healthz", c.url(0)), None).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("ok")));
    let (s, _) = get(&format!("{}/readyz", c.url(0)), None).await;
    assert_eq!(s, 200);
    let metrics = http().get(format!("{}/metrics", c.url(0))).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
}
