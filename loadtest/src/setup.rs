//! `loadtest setup`: makes the site and managers a run needs, and writes the fixture.
//!
//! A site can only be created with the `switchboard` CLI (no REST endpoint does it), so:
//! - with `--switchboard-bin`, the CLI (run with this process's environment, so
//!   `DATABASE_URL` must point at the installation's Postgres) creates the site and an
//!   admin; the managers are then created over REST with the admin's token;
//! - without it, the site and an admin must already exist (`switchboard site create`,
//!   `switchboard manager create --role admin` on a staging host), and `--site-key`,
//!   `--admin-email`, `--admin-password` name them; only the managers are created.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use futures::StreamExt;
use serde_json::Value;

use crate::api::Api;
use crate::fixture::{Credentials, Fixture};

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Base URL of one node, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub url: String,
    /// Where to write the fixture.
    #[arg(long, default_value = "loadtest-fixture.json")]
    pub out: PathBuf,
    /// How many managers to create.
    #[arg(long, default_value_t = 50)]
    pub managers: usize,
    /// The `switchboard` binary, to create the site and the admin with its CLI.
    #[arg(long)]
    pub switchboard_bin: Option<PathBuf>,
    /// Routing of the created site (with --switchboard-bin).
    #[arg(long, default_value = "manual")]
    pub routing: String,
    /// An allowed origin of the site, recorded in the fixture for visitors to send as
    /// `Origin`; the created site (with --switchboard-bin) allows it. Default there:
    /// http://loadtest.invalid.
    #[arg(long)]
    pub origin: Option<String>,
    /// Key of an existing site (without --switchboard-bin).
    #[arg(long, required_unless_present = "switchboard_bin")]
    pub site_key: Option<String>,
    #[arg(long, required_unless_present = "switchboard_bin")]
    pub admin_email: Option<String>,
    #[arg(long, required_unless_present = "switchboard_bin")]
    pub admin_password: Option<String>,
}

pub async fn run(args: SetupArgs) -> anyhow::Result<()> {
    let tag = format!("{:08x}", rand::random::<u32>());
    let password = format!("lt-{:016x}", rand::random::<u64>());
    let mut origin = args.origin.clone();
    let (site_key, admin) = match &args.switchboard_bin {
        Some(bin) => {
            let site_origin = origin.get_or_insert_with(|| "http://loadtest.invalid".to_owned());
            let site = cli(
                bin,
                &[
                    "site",
                    "create",
                    "--name",
                    &format!("loadtest {tag}"),
                    "--origin",
                    site_origin,
                    "--routing",
                    &args.routing,
                ],
                None,
            )?;
            let site_id = site["id"].as_str().context("site create printed no id")?;
            let email = format!("lt-admin-{tag}@loadtest.invalid");
            cli(
                bin,
                &[
                    "manager",
                    "create",
                    "--site",
                    site_id,
                    "--email",
                    &email,
                    "--name",
                    "loadtest admin",
                    "--role",
                    "admin",
                ],
                Some(&password),
            )?;
            let key = site["key"].as_str().context("site create printed no key")?.to_owned();
            (key, Credentials::new(&email, &password))
        }
        None => (
            args.site_key.clone().expect("required by clap"),
            Credentials::new(
                args.admin_email.as_deref().expect("required by clap"),
                args.admin_password.as_deref().expect("required by clap"),
            ),
        ),
    };

    let api = Api::new(None, 16, Duration::from_secs(30));
    let admin_token = api.manager_auth(&args.url, &admin.email, &admin.password).await.context("admin login")?.token;
    let mut managers: Vec<Credentials> =
        (0..args.managers).map(|j| Credentials::new(&format!("lt-{tag}-{j}@loadtest.invalid"), &password)).collect();
    // Each create hashes a password (argon2): a few at a time is what the server likes.
    let results: Vec<_> = futures::stream::iter(&managers)
        .map(|m| api.create_manager(&args.url, &admin_token, &m.email, &m.password))
        .buffer_unordered(4)
        .collect()
        .await;
    if let Some(err) = results.into_iter().find_map(Result::err) {
        bail!("creating managers: {err}");
    }
    log_in(&api, &args.url, &mut managers).await;
    let fixture = Fixture { site_key, origin, managers };
    fixture.save(&args.out)?;
    eprintln!("wrote {} ({} managers)", args.out.display(), fixture.managers.len());
    Ok(())
}

/// Logs the managers in once and keeps their tokens, so that runs need no logins. Stops
/// at the per-address login limit: managers left without a token log in during runs.
async fn log_in(api: &Api, url: &str, managers: &mut [Credentials]) {
    for chunk in managers.chunks_mut(4) {
        let logins = chunk.iter().map(|m| api.manager_auth(url, &m.email, &m.password));
        let results = futures::future::join_all(logins).await;
        for (m, result) in chunk.iter_mut().zip(results) {
            match result {
                Ok(me) => m.token = Some(me.token),
                Err(e) => {
                    eprintln!("login of {} failed ({e}); it and the rest will log in during runs", m.email);
                    return;
                }
            }
        }
    }
}

/// Runs the switchboard CLI and parses the one JSON object it prints.
fn cli(bin: &PathBuf, args: &[&str], stdin: Option<&str>) -> anyhow::Result<Value> {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    if let Some(line) = stdin {
        writeln!(child.stdin.take().expect("piped"), "{line}")?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("switchboard {} failed: {}", args.join(" "), out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.trim_start().starts_with('{')).unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("switchboard {} printed {text:?}", args.join(" ")))
}
