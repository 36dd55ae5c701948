//! The presets. Each brings up its population, runs its load, and returns the merged
//! stats plus derived figures; `main` turns that into the report.

pub mod burst;
pub mod calls;
pub mod chat;
pub mod idle;
pub mod login;

use std::collections::BTreeMap;

use crate::stats::Stats;

pub struct Outcome {
    pub stats: Stats,
    pub figures: BTreeMap<String, f64>,
    /// The histogram the thresholds apply to.
    pub main_latency: &'static str,
}
