//! Measures `append_batch` on Postgres: latency by batch size, and two "nodes" (two
//! stores with their own pools) writing at once into the same or into disjoint sessions.
//!
//!   PROBE_URL=postgres://postgres@127.0.0.1:5432/<empty database> \
//!     cargo run --release -p switchboard-store --example append_probe
use std::time::Instant;

use domain::{Person, Routing, SenderKind};
use switchboard_store::pg::PgStore;
use switchboard_store::{NewMessage, NewSite, Store, VisitorProfile};
use uuid::Uuid;

type Sessions = Vec<(Uuid, Uuid)>;

fn batch(sessions: &Sessions, size: usize, round: usize) -> Vec<NewMessage> {
    (0..size)
        .map(|i| {
            let (v, s) = sessions[(round * size + i * 37) % sessions.len()];
            let author = Person { id: v, name: None };
            NewMessage::text(s, SenderKind::Visitor, author, "hello there".into(), Some(Uuid::new_v4().to_string()))
        })
        .collect()
}

/// `rounds` batches one after the other; (p50, p90, p99) in ms.
async fn run(store: &PgStore, sessions: &Sessions, size: usize, rounds: usize) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let b = batch(sessions, size, round);
        let t = Instant::now();
        store.append_batch(&b).await.expect("append");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((rounds as f64 * q) as usize).min(rounds - 1)];
    (at(0.5), at(0.9), at(0.99))
}

#[tokio::main]
async fn main() {
    let url = std::env::var("PROBE_URL").expect("PROBE_URL: an empty database");
    let a = PgStore::connect(&url, 4).await.expect("connect");
    a.migrate().await.expect("migrate");
    let b = PgStore::connect(&url, 4).await.expect("connect");
    let new = NewSite {
        name: "probe".into(),
        origins: vec![],
        routing: Routing::Manual,
        greeting: None,
        locale: "en".into(),
    };
    let site = a.create_site(new).await.expect("site");
    let mut sessions = Vec::new();
    for _ in 0..1000 {
        let v = a.create_visitor(site.id, Uuid::new_v4().as_bytes(), VisitorProfile::default()).await.expect("visitor");
        sessions.push((v.id, a.ensure_open_session(site.id, v.id).await.expect("session").session.id));
    }
    for size in [1, 8, 32, 64, 128, 512] {
        let (p50, p90, p99) = run(&a, &sessions, size, 300).await;
        println!("one node, batch {size:>3}: p50 {p50:.2} ms  p90 {p90:.2}  p99 {p99:.2}");
    }
    let (left, right) = (sessions[..500].to_vec(), sessions[500..].to_vec());
    for size in [8, 32] {
        let (x, y) = tokio::join!(run(&a, &sessions, size, 300), run(&b, &sessions, size, 300));
        println!("two nodes, same sessions, batch {size:>3}: p50 {:.2}/{:.2} ms  p99 {:.2}/{:.2}", x.0, y.0, x.2, y.2);
        let (x, y) = tokio::join!(run(&a, &left, size, 300), run(&b, &right, size, 300));
        println!("two nodes, disjoint,      batch {size:>3}: p50 {:.2}/{:.2} ms  p99 {:.2}/{:.2}", x.0, y.0, x.2, y.2);
    }
}
