//! What a run needs from the installation under test: a site key and manager logins.
//! Written by `loadtest setup`, read by `loadtest run --fixture`.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Credentials {
    pub email: String,
    pub password: String,
    /// A token from an earlier login: runs use it rather than logging in again (a login
    /// costs an argon2 hash and counts against the per-address login limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl Credentials {
    pub fn new(email: &str, password: &str) -> Self {
        Self { email: email.to_owned(), password: password.to_owned(), token: None }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Fixture {
    pub site_key: String,
    /// An allowed origin of the site, sent as `Origin` by visitors.
    pub origin: Option<String>,
    pub managers: Vec<Credentials>,
}

impl Fixture {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
    }
}

/// `email:password` as given on the command line.
pub fn parse_credentials(s: &str) -> Result<Credentials, String> {
    let (email, password) = s.split_once(':').ok_or("expected EMAIL:PASSWORD")?;
    Ok(Credentials::new(email, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let f = Fixture {
            site_key: "k".into(),
            origin: Some("https://shop.test".into()),
            managers: vec![parse_credentials("a@b.c:pa:ss").unwrap()],
        };
        assert_eq!(f.managers[0].password, "pa:ss");
        let path = std::env::temp_dir().join(format!("fixture-{}.json", std::process::id()));
        f.save(&path).unwrap();
        assert_eq!(Fixture::load(&path).unwrap(), f);
        std::fs::remove_file(path).unwrap();
        assert!(parse_credentials("nocolon").is_err());
    }
}
