//! The server's RSS and CPU from /proc, for runs against local nodes (`--server-pid`).

use std::time::{Duration, Instant};

use serde::Serialize;

/// Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream build.
const TICKS_PER_SECOND: f64 = 100.0;

#[derive(Debug, Clone, Copy)]
struct Sample {
    rss_kb: u64,
    cpu_ticks: u64,
    at: Instant,
}

fn sample(pid: u32) -> Option<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(Sample { rss_kb: parse_rss_kb(&status)?, cpu_ticks: parse_cpu_ticks(&stat)?, at: Instant::now() })
}

fn parse_rss_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// utime + stime: fields 14 and 15, counted after the `(comm)` that may hold spaces.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_comm = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    // after_comm starts at field 3 (state), so field N is index N - 3.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Watches one process from construction to [`ProcWatch::finish`].
#[derive(Debug)]
pub struct ProcWatch {
    pid: u32,
    start: Option<Sample>,
    /// The RSS at the mark (e.g. once all connections are open), for per-connection cost.
    marked: Option<Sample>,
    peak_rss_kb: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcReport {
    pub pid: u32,
    pub rss_start_mb: f64,
    pub rss_marked_mb: Option<f64>,
    pub rss_end_mb: f64,
    pub rss_peak_mb: f64,
    /// Percent of one core over the run (200 = both cores of a 2-core box).
    pub cpu_percent: f64,
}

impl ProcWatch {
    pub fn new(pid: u32) -> Self {
        let start = sample(pid);
        Self { pid, start, marked: None, peak_rss_kb: start.map_or(0, |s| s.rss_kb) }
    }

    /// Called periodically to keep the peak.
    pub fn tick(&mut self) {
        if let Some(s) = sample(self.pid) {
            self.peak_rss_kb = self.peak_rss_kb.max(s.rss_kb);
        }
    }

    pub fn mark(&mut self) {
        self.marked = sample(self.pid);
        self.tick();
    }

    pub fn rss_kb_now(&self) -> Option<u64> {
        sample(self.pid).map(|s| s.rss_kb)
    }

    pub fn start_rss_kb(&self) -> Option<u64> {
        self.start.map(|s| s.rss_kb)
    }

    pub fn finish(mut self) -> Option<ProcReport> {
        self.tick();
        let (start, end) = (self.start?, sample(self.pid)?);
        let wall = end.at.duration_since(start.at).max(Duration::from_millis(1)).as_secs_f64();
        let cpu = (end.cpu_ticks - start.cpu_ticks) as f64 / TICKS_PER_SECOND;
        let mb = |kb: u64| (kb as f64 / 1024.0 * 10.0).round() / 10.0;
        Some(ProcReport {
            pid: self.pid,
            rss_start_mb: mb(start.rss_kb),
            rss_marked_mb: self.marked.map(|s| mb(s.rss_kb)),
            rss_end_mb: mb(end.rss_kb),
            rss_peak_mb: mb(self.peak_rss_kb),
            cpu_percent: (cpu / wall * 1000.0).round() / 10.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_files() {
        assert_eq!(parse_rss_kb("Name:\tx\nVmRSS:\t  12345 kB\n"), Some(12345));
        let stat = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 4";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
    }

    #[test]
    fn watches_this_process() {
        let me = std::process::id();
        let mut w = ProcWatch::new(me);
        w.mark();
        let r = w.finish().unwrap();
        assert!(r.rss_end_mb > 0.0 && r.rss_peak_mb >= r.rss_start_mb);
        assert!(ProcWatch::new(u32::MAX).finish().is_none());
    }
}
