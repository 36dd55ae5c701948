//! Latency histograms and counters, mergeable across tasks.
//!
//! Each task records into its own [`Stats`] and the run merges them at the end, so the
//! hot path takes no lock.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Microseconds from 1 µs to 5 minutes at 3 significant digits.
const MAX_MICROS: u64 = 300_000_000;

#[derive(Debug, Default)]
pub struct Stats {
    pub histograms: BTreeMap<&'static str, Histogram<u64>>,
    pub counters: BTreeMap<String, u64>,
}

impl Stats {
    pub fn record(&mut self, name: &'static str, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).clamp(1, MAX_MICROS);
        self.histograms
            .entry(name)
            .or_insert_with(|| Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid bounds"))
            .record(micros)
            .expect("clamped into bounds");
    }

    pub fn count(&mut self, name: impl Into<String>) {
        self.add(name, 1);
    }

    pub fn add(&mut self, name: impl Into<String>, n: u64) {
        *self.counters.entry(name.into()).or_default() += n;
    }

    #[cfg(test)]
    pub fn counter(&self, name: &str) -> u64 {
        self.counters.get(name).copied().unwrap_or(0)
    }

    pub fn merge(&mut self, other: Stats) {
        for (name, hist) in other.histograms {
            match self.histograms.get_mut(name) {
                Some(mine) => mine.add(&hist).expect("same bounds"),
                None => {
                    self.histograms.insert(name, hist);
                }
            }
        }
        for (name, n) in other.counters {
            self.add(name, n);
        }
    }

    pub fn summary(&self, name: &str) -> Option<LatencySummary> {
        self.histograms.get(name).map(LatencySummary::of)
    }
}

/// Percentiles in milliseconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LatencySummary {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

impl LatencySummary {
    fn of(h: &Histogram<u64>) -> Self {
        let ms = |micros: u64| (micros as f64 / 1000.0 * 100.0).round() / 100.0;
        Self {
            count: h.len(),
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
            mean: (h.mean() / 1000.0 * 100.0).round() / 100.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_percentiles() {
        let mut a = Stats::default();
        let mut b = Stats::default();
        for ms in 1..=90 {
            a.record("delivery", Duration::from_millis(ms));
        }
        for ms in 91..=100 {
            b.record("delivery", Duration::from_millis(ms));
        }
        b.count("sent");
        a.merge(b);
        let s = a.summary("delivery").unwrap();
        assert_eq!(s.count, 100);
        assert!((s.p50 - 50.0).abs() < 0.1, "{s:?}");
        assert!((s.p99 - 99.0).abs() < 0.1, "{s:?}");
        assert!((s.max - 100.0).abs() < 0.1, "{s:?}");
        assert_eq!(a.counter("sent"), 1);
        assert_eq!(a.counter("missing"), 0);
    }

    #[test]
    fn out_of_range_values_are_clamped() {
        let mut s = Stats::default();
        s.record("x", Duration::ZERO);
        s.record("x", Duration::from_secs(3600));
        assert_eq!(s.summary("x").unwrap().count, 2);
    }
}
