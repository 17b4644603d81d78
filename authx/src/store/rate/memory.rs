//! The in-process rate limiter.

use std::time::Duration;

use super::{RateDecision, RateLimiter, gcra};
use crate::clock::SharedClock;
use crate::store::{BoundedMap, Entry, Overflow, StoreError};

/// GCRA state in process memory: one timestamp per key (its theoretical arrival time, in
/// microseconds), in a bounded map where a key is live while its
/// bucket has not refilled.
///
/// Bounded: past `capacity` keys, idle keys are dropped first (their bucket has refilled, so
/// forgetting them changes nothing); if every key is busy the new key is refused (fail
/// closed, `503`) rather than a busy one forgotten.
#[derive(Debug)]
pub struct MemoryRateLimiter {
    buckets: BoundedMap<()>,
    clock: SharedClock,
}

impl MemoryRateLimiter {
    /// Default capacity: one million keys.
    pub const DEFAULT_CAPACITY: usize = 1_000_000;

    /// A limiter with [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY).
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A limiter tracking at most `capacity` keys.
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryRateLimiter {
            buckets: BoundedMap::new(capacity, Overflow::Refuse),
            clock: crate::clock::system(),
        }
    }

    /// A limiter on `clock` (a [`ManualClock`](crate::clock::ManualClock) in tests): windows
    /// refill by its time.
    pub fn with_clock(clock: SharedClock) -> Self {
        MemoryRateLimiter {
            clock,
            ..Self::new()
        }
    }

    /// Decides at an explicit time (microseconds since the epoch).
    pub(crate) fn check_at(
        &self,
        key: &str,
        count: u32,
        window: Duration,
        now: u64,
    ) -> Result<RateDecision, StoreError> {
        let at = micros(now);
        self.buckets.upsert(key, at, |live| {
            let tat = live.map(|e| u64::try_from(e.expires_at).unwrap_or(0));
            let (decision, next) = gcra(tat, now, count, window);
            (next.map(|tat| Entry::new((), micros(tat))), decision)
        })
    }

    /// [`check_at`](Self::check_at)'s decision without recording it: the key's state is only
    /// read.
    pub(crate) fn peek_at(
        &self,
        key: &str,
        count: u32,
        window: Duration,
        now: u64,
    ) -> RateDecision {
        let tat = self.buckets.read(key, micros(now), |e| {
            u64::try_from(e.expires_at).unwrap_or(0)
        });
        gcra(tat, now, count, window).0
    }

    fn now(&self) -> u64 {
        u64::try_from(self.clock.now_micros()).unwrap_or(0)
    }
}

/// Microseconds as the map's signed expiry (saturating).
fn micros(t: u64) -> i64 {
    i64::try_from(t).unwrap_or(i64::MAX)
}

impl Default for MemoryRateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait::async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn check(
        &self,
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<RateDecision, StoreError> {
        self.check_at(key, count, window, self.now())
    }

    async fn peek(
        &self,
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<RateDecision, StoreError> {
        Ok(self.peek_at(key, count, window, self.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_keys_are_evicted_busy_keys_are_kept() {
        let l = MemoryRateLimiter::with_capacity(16);
        let w = Duration::from_secs(10);
        // Fill every shard with a busy key.
        let mut busy = Vec::new();
        for i in 0.. {
            let key = format!("k{i}");
            if l.check_at(&key, 1, w, 0).is_err() {
                break;
            }
            busy.push(key);
            if busy.len() > 1000 {
                panic!("capacity not enforced");
            }
        }
        // Much later every bucket has refilled: new keys evict the idle ones.
        assert!(l.check_at("fresh", 1, w, 60_000_000).unwrap().allowed);
    }

    /// The times of a run: bursts at one instant, single requests, and gaps of less than,
    /// exactly and more than one refill interval (6 s for 10/60s).
    fn times() -> Vec<u64> {
        let mut now = 1_000_000_000u64;
        let mut times = Vec::new();
        for step in [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 5_999_999, 1, 6_000_000, 0, 0,
        ] {
            now += step;
            times.push(now);
        }
        for step in [
            60_000_000, 0, 0, 12_000_001, 0, 0, 0, 3_000_000, 3_000_000, 0,
        ] {
            now += step;
            times.push(now);
        }
        times
    }

    #[test]
    fn a_peek_is_the_next_checks_decision() {
        let (count, window) = (10, Duration::from_secs(60));
        let l = MemoryRateLimiter::new();
        let (mut allowed, mut refused) = (0, 0);
        for now in times() {
            let peeked = l.peek_at("k", count, window, now);
            let checked = l.check_at("k", count, window, now).unwrap();
            assert_eq!(peeked, checked, "at {now}");
            if checked.allowed {
                allowed += 1;
            } else {
                refused += 1;
            }
        }
        // The run saw both answers.
        assert!(
            allowed > 10 && refused > 5,
            "{allowed} allowed, {refused} refused"
        );
    }

    #[test]
    fn peeks_record_nothing() {
        let (count, window) = (10, Duration::from_secs(60));
        let (plain, peeked) = (MemoryRateLimiter::new(), MemoryRateLimiter::new());
        for now in times() {
            for _ in 0..1_000 {
                peeked.peek_at("k", count, window, now);
                // Peeking at another rule, or at a key never checked, records nothing either.
                peeked.peek_at("k", u32::MAX, Duration::from_micros(1), now);
                peeked.peek_at("never-checked", count, window, now);
            }
            assert_eq!(
                peeked.check_at("k", count, window, now).unwrap(),
                plain.check_at("k", count, window, now).unwrap(),
                "at {now}"
            );
        }
        assert_eq!((plain.buckets.len(), peeked.buckets.len()), (1, 1));
    }
}
