//! Command-line arguments and each preset's defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::fixture::{Credentials, parse_credentials};
use crate::setup::SetupArgs;

#[derive(Debug, Parser)]
#[command(name = "loadtest", about = "Load generator for Switchboard (see loadtest/README.md)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a site and managers and write a fixture file for `run`.
    Setup(SetupArgs),
    /// Run a preset and report.
    Run(Box<RunArgs>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Open connections and hold them: connect rate, errors, server RSS per connection.
    Idle,
    /// Chat between visitor/manager pairs, visitor on one URL and manager on the next.
    Relay,
    /// Persisted-message throughput: like relay, higher rate, acks as the main figure.
    Persisted,
    /// Many visitors request a manager within a window; managers race to accept.
    Burst,
    /// WebRTC signaling round trips on /call under background chat.
    Signaling,
    /// Every visitor drops and reconnects at once mid-run, then catches up by messages:sync.
    Reconnect,
    /// A flood of manager logins under background chat.
    Login,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Visitor,
    Manager,
    Both,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[arg(long, value_enum, default_value = "relay")]
    pub preset: Preset,
    /// Base URL of a node; repeat for several nodes (connections are spread over them).
    #[arg(long = "url", required = true)]
    pub urls: Vec<String>,
    /// Fixture written by `loadtest setup`.
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    /// Site key (instead of a fixture).
    #[arg(long)]
    pub site_key: Option<String>,
    /// A manager login EMAIL:PASSWORD (instead of a fixture); repeatable.
    #[arg(long = "manager", value_parser = parse_credentials)]
    pub manager_logins: Vec<Credentials>,
    /// `Origin` sent by visitors (default: the fixture's).
    #[arg(long)]
    pub origin: Option<String>,
    /// A few seconds with small numbers; fails on any loss or error.
    #[arg(long)]
    pub smoke: bool,

    /// Connections (idle), requests (burst) or visitor/manager pairs (chat presets).
    #[arg(long)]
    pub visitors: Option<usize>,
    /// How many of the fixture's managers to use.
    #[arg(long)]
    pub managers: Option<usize>,
    /// Chat messages per second, all senders together (open loop).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seconds of load after the ramp.
    #[arg(long)]
    pub duration: Option<f64>,
    /// Connections opened per second during the ramp.
    #[arg(long)]
    pub connect_rate: Option<f64>,
    /// Seconds to wait for late acks and deliveries after the last send.
    #[arg(long, default_value_t = 3.0)]
    pub drain: f64,
    /// After the drain, the longest wait (s) for the last acks and for acknowledged
    /// messages not yet delivered; only what is missing then counts as lost.
    #[arg(long, default_value_t = 10.0)]
    pub settle: f64,
    /// Who sends chat messages.
    #[arg(long, value_enum, default_value = "both")]
    pub direction: Direction,
    /// Login attempts per second (login preset).
    #[arg(long)]
    pub login_rate: Option<f64>,
    /// Pairs that place calls (signaling preset).
    #[arg(long)]
    pub calls: Option<usize>,
    /// Seconds over which the burst's requests are spread.
    #[arg(long, default_value_t = 1.0)]
    pub burst_window: f64,
    /// Managers that try to accept each waiting session (burst), to exercise races.
    #[arg(long, default_value_t = 2)]
    pub race: usize,
    /// Skip fetching each session's stored history (the seq and persistence check).
    #[arg(long)]
    pub no_verify: bool,
    /// Close the load's sessions at the end.
    #[arg(long)]
    pub close_sessions: bool,

    /// A local server process to watch (RSS, CPU); repeatable.
    #[arg(long = "server-pid")]
    pub server_pids: Vec<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Fail when the preset's main latency p99 exceeds this many ms.
    #[arg(long)]
    pub max_p99: Option<f64>,
    #[arg(long)]
    pub max_p999: Option<f64>,
    /// Fail when more than this many errors (connect, ack, HTTP) occurred.
    #[arg(long)]
    pub max_errors: Option<u64>,
    /// Fail when fewer messages per second were acknowledged.
    #[arg(long)]
    pub min_rate: Option<f64>,
    /// Seconds allowed for each connect, ack and request.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// HTTP requests in flight at most.
    #[arg(long, default_value_t = 128)]
    pub http_concurrency: usize,
}

/// The numbers a run uses, after preset defaults.
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    pub preset: Preset,
    pub visitors: usize,
    pub managers: usize,
    pub rate: f64,
    pub duration: f64,
    pub connect_rate: f64,
    pub drain: f64,
    pub settle: f64,
    pub direction: Direction,
    pub login_rate: f64,
    pub calls: usize,
    pub burst_window: f64,
    pub race: usize,
    pub smoke: bool,
}

impl Params {
    pub fn resolve(a: &RunArgs, managers_available: usize) -> Self {
        use Preset::*;
        // (visitors, managers, rate, duration, connect_rate, login_rate, calls)
        let d = match (a.smoke, a.preset) {
            (true, _) => (4, 2, 40.0, 3.0, 50.0, 5.0, 2),
            (false, Idle) => (1000, 0, 0.0, 10.0, 1000.0, 0.0, 0),
            (false, Relay) => (500, 50, 2000.0, 20.0, 500.0, 0.0, 0),
            (false, Persisted) => (1000, 50, 10_000.0, 20.0, 500.0, 0.0, 0),
            (false, Burst) => (2000, 50, 0.0, 5.0, 1000.0, 0.0, 0),
            (false, Signaling) => (200, 50, 2000.0, 20.0, 500.0, 0.0, 50),
            (false, Reconnect) => (500, 50, 1000.0, 20.0, 500.0, 0.0, 0),
            (false, Login) => (200, 50, 1000.0, 20.0, 500.0, 100.0, 0),
        };
        Self {
            preset: a.preset,
            visitors: a.visitors.unwrap_or(d.0),
            managers: a.managers.unwrap_or(d.1).min(managers_available),
            rate: a.rate.unwrap_or(d.2),
            duration: a.duration.unwrap_or(d.3),
            connect_rate: a.connect_rate.unwrap_or(d.4),
            drain: a.drain,
            settle: a.settle,
            direction: a.direction,
            login_rate: a.login_rate.unwrap_or(d.5),
            calls: a.calls.unwrap_or(d.6),
            burst_window: a.burst_window,
            race: a.race.max(1),
            smoke: a.smoke,
        }
    }
}
