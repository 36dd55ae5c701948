//! Watching local server processes during a run (a sampler task keeps the peak RSS).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::procstat::{ProcReport, ProcWatch};

#[derive(Clone)]
pub struct Watches {
    procs: Arc<Mutex<Vec<ProcWatch>>>,
}

impl Watches {
    pub fn start(pids: &[u32]) -> Self {
        let procs = Arc::new(Mutex::new(pids.iter().map(|pid| ProcWatch::new(*pid)).collect::<Vec<_>>()));
        if !pids.is_empty() {
            let weak = Arc::downgrade(&procs);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(500));
                while let Some(procs) = weak.upgrade() {
                    procs.lock().expect("not poisoned").iter_mut().for_each(ProcWatch::tick);
                    drop(procs);
                    tick.tick().await;
                }
            });
        }
        Self { procs }
    }

    /// Records the RSS now, e.g. once every connection is open.
    pub fn mark(&self) {
        self.procs.lock().expect("not poisoned").iter_mut().for_each(ProcWatch::mark);
    }

    /// (start, now) RSS in KB of each watched process.
    pub fn rss_kb(&self) -> Vec<(u64, u64)> {
        let procs = self.procs.lock().expect("not poisoned");
        procs.iter().filter_map(|p| Some((p.start_rss_kb()?, p.rss_kb_now()?))).collect()
    }

    pub fn finish(self) -> Vec<ProcReport> {
        let procs = std::mem::take(&mut *self.procs.lock().expect("not poisoned"));
        procs.into_iter().filter_map(ProcWatch::finish).collect()
    }
}
