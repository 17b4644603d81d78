//! The failed-lookup limit's local half. The limiter (shared, exact across instances) is
//! charged after a lookup fails; this instance also remembers what each client IP has left
//! (a GCRA bucket refills one failure per `window / count`), and holds a gate per IP with a
//! lookup under way: a lookup takes one of its permits, a failed one keeps it, so no more of
//! an IP's lookups start than it has failures left, even when its guesses arrive together.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many client IPs one instance remembers.
const MEMORY: usize = super::super::session::TOUCH_MEMORY;

/// Per-instance state of the failed-lookup limit.
#[derive(Default)]
pub(crate) struct Lookups {
    /// What client IPs had left at their last failure.
    left: Mutex<HashMap<String, Left>>,
    /// One semaphore per client IP with a lookup under way (none otherwise).
    gates: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// What a client IP had left at its last failure (times in microseconds).
#[derive(Clone, Copy)]
struct Left {
    failures: u32,
    at: i64,
    /// One more failure every `interval`, up to `count`.
    interval: i64,
    count: u32,
    /// Refused (the limiter said so) until then.
    until: i64,
}

impl Left {
    fn now(&self, now: i64) -> u32 {
        if now < self.until {
            return 0;
        }
        let refilled = (now - self.at) / self.interval.max(1);
        u32::try_from(refilled)
            .unwrap_or(u32::MAX)
            .saturating_add(self.failures)
            .min(self.count)
    }

    /// When the next failure is allowed.
    fn next(&self) -> i64 {
        self.until.max(self.at.saturating_add(self.interval))
    }
}

/// A lookup under way for one client IP. Dropped, its permit goes back (the lookup found a
/// key); [`Lookups::failed`] keeps it.
pub(crate) struct Pass<'a> {
    lookups: &'a Lookups,
    ip: String,
    gate: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        let mut gates = lock(&self.lookups.gates);
        drop(self.permit.take());
        // Clones are made under this lock: two references left are the map's and this one.
        if Arc::strong_count(&self.gate) == 2
            && gates
                .get(&self.ip)
                .is_some_and(|g| Arc::ptr_eq(g, &self.gate))
        {
            gates.remove(&self.ip);
        }
    }
}

impl Lookups {
    /// `Some(until)` (microseconds) while `ip` has no failure left at `now`.
    pub(crate) fn blocked(&self, ip: &str, now: i64) -> Option<i64> {
        let left = *lock(&self.left).get(ip)?;
        (left.now(now) == 0).then(|| left.next())
    }

    /// Waits for one of `ip`'s permits: as many as it has failures left (`count` for an IP
    /// without failures). Whoever waited asks [`blocked`](Self::blocked) again: the lookups
    /// before it may have used its failures up (the gate then closes and nobody waits).
    pub(crate) async fn enter(&self, ip: &str, count: u32, now: i64) -> Pass<'_> {
        let gate = {
            let mut gates = lock(&self.gates);
            if gates.len() >= MEMORY {
                // Gates of waiters that gave up (their request was dropped): nobody holds them.
                gates.retain(|_, g| Arc::strong_count(g) > 1);
            }
            let left = lock(&self.left).get(ip).map_or(count, |l| l.now(now));
            let fresh = || Arc::new(Semaphore::new(usize::try_from(left.max(1)).unwrap_or(1)));
            let gate = gates.entry(ip.to_owned()).or_insert_with(fresh);
            if gate.is_closed() {
                // Closed when the IP ran out, and kept by a waiter that gave up: the IP has
                // failures again (the caller asked `blocked`), so a gate of what it has left.
                *gate = fresh();
            }
            gate.clone()
        };
        let permit = gate.clone().acquire_owned().await.ok();
        Pass {
            lookups: self,
            ip: ip.to_owned(),
            gate,
            permit,
        }
    }

    /// `pass`'s lookup failed and was charged: `ip` has `failures` left at `now` (`until`:
    /// refused until then), one more every `interval`. The permit is kept; with nothing left,
    /// the gate closes, so whoever waits on it is answered at once.
    pub(crate) fn failed(&self, mut pass: Pass<'_>, charged: Charged) {
        if let Some(permit) = pass.permit.take() {
            permit.forget();
        }
        if charged.failures == 0 {
            pass.gate.close();
        }
        let mut left = lock(&self.left);
        if left.len() >= MEMORY {
            let now = charged.at;
            left.retain(|_, l| l.now(now) < l.count);
        }
        if left.len() >= MEMORY {
            // Still full of IPs with failures: the one refilling first goes.
            let first = left.iter().min_by_key(|(_, l)| l.next());
            if let Some(first) = first.map(|(k, _)| k.clone()) {
                left.remove(&first);
            }
        }
        left.insert(
            pass.ip.clone(),
            Left {
                failures: charged.failures,
                at: charged.at,
                interval: charged.interval,
                count: charged.count,
                until: charged.until,
            },
        );
    }

    /// How many client IPs have a lookup under way (tests).
    #[cfg(test)]
    fn gates(&self) -> usize {
        lock(&self.gates).len()
    }
}

/// What the limiter answered a failed lookup (times in microseconds).
pub(crate) struct Charged {
    /// Failures left.
    pub(crate) failures: u32,
    pub(crate) at: i64,
    pub(crate) interval: i64,
    pub(crate) count: u32,
    /// Refused until then (0: not refused).
    pub(crate) until: i64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
