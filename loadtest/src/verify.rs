//! Loss and duplicate accounting for chat messages.
//!
//! Every load message is identified by its sender and number ([`MsgKey`]), carried in its
//! text. Senders log what the server acknowledged, receivers log what arrived; at the end
//! the ledgers are compared with each other and with what the server stored (its
//! `messages:sync` answer), which also checks that `seq` runs 1, 2, 3 … without gaps.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub struct MsgKey {
    pub sender: u32,
    pub k: u32,
}

/// What a load message's text looks like: `lt:<sender>:<k>:<intended µs since origin>`.
pub fn encode_text(key: MsgKey, intended_us: u64) -> String {
    format!("lt:{}:{}:{intended_us}", key.sender, key.k)
}

pub fn decode_text(text: &str) -> Option<(MsgKey, u64)> {
    let mut parts = text.strip_prefix("lt:")?.split(':');
    let sender = parts.next()?.parse().ok()?;
    let k = parts.next()?.parse().ok()?;
    let intended = parts.next()?.parse().ok()?;
    Some((MsgKey { sender, k }, intended))
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server stored it: the ack's message id.
    Acked(String),
    /// `{ok:false}`: the server wrote nothing. Holds the error code.
    Rejected(String),
    /// No ack (timeout or connection closed): it may or may not have been stored.
    NoAck,
}

#[derive(Debug, Clone)]
pub struct Sent {
    pub key: MsgKey,
    pub session: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub struct Delivered {
    pub receiver: u32,
    pub key: MsgKey,
    pub id: String,
    pub session: String,
    pub seq: u64,
    /// Recovered with `messages:sync` after a reconnect rather than pushed live.
    pub via_sync: bool,
}

/// One task's log, in arrival order.
#[derive(Debug, Default)]
pub struct Ledger {
    pub sent: Vec<Sent>,
    pub delivered: Vec<Delivered>,
}

impl Ledger {
    pub fn merge(&mut self, other: Ledger) {
        self.sent.extend(other.sent);
        self.delivered.extend(other.delivered);
    }
}

/// A stored message as `messages:sync` returns it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub seq: u64,
    pub client_id: Option<String>,
}

impl Stored {
    pub fn from_json(m: &Value) -> Option<Self> {
        Some(Self {
            id: m["id"].as_str()?.to_owned(),
            seq: m["seq"].as_u64()?,
            client_id: m["client_id"].as_str().map(str::to_owned),
        })
    }
}

#[derive(Debug, Default, PartialEq)]
pub struct Verdict {
    pub acked: u64,
    pub rejected: u64,
    pub no_ack: u64,
    /// (message, receiver) pairs delivered, live or by sync.
    pub delivered: u64,
    /// (acked message, receiver) pairs that never arrived.
    pub lost: u64,
    /// The same message pushed live to the same receiver more than once.
    pub duplicated: u64,
    /// Live deliveries to a receiver whose `seq` went backwards in its session.
    pub reordered: u64,
    /// Acked messages missing from the server's stored history.
    pub lost_in_store: u64,
    /// Sessions whose stored `seq` is not 1..=n.
    pub seq_gaps: u64,
    /// Stored messages sharing a `client_id` within a session.
    pub stored_duplicates: u64,
}

/// For each receiver, the acknowledged messages it should have got and has not.
/// `members`: each session's participants; every member but the sender gets each message.
pub fn missing<'a>(
    sent: impl IntoIterator<Item = &'a Sent>,
    delivered: impl IntoIterator<Item = &'a Delivered>,
    members: &HashMap<String, Vec<u32>>,
) -> HashMap<u32, HashSet<MsgKey>> {
    let got: HashSet<(u32, MsgKey)> = delivered.into_iter().map(|d| (d.receiver, d.key)).collect();
    let mut out: HashMap<u32, HashSet<MsgKey>> = HashMap::new();
    for s in sent.into_iter().filter(|s| matches!(s.outcome, Outcome::Acked(_))) {
        let receivers = members.get(&s.session).map(Vec::as_slice).unwrap_or_default();
        for r in receivers.iter().filter(|r| **r != s.key.sender && !got.contains(&(**r, s.key))) {
            out.entry(*r).or_default().insert(s.key);
        }
    }
    out
}

/// `stored`: the server's history per session, when it was fetched.
pub fn verify(
    ledger: &Ledger,
    members: &HashMap<String, Vec<u32>>,
    stored: Option<&HashMap<String, Vec<Stored>>>,
) -> Verdict {
    let mut v = Verdict::default();
    let mut got: HashSet<(u32, MsgKey)> = HashSet::new();
    let mut live_ids: HashSet<(u32, &str)> = HashSet::new();
    let mut last_seq: HashMap<(u32, &str), u64> = HashMap::new();
    for d in &ledger.delivered {
        if got.insert((d.receiver, d.key)) {
            v.delivered += 1;
        }
        if d.via_sync {
            continue;
        }
        if !live_ids.insert((d.receiver, d.id.as_str())) {
            v.duplicated += 1;
        }
        let last = last_seq.entry((d.receiver, d.session.as_str())).or_default();
        if d.seq < *last {
            v.reordered += 1;
        }
        *last = (*last).max(d.seq);
    }

    v.lost = missing(&ledger.sent, &ledger.delivered, members).values().map(|m| m.len() as u64).sum();
    // Per session, so a session whose history could not be read proves nothing missing.
    let stored_ids: HashMap<&str, HashSet<&str>> = stored
        .into_iter()
        .flatten()
        .map(|(session, history)| (session.as_str(), history.iter().map(|m| m.id.as_str()).collect()))
        .collect();
    for s in &ledger.sent {
        match &s.outcome {
            Outcome::Acked(id) => {
                v.acked += 1;
                if stored_ids.get(s.session.as_str()).is_some_and(|ids| !ids.contains(id.as_str())) {
                    v.lost_in_store += 1;
                }
            }
            Outcome::Rejected(_) => v.rejected += 1,
            Outcome::NoAck => v.no_ack += 1,
        }
    }

    for history in stored.into_iter().flat_map(HashMap::values) {
        let mut seqs: Vec<u64> = history.iter().map(|m| m.seq).collect();
        seqs.sort_unstable();
        if seqs.iter().enumerate().any(|(i, seq)| *seq != i as u64 + 1) {
            v.seq_gaps += 1;
        }
        let mut client_ids = HashSet::new();
        for cid in history.iter().filter_map(|m| m.client_id.as_deref()) {
            if !client_ids.insert(cid) {
                v.stored_duplicates += 1;
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(sender: u32, k: u32) -> MsgKey {
        MsgKey { sender, k }
    }

    fn sent(sender: u32, k: u32, outcome: Outcome) -> Sent {
        Sent { key: key(sender, k), session: "s".into(), outcome }
    }

    fn got(receiver: u32, sender: u32, k: u32, seq: u64, via_sync: bool) -> Delivered {
        let id = format!("m{sender}-{k}");
        Delivered { receiver, key: key(sender, k), id, session: "s".into(), seq, via_sync }
    }

    fn members() -> HashMap<String, Vec<u32>> {
        HashMap::from([("s".to_owned(), vec![1, 2])])
    }

    #[test]
    fn text_round_trip() {
        let text = encode_text(key(7, 42), 123_456);
        assert_eq!(decode_text(&text), Some((key(7, 42), 123_456)));
        assert_eq!(decode_text("hello"), None);
        assert_eq!(decode_text("lt:1:x:3"), None);
    }

    #[test]
    fn clean_run() {
        let ledger = Ledger {
            sent: vec![sent(1, 0, Outcome::Acked("m1-0".into())), sent(2, 0, Outcome::Acked("m2-0".into()))],
            delivered: vec![got(2, 1, 0, 1, false), got(1, 2, 0, 2, false)],
        };
        let v = verify(&ledger, &members(), None);
        assert_eq!(v, Verdict { acked: 2, delivered: 2, ..Verdict::default() });
    }

    #[test]
    fn counts_loss_duplicates_and_reordering() {
        let ledger = Ledger {
            sent: vec![
                sent(1, 0, Outcome::Acked("m1-0".into())),
                sent(1, 1, Outcome::Acked("m1-1".into())),
                sent(1, 2, Outcome::Acked("m1-2".into())),
                sent(1, 3, Outcome::Rejected("rate_limited".into())),
                sent(1, 4, Outcome::NoAck),
            ],
            delivered: vec![
                got(2, 1, 1, 2, false),
                got(2, 1, 0, 1, false),
                got(2, 1, 0, 1, false),
                got(2, 1, 4, 3, false),
            ],
        };
        let v = verify(&ledger, &members(), None);
        assert_eq!(v.lost, 1, "m1-2 never arrived");
        let gaps = missing(&ledger.sent, &ledger.delivered, &members());
        assert_eq!(gaps, HashMap::from([(2, HashSet::from([key(1, 2)]))]));
        assert_eq!(v.duplicated, 1);
        assert_eq!(v.reordered, 2, "seq 1 after 2, twice");
        assert_eq!((v.acked, v.rejected, v.no_ack, v.delivered), (3, 1, 1, 3));
    }

    #[test]
    fn sync_recovers_without_counting_duplicates() {
        let ledger = Ledger {
            sent: vec![sent(1, 0, Outcome::Acked("m1-0".into())), sent(1, 1, Outcome::Acked("m1-1".into()))],
            delivered: vec![got(2, 1, 0, 1, false), got(2, 1, 0, 1, true), got(2, 1, 1, 2, true)],
        };
        let v = verify(&ledger, &members(), None);
        assert_eq!((v.lost, v.duplicated, v.delivered), (0, 0, 2));
    }

    #[test]
    fn checks_the_stored_history() {
        let ledger = Ledger {
            sent: vec![sent(1, 0, Outcome::Acked("m1-0".into())), sent(1, 1, Outcome::Acked("m1-1".into()))],
            delivered: vec![got(2, 1, 0, 1, false), got(2, 1, 1, 3, false)],
        };
        let stored = |id: &str, seq, cid: &str| Stored { id: id.into(), seq, client_id: Some(cid.into()) };
        let history = HashMap::from([("s".to_owned(), vec![stored("m1-0", 1, "a"), stored("x", 3, "a")])]);
        let v = verify(&ledger, &members(), Some(&history));
        assert_eq!(v.lost_in_store, 1, "m1-1 acked but not stored");
        let unread = HashMap::from([("other".to_owned(), vec![])]);
        assert_eq!(verify(&ledger, &members(), Some(&unread)).lost_in_store, 0, "history of s not read");
        assert_eq!(v.seq_gaps, 1, "seq 1, 3");
        assert_eq!(v.stored_duplicates, 1, "client_id a twice");
    }
}
