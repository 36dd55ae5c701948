//! Opening a connection: the websocket upgrade, the Engine.IO open packet, and the
//! Socket.IO namespace connect.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::conn::Ws;
use crate::packet::{self, EnginePacket, SocketPacket};
use crate::{ConnectOptions, Error};

/// Small buffers: the defaults (128 KiB each way) would cost gigabytes across the
/// thousands of connections of a load test, and chat frames are a few hundred bytes.
const READ_BUFFER: usize = 4 * 1024;

/// Used when the open packet lacks the ping settings (Engine.IO's defaults).
const DEFAULT_SILENCE: Duration = Duration::from_millis(25_000 + 20_000);

/// `http://h:p/prefix` → `ws://h:p/prefix/socket.io/?EIO=4&transport=websocket`.
pub(crate) fn socket_url(base_url: &str) -> Result<String, Error> {
    let base = base_url.trim_end_matches('/');
    let ws = if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if base.starts_with("ws://") || base.starts_with("wss://") {
        base.to_owned()
    } else {
        return Err(Error::Transport(format!("unsupported base url {base_url:?}")));
    };
    Ok(format!("{ws}/socket.io/?EIO=4&transport=websocket"))
}

/// Returns the open websocket, positioned just after the namespace's CONNECT, and how
/// long the server may stay silent before it counts as gone.
pub(crate) async fn handshake(opts: &ConnectOptions) -> Result<(Ws, Duration), Error> {
    let mut request = socket_url(&opts.base_url)?.into_client_request().map_err(transport)?;
    for (key, value) in &opts.headers {
        let name = HeaderName::try_from(key.as_str()).map_err(transport)?;
        let value = HeaderValue::try_from(value.as_str()).map_err(transport)?;
        request.headers_mut().append(name, value);
    }
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER).write_buffer_size(0);
    let (mut ws, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(config), true).await.map_err(transport)?;

    let silence = match packet::parse_engine(&next_text(&mut ws).await?) {
        EnginePacket::Open(open) => silence_limit(&open),
        _ => return Err(Error::Transport("expected an Engine.IO open packet".into())),
    };
    send(&mut ws, packet::connect(&opts.namespace, &opts.auth)).await?;
    loop {
        let text = next_text(&mut ws).await?;
        match packet::parse_engine(&text) {
            EnginePacket::Ping => send(&mut ws, "3".to_owned()).await?,
            EnginePacket::Close => return Err(Error::Closed),
            EnginePacket::Message(body) => match packet::parse_socket(body, &opts.namespace) {
                Some(SocketPacket::Connect) => return Ok((ws, silence)),
                Some(SocketPacket::ConnectError(payload)) => {
                    return Err(Error::ConnectRejected(rejection(payload)));
                }
                Some(SocketPacket::Disconnect) => return Err(Error::Closed),
                _ => {}
            },
            EnginePacket::Open(_) | EnginePacket::Ignored => {}
        }
    }
}

fn silence_limit(open: &Value) -> Duration {
    let ms = |key| open.get(key).and_then(Value::as_u64);
    match (ms("pingInterval"), ms("pingTimeout")) {
        (Some(interval), Some(timeout)) => Duration::from_millis(interval + timeout),
        _ => DEFAULT_SILENCE,
    }
}

/// node socket.io sends `{message, data}` and its client exposes `data`: return `data`
/// when present so callers can read `code`. socketioxide can send only `{message}`, and a
/// server on it puts its error code there: that text is then also given as `code`, so
/// `data["code"]` reads the same from either kind of server.
fn rejection(payload: Value) -> Value {
    match payload {
        Value::Object(mut map) if map.contains_key("data") => map.remove("data").unwrap_or_default(),
        Value::Object(mut map) if !map.contains_key("code") => {
            if let Some(message) = map.get("message").filter(|m| m.is_string()).cloned() {
                map.insert("code".to_owned(), message);
            }
            Value::Object(map)
        }
        other => other,
    }
}

async fn next_text(ws: &mut Ws) -> Result<String, Error> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.as_str().to_owned()),
            Some(Ok(Message::Close(_))) | None => return Err(Error::Closed),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(transport(e)),
        }
    }
}

async fn send(ws: &mut Ws, text: String) -> Result<(), Error> {
    ws.send(Message::Text(text.into())).await.map_err(transport)
}

fn transport(e: impl std::fmt::Display) -> Error {
    Error::Transport(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls() {
        assert_eq!(
            socket_url("http://127.0.0.1:8080/").unwrap(),
            "ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(socket_url("https://x.test/sb").unwrap(), "wss://x.test/sb/socket.io/?EIO=4&transport=websocket");
        assert!(socket_url("127.0.0.1:8080").is_err());
    }

    #[test]
    fn rejection_prefers_data() {
        assert_eq!(rejection(json!({"message":"m","data":{"code":"unauthorized"}})), json!({"code":"unauthorized"}));
        assert_eq!(
            rejection(json!({"message":"unauthorized"})),
            json!({"message":"unauthorized","code":"unauthorized"})
        );
        assert_eq!(rejection(json!({"message":"m","code":"c"})), json!({"message":"m","code":"c"}));
        assert_eq!(rejection(json!("text")), json!("text"));
    }

    #[test]
    fn silence_from_open_packet() {
        assert_eq!(silence_limit(&json!({"pingInterval":100,"pingTimeout":50})), Duration::from_millis(150));
        assert_eq!(silence_limit(&json!({})), DEFAULT_SILENCE);
    }
}
