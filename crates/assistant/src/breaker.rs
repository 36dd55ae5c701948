//! A circuit breaker shared by all replies of one provider instance: after `threshold`
//! failed replies in a row it opens for `open_for` (replies fall back at once, no network),
//! then lets one trial through (half-open); the trial's outcome closes or reopens it.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    open_for: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    /// Set while open; once past, the breaker is half-open.
    open_until: Option<Instant>,
    /// A half-open trial is in flight: everyone else still falls back.
    trial_in_flight: bool,
}

/// The right to make one call. Report its outcome; dropping it unreported (the reply was
/// cancelled) frees a half-open trial slot without counting anything.
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, open_for: Duration) -> Self {
        CircuitBreaker { threshold: threshold.max(1), open_for, state: Mutex::default() }
    }

    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        self.try_acquire_at(Instant::now())
    }

    fn try_acquire_at(&self, now: Instant) -> Option<Permit<'_>> {
        let mut state = self.lock();
        match state.open_until {
            None => Some(Permit { breaker: self, trial: false }),
            Some(until) if now < until => None,
            Some(_) if state.trial_in_flight => None,
            Some(_) => {
                state.trial_in_flight = true;
                Some(Permit { breaker: self, trial: true })
            }
        }
    }

    /// Whether calls are currently refused (open, or half-open with a trial running).
    pub fn is_open(&self) -> bool {
        let state = self.lock();
        state.open_until.is_some_and(|until| Instant::now() < until) || state.trial_in_flight
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent under any panic (plain field writes), so a poisoned
        // lock is safe to reuse.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Permit<'_> {
    pub fn success(self) {
        let mut state = self.breaker.lock();
        *state = State::default();
    }

    pub fn failure(self) {
        self.failure_at(Instant::now());
    }

    fn failure_at(self, now: Instant) {
        let mut state = self.breaker.lock();
        state.consecutive_failures = state.consecutive_failures.saturating_add(1);
        if self.trial || state.consecutive_failures >= self.breaker.threshold {
            state.open_until = Some(now + self.breaker.open_for);
        }
        state.trial_in_flight = false;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.trial {
            // Reported or not, the trial is over; `success`/`failure` already cleared it
            // and clearing twice is harmless.
            self.breaker.lock().trial_in_flight = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Duration = Duration::from_secs(30);

    fn fail_n(b: &CircuitBreaker, n: u32, now: Instant) {
        for _ in 0..n {
            b.try_acquire_at(now).expect("closed").failure_at(now);
        }
    }

    #[test]
    fn opens_after_threshold_consecutive_failures() {
        let b = CircuitBreaker::new(5, OPEN);
        let t0 = Instant::now();
        fail_n(&b, 4, t0);
        b.try_acquire_at(t0).unwrap().success();
        fail_n(&b, 4, t0);
        assert!(b.try_acquire_at(t0).is_some(), "a success resets the count");
        fail_n(&b, 1, t0);
        assert!(b.try_acquire_at(t0).is_none());
        assert!(b.try_acquire_at(t0 + OPEN - Duration::from_millis(1)).is_none());
    }

    #[test]
    fn half_open_lets_one_trial_through_and_its_outcome_decides() {
        let b = CircuitBreaker::new(2, OPEN);
        let t0 = Instant::now();
        fail_n(&b, 2, t0);
        let t1 = t0 + OPEN;
        let trial = b.try_acquire_at(t1).expect("half-open trial");
        assert!(b.try_acquire_at(t1).is_none(), "only one trial at a time");
        trial.failure_at(t1);
        assert!(b.try_acquire_at(t1).is_none(), "a failed trial reopens");

        let t2 = t1 + OPEN;
        b.try_acquire_at(t2).expect("trial").success();
        assert!(b.try_acquire_at(t2).is_some());
        assert!(b.try_acquire_at(t2).is_some(), "closed again: no trial limit");
    }

    #[test]
    fn a_dropped_trial_frees_the_slot() {
        let b = CircuitBreaker::new(1, OPEN);
        let t0 = Instant::now();
        fail_n(&b, 1, t0);
        drop(b.try_acquire_at(t0 + OPEN).expect("trial"));
        assert!(b.try_acquire_at(t0 + OPEN).is_some());
    }
}
