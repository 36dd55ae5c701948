//! The run's report: latency percentiles, counters, rates, server resources, and the
//! verdict against the thresholds. Printed as a table or as JSON.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::cli::{Params, RunArgs};
use crate::procstat::ProcReport;
use crate::stats::{LatencySummary, Stats};

#[derive(Debug, Serialize)]
pub struct Report {
    pub params: Params,
    pub urls: Vec<String>,
    /// The histogram the thresholds apply to.
    pub main_latency: &'static str,
    pub latency_ms: BTreeMap<&'static str, LatencySummary>,
    pub counters: BTreeMap<String, u64>,
    /// Derived numbers, unit in the name: `acked_msgs_per_s`, `server_rss_kb_per_conn` …
    pub figures: BTreeMap<String, f64>,
    pub servers: Vec<ProcReport>,
    pub failures: Vec<String>,
}

/// Counters that mean the system broke a promise, or (`request_unassigned`: a visitor
/// never saw its session become active) that the main latency only describes the
/// survivors: any of them fails the run.
const BROKEN_PROMISES: &[&str] =
    &["lost", "duplicated", "lost_in_store", "seq_gaps", "stored_duplicates", "double_claims", "request_unassigned"];

/// Counter prefixes that are errors (for `--max-errors` and `--smoke`).
const ERROR_PREFIXES: &[&str] =
    &["http_", "socket_", "ack_", "accept_", "pair_setup_failed", "reconnect_gave_up", "sync_", "signal_", "request_"];

/// Counters under an error prefix that are outcomes, not errors: a lost accept race is
/// what the burst preset provokes.
const NOT_ERRORS: &[&str] = &["accept_ok", "accept_lost_race"];

impl Report {
    pub fn new(params: Params, urls: Vec<String>, main_latency: &'static str, stats: &Stats) -> Self {
        let latency_ms = stats.histograms.keys().filter_map(|name| Some((*name, stats.summary(name)?))).collect();
        Self {
            params,
            urls,
            main_latency,
            latency_ms,
            counters: stats.counters.clone(),
            figures: BTreeMap::new(),
            servers: Vec::new(),
            failures: Vec::new(),
        }
    }

    pub fn errors(&self) -> u64 {
        self.counters
            .iter()
            .filter(|(name, _)| ERROR_PREFIXES.iter().any(|p| name.starts_with(p)))
            .filter(|(name, _)| !NOT_ERRORS.contains(&name.as_str()))
            .map(|(_, n)| n)
            .sum()
    }

    /// Fills `failures` from the counters and the thresholds.
    pub fn judge(&mut self, args: &RunArgs) {
        for name in BROKEN_PROMISES {
            let n = self.counters.get(*name).copied().unwrap_or(0);
            if n > 0 {
                self.failures.push(format!("{name}: {n}"));
            }
        }
        let main = self.latency_ms.get(self.main_latency);
        if main.is_none_or(|m| m.count == 0) {
            self.failures.push(format!("no {} latency recorded", self.main_latency));
        }
        let checks = [("p99", args.max_p99, main.map(|m| m.p99)), ("p99.9", args.max_p999, main.map(|m| m.p999))];
        for (name, limit, value) in checks {
            if let (Some(limit), Some(value)) = (limit, value)
                && value > limit
            {
                self.failures.push(format!("{} {name} {value} ms > {limit} ms", self.main_latency));
            }
        }
        let errors = self.errors();
        let allowed = if self.params.smoke { Some(0) } else { args.max_errors };
        if let Some(allowed) = allowed.filter(|a| errors > *a) {
            self.failures.push(format!("{errors} errors > {allowed}"));
        }
        if let (Some(min), Some(rate)) = (args.min_rate, self.figures.get("acked_msgs_per_s"))
            && *rate < min
        {
            self.failures.push(format!("acked {rate:.0} msg/s < {min}"));
        }
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        let p = &self.params;
        let _ = writeln!(
            out,
            "preset {:?}  urls {}  visitors {}  managers {}  rate {}/s  duration {}s",
            p.preset,
            self.urls.join(","),
            p.visitors,
            p.managers,
            p.rate,
            p.duration
        );
        let _ = writeln!(
            out,
            "\n{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "latency ms", "count", "p50", "p90", "p99", "p99.9", "max", "mean"
        );
        for (name, s) in &self.latency_ms {
            let mark = if *name == self.main_latency { "*" } else { "" };
            let _ = writeln!(
                out,
                "{:<12} {:>9} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                format!("{name}{mark}"),
                s.count,
                s.p50,
                s.p90,
                s.p99,
                s.p999,
                s.max,
                s.mean
            );
        }
        let _ = writeln!(
            out,
            "\nfigures: {}",
            self.figures.iter().map(|(k, v)| format!("{k} {v:.1}")).collect::<Vec<_>>().join("  ")
        );
        let _ = writeln!(
            out,
            "counters: {}",
            self.counters.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("  ")
        );
        for s in &self.servers {
            let _ = writeln!(
                out,
                "server pid {}: rss start {} MB, marked {}, end {} MB, peak {} MB, cpu {}%",
                s.pid,
                s.rss_start_mb,
                s.rss_marked_mb.map_or("-".into(), |m| format!("{m} MB")),
                s.rss_end_mb,
                s.rss_peak_mb,
                s.cpu_percent
            );
        }
        let verdict =
            if self.failures.is_empty() { "PASS".to_owned() } else { format!("FAIL: {}", self.failures.join("; ")) };
        let _ = writeln!(out, "\n{verdict}");
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn judged(flags: &[&str], stats: &Stats) -> Report {
        let argv = [&["loadtest", "run", "--url", "http://127.0.0.1:1", "--site-key", "k"], flags].concat();
        let Command::Run(args) = Cli::try_parse_from(argv).unwrap().command else { unreachable!() };
        let mut report = Report::new(Params::resolve(&args, 2), vec![], "delivery", stats);
        report.judge(&args);
        report
    }

    fn healthy() -> Stats {
        let mut s = Stats::default();
        for ms in 1..=100 {
            s.record("delivery", Duration::from_millis(ms));
        }
        s.add("acked", 100);
        s
    }

    #[test]
    fn passes_a_clean_run() {
        let r = judged(&[], &healthy());
        assert!(r.failures.is_empty(), "{:?}", r.failures);
        assert!(r.table().contains("PASS"));
    }

    #[test]
    fn any_loss_or_duplicate_fails() {
        let mut s = healthy();
        s.add("lost", 1);
        s.add("duplicated", 2);
        s.add("request_unassigned", 3);
        let r = judged(&[], &s);
        assert_eq!(r.failures, ["lost: 1", "duplicated: 2", "request_unassigned: 3"]);
        assert!(r.table().contains("FAIL"));
    }

    #[test]
    fn thresholds() {
        let r = judged(&["--max-p99", "50"], &healthy());
        assert_eq!(r.failures, ["delivery p99 99.01 ms > 50 ms"]);
        assert!(judged(&["--max-p99", "150"], &healthy()).failures.is_empty());

        let mut s = healthy();
        s.add("ack_error_rate_limited", 3);
        s.add("accept_lost_race", 5);
        s.add("accept_ok", 5);
        assert_eq!(judged(&["--max-errors", "2"], &s).failures, ["3 errors > 2"]);
        assert!(judged(&["--max-errors", "3"], &s).failures.is_empty());
        assert_eq!(judged(&["--smoke"], &s).failures, ["3 errors > 0"], "smoke allows no error");
    }

    #[test]
    fn no_samples_is_a_failure() {
        assert_eq!(judged(&[], &Stats::default()).failures, ["no delivery latency recorded"]);
    }
}
