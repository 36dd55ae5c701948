//! `loadtest`: drives visitors and managers through Switchboard's public contract and
//! reports latency, throughput, loss and server resources. See loadtest/README.md.

mod api;
mod cli;
mod ctx;
mod driver;
#[cfg(test)]
mod fake_server;
mod fixture;
mod pairs;
mod presets;
mod procstat;
mod report;
mod setup;
mod stats;
mod verify;
mod watch;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use tokio::time::Instant;

use crate::api::Api;
use crate::cli::{Cli, Command, Params, Preset, RunArgs};
use crate::ctx::Ctx;
use crate::fixture::Fixture;
use crate::report::Report;
use crate::watch::Watches;

/// Stay well below the ~20k open files one process may hold here; beyond this, run
/// several processes (see README).
const MAX_SOCKETS_PER_PROCESS: usize = 15_000;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Setup(args) => setup::run(args).await.map(|()| true),
        Command::Run(args) => run(*args).await,
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("loadtest: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `Ok(false)`: the run completed and failed its checks.
async fn run(args: RunArgs) -> anyhow::Result<bool> {
    let fixture = match &args.fixture {
        Some(path) => Fixture::load(path)?,
        None => Fixture {
            site_key: args.site_key.clone().context("--fixture or --site-key is required")?,
            origin: None,
            managers: args.manager_logins.clone(),
        },
    };
    let params = Params::resolve(&args, fixture.managers.len());
    check_open_files(&params, args.http_concurrency)?;
    let urls: Vec<String> = args.urls.iter().map(|u| u.trim_end_matches('/').to_owned()).collect();
    let timeout = Duration::from_secs_f64(args.timeout);
    let origin = args.origin.clone().or(fixture.origin);
    let ctx = Arc::new(Ctx {
        urls: urls.clone(),
        api: Api::new(origin, args.http_concurrency, timeout),
        site_key: fixture.site_key,
        managers: fixture.managers,
        params: params.clone(),
        timeout,
        origin: Instant::now(),
    });
    let watches = Watches::start(&args.server_pids);
    let outcome = match params.preset {
        Preset::Idle => presets::idle::run(ctx, &watches).await?,
        Preset::Burst => presets::burst::run(ctx).await?,
        _ => presets::chat::run(ctx, &watches, !args.no_verify, args.close_sessions).await?,
    };
    let mut report = Report::new(params, urls, outcome.main_latency, &outcome.stats);
    report.figures = outcome.figures;
    report.servers = watches.finish();
    report.judge(&args);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(report.failures.is_empty())
}

fn check_open_files(p: &Params, http: usize) -> anyhow::Result<()> {
    let sockets = match p.preset {
        Preset::Idle | Preset::Burst => p.visitors + p.managers,
        Preset::Signaling => p.visitors + p.managers + 2 * p.calls,
        _ => p.visitors + p.managers,
    } + http;
    let limit = soft_open_files_limit().unwrap_or(1024);
    let allowed = MAX_SOCKETS_PER_PROCESS.min(limit.saturating_sub(64));
    if sockets > allowed {
        bail!(
            "this run needs about {sockets} open sockets, more than one process should hold here \
             ({allowed}); split it over several loadtest processes (README: \"Beyond one process\")"
        );
    }
    Ok(())
}

fn soft_open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}
