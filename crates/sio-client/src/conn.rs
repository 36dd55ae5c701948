//! The one task that owns a connection's websocket: it answers pings, routes acks to
//! their waiters, queues server events, and writes what the [`crate::Client`] emits.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::packet::{self, EnginePacket, SocketPacket};

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A server event with the instant the connection task read it, so that a load generator
/// measures latency at arrival rather than when it gets round to looking.
pub(crate) type Event = (String, Value, Instant);

pub(crate) enum Command {
    Emit { event: String, data: Value, ack: Option<oneshot::Sender<Value>> },
    Disconnect,
}

/// Pending acks above this size are swept of waiters that gave up (timed out), so a
/// server that never answers cannot grow the map without bound.
const SWEEP_PENDING_ABOVE: usize = 256;

pub(crate) struct Connection {
    pub ws: Ws,
    pub namespace: String,
    pub commands: mpsc::UnboundedReceiver<Command>,
    pub events: mpsc::UnboundedSender<Event>,
    pub connected: Arc<AtomicBool>,
    /// The server pings every `pingInterval` and gives up after `pingTimeout` more; a
    /// silence longer than both means it is gone without a close frame.
    pub silence_limit: Duration,
}

impl Connection {
    /// Runs until the server disconnects, the socket fails, or the client disconnects or
    /// is dropped. Dropping `events` and the ack senders on return is what tells the
    /// client's waiters the connection is closed.
    pub async fn run(mut self) {
        let mut pending: HashMap<u64, oneshot::Sender<Value>> = HashMap::new();
        let mut next_ack = 0u64;
        let silence = tokio::time::sleep(self.silence_limit);
        tokio::pin!(silence);
        loop {
            tokio::select! {
                frame = self.ws.next() => {
                    silence.as_mut().reset(Instant::now() + self.silence_limit);
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                        Some(Ok(_)) => continue,
                    };
                    if !self.on_frame(text.as_str(), &mut pending).await {
                        break;
                    }
                }
                command = self.commands.recv() => match command {
                    Some(Command::Emit { event, data, ack }) => {
                        let id = ack.map(|waiter| {
                            next_ack += 1;
                            if pending.len() > SWEEP_PENDING_ABOVE {
                                pending.retain(|_, w| !w.is_closed());
                            }
                            pending.insert(next_ack, waiter);
                            next_ack
                        });
                        let frame = packet::event(&self.namespace, id, &event, &data);
                        if self.ws.send(Message::Text(frame.into())).await.is_err() {
                            break;
                        }
                    }
                    Some(Command::Disconnect) | None => {
                        let bye = packet::disconnect(&self.namespace);
                        let _ = self.ws.send(Message::Text(bye.into())).await;
                        let _ = self.ws.close(None).await;
                        break;
                    }
                },
                () = &mut silence => break,
            }
        }
        self.connected.store(false, Ordering::Release);
    }

    /// Handles one text frame; `false` when the connection is over.
    async fn on_frame(&mut self, text: &str, pending: &mut HashMap<u64, oneshot::Sender<Value>>) -> bool {
        let reply = match packet::parse_engine(text) {
            EnginePacket::Ping => "3".to_owned(),
            EnginePacket::Close => return false,
            EnginePacket::Open(_) | EnginePacket::Ignored => return true,
            EnginePacket::Message(body) => match packet::parse_socket(body, &self.namespace) {
                Some(SocketPacket::Event { name, arg, ack }) => {
                    // The receiver is gone only when the client was dropped mid-flight.
                    let _ = self.events.send((name, arg, Instant::now()));
                    match ack {
                        Some(id) => packet::empty_ack(&self.namespace, id),
                        None => return true,
                    }
                }
                Some(SocketPacket::Ack { id, arg }) => {
                    if let Some(waiter) = pending.remove(&id) {
                        let _ = waiter.send(arg);
                    }
                    return true;
                }
                Some(SocketPacket::Disconnect) => return false,
                Some(SocketPacket::Connect | SocketPacket::ConnectError(_)) | None => return true,
            },
        };
        self.ws.send(Message::Text(reply.into())).await.is_ok()
    }
}
