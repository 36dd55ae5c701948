//! What every preset gets: the targets, the REST client, logins, timing origin.

use std::time::Duration;

use serde_json::json;
use sio_client::{Client, ConnectOptions};
use tokio::time::Instant;

use crate::api::Api;
use crate::cli::Params;
use crate::fixture::Credentials;

pub struct Ctx {
    pub urls: Vec<String>,
    pub api: Api,
    pub site_key: String,
    pub managers: Vec<Credentials>,
    pub params: Params,
    pub timeout: Duration,
    /// Time zero: intended send times are encoded relative to it.
    pub origin: Instant,
}

impl Ctx {
    pub fn url(&self, i: usize) -> &str {
        &self.urls[i % self.urls.len()]
    }

    /// Socket options for a token; visitors also send the site's `Origin`.
    pub fn socket_options(&self, url: &str, namespace: &str, token: &str, visitor: bool) -> ConnectOptions {
        let mut opts = ConnectOptions::new(url, namespace, json!({ "token": token })).timeout(self.timeout);
        if let (true, Some(origin)) = (visitor, self.api.origin()) {
            opts = opts.header("Origin", origin);
        }
        opts
    }

    pub async fn connect(
        &self,
        url: &str,
        namespace: &str,
        token: &str,
        visitor: bool,
    ) -> Result<Client, sio_client::Error> {
        Client::connect(self.socket_options(url, namespace, token, visitor)).await
    }

    /// Microseconds from time zero, as carried in message texts.
    pub fn micros_since_origin(&self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.origin).as_micros()).unwrap_or(u64::MAX)
    }
}

/// A counter name for a socket error.
pub fn socket_error_label(e: &sio_client::Error) -> String {
    match e {
        sio_client::Error::ConnectRejected(data) => {
            let code = data["code"].as_str().or(data["message"].as_str()).unwrap_or("unknown");
            format!("socket_rejected_{code}")
        }
        sio_client::Error::Timeout => "socket_timeout".to_owned(),
        sio_client::Error::Closed => "socket_closed".to_owned(),
        sio_client::Error::Transport(_) => "socket_transport".to_owned(),
    }
}
