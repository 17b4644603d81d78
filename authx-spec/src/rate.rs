//! Rate specs (`10/60s`) and rate keys (`ip`, `subject`).
//!
//! # Grammar
//!
//! `<count>/<window>`, where `count` is a decimal `u32` greater than 0 and
//! `window` is `[<n>]<unit>`: an optional decimal `u64` greater than 0
//! (default 1) followed by one of the units `ms`, `s`, `sec`, `m`, `min`,
//! `h`, `hour`, `d`, `day`. No whitespace is allowed anywhere.
//!
//! ```
//! use std::time::Duration;
//! use authx_spec::RateSpec;
//!
//! let r: RateSpec = "100/h".parse().unwrap();
//! assert_eq!(r.count, 100);
//! assert_eq!(r.window, Duration::from_secs(3600));
//! assert_eq!(r.to_string(), "100/3600s");
//! assert_eq!("50/500ms".parse::<RateSpec>().unwrap().window_millis(), 500);
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::{Fault, SpecError, SpecErrorKind};

/// The example used when no better one can be derived from the input.
const FALLBACK: &str = "10/60s";

/// Units and their length in milliseconds.
const UNITS: &[(&str, u64)] = &[
    ("ms", 1),
    ("s", 1_000),
    ("sec", 1_000),
    ("m", 60_000),
    ("min", 60_000),
    ("h", 3_600_000),
    ("hour", 3_600_000),
    ("d", 86_400_000),
    ("day", 86_400_000),
];

const UNIT_LIST: &str = "ms, s, sec, m, min, h, hour, d, day";

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
    /// [`EmptyRate`](SpecErrorKind::EmptyRate),
    /// [`MissingSlash`](SpecErrorKind::MissingSlash),
    /// [`BadCount`](SpecErrorKind::BadCount),
    /// [`ZeroCount`](SpecErrorKind::ZeroCount),
    /// [`CountOverflow`](SpecErrorKind::CountOverflow),
    /// [`BadWindow`](SpecErrorKind::BadWindow),
    /// [`ZeroWindow`](SpecErrorKind::ZeroWindow),
    /// [`UnknownUnit`](SpecErrorKind::UnknownUnit) or
    /// [`WindowOverflow`](SpecErrorKind::WindowOverflow), with the span of
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

/// What a rate limit is counted per.
///
/// In attributes a custom key is a Rust path to a key function, which the
/// macro resolves itself; [`RateKey::parse_builtin`] only parses the string
/// forms `ip` and `subject` used at run time and in configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateKey {
    /// Per client IP address (`ip`).
    Ip,
    /// Per authenticated subject, the token's `sub` claim (`subject`).
    Subject,
    /// Per value of a custom key function, named by its path.
    Custom(String),
}

impl RateKey {
    /// Parse a built-in rate key: `ip` or `subject`.
    ///
    /// # Errors
    ///
    /// [`UnknownRateKey`](SpecErrorKind::UnknownRateKey) for anything else,
    /// spanning the whole input.
    ///
    /// ```
    /// use authx_spec::{RateKey, SpecErrorKind};
    ///
    /// assert_eq!(RateKey::parse_builtin("ip").unwrap(), RateKey::Ip);
    /// assert_eq!(RateKey::parse_builtin("subject").unwrap(), RateKey::Subject);
    /// let err = RateKey::parse_builtin("IP").unwrap_err();
    /// assert_eq!(err.kind, SpecErrorKind::UnknownRateKey);
    /// assert!(err.message.ends_with(r#"write e.g. "ip""#));
    /// ```
    pub fn parse_builtin(s: &str) -> Result<RateKey, SpecError> {
        match s {
            "ip" => Ok(RateKey::Ip),
            "subject" => Ok(RateKey::Subject),
            _ => {
                let guess = match s.trim().to_ascii_lowercase().as_str() {
                    "ip" | "ip_addr" | "ipaddr" | "addr" | "client_ip" | "remote_addr" => "ip",
                    "subject" | "sub" | "user" | "user_id" | "subject_id" => "subject",
                    _ => "ip",
                };
                Err(SpecError {
                    span: 0..s.len(),
                    kind: SpecErrorKind::UnknownRateKey,
                    message: format!(
                        "unknown rate key {s:?}: use `ip` (per client address), `subject` \
                         (per token subject) or the path of a key function such as \
                         `crate::keys::by_tenant`; write e.g. {guess:?}"
                    ),
                })
            }
        }
    }
}

/// Prints `ip`, `subject`, or the custom function path.
impl fmt::Display for RateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateKey::Ip => f.write_str("ip"),
            RateKey::Subject => f.write_str("subject"),
            RateKey::Custom(path) => f.write_str(path),
        }
    }
}

fn check(s: &str) -> Result<RateSpec, Fault> {
    use SpecErrorKind::*;
    if s.is_empty() {
        return Err(Fault::new(
            EmptyRate,
            0..0,
            "empty rate: a rate is <count>/<window>, such as 10 requests per 60 seconds".to_owned(),
            FALLBACK,
        ));
    }
    let Some(slash) = s.find('/') else {
        return Err(Fault::new(
            MissingSlash,
            0..s.len(),
            format!("missing '/' in rate {s:?}: a rate is <count>/<window>"),
            FALLBACK,
        )
        .suggest(format!("{s}/60s")));
    };
    let count_str = &s[..slash];
    let window_str = &s[slash + 1..];
    let window_start = slash + 1;

    // ----- count -----
    if count_str.is_empty() {
        return Err(Fault::new(
            BadCount,
            slash..slash + 1,
            format!(
                "missing count before '/' in rate {s:?}: the count must be a whole number \
                 greater than 0"
            ),
            FALLBACK,
        )
        .suggest(format!("10/{window_str}")));
    }
    if !count_str.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Fault::new(
            BadCount,
            0..slash,
            format!(
                "invalid count {count_str:?} in rate {s:?}: the count must be a whole number \
                 greater than 0, written with digits only"
            ),
            FALLBACK,
        )
        .suggest(format!("10/{window_str}")));
    }
    let Some(count) = parse_decimal(count_str).and_then(|n| u32::try_from(n).ok()) else {
        return Err(Fault::new(
            CountOverflow,
            0..slash,
            format!(
                "count {count_str:?} in rate {s:?} is too large: the count must be at most {}",
                u32::MAX
            ),
            FALLBACK,
        )
        .suggest(format!("{}/{window_str}", u32::MAX)));
    };
    if count == 0 {
        return Err(Fault::new(
            ZeroCount,
            0..slash,
            format!(
                "zero count in rate {s:?}: the count must be greater than 0 (to forbid a \
                 route, do not route it)"
            ),
            FALLBACK,
        )
        .suggest(format!("1/{window_str}")));
    }

    // ----- window -----
    if window_str.is_empty() {
        return Err(Fault::new(
            BadWindow,
            slash..slash + 1,
            format!(
                "missing window after '/' in rate {s:?}: the window is an optional whole \
                 number followed by a unit ({UNIT_LIST})"
            ),
            FALLBACK,
        )
        .suggest(format!("{count_str}/60s")));
    }
    let digits = window_str.bytes().take_while(u8::is_ascii_digit).count();
    let (n_str, unit) = window_str.split_at(digits);
    if unit.is_empty() {
        return Err(Fault::new(
            UnknownUnit,
            window_start..s.len(),
            format!("missing unit in rate {s:?}: the window needs a unit, one of {UNIT_LIST}"),
            FALLBACK,
        )
        .suggest(format!("{s}s")));
    }
    if !unit.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Fault::new(
            BadWindow,
            window_start..s.len(),
            format!(
                "invalid window {window_str:?} in rate {s:?}: the window is an optional whole \
                 number followed by a unit ({UNIT_LIST}), without spaces or signs"
            ),
            FALLBACK,
        )
        .suggest(format!("{count_str}/60s")));
    }
    let unit_start = window_start + digits;
    let Some(&(_, unit_millis)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        let lower = unit.to_ascii_lowercase();
        let better = if UNITS.iter().any(|(name, _)| *name == lower) {
            lower
        } else {
            "s".to_owned()
        };
        return Err(Fault::new(
            UnknownUnit,
            unit_start..s.len(),
            format!("unknown unit {unit:?} in rate {s:?}: valid units are {UNIT_LIST}"),
            FALLBACK,
        )
        .suggest(format!("{count_str}/{n_str}{better}")));
    };
    let n = if n_str.is_empty() {
        1
    } else {
        let Some(n) = parse_decimal(n_str) else {
            return Err(window_overflow(s, window_start..unit_start, count_str));
        };
        n
    };
    if n == 0 {
        return Err(Fault::new(
            ZeroWindow,
            window_start..unit_start,
            format!("zero window in rate {s:?}: the window length must be greater than 0"),
            FALLBACK,
        )
        .suggest(format!("{count_str}/1{unit}")));
    }
    let Some(millis) = n.checked_mul(unit_millis) else {
        return Err(window_overflow(s, window_start..s.len(), count_str));
    };
    Ok(RateSpec {
        count,
        window: Duration::from_millis(millis),
    })
}

fn window_overflow(s: &str, span: core::ops::Range<usize>, count_str: &str) -> Fault {
    Fault::new(
        SpecErrorKind::WindowOverflow,
        span,
        format!(
            "window too long in rate {s:?}: the window must fit in a u64 number of \
             milliseconds (about 584 million years)"
        ),
        FALLBACK,
    )
    .suggest(format!("{count_str}/1d"))
}

/// Parse ASCII digits (already checked) into a `u64`, `None` on overflow.
fn parse_decimal(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use SpecErrorKind::*;

    #[test]
    fn valid_specs() {
        let table: &[(&str, u32, u64)] = &[
            ("10/60s", 10, 60_000),
            ("5/1m", 5, 60_000),
            ("100/h", 100, 3_600_000),
            ("3/1s", 3, 1_000),
            ("1000/day", 1000, 86_400_000),
            ("50/500ms", 50, 500),
            ("1/sec", 1, 1_000),
            ("1/2min", 1, 120_000),
            ("1/3hour", 1, 10_800_000),
            ("7/2d", 7, 172_800_000),
            ("010/060s", 10, 60_000),
            ("4294967295/1ms", u32::MAX, 1),
            ("1/18446744073709551615ms", 1, u64::MAX),
        ];
        for &(s, count, millis) in table {
            let r = RateSpec::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
            assert_eq!((r.count, r.window_millis()), (count, millis), "{s:?}");
            assert_eq!(r.window, Duration::from_millis(millis));
            let again: RateSpec = r.to_string().parse().unwrap();
            assert_eq!(again, r, "{s:?} -> {r}");
        }
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(RateSpec::parse("5/1m").unwrap().to_string(), "5/60s");
        assert_eq!(RateSpec::parse("50/500ms").unwrap().to_string(), "50/500ms");
        assert_eq!(RateSpec::parse("1/1500ms").unwrap().to_string(), "1/1500ms");
        assert_eq!(RateSpec::parse("1/2000ms").unwrap().to_string(), "1/2s");
        assert_eq!(
            RateSpec::parse("1000/day").unwrap().to_string(),
            "1000/86400s"
        );
    }

    #[track_caller]
    fn err(s: &str, kind: SpecErrorKind, span: core::ops::Range<usize>) -> SpecError {
        let e = RateSpec::parse(s).unwrap_err();
        assert_eq!(
            (e.kind, e.span.clone()),
            (kind, span),
            "{s:?}: {}",
            e.message
        );
        assert!(e.message.contains("write e.g."), "{}", e.message);
        e
    }

    #[test]
    fn error_kinds_and_spans() {
        err("", EmptyRate, 0..0);
        let e = err("10", MissingSlash, 0..2);
        assert!(
            e.message.ends_with("write e.g. \"10/60s\""),
            "{}",
            e.message
        );
        err("x/60s", BadCount, 0..1);
        err("-1/60s", BadCount, 0..2);
        err("+1/60s", BadCount, 0..2);
        err(" 10/60s", BadCount, 0..3);
        err("/60s", BadCount, 0..1);
        let e = err("0/60s", ZeroCount, 0..1);
        assert!(e.message.ends_with("write e.g. \"1/60s\""), "{}", e.message);
        err("99999999999/1s", CountOverflow, 0..11);
        err("4294967296/1s", CountOverflow, 0..10);
        err("10/", BadWindow, 2..3);
        err("10/s5", BadWindow, 3..5);
        err("10/60s ", BadWindow, 3..7);
        err("10/ 60s", BadWindow, 3..7);
        err("10/-5s", BadWindow, 3..6);
        err("10/60s/2", BadWindow, 3..8);
        let e = err("10/0s", ZeroWindow, 3..4);
        assert!(e.message.ends_with("write e.g. \"10/1s\""), "{}", e.message);
        err("10/000ms", ZeroWindow, 3..6);
        let e = err("10/60x", UnknownUnit, 5..6);
        assert!(e.message.contains(UNIT_LIST), "{}", e.message);
        assert!(
            e.message.ends_with("write e.g. \"10/60s\""),
            "{}",
            e.message
        );
        let e = err("10/60", UnknownUnit, 3..5);
        assert!(e.message.contains(UNIT_LIST), "{}", e.message);
        assert!(
            e.message.ends_with("write e.g. \"10/60s\""),
            "{}",
            e.message
        );
        let e = err("10/60S", UnknownUnit, 5..6);
        assert!(
            e.message.ends_with("write e.g. \"10/60s\""),
            "{}",
            e.message
        );
        let e = err("10/1Hour", UnknownUnit, 4..8);
        assert!(
            e.message.ends_with("write e.g. \"10/1hour\""),
            "{}",
            e.message
        );
        err("10/seconds", UnknownUnit, 3..10);
        err("1/18446744073709551616ms", WindowOverflow, 2..22);
        err("1/18446744073709551615s", WindowOverflow, 2..23);
        err("1/213503982334602d", WindowOverflow, 2..18);
    }

    #[test]
    fn new_and_window_millis() {
        let r = RateSpec::new(10, Duration::from_secs(60)).unwrap();
        assert_eq!(r, RateSpec::parse("10/60s").unwrap());
        assert_eq!(r.window_millis(), 60_000);
        assert!(RateSpec::new(0, Duration::from_secs(1)).is_none());
        assert!(RateSpec::new(1, Duration::ZERO).is_none());
        assert!(RateSpec::new(1, Duration::from_micros(1500)).is_none());
        assert!(RateSpec::new(1, Duration::MAX).is_none());
        assert!(RateSpec::new(1, Duration::from_millis(u64::MAX)).is_some());
        // Hand-built values saturate rather than panic.
        let weird = RateSpec {
            count: 0,
            window: Duration::MAX,
        };
        assert_eq!(weird.window_millis(), u64::MAX);
        assert!(!weird.to_string().is_empty());
    }

    #[test]
    fn rate_keys() {
        assert_eq!(RateKey::parse_builtin("ip").unwrap(), RateKey::Ip);
        assert_eq!(RateKey::parse_builtin("subject").unwrap(), RateKey::Subject);
        for (s, guess) in [
            ("", "ip"),
            ("IP", "ip"),
            (" ip", "ip"),
            ("sub", "subject"),
            ("user", "subject"),
            ("tenant", "ip"),
            ("crate::keys::by_tenant", "ip"),
        ] {
            let e = RateKey::parse_builtin(s).unwrap_err();
            assert_eq!((e.kind, e.span.clone()), (UnknownRateKey, 0..s.len()));
            assert!(e.message.contains("`ip`"), "{}", e.message);
            assert!(e.message.contains("`subject`"), "{}", e.message);
            assert!(
                e.message.contains("path of a key function"),
                "{}",
                e.message
            );
            assert!(
                e.message.ends_with(&format!("write e.g. {guess:?}")),
                "{}",
                e.message
            );
        }
        assert_eq!(RateKey::Ip.to_string(), "ip");
        assert_eq!(RateKey::Subject.to_string(), "subject");
        assert_eq!(RateKey::Custom("my::key".into()).to_string(), "my::key");
    }
}
