//! Engine.IO v4 / Socket.IO v4 text packets: just what a websocket-only client needs.
//!
//! An Engine.IO packet is one websocket text frame: a type digit then a payload
//! (`0` open, `1` close, `2` ping, `3` pong, `4` message, `6` noop). A `4` message carries
//! a Socket.IO packet: a type digit, `/ns,` unless the namespace is `/`, an optional ack
//! id, then JSON. Binary attachments are not supported: the contract sends none.

use serde_json::Value;

/// One Engine.IO packet received from the server.
#[derive(Debug, PartialEq)]
pub(crate) enum EnginePacket<'a> {
    Open(Value),
    Close,
    Ping,
    /// A Socket.IO packet, still unparsed (`4` stripped).
    Message(&'a str),
    /// Pong, upgrade, noop, or anything unknown: nothing to do.
    Ignored,
}

pub(crate) fn parse_engine(frame: &str) -> EnginePacket<'_> {
    let mut chars = frame.chars();
    match chars.next() {
        Some('0') => EnginePacket::Open(serde_json::from_str(chars.as_str()).unwrap_or(Value::Null)),
        Some('1') => EnginePacket::Close,
        Some('2') => EnginePacket::Ping,
        Some('4') => EnginePacket::Message(chars.as_str()),
        _ => EnginePacket::Ignored,
    }
}

/// One Socket.IO packet of the namespace the client joined.
#[derive(Debug, PartialEq)]
pub(crate) enum SocketPacket {
    Connect,
    Disconnect,
    /// `data` is the packet's payload as the server sent it (socketioxide: `{message}`;
    /// node socket.io: `{message, data}`).
    ConnectError(Value),
    /// `ack` is set when the server asks the client to acknowledge.
    Event {
        name: String,
        arg: Value,
        ack: Option<u64>,
    },
    /// The ack's first argument (`Null` when it had none).
    Ack {
        id: u64,
        arg: Value,
    },
}

/// Parses a Socket.IO packet; `None` when it belongs to another namespace or is malformed
/// (a lean client drops what it does not understand rather than failing the connection).
pub(crate) fn parse_socket(packet: &str, namespace: &str) -> Option<SocketPacket> {
    let kind = packet.as_bytes().first()?;
    let mut rest = &packet[1..];
    let ns = if rest.starts_with('/') {
        let end = rest.find(',').unwrap_or(rest.len());
        let ns = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        ns
    } else {
        "/"
    };
    if ns != namespace {
        return None;
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = if digits > 0 { rest[..digits].parse().ok() } else { None };
    let json = &rest[digits..];
    match kind {
        b'0' => Some(SocketPacket::Connect),
        b'1' => Some(SocketPacket::Disconnect),
        b'4' => Some(SocketPacket::ConnectError(serde_json::from_str(json).unwrap_or(Value::Null))),
        b'2' => {
            let Value::Array(mut args) = serde_json::from_str(json).ok()? else {
                return None;
            };
            if args.is_empty() {
                return None;
            }
            let Value::String(name) = args.remove(0) else {
                return None;
            };
            let arg = args.into_iter().next().unwrap_or(Value::Null);
            Some(SocketPacket::Event { name, arg, ack: id })
        }
        b'3' => {
            let Value::Array(args) = serde_json::from_str(json).ok()? else {
                return None;
            };
            let arg = args.into_iter().next().unwrap_or(Value::Null);
            Some(SocketPacket::Ack { id: id?, arg })
        }
        _ => None,
    }
}

/// The `/ns,` prefix of a namespace (empty for the default one).
fn ns_prefix(namespace: &str) -> String {
    if namespace == "/" { String::new() } else { format!("{namespace},") }
}

/// Engine.IO message `40/ns,{auth}`.
pub(crate) fn connect(namespace: &str, auth: &Value) -> String {
    let body = if auth.is_null() { String::new() } else { auth.to_string() };
    format!("40{}{body}", ns_prefix(namespace))
}

/// Engine.IO message `41/ns,`.
pub(crate) fn disconnect(namespace: &str) -> String {
    format!("41{}", ns_prefix(namespace))
}

/// Engine.IO message `42/ns,ID["event",data]`.
pub(crate) fn event(namespace: &str, ack: Option<u64>, name: &str, data: &Value) -> String {
    let args = Value::Array(vec![Value::String(name.to_owned()), data.clone()]);
    let id = ack.map(|id| id.to_string()).unwrap_or_default();
    format!("42{}{id}{args}", ns_prefix(namespace))
}

/// Engine.IO message `43/ns,ID[]`: an empty ack for a server event that asked for one.
pub(crate) fn empty_ack(namespace: &str, id: u64) -> String {
    format!("43{}{id}[]", ns_prefix(namespace))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn engine_packets() {
        assert_eq!(
            parse_engine(r#"0{"sid":"x","pingInterval":25000}"#),
            EnginePacket::Open(json!({"sid":"x","pingInterval":25000}))
        );
        assert_eq!(parse_engine("2"), EnginePacket::Ping);
        assert_eq!(parse_engine("1"), EnginePacket::Close);
        assert_eq!(parse_engine("42[\"a\"]"), EnginePacket::Message("2[\"a\"]"));
        assert_eq!(parse_engine("6"), EnginePacket::Ignored);
    }

    #[test]
    fn socket_packets_of_a_namespace() {
        assert_eq!(parse_socket(r#"0/chat,{"sid":"a"}"#, "/chat"), Some(SocketPacket::Connect));
        assert_eq!(parse_socket(r#"0/call,{"sid":"a"}"#, "/chat"), None);
        assert_eq!(parse_socket("1/chat,", "/chat"), Some(SocketPacket::Disconnect));
        assert_eq!(
            parse_socket(r#"4/chat,{"message":"no"}"#, "/chat"),
            Some(SocketPacket::ConnectError(json!({"message":"no"})))
        );
        assert_eq!(
            parse_socket(r#"2/chat,["message:new",{"seq":1}]"#, "/chat"),
            Some(SocketPacket::Event { name: "message:new".into(), arg: json!({"seq":1}), ack: None })
        );
        assert_eq!(
            parse_socket(r#"2/chat,7["ping"]"#, "/chat"),
            Some(SocketPacket::Event { name: "ping".into(), arg: Value::Null, ack: Some(7) })
        );
        assert_eq!(
            parse_socket(r#"3/chat,12[{"ok":true}]"#, "/chat"),
            Some(SocketPacket::Ack { id: 12, arg: json!({"ok":true}) })
        );
        assert_eq!(parse_socket(r#"3/chat,[{"ok":true}]"#, "/chat"), None);
    }

    #[test]
    fn default_namespace_has_no_prefix() {
        assert_eq!(
            parse_socket(r#"2["hi",1]"#, "/"),
            Some(SocketPacket::Event { name: "hi".into(), arg: json!(1), ack: None })
        );
        assert_eq!(event("/", Some(3), "hi", &json!({"a":1})), r#"423["hi",{"a":1}]"#);
        assert_eq!(event("/chat", None, "hi", &json!(null)), r#"42/chat,["hi",null]"#);
        assert_eq!(connect("/chat", &json!({"token":"t"})), r#"40/chat,{"token":"t"}"#);
        assert_eq!(connect("/", &Value::Null), "40");
        assert_eq!(disconnect("/call"), "41/call,");
        assert_eq!(empty_ack("/chat", 4), "43/chat,4[]");
    }
}
