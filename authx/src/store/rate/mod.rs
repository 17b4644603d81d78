//! Rate-limit counters, a kind of record the stores keep: the [`RateLimiter`] trait, its
//! [`RateDecision`], GCRA arithmetic shared by every backend, and the in-memory limiter. The
//! client-facing side (keys, client IP, headers) is [`crate::rate`].

mod memory;

use std::time::Duration;

pub use memory::MemoryRateLimiter;

use crate::store::StoreError;

/// The outcome of one rate decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateDecision {
    /// Let the request through?
    pub allowed: bool,
    /// The rule's request count.
    pub limit: u32,
    /// Requests left right now.
    pub remaining: u32,
    /// Until the bucket is full again.
    pub reset: Duration,
    /// When refused: until the next request would pass.
    pub retry_after: Duration,
}

impl RateDecision {
    /// A request let through: `remaining` requests left of `limit`, the bucket full again in
    /// `reset`.
    pub fn allowed(limit: u32, remaining: u32, reset: Duration) -> Self {
        RateDecision {
            allowed: true,
            limit,
            remaining,
            reset,
            retry_after: Duration::ZERO,
        }
    }

    /// A request refused: the next one passes in `retry_after`, the bucket is full again in
    /// `reset`.
    pub fn refused(limit: u32, reset: Duration, retry_after: Duration) -> Self {
        RateDecision {
            allowed: false,
            limit,
            remaining: 0,
            reset,
            retry_after,
        }
    }
}

/// Counts requests per key. Implemented in memory and in Redis; yours may be anything atomic.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Records one request for `key` under `count` per `window` and decides.
    async fn check(
        &self,
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<RateDecision, StoreError>;

    /// Decides as [`check`](Self::check) would for `key` under `count` per `window` right now,
    /// and records nothing: the answer is the decision the next `check` at this instant would
    /// return (refused exactly when that check would be, with the same `retry_after`), and any
    /// number of peeks leave the key's bucket as it was. For a caller that charges only some
    /// requests (failures, say) but must refuse every request once the bucket is empty.
    ///
    /// Capacity is the `check`'s concern: a limiter that refuses new keys when full (`503`)
    /// says so when a request is recorded, not here.
    async fn peek(
        &self,
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<RateDecision, StoreError>;
}

/// What [`RevocationStore::live_within_rate`](crate::RevocationStore::live_within_rate) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unrevoked {
    /// A key was revoked; nothing was counted.
    Revoked,
    /// None was; the rate decision.
    Rate(RateDecision),
}

/// GCRA in integer microseconds: given the key's theoretical arrival time `tat` (none for a new
/// or idle key) and `now`, the decision and the new `tat` to store when allowed. A
/// [`RateLimiter::peek`] is the decision alone, nothing stored.
pub(crate) fn gcra(
    tat: Option<u64>,
    now: u64,
    count: u32,
    window: Duration,
) -> (RateDecision, Option<u64>) {
    let window_us = u64::try_from(window.as_micros()).unwrap_or(u64::MAX).max(1);
    let interval = (window_us / u64::from(count.max(1))).max(1);
    let tat = tat.unwrap_or(now).max(now);
    let new_tat = tat.saturating_add(interval);
    let ahead = new_tat - now;
    if ahead > window_us {
        let decision = RateDecision {
            allowed: false,
            limit: count,
            remaining: 0,
            reset: Duration::from_micros(tat - now),
            retry_after: Duration::from_micros(ahead - window_us),
        };
        return (decision, None);
    }
    let remaining = u32::try_from((window_us - ahead) / interval)
        .unwrap_or(u32::MAX)
        .min(count);
    let decision = RateDecision {
        allowed: true,
        limit: count,
        remaining,
        reset: Duration::from_micros(ahead),
        retry_after: Duration::ZERO,
    };
    (decision, Some(new_tat))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(count: u32, window: Duration, times: &[u64]) -> Vec<bool> {
        let mut tat = None;
        times
            .iter()
            .map(|&t| {
                let (d, next) = gcra(tat, t, count, window);
                if next.is_some() {
                    tat = next;
                }
                d.allowed
            })
            .collect()
    }

    #[test]
    fn a_burst_gets_exactly_the_count() {
        let allowed = run(50, Duration::from_secs(60), &[1_000_000; 200]);
        assert_eq!(allowed.iter().filter(|a| **a).count(), 50);
        assert!(allowed[..50].iter().all(|a| *a));
    }

    #[test]
    fn a_window_later_the_bucket_is_full_again() {
        let s = 1_000_000;
        let allowed = run(
            3,
            Duration::from_secs(1),
            &[s, s, s, s, 2 * s, 2 * s, 2 * s, 2 * s],
        );
        assert_eq!(allowed, [true, true, true, false, true, true, true, false]);
    }

    #[test]
    fn remaining_and_retry_after() {
        let (d, tat) = gcra(None, 0, 10, Duration::from_secs(10));
        assert_eq!((d.allowed, d.remaining, d.limit), (true, 9, 10));
        let mut tat = tat;
        for _ in 0..9 {
            tat = gcra(tat, 0, 10, Duration::from_secs(10)).1;
        }
        let (d, next) = gcra(tat, 0, 10, Duration::from_secs(10));
        assert!(!d.allowed && next.is_none());
        assert_eq!(d.retry_after, Duration::from_secs(1));
        assert_eq!(d.reset, Duration::from_secs(10));
    }
}
