//! ICE servers handed to clients: STUN, TURN with static credentials, or TURN with
//! short-lived credentials in coturn's `use-auth-secret` scheme (username
//! `expiry:subject`, credential = base64(HMAC-SHA1(secret, username))).

use base64::Engine;
use domain::IceServer;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha1::Sha1;

use crate::settings::IceSettings;

#[derive(Clone)]
pub struct IceConfig(IceSettings);

impl IceConfig {
    pub fn new(settings: IceSettings) -> Self {
        Self(settings)
    }

    /// The servers for `subject` (a visitor or manager id), TURN credentials fresh.
    pub fn servers(&self, subject: &str) -> Vec<IceServer> {
        let s = &self.0;
        let mut out = Vec::new();
        if !s.stun_urls.is_empty() {
            out.push(IceServer { urls: s.stun_urls.clone(), username: None, credential: None });
        }
        if s.turn_urls.is_empty() {
            return out;
        }
        if let Some(secret) = &s.turn_secret {
            let expiry = chrono::Utc::now().timestamp() + s.turn_ttl_secs as i64;
            let (username, credential) = turn_credentials(secret.expose_secret(), expiry, subject);
            out.push(IceServer { urls: s.turn_urls.clone(), username: Some(username), credential: Some(credential) });
        } else {
            out.push(IceServer {
                urls: s.turn_urls.clone(),
                username: s.turn_username.clone(),
                credential: s.turn_credential.as_ref().map(|c| c.expose_secret().to_owned()),
            });
        }
        out
    }
}

pub fn turn_credentials(secret: &str, expiry: i64, subject: &str) -> (String, String) {
    let username = format!("{expiry}:{subject}");
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(username.as_bytes());
    let credential = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, credential)
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_follow_the_coturn_scheme() {
        // Reference value computed independently: printf '1700000000:alice' | openssl dgst -sha1 -hmac secret -binary | base64
        let (u, c) = super::turn_credentials("secret", 1_700_000_000, "alice");
        assert_eq!(u, "1700000000:alice");
        assert_eq!(c, "d8soP47RbdIKLDUOpnJPVQyq5Ts=");
    }
}
