//! Credentials: opaque tokens (stored only as hashes), argon2id passwords on a
//! bounded blocking pool, and the extractors that turn a bearer token into an actor.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use domain::{Actor, Error, Manager, Result, Role, Visitor};
use rand::Rng;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::state::AppState;

/// A fresh opaque token: a kind prefix plus 256 random bits.
pub fn new_token(kind: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("{kind}_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token. Tokens are high-entropy, so a plain
/// SHA-256 suffices (no salt or slow hash needed, unlike passwords).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// argon2id at OWASP's settings (19 MiB, t=2, p=1), at most `concurrency` at once:
/// each hash holds 19 MiB and ~17 ms of a core, so an unbounded login flood would
/// starve the chat path.
#[derive(Clone)]
pub struct PasswordHashing {
    permits: Arc<Semaphore>,
    /// Verified when the email is unknown, so both failures take the same time.
    dummy_hash: Arc<str>,
}

fn argon() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl PasswordHashing {
    pub fn new(concurrency: usize) -> Self {
        let dummy = argon().hash_password(b"not-a-real-password").expect("hashing a constant works").to_string();
        Self { permits: Arc::new(Semaphore::new(concurrency)), dummy_hash: dummy.into() }
    }

    async fn blocking<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let _permit = self.permits.acquire().await.map_err(|_| Error::internal_msg("hasher closed"))?;
        tokio::task::spawn_blocking(f).await.map_err(Error::internal)
    }

    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.blocking(move || argon().hash_password(password.as_bytes()).map(|h| h.to_string()))
            .await?
            .map_err(|e| Error::internal_msg(format!("argon2: {e}")))
    }

    /// Checks `password` against `hash`, or against a dummy when there is no hash.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let password = password.to_owned();
        let known = hash.is_some();
        let hash = hash.map(str::to_owned).unwrap_or_else(|| self.dummy_hash.to_string());
        let ok = self.blocking(move || argon().verify_password(password.as_bytes(), hash.as_str()).is_ok()).await?;
        Ok(ok && known)
    }
}

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    bearer_of(&parts.headers)
}

pub fn bearer_of(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?.trim();
    (!token.is_empty()).then_some(token)
}

/// Resolves a token to whoever holds it. Manager tokens are checked against the
/// database on every use, so a logout on one node is refused by all at once.
pub async fn resolve(state: &AppState, token: &str) -> Result<Actor> {
    let hash = token_hash(token);
    if token.starts_with("m_") {
        if let Some(m) = state.store.manager_by_token(&hash).await? {
            return Ok(Actor::Manager(m));
        }
    } else if token.starts_with("v_")
        && let Some(v) = state.store.visitor_by_token(&hash).await?
    {
        return Ok(Actor::Visitor(v));
    }
    Err(Error::unauthorized())
}

/// Extractor: a manager (or admin) with a valid token.
pub struct ManagerAuth(pub Manager);
/// Extractor: an admin with a valid token.
pub struct AdminAuth(pub Manager);
/// Extractor: a visitor with a valid token.
pub struct VisitorAuth(pub Visitor);
/// Extractor: anyone with a valid token.
pub struct AnyAuth(pub Actor);

impl FromRequestParts<AppState> for AnyAuth {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = bearer(parts).ok_or_else(Error::unauthorized)?;
        let actor = resolve(state, token).await?;
        if let Actor::Visitor(v) = &actor {
            // The origin rule applies to every visitor request, not only the first.
            let site = state.store.site(v.site_id).await?.ok_or_else(Error::unauthorized)?;
            crate::http::check_origin(&parts.headers, &site)?;
        }
        Ok(Self(actor))
    }
}

impl FromRequestParts<AppState> for ManagerAuth {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        match AnyAuth::from_request_parts(parts, state).await?.0 {
            Actor::Manager(m) => Ok(Self(m)),
            Actor::Visitor(_) => Err(Error::unauthorized()),
        }
    }
}

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let ManagerAuth(m) = ManagerAuth::from_request_parts(parts, state).await?;
        if m.role == Role::Admin { Ok(Self(m)) } else { Err(Error::forbidden("only admins may do this")) }
    }
}

impl FromRequestParts<AppState> for VisitorAuth {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        match AnyAuth::from_request_parts(parts, state).await?.0 {
            Actor::Visitor(v) => Ok(Self(v)),
            Actor::Manager(_) => Err(Error::unauthorized()),
        }
    }
}
