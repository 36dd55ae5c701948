//! Call signaling on `/call`: each chosen pair places calls one after another
//! (invite, accept, offer, answer, ICE both ways, hang up) and every relayed hop's latency
//! is measured from its send to the other party's event.
//!
//! Hops within a call are sequential, as in a real call set-up; a slow hop delays the
//! next one rather than piling up, so this measures hop latency under the chat load, not
//! a fixed signaling rate.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sio_client::Client;
use tokio::time::Instant;

use crate::ctx::{Ctx, socket_error_label};
use crate::stats::Stats;

#[derive(Debug, Clone)]
pub struct CallPair {
    pub session: String,
    /// (url, token)
    pub visitor: (String, String),
    pub manager: (String, String),
}

pub async fn run(ctx: Arc<Ctx>, pairs: Vec<CallPair>, start: Instant, stop: Instant) -> Stats {
    let tasks: Vec<_> = pairs.into_iter().map(|pair| tokio::spawn(calls(ctx.clone(), pair, start, stop))).collect();
    let mut stats = Stats::default();
    for t in tasks {
        stats.merge(t.await.expect("call task"));
    }
    stats
}

async fn calls(ctx: Arc<Ctx>, pair: CallPair, start: Instant, stop: Instant) -> Stats {
    let mut stats = Stats::default();
    let (mut visitor, mut manager) = match connect(&ctx, &pair).await {
        Ok(both) => both,
        Err(label) => {
            stats.count(format!("signal_connect_{label}"));
            return stats;
        }
    };
    tokio::time::sleep_until(start).await;
    while Instant::now() < stop {
        let mut call = None;
        if let Err(label) = one_call(&pair.session, &mut visitor, &mut manager, &mut call, &mut stats).await {
            stats.count(format!("signal_{label}"));
            // Hang up the broken call (one call at a time per session), then start clean.
            if let Some(call_id) = call {
                let _ = visitor.emit_ack("call:end", json!({ "call_id": call_id })).await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            visitor.try_events();
            manager.try_events();
        }
    }
    futures::join!(visitor.disconnect(), manager.disconnect());
    stats
}

async fn connect(ctx: &Ctx, pair: &CallPair) -> Result<(Client, Client), String> {
    let v = ctx.connect(&pair.visitor.0, "/call", &pair.visitor.1, true).await;
    let m = ctx.connect(&pair.manager.0, "/call", &pair.manager.1, false).await;
    match (v, m) {
        (Ok(v), Ok(m)) => Ok((v, m)),
        (Err(e), _) | (_, Err(e)) => Err(socket_error_label(&e)),
    }
}

/// One call, hop by hop; `call` gets the call's id as soon as it is known.
async fn one_call(
    session: &str,
    v: &mut Client,
    m: &mut Client,
    call: &mut Option<String>,
    stats: &mut Stats,
) -> Result<(), String> {
    let mut run = CallRun { session, call, stats };
    let invite = json!({"session_id": session, "media": "audio"});
    let incoming = run.hop(v, m, "call:invite", invite, "call:incoming").await?;
    let call_id = incoming["call"]["id"].as_str().ok_or("incoming_without_call")?.to_owned();
    *run.call = Some(call_id.clone());
    let sdp = |kind: &str| json!({"type": kind, "sdp": "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"});
    let candidate =
        json!({"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 9 typ host", "sdpMid": "0", "sdpMLineIndex": 0});
    run.hop(m, v, "call:accept", json!({"call_id": call_id}), "call:accepted").await?;
    run.hop(v, m, "call:offer", json!({"call_id": call_id, "sdp": sdp("offer")}), "call:offer").await?;
    run.hop(m, v, "call:answer", json!({"call_id": call_id, "sdp": sdp("answer")}), "call:answer").await?;
    for _ in 0..2 {
        run.hop(v, m, "call:ice", json!({"call_id": call_id, "candidate": candidate}), "call:ice").await?;
        run.hop(m, v, "call:ice", json!({"call_id": call_id, "candidate": candidate}), "call:ice").await?;
    }
    run.hop(v, m, "call:end", json!({"call_id": call_id}), "call:ended").await?;
    // Both parties get call:ended; the caller's copy must not be mistaken for the next call's.
    run.next_of_ours(v, "call:ended").await?;
    run.stats.count("calls_completed");
    Ok(())
}

/// One call being placed in `session`.
struct CallRun<'a> {
    session: &'a str,
    /// The call's id once known (from the invite's ack or its `call:incoming`).
    call: &'a mut Option<String>,
    stats: &'a mut Stats,
}

impl CallRun<'_> {
    /// Whether a `/call` event is about this call. A manager's sockets are all in the
    /// manager's room, so a manager with several sessions sees the others' calls too.
    fn ours(&self, arg: &Value) -> bool {
        let call = arg["call"]["id"].as_str().or(arg["call_id"].as_str());
        match (self.call.as_deref(), call) {
            (Some(mine), Some(theirs)) => mine == theirs,
            _ => arg["call"]["session_id"] == self.session,
        }
    }

    /// Skips events until `to` receives `expect` about this call.
    async fn next_of_ours(&self, to: &mut Client, expect: &str) -> Result<(Value, Instant), String> {
        loop {
            match to.next_event_timed().await {
                Ok((name, arg, at)) if name == expect && self.ours(&arg) => return Ok((arg, at)),
                Ok(_) => {}
                Err(e) => return Err(format!("{}_{expect}", socket_error_label(&e))),
            }
        }
    }

    /// `from` emits `event`; waits for `to` to receive `expect` and for the ack. An error
    /// ack ends the wait at once: nothing will be relayed. An ack naming a call sets `call`.
    async fn hop(
        &mut self,
        from: &Client,
        to: &mut Client,
        event: &str,
        data: Value,
        expect: &str,
    ) -> Result<Value, String> {
        let sent = Instant::now();
        let ack = from.emit_ack_detached(event, data);
        tokio::pin!(ack);
        let mut acked = false;
        let mut relayed = None;
        while !(acked && relayed.is_some()) {
            tokio::select! {
                result = &mut ack, if !acked => {
                    let ack = result.map_err(|e| socket_error_label(&e))?;
                    if ack["ok"] != true {
                        return Err(format!("error_{}", ack["error"]["code"].as_str().unwrap_or("unknown")));
                    }
                    if let Some(id) = ack["call"]["id"].as_str() {
                        *self.call = Some(id.to_owned());
                    }
                    acked = true;
                }
                event = self.next_of_ours(to, expect), if relayed.is_none() => {
                    let (arg, at) = event?;
                    self.stats.record("signal", at.duration_since(sent));
                    relayed = Some(arg);
                }
            }
        }
        self.stats.count("hops_relayed");
        Ok(relayed.expect("loop ends with it"))
    }
}
