//! The message path's way into Postgres: a batch written in one statement, with no
//! transaction held across round trips.
//!
//! The locked path (`messages::append_in`) costs five round trips per batch (BEGIN,
//! lock the sessions, look up retried client_ids, write, COMMIT) and holds the
//! sessions' row locks all along, so the other node's batch in the same sessions
//! waits for all of it. Here the node remembers each session's state ([`SessionCache`]),
//! plans the batch with the shared rules ([`plan_batch`]) against that memory, and a
//! single statement
//! - locks the batch's sessions in id order (as the locked path does: no deadlock),
//! - writes a session's messages only if its status and manager are still the
//!   remembered ones and none of its client_ids is stored yet,
//! - allocates the seqs itself (`last_seq` + the planned offset), so writes by other
//!   nodes never make the memory wrong about seq,
//!
//! and reports per session what it did. Sessions it skipped are re-read (or their
//! retried client_ids looked up) and tried again; a message rejected on remembered
//! state is re-checked on a fresh read before the rejection stands. After a few
//! rounds, or when a concurrent retry of the same client_id on another node trips the
//! unique index (nothing is written then), what is left takes the locked path.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use domain::{Message, Result, Time};
use sqlx::PgPool;
use uuid::Uuid;

use super::db_err;
use super::messages::{self, SessionStateRow, session_states, stored_client_ids};
use crate::plan::{LockedSession, now_micros, plan_batch};
use crate::{Appended, NewMessage};

/// Optimistic rounds before the rest of a batch takes the locked path.
const ROUNDS: usize = 3;
/// The memory is dropped whole past this many sessions; it refills on demand.
const CACHE_LIMIT: usize = 100_000;

/// What this node last read of sessions it wrote in. Only a guess: every write checks
/// it (status, manager) under the row lock, and seq is never taken from it.
#[derive(Default)]
pub struct SessionCache(Mutex<HashMap<Uuid, LockedSession>>);

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, LockedSession>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remember(&self, read: &HashMap<Uuid, LockedSession>) {
        let mut map = self.lock();
        if map.len() + read.len() > CACHE_LIMIT {
            map.clear();
        }
        map.extend(read.iter().map(|(id, s)| (*id, s.clone())));
    }

    fn forget(&self, id: &Uuid) {
        self.lock().remove(id);
    }
}

/// The most bytes of message data one statement carries (see [`append_batch`]).
const CHUNK_BYTES: usize = 12 * 1024;
/// The most statements of one batch in flight at once (each holds a pooled connection).
const MAX_LANES: usize = 4;

/// Stores a batch as statements of at most [`CHUNK_BYTES`]. A batch bigger than one
/// statement is split into lanes by session: a session's messages all go to one lane,
/// in order, and lanes run at once on their own connections, so a backlog drains in
/// parallel while every session keeps its order.
///
/// Why chunks: sqlx 0.9.0 does not set TCP_NODELAY (sqlx issue #4335, fixed upstream
/// but not released). A request larger than the socket's initial send buffer (16 KiB)
/// leaves in two writes, and Nagle holds the second until Postgres' delayed ACK, 40 ms
/// later: measured, a 64-message statement took 4 ms and an 80-message one 48 ms.
/// Drop the byte limit (not the lanes) once sqlx sets TCP_NODELAY again.
pub async fn append_batch(pool: &PgPool, cache: &SessionCache, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
    let bytes: usize = batch.iter().map(wire_bytes).sum();
    let lanes = bytes.div_ceil(CHUNK_BYTES).clamp(1, MAX_LANES);
    if lanes == 1 {
        return append_lane(pool, cache, batch).await;
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); lanes];
    for (i, m) in batch.iter().enumerate() {
        members[(m.session_id.as_u128() % lanes as u128) as usize].push(i);
    }
    let lanes = members.into_iter().filter(|idx| !idx.is_empty()).map(|idx| async move {
        let sub: Vec<NewMessage> = idx.iter().map(|&i| batch[i].clone()).collect();
        append_lane(pool, cache, &sub).await.map(|results| (idx, results))
    });
    let mut out: Vec<Option<Result<Appended>>> = batch.iter().map(|_| None).collect();
    for (idx, results) in futures::future::try_join_all(lanes).await? {
        for (i, result) in idx.into_iter().zip(results) {
            out[i] = Some(result);
        }
    }
    Ok(out.into_iter().map(|r| r.expect("every message is in a lane")).collect())
}

/// One lane: statements of at most [`CHUNK_BYTES`], one after the other.
async fn append_lane(pool: &PgPool, cache: &SessionCache, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
    let mut results = Vec::with_capacity(batch.len());
    let mut start = 0;
    while start < batch.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < batch.len() {
            let size = wire_bytes(&batch[end]);
            // At least one message per chunk, however large.
            if end > start && bytes + size > CHUNK_BYTES {
                break;
            }
            bytes += size;
            end += 1;
        }
        results.extend(append_chunk(pool, cache, &batch[start..end]).await?);
        start = end;
    }
    Ok(results)
}

/// A message's share of the statement's parameters: its text and names plus ~200
/// bytes of ids, times and the per-session columns.
fn wire_bytes(m: &NewMessage) -> usize {
    let name = m.author.as_ref().and_then(|a| a.name.as_deref()).map_or(0, str::len);
    200 + m.text.len() + m.kind.len() + m.client_id.as_deref().map_or(0, str::len) + name
}

async fn append_chunk(pool: &PgPool, cache: &SessionCache, batch: &[NewMessage]) -> Result<Vec<Result<Appended>>> {
    let mut done: Vec<Option<Result<Appended>>> = batch.iter().map(|_| None).collect();
    let mut attempt = Attempt { pool, cache, batch, fresh: HashSet::new(), existing: HashMap::new() };
    let mut pending: Vec<usize> = (0..batch.len()).collect();
    for _ in 0..ROUNDS {
        if pending.is_empty() {
            break;
        }
        let Some(round) = attempt.round(&pending).await? else { break };
        for (i, result) in round.settled {
            done[i] = Some(result);
        }
        pending = round.retry;
    }
    if !pending.is_empty() {
        metrics::counter!("message_batch_locked_fallbacks_total").increment(1);
        let rest: Vec<NewMessage> = pending.iter().map(|&i| batch[i].clone()).collect();
        for (&i, result) in pending.iter().zip(messages::append_batch(pool, &rest).await?) {
            done[i] = Some(result);
        }
    }
    Ok(done.into_iter().map(|r| r.expect("every message is settled or taken by the locked path")).collect())
}

/// What the write statement did with one session.
pub(super) enum Outcome {
    /// Written; the seq before this batch's messages.
    Written(i64),
    /// One of the session's client_ids is already stored: look them up, plan again.
    Retried,
    /// Status or manager changed since it was read: read it again.
    Stale,
}

struct Round {
    /// (index in the batch, final result)
    settled: Vec<(usize, Result<Appended>)>,
    retry: Vec<usize>,
}

struct Attempt<'a> {
    pool: &'a PgPool,
    cache: &'a SessionCache,
    batch: &'a [NewMessage],
    /// Sessions read from the database during this batch: rejections on them stand.
    fresh: HashSet<Uuid>,
    /// Stored messages the batch's retried client_ids point at.
    existing: HashMap<(Uuid, String), Message>,
}

impl Attempt<'_> {
    /// Plans and writes the `pending` messages once. `None`: the write hit a concurrent
    /// writer of the same client_id (nothing written); the locked path sorts it out.
    async fn round(&mut self, pending: &[usize]) -> Result<Option<Round>> {
        // The first round plans the batch itself; later ones the messages left over.
        let sub: Cow<'_, [NewMessage]> = if pending.len() == self.batch.len() {
            Cow::Borrowed(self.batch)
        } else {
            Cow::Owned(pending.iter().map(|&i| self.batch[i].clone()).collect())
        };
        let mut states = self.states(&sub).await?;
        let before = states.clone();
        let plan = plan_batch(&sub, &mut states, &self.existing, now_micros());

        // A rejection decided on remembered state is only believed after a fresh read.
        let doubtful: HashSet<Uuid> = sub
            .iter()
            .zip(&plan.results)
            .filter(|(m, r)| r.is_err() && !self.fresh.contains(&m.session_id))
            .map(|(m, _)| m.session_id)
            .collect();
        let inserts: Vec<Message> = plan.inserts.into_iter().filter(|m| !doubtful.contains(&m.session_id)).collect();
        let previews: HashMap<Uuid, Option<String>> =
            plan.updates.into_iter().map(|(id, _, preview)| (id, preview)).collect();
        let outcomes = match write(self.pool, &inserts, &before, &previews).await {
            Ok(o) => o,
            Err(e) if contended(&e) => return Ok(None),
            Err(e) => return Err(db_err(e)),
        };

        // Seqs as the statement allocated them, by message id (in-batch retries share it).
        let seqs: HashMap<Uuid, i64> = inserts
            .iter()
            .filter_map(|m| match outcomes.get(&m.session_id) {
                Some(Outcome::Written(base)) => Some((m.id, base + m.seq - before[&m.session_id].last_seq)),
                _ => None,
            })
            .collect();
        let mut round = Round { settled: Vec::new(), retry: Vec::new() };
        let mut look_up = Vec::new();
        for ((&i, m), result) in pending.iter().zip(sub.iter()).zip(plan.results) {
            let outcome =
                if doubtful.contains(&m.session_id) { Some(&Outcome::Stale) } else { outcomes.get(&m.session_id) };
            match outcome {
                // Nothing to write in this session: its results are final.
                None | Some(Outcome::Written(_)) => {
                    let result = result.map(|mut a| {
                        if let Some(&seq) = seqs.get(&a.message.id) {
                            a.message.seq = seq;
                        }
                        a
                    });
                    round.settled.push((i, result));
                }
                Some(Outcome::Stale) => {
                    self.cache.forget(&m.session_id);
                    round.retry.push(i);
                }
                Some(Outcome::Retried) => {
                    look_up.push(m);
                    round.retry.push(i);
                }
            }
        }
        if !look_up.is_empty() {
            self.existing.extend(stored_client_ids(self.pool, look_up.into_iter()).await?);
        }
        Ok(Some(round))
    }

    /// The sessions of `sub` as remembered, reading the ones not remembered.
    async fn states(&mut self, sub: &[NewMessage]) -> Result<HashMap<Uuid, LockedSession>> {
        let mut states = HashMap::new();
        let mut missing = Vec::new();
        {
            let cache = self.cache.lock();
            for m in sub {
                match cache.get(&m.session_id) {
                    Some(s) => drop(states.insert(m.session_id, s.clone())),
                    None => missing.push(m.session_id),
                }
            }
        }
        if missing.is_empty() {
            return Ok(states);
        }
        missing.sort_unstable();
        missing.dedup();
        let rows = sqlx::query_as!(
            SessionStateRow,
            "SELECT id, site_id, visitor_id, manager_id, status, last_seq FROM sessions WHERE id = ANY($1)",
            &missing
        )
        .fetch_all(self.pool)
        .await
        .map_err(db_err)?;
        let read = session_states(rows)?;
        self.cache.remember(&read);
        // Also the ones not found: their `not_found` is final.
        self.fresh.extend(missing);
        states.extend(read);
        Ok(states)
    }
}

/// The one statement of a round (see the module docs). `before`: the state each
/// session's messages were planned on.
pub(super) async fn write(
    conn: impl sqlx::PgExecutor<'_>,
    inserts: &[Message],
    before: &HashMap<Uuid, LockedSession>,
    previews: &HashMap<Uuid, Option<String>>,
) -> std::result::Result<HashMap<Uuid, Outcome>, sqlx::Error> {
    if inserts.is_empty() {
        return Ok(HashMap::new());
    }
    let mut counts: HashMap<Uuid, i64> = HashMap::new();
    for m in inserts {
        *counts.entry(m.session_id).or_default() += 1;
    }
    let (ids, n, previews): (Vec<Uuid>, Vec<i64>, Vec<Option<String>>) =
        unzip3(counts.iter().map(|(id, n)| (*id, *n, previews.get(id).cloned().flatten())));
    let statuses: Vec<String> = ids.iter().map(|id| before[id].status.as_str().to_owned()).collect();
    let managers: Vec<Option<Uuid>> = ids.iter().map(|id| before[id].manager_id).collect();
    // The seq column carries the offset within the session; the statement adds the base.
    let c = Columns::new(inserts, |m| m.seq - before[&m.session_id].last_seq);
    let rows = sqlx::query!(
        r#"WITH w AS (
               SELECT * FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::uuid[], $5::text[])
                   AS w(id, n, status, manager_id, preview)
           ),
           b AS (
               SELECT * FROM unnest($6::uuid[], $7::uuid[], $8::int8[], $9::text[], $10::uuid[], $11::text[],
                                    $12::text[], $13::text[], $14::text[], $15::timestamptz[])
                   AS b(id, session_id, k, sender, author_id, author_name, kind, text, client_id, created_at)
           ),
           -- LATERAL + LIMIT (never flattened into a join): one index probe per message. A
           -- plain join let the planner hash the whole messages table (48 ms at 24k rows).
           retried AS (
               SELECT DISTINCT b.session_id AS id FROM b CROSS JOIN LATERAL (
                   SELECT 1 FROM messages m WHERE m.session_id = b.session_id AND m.client_id = b.client_id LIMIT 1
               ) hit
           ),
           locked AS MATERIALIZED (
               SELECT s.id FROM sessions s WHERE s.id = ANY($1) ORDER BY s.id FOR UPDATE
           ),
           upd AS (
               UPDATE sessions s SET last_seq = s.last_seq + w.n, preview = COALESCE(w.preview, s.preview)
               FROM w JOIN locked ON locked.id = w.id
               WHERE s.id = w.id AND s.status = w.status AND s.manager_id IS NOT DISTINCT FROM w.manager_id
                 AND w.id NOT IN (SELECT id FROM retried)
               RETURNING s.id, s.last_seq - w.n AS base
           ),
           ins AS (
               INSERT INTO messages (id, session_id, seq, sender, author_id, author_name, kind, text, client_id, created_at)
               SELECT b.id, b.session_id, upd.base + b.k, b.sender, b.author_id, b.author_name, b.kind, b.text,
                      b.client_id, b.created_at
               FROM b JOIN upd ON upd.id = b.session_id
           )
           SELECT w.id AS "id!", upd.base AS "base?", w.id IN (SELECT id FROM retried) AS "retried!"
           FROM w LEFT JOIN upd ON upd.id = w.id"#,
        &ids,
        &n,
        &statuses,
        &managers as &[Option<Uuid>],
        &previews as &[Option<String>],
        &c.id,
        &c.session_id,
        &c.seq,
        &c.sender,
        &c.author_id as &[Option<Uuid>],
        &c.author_name as &[Option<String>],
        &c.kind,
        &c.text,
        &c.client_id as &[Option<String>],
        &c.created_at,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let outcome = match (r.base, r.retried) {
                (Some(base), _) => Outcome::Written(base),
                (None, true) => Outcome::Retried,
                (None, false) => Outcome::Stale,
            };
            (r.id, outcome)
        })
        .collect())
}

/// New message rows as the column arrays an `unnest` insert takes; `seq` says what
/// goes in the seq column (the seq itself, or an offset the statement adds to).
struct Columns {
    id: Vec<Uuid>,
    session_id: Vec<Uuid>,
    seq: Vec<i64>,
    sender: Vec<String>,
    author_id: Vec<Option<Uuid>>,
    author_name: Vec<Option<String>>,
    kind: Vec<String>,
    text: Vec<String>,
    client_id: Vec<Option<String>>,
    created_at: Vec<Time>,
}

impl Columns {
    fn new(messages: &[Message], seq: impl Fn(&Message) -> i64) -> Self {
        let col = |f: &dyn Fn(&Message) -> Option<String>| messages.iter().map(f).collect();
        Self {
            id: messages.iter().map(|m| m.id).collect(),
            session_id: messages.iter().map(|m| m.session_id).collect(),
            seq: messages.iter().map(seq).collect(),
            sender: messages.iter().map(|m| m.sender.as_str().to_owned()).collect(),
            author_id: messages.iter().map(|m| m.author.as_ref().map(|a| a.id)).collect(),
            author_name: col(&|m| m.author.as_ref().and_then(|a| a.name.clone())),
            kind: messages.iter().map(|m| m.kind.clone()).collect(),
            text: messages.iter().map(|m| m.text.clone()).collect(),
            client_id: col(&|m| m.client_id.clone()),
            created_at: messages.iter().map(|m| m.created_at).collect(),
        }
    }
}

/// Splits triples into three column arrays.
fn unzip3<A, B, C>(items: impl Iterator<Item = (A, B, C)>) -> (Vec<A>, Vec<B>, Vec<C>) {
    items.fold((vec![], vec![], vec![]), |mut acc, (a, b, c)| {
        acc.0.push(a);
        acc.1.push(b);
        acc.2.push(c);
        acc
    })
}

/// A unique violation (a concurrent retry of the same client_id committed after this
/// statement's snapshot) or a deadlock: nothing was written; the locked path decides.
fn contended(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("23505" | "40P01")))
}
