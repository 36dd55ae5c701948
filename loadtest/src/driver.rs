//! The chat loop of one party: sends on a fixed schedule (open loop), reads what arrives,
//! reconnects when its socket drops (or when the reconnect storm says so) and catches up
//! with `messages:sync`.
//!
//! Latency is measured from the *intended* send time, which is carried in the message
//! text: a send that happens late because the process or server fell behind counts its
//! wait, so the histogram does not hide stalls (no coordinated omission).

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::FuturesUnordered;
use futures::{Future, StreamExt};
use serde_json::{Value, json};
use sio_client::Error;
use tokio::time::{Instant, sleep_until};

use crate::ctx::{Ctx, socket_error_label};
use crate::pairs::{Party, Role};
use crate::stats::Stats;
use crate::verify::{Delivered, Ledger, MsgKey, Outcome, Sent, decode_text, encode_text};

/// When a party sends.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub first: Instant,
    /// Time between this party's sends; `None`: it only receives.
    pub period: Option<Duration>,
    /// No sends from here on.
    pub stop: Instant,
    /// The loop ends here (after the drain).
    pub until: Instant,
    /// Drop the socket and reconnect at this instant (reconnect storm).
    pub storm_at: Option<Instant>,
}

type AckFuture = Pin<Box<dyn Future<Output = (u32, Result<Value, Error>)> + Send>>;

pub struct Driver {
    ctx: Arc<Ctx>,
    pub party: Party,
    pub stats: Stats,
    pub ledger: Ledger,
    /// Highest `seq` seen live per session: where `messages:sync` resumes.
    last_seq: HashMap<String, u64>,
    /// Acks awaited, and for each message number its session and intended send time.
    pending: FuturesUnordered<AckFuture>,
    in_flight: HashMap<u32, (String, Instant)>,
}

impl Driver {
    pub fn new(ctx: Arc<Ctx>, party: Party) -> Self {
        Self {
            ctx,
            party,
            stats: Stats::default(),
            ledger: Ledger::default(),
            last_seq: HashMap::new(),
            pending: FuturesUnordered::new(),
            in_flight: HashMap::new(),
        }
    }

    /// The load: sends on schedule until `stop`, reads until `until`.
    pub async fn run(mut self, schedule: Schedule) -> Self {
        let mut next = schedule.first;
        let mut k = 0u32;
        let mut storm = schedule.storm_at;
        loop {
            let sending = schedule.period.is_some() && next < schedule.stop && !self.party.sessions.is_empty();
            tokio::select! {
                event = self.party.client.next_event_timed() => match event {
                    Ok((name, arg, at)) => {
                        self.on_event(&name, &arg, at);
                    }
                    Err(Error::Timeout) => {}
                    Err(_) => {
                        self.stats.count("server_disconnects");
                        if !self.reconnect(Instant::now(), schedule.until).await {
                            break;
                        }
                    }
                },
                Some((k, result)) = self.pending.next(), if !self.pending.is_empty() => {
                    self.acked(k, result);
                }
                () = sleep_until(next), if sending => {
                    let (session, ack) = self.send(k, next);
                    self.in_flight.insert(k, (session, next));
                    self.pending.push(ack);
                    k += 1;
                    next += schedule.period.expect("sending implies a period");
                }
                () = sleep_until(storm.unwrap_or(schedule.until)), if storm.is_some() => {
                    storm = None;
                    let began = Instant::now();
                    self.party.client.close();
                    if !self.reconnect(began, schedule.until).await {
                        break;
                    }
                }
                () = sleep_until(schedule.until) => break,
            }
        }
        self
    }

    /// After the load: goes on reading until every ack is in and every message of
    /// `missing` has arrived, or `deadline`. A message that arrives here is late, not lost.
    pub async fn settle(mut self, mut missing: HashSet<MsgKey>, deadline: Instant) -> Self {
        while !(self.pending.is_empty() && missing.is_empty()) {
            tokio::select! {
                event = self.party.client.next_event_timed() => match event {
                    Ok((name, arg, at)) => {
                        if let Some(key) = self.on_event(&name, &arg, at)
                            && missing.remove(&key)
                        {
                            self.stats.count("delivered_after_drain");
                        }
                    }
                    Err(Error::Timeout) => {}
                    Err(_) => break,
                },
                Some((k, result)) = self.pending.next(), if !self.pending.is_empty() => {
                    self.acked(k, result);
                }
                () = sleep_until(deadline) => break,
            }
        }
        self
    }

    /// Counts the acks that never came as unanswered.
    pub fn finish(mut self) -> Self {
        for (k, (session, intended)) in std::mem::take(&mut self.in_flight) {
            self.on_ack(k, session, intended, None);
        }
        self
    }

    fn acked(&mut self, k: u32, result: Result<Value, Error>) {
        if let Some((session, intended)) = self.in_flight.remove(&k) {
            self.on_ack(k, session, intended, Some(result));
        }
    }

    /// Emits message number `k`; returns its session and its ack.
    fn send(&self, k: u32, intended: Instant) -> (String, AckFuture) {
        let sessions = &self.party.sessions;
        let session = sessions[k as usize % sessions.len()].clone();
        let key = MsgKey { sender: self.party.idx, k };
        let payload = json!({
            "session_id": session,
            "client_id": format!("lt-{}-{k}", self.party.idx),
            "text": encode_text(key, self.ctx.micros_since_origin(intended)),
        });
        let ack = self.party.client.emit_ack_detached("message:send", payload);
        (session, Box::pin(async move { (k, ack.await) }))
    }

    /// `result` is `None` when the run ended before the ack came.
    fn on_ack(&mut self, k: u32, session: String, intended: Instant, result: Option<Result<Value, Error>>) {
        let key = MsgKey { sender: self.party.idx, k };
        let outcome = match result {
            None => {
                self.stats.count("ack_missing_at_end");
                Outcome::NoAck
            }
            Some(Ok(ack)) if ack["ok"] == true => {
                self.stats.record("ack", intended.elapsed());
                Outcome::Acked(ack["message"]["id"].as_str().unwrap_or_default().to_owned())
            }
            Some(Ok(ack)) => {
                let code = ack["error"]["code"].as_str().unwrap_or("unknown").to_owned();
                self.stats.count(format!("ack_error_{code}"));
                Outcome::Rejected(code)
            }
            // The socket closed under it (a drain, or the storm): not an error, as nothing
            // unacknowledged is promised; the loss check covers it if it was stored.
            Some(Err(Error::Closed)) => {
                self.stats.count("no_ack_socket_closed");
                Outcome::NoAck
            }
            Some(Err(e)) => {
                self.stats.count(format!("ack_{}", socket_error_label(&e)));
                Outcome::NoAck
            }
        };
        self.ledger.sent.push(Sent { key, session, outcome });
    }

    /// Returns the load message it delivered, if any.
    fn on_event(&mut self, name: &str, arg: &Value, at: Instant) -> Option<MsgKey> {
        if name != "message:new" {
            return None;
        }
        self.on_message(&arg["message"], at, false)
    }

    fn on_message(&mut self, m: &Value, at: Instant, via_sync: bool) -> Option<MsgKey> {
        let (Some(session), Some(seq)) = (m["session_id"].as_str(), m["seq"].as_u64()) else {
            self.stats.count("malformed_messages");
            return None;
        };
        let last = self.last_seq.entry(session.to_owned()).or_default();
        *last = (*last).max(seq);
        // System messages and AI replies carry no key; our own messages echo back to us.
        let (key, intended_us) = m["text"].as_str().and_then(decode_text)?;
        if key.sender == self.party.idx {
            return None;
        }
        if !via_sync {
            let intended = self.ctx.origin + Duration::from_micros(intended_us);
            self.stats.record("delivery", at.saturating_duration_since(intended));
        }
        self.ledger.delivered.push(Delivered {
            receiver: self.party.idx,
            key,
            id: m["id"].as_str().unwrap_or_default().to_owned(),
            session: session.to_owned(),
            seq,
            via_sync,
        });
        Some(key)
    }

    /// Reconnects (retrying until `until`) and fetches what was missed; `false` if the
    /// party could not get back.
    async fn reconnect(&mut self, began: Instant, until: Instant) -> bool {
        let visitor = self.party.role == Role::Visitor;
        loop {
            match self.ctx.connect(&self.party.url, "/chat", &self.party.token, visitor).await {
                Ok(client) => {
                    self.party.client = client;
                    self.stats.record("reconnect", began.elapsed());
                    break;
                }
                Err(e) => {
                    self.stats.count(format!("reconnect_{}", socket_error_label(&e)));
                    if Instant::now() + Duration::from_millis(200) > until {
                        self.stats.count("reconnect_gave_up");
                        return false;
                    }
                    tokio::time::sleep(Duration::from_millis(100 + rand::random::<u64>() % 200)).await;
                }
            }
        }
        for session in self.party.sessions.clone() {
            let after = self.last_seq.get(&session).copied().unwrap_or(0);
            match sync(&self.party.client, &session, after).await {
                Ok(messages) => {
                    for m in &messages {
                        self.on_message(m, Instant::now(), true);
                    }
                }
                Err(label) => self.stats.count(format!("sync_{label}")),
            }
        }
        true
    }
}

/// All messages of a session after `after_seq`, following `has_more`.
pub async fn sync(client: &sio_client::Client, session: &str, mut after_seq: u64) -> Result<Vec<Value>, String> {
    let mut all = Vec::new();
    loop {
        let ack = client
            .emit_ack("messages:sync", json!({ "session_id": session, "after_seq": after_seq, "limit": 500 }))
            .await
            .map_err(|e| socket_error_label(&e))?;
        if ack["ok"] != true {
            return Err(format!("error_{}", ack["error"]["code"].as_str().unwrap_or("unknown")));
        }
        let page = ack["messages"].as_array().cloned().unwrap_or_default();
        after_seq = page.iter().filter_map(|m| m["seq"].as_u64()).max().unwrap_or(after_seq);
        let more = ack["has_more"] == true && !page.is_empty();
        all.extend(page);
        if !more {
            return Ok(all);
        }
    }
}
