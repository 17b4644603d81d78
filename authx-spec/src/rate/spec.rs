//! The rate spec value: construction, the canonical string form, and parsing.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::grammar::check;
use crate::error::SpecError;

/// A rate limit: at most `count` requests per `window`.
///
/// Build one with [`RateSpec::parse`] or [`RateSpec::new`]; both guarantee a
/// non-zero count and a non-zero window of whole milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateSpec {
    /// Requests allowed per window (greater than 0).
    pub count: u32,
    /// Length of the window (greater than 0).
    pub window: Duration,
}

impl RateSpec {
    /// Parse a rate spec such as `10/60s`, `5/1m`, `100/h` or `50/500ms`.
    ///
    /// # Errors
    ///
    /// [`EmptyRate`](crate::SpecErrorKind::EmptyRate),
    /// [`MissingSlash`](crate::SpecErrorKind::MissingSlash),
    /// [`BadCount`](crate::SpecErrorKind::BadCount),
    /// [`ZeroCount`](crate::SpecErrorKind::ZeroCount),
    /// [`CountOverflow`](crate::SpecErrorKind::CountOverflow),
    /// [`BadWindow`](crate::SpecErrorKind::BadWindow),
    /// [`ZeroWindow`](crate::SpecErrorKind::ZeroWindow),
    /// [`UnknownUnit`](crate::SpecErrorKind::UnknownUnit) or
    /// [`WindowOverflow`](crate::SpecErrorKind::WindowOverflow), with the span of
    /// the offending part.
    pub fn parse(s: &str) -> Result<RateSpec, SpecError> {
        check(s).map_err(|fault| fault.into_error(|e| check(e).is_ok()))
    }

    /// A rate of `count` requests per `window`.
    ///
    /// Returns `None` if `count` or `window` is zero, or if `window` is not a
    /// whole number of milliseconds fitting in a `u64` (the precision of the
    /// string form, so that every `RateSpec` round-trips through
    /// [`Display`](fmt::Display) and [`parse`](RateSpec::parse)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use authx_spec::RateSpec;
    ///
    /// assert!(RateSpec::new(10, Duration::from_secs(60)).is_some());
    /// assert!(RateSpec::new(0, Duration::from_secs(60)).is_none());
    /// assert!(RateSpec::new(10, Duration::ZERO).is_none());
    /// ```
    pub fn new(count: u32, window: Duration) -> Option<RateSpec> {
        let whole_millis = window.subsec_nanos().is_multiple_of(1_000_000);
        let fits = window.as_millis() <= u128::from(u64::MAX);
        (count > 0 && !window.is_zero() && whole_millis && fits)
            .then_some(RateSpec { count, window })
    }

    /// The window in milliseconds (saturating at `u64::MAX`).
    pub fn window_millis(&self) -> u64 {
        u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX)
    }
}

impl FromStr for RateSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RateSpec::parse(s)
    }
}

/// The canonical form: `<count>/<seconds>s` when the window is a whole number
/// of seconds, `<count>/<millis>ms` otherwise (e.g. `10/60s`, `50/500ms`).
impl fmt::Display for RateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.window.subsec_nanos() == 0 {
            write!(f, "{}/{}s", self.count, self.window.as_secs())
        } else {
            write!(f, "{}/{}ms", self.count, self.window.as_millis())
        }
    }
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
