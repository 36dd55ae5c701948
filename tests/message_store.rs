//! The Postgres message path with two nodes' stores on one database, each with its
//! own memory of sessions (see `store::pg::append`): seq stays gap-free under
//! concurrent writers, a retried client_id is stored once whichever node sees it,
//! and a node whose memory is out of date neither writes on it nor rejects on it.

mod common;

use std::sync::Arc;

use common::test_env;
use domain::{ErrorCode, Manager, Person, Role, Routing, SenderKind, SessionStatus};
use store::pg::PgStore;
use store::{Closer, MessageWriter, NewManager, NewMessage, NewSite, Store, VisitorProfile};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

struct Nodes {
    _env: common::TestEnv,
    a: PgStore,
    b: PgStore,
    site: Uuid,
}

async fn two_nodes() -> Nodes {
    let env = test_env().await;
    let a = PgStore::connect(&env.database_url, 4).await.expect("store a");
    a.migrate().await.expect("migrate");
    let b = PgStore::connect(&env.database_url, 4).await.expect("store b");
    let site = a
        .create_site(NewSite {
            name: "Site".into(),
            origins: vec!["http://widget.test".into()],
            routing: Routing::Manual,
            greeting: None,
            locale: "en".into(),
        })
        .await
        .expect("site");
    Nodes { _env: env, a, b, site: site.id }
}

impl Nodes {
    async fn manager(&self) -> Manager {
        let email = format!("m{}@example.test", Uuid::new_v4().simple());
        let new = NewManager {
            site_id: self.site,
            email,
            name: "Manager".into(),
            role: Role::Manager,
            max_chats: None,
            password_hash: "hash".into(),
        };
        self.a.create_manager(new).await.expect("manager")
    }

    /// (visitor, session) with the session in status `ai`.
    async fn session(&self) -> (Uuid, Uuid) {
        let token = Uuid::new_v4();
        let v = self.a.create_visitor(self.site, token.as_bytes(), VisitorProfile::default()).await.expect("visitor");
        (v.id, self.a.ensure_open_session(self.site, v.id).await.expect("session").session.id)
    }
}

fn text(session_id: Uuid, sender: SenderKind, author: Uuid, body: &str, client_id: Option<&str>) -> NewMessage {
    NewMessage::text(session_id, sender, Person { id: author, name: None }, body.into(), client_id.map(str::to_owned))
}

async fn seqs(store: &PgStore, session: Uuid) -> Vec<i64> {
    store.messages(session, 0, 10_000).await.expect("page").0.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn two_nodes_writing_one_session_keep_seq_contiguous() {
    let n = two_nodes().await;
    let m = n.manager().await;
    let mut sessions = Vec::new();
    let mut system = 0;
    for _ in 0..3 {
        let (v, s) = n.session().await;
        n.a.request_manager(n.site, v).await.unwrap();
        n.b.accept(s, &m).await.unwrap();
        // The system messages of the request and the accept.
        system = seqs(&n.a, s).await.len() as i64;
        sessions.push((v, s));
    }
    let stop = CancellationToken::new();
    let (wa, _) = MessageWriter::spawn(Arc::new(n.a.clone()), 1, 64, stop.clone());
    let (wb, _) = MessageWriter::spawn(Arc::new(n.b.clone()), 1, 64, stop.clone());
    // The visitor writes through node a, the manager through node b, at once.
    let mut tasks = Vec::new();
    for i in 0..600 {
        let (v, s) = sessions[i % sessions.len()];
        let (writer, message) = if i % 2 == 0 {
            (wa.clone(), text(s, SenderKind::Visitor, v, &format!("v{i}"), Some(&format!("v{i}"))))
        } else {
            (wb.clone(), text(s, SenderKind::Manager, m.id, &format!("m{i}"), Some(&format!("m{i}"))))
        };
        tasks.push(tokio::spawn(async move { writer.append(message).await }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        let a = t.await.unwrap().expect("every message is stored");
        assert!(!a.duplicate);
        acked.push((a.message.session_id, a.message.seq, a.message.id));
    }
    for (_, s) in &sessions {
        let stored = n.a.messages(*s, 0, 10_000).await.unwrap().0;
        assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=system + 200).collect::<Vec<_>>());
        for (session, seq, id) in acked.iter().filter(|(session, ..)| session == s) {
            let row = &stored[(*seq - 1) as usize];
            assert_eq!((row.session_id, row.id), (*session, *id), "the acked seq is the stored one");
        }
    }
    stop.cancel();
}

#[tokio::test]
async fn a_retried_client_id_is_stored_once_whichever_node_sees_it() {
    let n = two_nodes().await;
    let (v, s) = n.session().await;
    let first = n.a.append_batch(&[text(s, SenderKind::Visitor, v, "hello", Some("c1"))]).await.unwrap();
    let first = first[0].as_ref().unwrap().clone();
    // Node b knows nothing yet; node a remembers the session. Both see retries, one
    // batch mixing a retry, a new message and the new message's own retry.
    for (round, store) in [&n.b, &n.a].into_iter().enumerate() {
        let c2 = format!("c2-{round}");
        let batch = [
            text(s, SenderKind::Visitor, v, "hello (retry)", Some("c1")),
            text(s, SenderKind::Visitor, v, "next", None),
            text(s, SenderKind::Visitor, v, "more", Some(&c2)),
            text(s, SenderKind::Visitor, v, "more (retry)", Some(&c2)),
        ];
        let out = store.append_batch(&batch).await.unwrap();
        let out: Vec<_> = out.into_iter().map(Result::unwrap).collect();
        assert!(out[0].duplicate);
        assert_eq!(out[0].message, first.message);
        assert!(!out[1].duplicate && !out[2].duplicate && out[3].duplicate);
        assert_eq!(out[2].message.id, out[3].message.id);
        assert_eq!(out[2].message.seq, out[1].message.seq + 1);
    }
    assert_eq!(seqs(&n.a, s).await, vec![1, 2, 3, 4, 5]);

    // The same client_id offered by both nodes at the same moment, many times.
    for i in 0..40 {
        let cid = format!("race{i}");
        let message = [text(s, SenderKind::Visitor, v, "race", Some(&cid))];
        let (x, y) = tokio::join!(n.a.append_batch(&message), n.b.append_batch(&message));
        let (x, y) = (x.unwrap().remove(0).unwrap(), y.unwrap().remove(0).unwrap());
        assert_eq!(x.message.id, y.message.id, "one stored message for {cid}");
        assert!(x.duplicate != y.duplicate);
    }
    assert_eq!(seqs(&n.a, s).await, (1..=45).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_node_with_an_old_view_of_the_session_neither_writes_nor_rejects_on_it() {
    let n = two_nodes().await;
    let m = n.manager().await;
    let (v, s) = n.session().await;
    // Node a remembers the session in `ai`, node b in `waiting`.
    n.a.append_batch(&[text(s, SenderKind::Visitor, v, "hi", None)]).await.unwrap().remove(0).unwrap();
    n.a.request_manager(n.site, v).await.unwrap();
    n.b.append_batch(&[text(s, SenderKind::Visitor, v, "anyone?", None)]).await.unwrap().remove(0).unwrap();

    // A manager accepts (through node a). Node b still believes `waiting`, where a
    // manager may not write: the rejection is checked, and the message stored.
    n.a.accept(s, &m).await.unwrap();
    let reply = n.b.append_batch(&[text(s, SenderKind::Manager, m.id, "hello", None)]).await.unwrap();
    let reply = reply[0].as_ref().expect("the manager writes in the active session");
    assert_eq!(reply.status, SessionStatus::Active);
    // Node a still believes `ai`: its AI reply is refused, its visitor message is
    // reported with the session's real status and manager.
    let late_ai = NewMessage { sender: SenderKind::Ai, author: None, ..text(s, SenderKind::Ai, v, "AI", None) };
    let out = n.a.append_batch(&[late_ai, text(s, SenderKind::Visitor, v, "thanks", None)]).await.unwrap();
    assert_eq!(out[0].as_ref().unwrap_err().code, ErrorCode::Conflict);
    let visitor = out[1].as_ref().unwrap();
    assert_eq!((visitor.status, visitor.manager_id), (SessionStatus::Active, Some(m.id)));

    // Closed through node b: node a, believing `active`, must refuse both.
    Store::close(&n.b, s, Closer::Visitor(v)).await.unwrap();
    let out =
        n.a.append_batch(&[
            text(s, SenderKind::Visitor, v, "late", None),
            text(s, SenderKind::Manager, m.id, "late", None),
        ])
        .await
        .unwrap();
    assert!(out.iter().all(|r| r.as_ref().is_err_and(|e| e.code == ErrorCode::Conflict)));
    let stored = n.a.messages(s, 0, 100).await.unwrap().0;
    assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=stored.len() as i64).collect::<Vec<_>>());
    assert!(stored.iter().all(|m| m.text != "late" && m.text != "AI"));
}

#[tokio::test]
async fn a_batch_larger_than_one_statement_keeps_order_and_retries() {
    let n = two_nodes().await;
    let (v, s) = n.session().await;
    // ~60 KB: several statements (see store::pg::append). Every 10th message repeats
    // the client_id of the message 25 places earlier, so retries cross chunk borders.
    let body = "x".repeat(300);
    let batch: Vec<NewMessage> = (0..200)
        .map(|i| {
            let cid = if i % 10 == 9 { format!("c{}", i - 25) } else { format!("c{i}") };
            text(s, SenderKind::Visitor, v, &body, Some(&cid))
        })
        .collect();
    let out: Vec<_> = n.a.append_batch(&batch).await.unwrap().into_iter().map(Result::unwrap).collect();
    let fresh: Vec<_> = out.iter().filter(|a| !a.duplicate).collect();
    assert_eq!(fresh.iter().map(|a| a.message.seq).collect::<Vec<_>>(), (1..=fresh.len() as i64).collect::<Vec<_>>());
    for (i, a) in out.iter().enumerate().filter(|(i, _)| i % 10 == 9 && *i >= 25) {
        assert!(a.duplicate, "message {i} repeats an earlier client_id");
        assert_eq!(a.message.id, out[i - 25].message.id);
    }
    assert_eq!(seqs(&n.b, s).await.len(), fresh.len());
}
