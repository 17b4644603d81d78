//! The one time source. Token expiry and leeway, session touches, revocation and allowlist
//! expiry in the memory store, rate windows in the memory limiter and vault lifetimes all read
//! a [`Clock`], so a test can move time instead of sleeping:
//!
//! ```
//! use std::time::Duration;
//! use authx::clock::ManualClock;
//! use authx::{Auth, AuthConfig, AuthError};
//!
//! let clock = ManualClock::at(1_700_000_000);
//! let auth = Auth::builder(AuthConfig::builder().secret_key("k".repeat(32)).build())
//!     .clock(clock.clone())
//!     .build()
//!     .unwrap();
//! let token = auth.tokens().access("u").expires_in(Duration::from_secs(60)).issue().unwrap();
//! assert!(auth.verify(&token).is_ok());
//! clock.advance(Duration::from_secs(61));
//! assert!(matches!(auth.verify(&token), Err(AuthError::Expired)));
//! ```

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Where "now" comes from.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Microseconds since the Unix epoch.
    fn now_micros(&self) -> i64;

    /// Whole seconds since the Unix epoch (the unit of `exp`, `iat` and `nbf`).
    fn now(&self) -> i64 {
        self.now_micros().div_euclid(1_000_000)
    }
}

/// A shared clock, as the engine and the stores hold it.
pub type SharedClock = Arc<dyn Clock>;

/// The system's wall clock: the default everywhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// The system clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// Seconds since the Unix epoch on the system clock, for code that holds no clock of its own
/// (network stores, whose servers keep real time anyway).
pub(crate) fn unix_now() -> i64 {
    SystemClock.now()
}

/// A clock that moves only when told to: for tests of expiry, leeway, session touches and rate
/// windows without sleeping. Clones share one time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    micros: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock at `unix_secs` seconds since the epoch.
    pub fn at(unix_secs: i64) -> Self {
        ManualClock {
            micros: Arc::new(AtomicI64::new(unix_secs.saturating_mul(1_000_000))),
        }
    }

    /// A clock at the system's current time.
    pub fn starting_now() -> Self {
        Self::at(unix_now())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.micros.fetch_add(by, Ordering::SeqCst);
    }

    /// Sets the clock to `unix_secs`.
    pub fn set(&self, unix_secs: i64) {
        self.micros
            .store(unix_secs.saturating_mul(1_000_000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.micros.load(Ordering::SeqCst)
    }
}

/// Whole seconds, rounded up: what `Retry-After` and `RateLimit-Reset` say (telling a client
/// to come back before its window resets only earns it another refusal).
pub(crate) fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// Whole seconds of a duration, as the signed seconds tokens use (saturating).
pub(crate) fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clocks_move_together() {
        let a = ManualClock::at(100);
        let b = a.clone();
        a.advance(Duration::from_millis(1500));
        assert_eq!((b.now(), b.now_micros()), (101, 101_500_000));
        b.set(7);
        assert_eq!(a.now(), 7);
        assert!(SystemClock.now() > 1_700_000_000);
    }

    #[test]
    fn rounding() {
        assert_eq!(ceil_secs(Duration::from_millis(1)), 1);
        assert_eq!(ceil_secs(Duration::from_secs(2)), 2);
        assert_eq!(secs(Duration::MAX), i64::MAX);
    }
}
