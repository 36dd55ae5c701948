//! Validated inputs: each newtype parses once, so code past the edge never re-checks.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Error;

/// Message text: 1–4000 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MessageText(String);

impl MessageText {
    pub const MAX_CHARS: usize = 4000;
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(Error::validation("text must not be empty"));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(Error::validation("text is longer than 4000 characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A client-chosen idempotency key: 1–64 characters of `[A-Za-z0-9_-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let ok =
            (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::validation("client_id must be 1-64 characters of [A-Za-z0-9_-]"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, compared without regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let raw = raw.trim();
        let valid = raw.len() <= 254
            && raw.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !raw.chars().any(char::is_whitespace)
            });
        if valid { Ok(Self(raw.to_owned())) } else { Err(Error::validation("email is not a valid address")) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password: 8–256 characters. Never printed.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let n = raw.chars().count();
        if (8..=256).contains(&n) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::validation("password must be 8-256 characters"))
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// An id taken from a path or payload: anything but a UUID is `validation_failed`.
pub fn parse_uuid(raw: &str, what: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(raw).map_err(|_| Error::validation(format!("{what} must be a UUID")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(MessageText::parse("  hi ").unwrap().as_str(), "hi");
        assert!(MessageText::parse("   ").is_err());
        assert!(MessageText::parse(&"я".repeat(4000)).is_ok());
        assert!(MessageText::parse(&"я".repeat(4001)).is_err());
    }

    #[test]
    fn client_id_charset() {
        assert!(ClientId::parse("abc-DEF_123").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse(&"a".repeat(65)).is_err());
        assert!(ClientId::parse("a b").is_err());
        assert!(ClientId::parse("é").is_err());
    }

    #[test]
    fn email_and_password() {
        assert!(Email::parse("a@b.c").is_ok());
        assert!(Email::parse("nope").is_err());
        assert!(Email::parse("a@b@c").is_err());
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert_eq!(format!("{:?}", Password::parse("secret123").unwrap()), "Password(***)");
    }
}
