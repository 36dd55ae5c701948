//! A lean Socket.IO v4 client: Engine.IO v4 over the websocket transport only, one
//! namespace per connection, JSON payloads, one tokio task per connection.
//!
//! It exists for the integration tests and the load generator, which open thousands of
//! connections: buffers are small and nothing is spawned beyond the connection task.
//! No polling transport, no binary attachments, no reconnection (callers reconnect).

mod conn;
mod handshake;
mod packet;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use conn::{Command, Connection, Event};

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `http://host:port` (or `https://`); the client connects to `<base>/socket.io/`.
    pub base_url: String,
    /// The Socket.IO namespace, e.g. `/chat`; `/` is the default namespace.
    pub namespace: String,
    /// The handshake's `auth` payload, e.g. `{"token": "..."}`; `Null` sends none.
    pub auth: Value,
    /// Extra HTTP headers of the websocket upgrade request, e.g. `Origin`.
    pub headers: Vec<(String, String)>,
    /// Bounds the connection, each `emit_ack` and each wait for an event.
    pub timeout: Duration,
}

impl ConnectOptions {
    pub fn new(base_url: &str, namespace: &str, auth: Value) -> Self {
        Self {
            base_url: base_url.to_owned(),
            namespace: namespace.to_owned(),
            auth,
            headers: Vec::new(),
            timeout: Duration::from_secs(5),
        }
    }

    pub fn header(mut self, key: &str, value: &str) -> Self {
        self.headers.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server refused the namespace connection. Holds the `connect_error` payload's
    /// `data` field when it has one (node socket.io's `err.data`), else the whole payload;
    /// socketioxide sends only `{"message": "..."}`, whose text is then also given as
    /// `code`: `{"message": "unauthorized", "code": "unauthorized"}`.
    #[error("connection rejected: {0}")]
    ConnectRejected(Value),
    #[error("timed out")]
    Timeout,
    #[error("connection closed")]
    Closed,
    #[error("transport error: {0}")]
    Transport(String),
}

/// One Socket.IO connection to one namespace.
pub struct Client {
    commands: mpsc::UnboundedSender<Command>,
    events: mpsc::UnboundedReceiver<Event>,
    connected: Arc<AtomicBool>,
    task: JoinHandle<()>,
    timeout: Duration,
}

impl Client {
    /// Opens the websocket, completes the Engine.IO and Socket.IO handshakes, and returns
    /// once the server has accepted the namespace connection.
    pub async fn connect(opts: ConnectOptions) -> Result<Client, Error> {
        let (ws, silence_limit) =
            tokio::time::timeout(opts.timeout, handshake::handshake(&opts)).await.map_err(|_| Error::Timeout)??;
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::unbounded_channel();
        let connected = Arc::new(AtomicBool::new(true));
        let task = tokio::spawn(
            Connection {
                ws,
                namespace: opts.namespace.clone(),
                commands: commands_rx,
                events: events_tx,
                connected: connected.clone(),
                silence_limit,
            }
            .run(),
        );
        Ok(Client { commands, events, connected, task, timeout: opts.timeout })
    }

    /// Emits an event without asking for an ack.
    pub async fn emit(&self, event: &str, data: Value) -> Result<(), Error> {
        self.send(event, data, None)
    }

    /// Emits an event and waits for its ack's first argument.
    pub async fn emit_ack(&self, event: &str, data: Value) -> Result<Value, Error> {
        self.emit_ack_detached(event, data).await
    }

    /// Emits now and returns a future of the ack that does not borrow the client, so a
    /// caller can keep many acks in flight while it goes on reading events (open-loop
    /// load). The emit happens even if the future is never polled.
    pub fn emit_ack_detached(
        &self,
        event: &str,
        data: Value,
    ) -> impl Future<Output = Result<Value, Error>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let sent = self.send(event, data, Some(tx));
        let timeout = self.timeout;
        async move {
            sent?;
            match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(_)) => Err(Error::Closed),
                Err(_) => Err(Error::Timeout),
            }
        }
    }

    /// The next server event: its name and first argument (`Null` when it had none).
    pub async fn next_event(&mut self) -> Result<(String, Value), Error> {
        self.next_event_timed().await.map(|(name, arg, _)| (name, arg))
    }

    /// Like [`Client::next_event`], with the instant the event was read off the socket.
    pub async fn next_event_timed(&mut self) -> Result<(String, Value, Instant), Error> {
        match tokio::time::timeout(self.timeout, self.events.recv()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err(Error::Closed),
            Err(_) => Err(Error::Timeout),
        }
    }

    /// Skips other events until `event` arrives; the whole wait is bounded by the timeout.
    pub async fn wait_for(&mut self, event: &str) -> Result<Value, Error> {
        let deadline = Instant::now() + self.timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some((name, arg, _))) if name == event => return Ok(arg),
                Ok(Some(_)) => continue,
                Ok(None) => return Err(Error::Closed),
                Err(_) => return Err(Error::Timeout),
            }
        }
    }

    /// Drains the events that have already arrived, without waiting.
    pub fn try_events(&mut self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        while let Ok((name, arg, _)) = self.events.try_recv() {
            out.push((name, arg));
        }
        out
    }

    /// `false` once the server disconnected the socket or the transport failed.
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// Asks the connection to send the Socket.IO disconnect and close, without waiting:
    /// what was emitted before is written first; events already read stay readable,
    /// then `next_event` reports `Closed`.
    pub fn close(&self) {
        let _ = self.commands.send(Command::Disconnect);
    }

    /// Sends the Socket.IO disconnect, closes the websocket and waits for the connection
    /// task to end (bounded by the timeout).
    pub async fn disconnect(self) {
        let _ = self.commands.send(Command::Disconnect);
        let _ = tokio::time::timeout(self.timeout, self.task).await;
    }

    fn send(&self, event: &str, data: Value, ack: Option<oneshot::Sender<Value>>) -> Result<(), Error> {
        if !self.is_connected() {
            return Err(Error::Closed);
        }
        let command = Command::Emit { event: event.to_owned(), data, ack };
        self.commands.send(command).map_err(|_| Error::Closed)
    }
}
