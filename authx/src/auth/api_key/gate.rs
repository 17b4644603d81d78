//! The failed-lookup limit's local half. The limiter (shared, exact across instances) is
//! charged after a lookup fails; each instance also keeps, per client IP, what the limiter
//! last said it had left (a GCRA bucket refills one failure per `window / count`) and how many
//! of its lookups are under way, and lets a lookup start only while fewer are under way than
//! it has failures left. An address this instance knows nothing of yet gets one lookup at a
//! time until one answers (a key found, or the limiter's count). So a burst of guesses sent
//! together costs at most as many lookups as the address has failures left here, and at most
//! one on an instance that has not met the address before.
//!
//! Nothing waits on a count that cannot change: a lookup waits only while others of its
//! address are under way, and each of them ends (within the store timeout) by waking it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

/// How many client IPs one instance remembers before it forgets the idle ones (and, when
/// most are not idle, every one with no lookup under way: the limiter still counts exactly,
/// an address forgotten only starts again at one lookup at a time).
const MEMORY: usize = 50_000;

/// Per-instance state of the failed-lookup limit.
#[derive(Default)]
pub(crate) struct Lookups {
    ips: Mutex<HashMap<String, Ip>>,
}

/// One client IP.
struct Ip {
    under_way: u32,
    /// What the limiter said at its last failure, if it failed.
    left: Option<Left>,
    /// A lookup of it found a key: it may have as many under way as a fresh bucket allows.
    found: bool,
    /// Wakes its waiting lookups when one under way ends.
    ended: Arc<Notify>,
}

impl Ip {
    fn new() -> Self {
        Ip {
            under_way: 0,
            left: None,
            found: false,
            ended: Arc::new(Notify::new()),
        }
    }

    /// How many of its lookups may be under way at `now`.
    fn allowed(&self, count: u32, now: i64) -> u32 {
        match (&self.left, self.found) {
            (Some(left), _) => left.now(now),
            (None, true) => count,
            (None, false) => 1,
        }
    }

    /// Nothing under way, nobody waiting, and nothing to remember at `now`.
    fn idle(&self, now: i64) -> bool {
        self.under_way == 0
            && Arc::strong_count(&self.ended) == 1
            && self.left.is_none_or(|l| l.now(now) >= l.count)
    }
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
        // A clock stepping back refills nothing.
        let refilled = (now - self.at).max(0) / self.interval.max(1);
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

/// A lookup under way for one client IP: dropped, it ended without a failure to count (a key
/// was found, or the store failed); [`Lookups::failed`] ends it with the limiter's count.
pub(crate) struct Pass<'a> {
    lookups: &'a Lookups,
    ip: String,
    /// What to record when it ends: whether a key was found.
    found: bool,
    ended: bool,
}

impl Pass<'_> {
    /// The lookup found a key.
    pub(crate) fn found(mut self) {
        self.found = true;
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        if !self.ended {
            let found = self.found;
            self.lookups.end(&self.ip, |ip| ip.found |= found);
        }
    }
}

impl Lookups {
    /// `Some(until)` (microseconds) while `ip` has no failure left at `now`.
    pub(crate) fn blocked(&self, ip: &str, now: i64) -> Option<i64> {
        let ips = lock(&self.ips);
        let left = ips.get(ip)?.left?;
        (left.now(now) == 0).then(|| left.next())
    }

    /// Starts one of `ip`'s lookups once fewer are under way than it may have (see the module
    /// docs), reading the time from `now` each time it looks. `None`: it has no failure left
    /// and nothing under way, so it is refused.
    pub(crate) async fn enter(
        &self,
        ip: &str,
        count: u32,
        now: impl Fn() -> i64,
    ) -> Option<Pass<'_>> {
        loop {
            let ended = {
                let mut ips = lock(&self.ips);
                if ips.len() >= MEMORY && !ips.contains_key(ip) {
                    let t = now();
                    ips.retain(|_, ip| !ip.idle(t));
                    if ips.len() > MEMORY / 2 {
                        ips.retain(|_, ip| ip.under_way > 0 || Arc::strong_count(&ip.ended) > 1);
                    }
                }
                let state = ips.entry(ip.to_owned()).or_insert_with(Ip::new);
                let allowed = state.allowed(count, now());
                if state.under_way < allowed {
                    state.under_way += 1;
                    return Some(Pass {
                        lookups: self,
                        ip: ip.to_owned(),
                        found: false,
                        ended: false,
                    });
                }
                if state.under_way == 0 {
                    return None;
                }
                // Registered before the lock goes, so an end between then and the wait wakes it.
                let mut ended = Box::pin(state.ended.clone().notified_owned());
                ended.as_mut().enable();
                ended
            };
            ended.await;
        }
    }

    /// `pass`'s lookup failed and was charged: `ip` has `charged.failures` left (one more
    /// every `charged.interval`), refused until `charged.until` when the limiter refused it.
    pub(crate) fn failed(&self, mut pass: Pass<'_>, charged: Charged) {
        pass.ended = true;
        self.end(&pass.ip, |ip| {
            ip.left = Some(Left {
                failures: charged.failures,
                at: charged.at,
                interval: charged.interval,
                count: charged.count,
                until: charged.until,
            });
        });
    }

    /// One of `ip`'s lookups ended: `record` what it learnt, wake its waiters, and forget the
    /// address when nothing is left to remember.
    fn end(&self, ip: &str, record: impl FnOnce(&mut Ip)) {
        let mut ips = lock(&self.ips);
        let Some(state) = ips.get_mut(ip) else {
            return;
        };
        state.under_way = state.under_way.saturating_sub(1);
        record(state);
        state.ended.notify_waiters();
        // An address whose key was found is kept (it may have many lookups at once) until
        // memory runs short; one with nothing to say is forgotten now.
        if state.under_way == 0
            && Arc::strong_count(&state.ended) == 1
            && state.left.is_none()
            && !state.found
        {
            ips.remove(ip);
        }
    }

    /// How many client IPs are remembered (tests).
    #[cfg(test)]
    fn remembered(&self) -> usize {
        lock(&self.ips).len()
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
