//! The SQLite store against a file in a temporary directory: the `Store` contract
//! (the same rules the Postgres store follows), the data-directory lock, the seed.

use std::sync::Arc;

use domain::{Call, CallState, ErrorCode, Manager, Media, Person, Role, Routing, SenderKind, SessionStatus, kind};
use store::{Closer, MessageWriter, NewManager, NewMessage, NewSite, SitePatch, Store, VisitorProfile};
use switchboard_store_sqlite::{DemoSeed, SqliteStore};
use tempfile::TempDir;
use uuid::Uuid;

struct Fixture {
    dir: TempDir,
    store: SqliteStore,
    site: Uuid,
}

async fn fixture() -> Fixture {
    fixture_with(Routing::Manual).await
}

async fn fixture_with(routing: Routing) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path()).await.expect("open");
    store.migrate().await.expect("migrate");
    let site = store
        .create_site(NewSite {
            name: "Site".into(),
            origins: vec!["http://widget.test".into()],
            routing,
            greeting: None,
            locale: "en".into(),
        })
        .await
        .expect("site");
    Fixture { dir, store, site: site.id }
}

impl Fixture {
    async fn manager(&self, max_chats: Option<i32>) -> Manager {
        self.store
            .create_manager(NewManager {
                site_id: self.site,
                email: format!("m{}@example.test", Uuid::new_v4().simple()),
                name: "Manager".into(),
                role: Role::Manager,
                max_chats,
                password_hash: "hash".into(),
            })
            .await
            .expect("manager")
    }

    async fn visitor(&self) -> Uuid {
        let token = Uuid::new_v4();
        self.store.create_visitor(self.site, token.as_bytes(), VisitorProfile::default()).await.expect("visitor").id
    }

    /// A visitor with a session in the queue: (visitor, session).
    async fn waiting(&self) -> (Uuid, Uuid) {
        let v = self.visitor().await;
        let t = self.store.request_manager(self.site, v).await.expect("request");
        (v, t.session.id)
    }
}

fn text(session_id: Uuid, sender: SenderKind, author: Uuid, body: &str, client_id: Option<&str>) -> NewMessage {
    NewMessage::text(session_id, sender, Person { id: author, name: None }, body.into(), client_id.map(str::to_owned))
}

#[tokio::test]
async fn sites_origins_and_assistant_settings() {
    let f = fixture().await;
    let site = f.store.site(f.site).await.unwrap().unwrap();
    assert_eq!(f.store.site_by_key(&site.key).await.unwrap().unwrap(), site);
    assert!(f.store.origin_known("HTTP://Widget.test/").await.unwrap());
    assert!(!f.store.origin_known("http://other.test").await.unwrap());
    let patch = SitePatch { greeting: Some(Some("Hi".into())), routing: Some(Routing::Auto), ..Default::default() };
    let updated = f.store.update_site(f.site, patch).await.unwrap();
    assert_eq!(
        (updated.greeting.as_deref(), updated.routing, updated.name.as_str()),
        (Some("Hi"), Routing::Auto, "Site")
    );
    let cleared = f.store.update_site(f.site, SitePatch { greeting: Some(None), ..Default::default() }).await.unwrap();
    assert_eq!(cleared.greeting, None);
    assert_eq!(f.store.update_site(Uuid::now_v7(), SitePatch::default()).await.unwrap_err().code, ErrorCode::NotFound);

    assert_eq!(f.store.assistant_settings(f.site).await.unwrap(), serde_json::json!({}));
    let settings = serde_json::json!({"provider": "faq", "threshold": 0.4});
    f.store.set_assistant_settings(f.site, &settings).await.unwrap();
    assert_eq!(f.store.assistant_settings(f.site).await.unwrap(), settings);
    assert_eq!(f.store.assistant_settings(Uuid::now_v7()).await.unwrap_err().code, ErrorCode::NotFound);
}

#[tokio::test]
async fn managers_emails_unique_regardless_of_case_and_tokens() {
    let f = fixture().await;
    let new = |email: &str| NewManager {
        site_id: f.site,
        email: email.into(),
        name: "Ann".into(),
        role: Role::Admin,
        max_chats: Some(3),
        password_hash: "h".into(),
    };
    let ann = f.store.create_manager(new("Анна@Example.test")).await.unwrap();
    // Unicode case folding, as Postgres' lower() does.
    let dup = f.store.create_manager(new("анна@example.TEST")).await.unwrap_err();
    assert_eq!(dup.code, ErrorCode::Conflict);
    let (m, hash) = f.store.manager_credentials("АННА@EXAMPLE.TEST").await.unwrap().unwrap();
    assert_eq!((m, hash.as_str()), (ann.clone(), "h"));
    assert_eq!(f.store.managers(f.site).await.unwrap(), vec![ann.clone()]);

    f.store.insert_manager_token(b"token-hash", ann.id).await.unwrap();
    assert_eq!(f.store.manager_by_token(b"token-hash").await.unwrap(), Some(ann.clone()));
    f.store.delete_manager_token(b"token-hash").await.unwrap();
    assert_eq!(f.store.manager_by_token(b"token-hash").await.unwrap(), None);
}

#[tokio::test]
async fn visitors_by_token_and_profile_update() {
    let f = fixture().await;
    let v =
        f.store.create_visitor(f.site, b"vt", VisitorProfile { name: Some("Bob".into()), email: None }).await.unwrap();
    assert_eq!(f.store.visitor_by_token(b"vt").await.unwrap(), Some(v.clone()));
    let u = f.store.update_visitor(v.id, VisitorProfile { name: None, email: Some("b@x.test".into()) }).await.unwrap();
    assert_eq!((u.name.as_deref(), u.email.as_deref()), (Some("Bob"), Some("b@x.test")));
    assert_eq!(f.store.visitor(v.id).await.unwrap(), Some(u));
    let missing = f.store.update_visitor(Uuid::now_v7(), VisitorProfile::default()).await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn one_open_session_per_visitor_request_is_idempotent_and_reopens_after_close() {
    let f = fixture().await;
    let v = f.visitor().await;
    assert!(f.store.open_session(v).await.unwrap().is_none());
    let ai = f.store.ensure_open_session(f.site, v).await.unwrap();
    assert_eq!(ai.session.status, SessionStatus::Ai);
    assert_eq!(f.store.ensure_open_session(f.site, v).await.unwrap().session.id, ai.session.id);

    let t = f.store.request_manager(f.site, v).await.unwrap();
    assert!(t.changed);
    assert_eq!(
        (t.session.id, t.session.status, t.session.queue_position),
        (ai.session.id, SessionStatus::Waiting, Some(1))
    );
    assert_eq!(t.message.as_ref().map(|m| m.kind.as_str()), Some(kind::MANAGER_REQUESTED));
    let again = f.store.request_manager(f.site, v).await.unwrap();
    assert!(!again.changed && again.message.is_none());
    assert_eq!(again.session.id, ai.session.id);

    let closed = f.store.close(ai.session.id, Closer::Visitor(v)).await.unwrap();
    assert!(closed.changed);
    assert_eq!(closed.session.status, SessionStatus::Closed);
    assert!(closed.session.closed_at.is_some());
    let twice = f.store.close(ai.session.id, Closer::System).await.unwrap();
    assert!(!twice.changed && twice.message.is_none());
    // Another visitor cannot close it.
    let other = f.visitor().await;
    assert_eq!(f.store.close(ai.session.id, Closer::Visitor(other)).await.unwrap_err().code, ErrorCode::NotFound);

    let reopened = f.store.request_manager(f.site, v).await.unwrap();
    assert_ne!(reopened.session.id, ai.session.id);
    assert_eq!(f.store.open_session(v).await.unwrap().unwrap().session.id, reopened.session.id);
}

#[tokio::test]
async fn queue_positions_first_come_first_served() {
    let f = fixture().await;
    let mut sessions = Vec::new();
    for _ in 0..3 {
        sessions.push(f.waiting().await.1);
    }
    let q = f.store.queue(f.site).await.unwrap();
    assert_eq!(q.iter().map(|w| w.entry.session_id).collect::<Vec<_>>(), sessions);
    assert_eq!(q.iter().map(|w| w.entry.position).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(f.store.session(sessions[2]).await.unwrap().unwrap().session.queue_position, Some(3));
    assert_eq!(f.store.session_counts(f.site).await.unwrap(), (3, 0));

    let m = f.manager(None).await;
    f.store.accept(sessions[0], &m).await.unwrap();
    assert_eq!(f.store.session(sessions[2]).await.unwrap().unwrap().session.queue_position, Some(2));
    assert_eq!(f.store.session_counts(f.site).await.unwrap(), (2, 1));
}

#[tokio::test]
async fn accept_race_has_one_winner_and_max_chats_holds() {
    let f = fixture().await;
    let (_, s) = f.waiting().await;
    let (a, b) = (f.manager(None).await, f.manager(None).await);
    let (ra, rb) = tokio::join!(f.store.accept(s, &a), f.store.accept(s, &b));
    let winners = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(winners, 1, "{ra:?} {rb:?}");
    let loser = match (ra, rb) {
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
        other => panic!("one winner expected: {other:?}"),
    };
    assert_eq!(loser.code, ErrorCode::Conflict);
    let page = f.store.messages(s, 0, 100).await.unwrap().0;
    assert_eq!(page.iter().filter(|m| m.kind == kind::MANAGER_JOINED).count(), 1);

    // max_chats = 2: of five concurrent accepts of different sessions, two win.
    let limited = f.manager(Some(2)).await;
    let mut waiting = Vec::new();
    for _ in 0..5 {
        waiting.push(f.waiting().await.1);
    }
    let results = futures::future::join_all(waiting.iter().map(|s| f.store.accept(*s, &limited))).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| e.code == ErrorCode::Conflict));
    assert_eq!(f.store.manager_sessions(limited.id).await.unwrap().len(), 2);

    let missing = f.store.accept(Uuid::now_v7(), &a).await.unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn messages_seq_without_gaps_retries_and_paging() {
    let f = fixture().await;
    let (v, s) = f.waiting().await;
    let m = f.manager(None).await;
    f.store.accept(s, &m).await.unwrap();
    let batch = vec![
        text(s, SenderKind::Visitor, v, "one", Some("c1")),
        text(s, SenderKind::Visitor, v, "one again", Some("c1")), // a retry in the same batch
        text(s, SenderKind::Manager, m.id, "two", None),
        text(s, SenderKind::Visitor, Uuid::now_v7(), "intruder", None), // not this session's visitor
        text(s, SenderKind::Ai, Uuid::nil(), "late AI reply", None),    // the session left `ai`
        text(Uuid::now_v7(), SenderKind::Visitor, v, "nowhere", None),
    ];
    let results = f.store.append_batch(&batch).await.unwrap();
    let first = results[0].as_ref().unwrap();
    let retry = results[1].as_ref().unwrap();
    assert!(!first.duplicate && retry.duplicate);
    assert_eq!(first.message.id, retry.message.id);
    assert_eq!(results[2].as_ref().unwrap().message.seq, first.message.seq + 1);
    assert_eq!(results[3].as_ref().unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(results[4].as_ref().unwrap_err().code, ErrorCode::Conflict);
    assert_eq!(results[5].as_ref().unwrap_err().code, ErrorCode::NotFound);

    // A retry in a later batch returns the stored message, unchanged.
    let later = f.store.append_batch(&[text(s, SenderKind::Visitor, v, "changed", Some("c1"))]).await.unwrap();
    let later = later[0].as_ref().unwrap();
    assert!(later.duplicate);
    assert_eq!(later.message, first.message);
    assert_eq!(f.store.session(s).await.unwrap().unwrap().preview.as_deref(), Some("one"));

    let (all, more) = f.store.messages(s, 0, 100).await.unwrap();
    assert!(!more);
    assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=all.len() as i64).collect::<Vec<_>>());
    let (page, more) = f.store.messages(s, 1, 2).await.unwrap();
    assert!(more);
    assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(page[..], all[1..3]);
}

#[tokio::test]
async fn concurrent_writers_keep_seq_contiguous() {
    let f = fixture().await;
    let store: Arc<dyn Store> = Arc::new(f.store.clone());
    let (writer, _tasks) = MessageWriter::spawn(store.clone(), 4, 64, tokio_util::sync::CancellationToken::new());
    let mut sessions = Vec::new();
    for _ in 0..4 {
        let v = f.visitor().await;
        sessions.push((v, store.ensure_open_session(f.site, v).await.unwrap().session.id));
    }
    let mut tasks = Vec::new();
    for i in 0..400 {
        let (v, s) = sessions[i % sessions.len()];
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            writer.append(text(s, SenderKind::Visitor, v, &format!("m{i}"), Some(&format!("c{i}")))).await
        }));
    }
    for t in tasks {
        assert!(!t.await.unwrap().unwrap().duplicate);
    }
    for (_, s) in sessions {
        let (page, _) = store.messages(s, 0, 500).await.unwrap();
        assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=100).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn auto_routing_picks_fewest_active_then_longest_idle() {
    let f = fixture_with(Routing::Auto).await;
    let (a, b) = (f.manager(None).await, f.manager(Some(1)).await);
    let online = [a.id, b.id];
    assert!(f.store.assign_next(f.site, &online).await.unwrap().is_none(), "empty queue");
    let (_, s1) = f.waiting().await;
    let (_, s2) = f.waiting().await;
    let (_, s3) = f.waiting().await;
    // Both idle, never assigned: the tie goes by id; the oldest session goes first.
    let first = f.store.assign_next(f.site, &online).await.unwrap().unwrap();
    assert_eq!(first.session.id, s1);
    let first_manager = first.session.manager.as_ref().unwrap().id;
    let second = f.store.assign_next(f.site, &online).await.unwrap().unwrap();
    assert_eq!(second.session.id, s2);
    assert_ne!(second.session.manager.as_ref().unwrap().id, first_manager, "fewest active sessions first");
    // b is full (max_chats 1), a takes the third.
    let third = f.store.assign_next(f.site, &online).await.unwrap().unwrap();
    assert_eq!((third.session.id, third.session.manager.as_ref().unwrap().id), (s3, a.id));
    assert!(f.store.assign_next(f.site, &[]).await.unwrap().is_none());
    let (_, s4) = f.waiting().await;
    assert!(f.store.assign_next(f.site, &[b.id]).await.unwrap().is_none(), "nobody with room");
    assert_eq!(f.store.session(s4).await.unwrap().unwrap().session.status, SessionStatus::Waiting);
}

#[tokio::test]
async fn closing_an_active_session_names_its_manager() {
    let f = fixture().await;
    let (_, s) = f.waiting().await;
    let m = f.manager(None).await;
    f.store.accept(s, &m).await.unwrap();
    let t = f.store.close(s, Closer::Manager(m.id)).await.unwrap();
    assert_eq!(t.previous_manager, Some(m.id));
    assert_eq!(t.message.unwrap().kind, kind::SESSION_CLOSED);
    assert!(f.store.manager_sessions(m.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn notes_calls_and_faq() {
    let f = fixture().await;
    let (_, s) = f.waiting().await;
    let note = f.store.add_note(s, "wants a refund").await.unwrap();
    assert_eq!(f.store.notes(s).await.unwrap(), vec![note]);

    let call = Call {
        id: Uuid::now_v7(),
        session_id: s,
        media: Media::Video,
        from: SenderKind::Visitor,
        state: CallState::Ringing,
        created_at: store::plan::now_micros(),
    };
    f.store.create_call(&call).await.unwrap();
    f.store.update_call(call.id, CallState::Active, None).await.unwrap();
    f.store.update_call(call.id, CallState::Ended, Some("hangup")).await.unwrap();
    let row: (String, Option<i64>, Option<i64>, Option<String>) =
        sqlx::query_as("SELECT state, answered_at, ended_at, end_reason FROM calls WHERE id = ?")
            .bind(call.id)
            .fetch_one(&raw(&f).await)
            .await
            .unwrap();
    assert_eq!(
        (row.0.as_str(), row.1.is_some(), row.2.is_some(), row.3.as_deref()),
        ("ended", true, true, Some("hangup"))
    );

    let entry = f.store.add_faq(f.site, &["hours?".into(), "open when".into()], "9 to 5").await.unwrap();
    assert_eq!(f.store.faq_entries(f.site).await.unwrap(), vec![entry.clone()]);
    assert!(!f.store.delete_faq(Uuid::now_v7(), entry.id).await.unwrap(), "another site's entry");
    assert!(f.store.delete_faq(f.site, entry.id).await.unwrap());
    assert!(f.store.faq_entries(f.site).await.unwrap().is_empty());
}

/// A read-only connection to the fixture's database, for checks the trait has no reader for.
async fn raw(f: &Fixture) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}?mode=ro", f.store.path().display());
    sqlx::SqlitePool::connect(&url).await.unwrap()
}

#[tokio::test]
async fn a_second_open_of_the_data_dir_is_refused_until_the_first_is_dropped() {
    let f = fixture().await;
    let err = SqliteStore::open(f.dir.path()).await.err().expect("second open refused");
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(err.message.contains("already used by another Switchboard node"), "{}", err.message);
    assert!(err.message.contains(&std::process::id().to_string()), "names the holder: {}", err.message);

    let site = f.store.site(f.site).await.unwrap().unwrap();
    let Fixture { dir, store, .. } = f;
    store.close_pools().await;
    drop(store);
    let reopened = SqliteStore::open(dir.path()).await.expect("free after drop");
    reopened.migrate().await.expect("migrations are idempotent");
    assert_eq!(reopened.site(site.id).await.unwrap(), Some(site), "data survives");
}

#[tokio::test]
async fn demo_seed_is_one_transaction_and_remembered() {
    let f = fixture().await;
    assert!(f.store.demo_site().await.unwrap().is_none());
    let seed = || DemoSeed {
        site: NewSite {
            name: "Demo".into(),
            origins: vec!["http://localhost".into()],
            routing: Routing::Manual,
            greeting: None,
            locale: "ru".into(),
        },
        faq: vec![(vec!["q".into()], "a".into())],
        admin_email: "admin@demo.test".into(),
        admin_name: "Admin".into(),
        admin_password_hash: "h".into(),
    };
    let (site, admin) = f.store.seed_demo(seed()).await.unwrap();
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(f.store.demo_site().await.unwrap(), Some(site.clone()));
    assert_eq!(f.store.faq_entries(site.id).await.unwrap().len(), 1);
    // A second seed fails as a whole: no second site is left behind.
    let mut again = seed();
    again.admin_email = "other@demo.test".into();
    assert_eq!(f.store.seed_demo(again).await.unwrap_err().code, ErrorCode::Conflict);
    let sites: i64 = sqlx::query_scalar("SELECT count(*) FROM sites").fetch_one(&raw(&f).await).await.unwrap();
    assert_eq!(sites, 2, "the fixture's site and the demo site");
}
