//! The grammar of a rate spec: the checker, its error messages and suggested fixes.

use std::time::Duration;

use super::RateSpec;
use crate::error::{Fault, SpecErrorKind};

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

pub(super) fn check(s: &str) -> Result<RateSpec, Fault> {
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
#[path = "grammar_tests.rs"]
mod tests;
