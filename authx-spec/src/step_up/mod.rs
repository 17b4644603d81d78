//! Step-up requirements (RFC 9470): a maximum authentication age (`max_age = "5m"`) and
//! authentication context class references (`acr = "mfa"`).
//!
//! # Grammar
//!
//! A max age is `[<n>]<unit>`: an optional decimal number greater than 0 (default 1) followed
//! by one of the units `s`, `sec`, `m`, `min`, `h`, `hour`, `d`, `day`. It is a whole number of
//! seconds, because the challenge carries it as `max_age=<seconds>`.
//!
//! An `acr` value is one or more characters from `%x21 / %x23-5B / %x5D-7E` (visible ASCII
//! without `"` and `\`, RFC 6749's scope-token set): the values travel space-separated inside
//! a quoted `acr_values` challenge parameter. An app may declare the values its tokens carry
//! ([`parse_acr_declaration`]); routes' values are then checked against them
//! ([`check_declared_acr`]). The authentication methods a route may require (`amr`) are
//! RFC 8176's registry, in [`crate::amr`].
//!
//! ```
//! use std::time::Duration;
//! use authx_spec::step_up::{parse_acr, parse_max_age};
//!
//! assert_eq!(parse_max_age("5m").unwrap(), Duration::from_secs(300));
//! assert_eq!(parse_max_age("h").unwrap(), Duration::from_secs(3600));
//! assert!(parse_max_age("500ms").is_err());
//! assert!(parse_acr("urn:mace:incommon:iap:silver").is_ok());
//! assert!(parse_acr("two words").is_err());
//! ```

use std::time::Duration;

use crate::error::{Fault, SpecError, SpecErrorKind, char_at, describe_char};

mod declared;
pub use declared::{check_declared_acr, parse_acr_declaration};

const AGE_FALLBACK: &str = "5m";
const ACR_FALLBACK: &str = "mfa";

/// Units and their length in seconds.
const UNITS: &[(&str, u64)] = &[
    ("s", 1),
    ("sec", 1),
    ("m", 60),
    ("min", 60),
    ("h", 3_600),
    ("hour", 3_600),
    ("d", 86_400),
    ("day", 86_400),
];

const UNIT_LIST: &str = "s, sec, m, min, h, hour, d, day";

/// The longest max age accepted: 10 years, far beyond any login a route should trust, and
/// small enough that `now - max_age` never overflows.
const MAX_SECS: u64 = 10 * 365 * 86_400;

/// Parses a max authentication age such as `"5m"` or `"300s"`.
///
/// # Errors
///
/// [`EmptyDuration`](SpecErrorKind::EmptyDuration),
/// [`BadDuration`](SpecErrorKind::BadDuration),
/// [`ZeroDuration`](SpecErrorKind::ZeroDuration) or
/// [`UnknownUnit`](SpecErrorKind::UnknownUnit), with the span of the offending part.
pub fn parse_max_age(s: &str) -> Result<Duration, SpecError> {
    check_age(s).map_err(|fault| fault.into_error(|e| check_age(e).is_ok()))
}

fn check_age(s: &str) -> Result<Duration, Fault> {
    use SpecErrorKind::*;
    if s.is_empty() {
        return Err(Fault::new(
            EmptyDuration,
            0..0,
            "empty max age: write a number of seconds, minutes, hours or days".to_owned(),
            AGE_FALLBACK,
        ));
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (n_str, unit) = s.split_at(digits);
    if unit.is_empty() {
        return Err(Fault::new(
            UnknownUnit,
            0..s.len(),
            format!("missing unit in max age {s:?}: a max age needs a unit, one of {UNIT_LIST}"),
            AGE_FALLBACK,
        )
        .suggest(format!("{s}s")));
    }
    if !unit.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Fault::new(
            BadDuration,
            0..s.len(),
            format!(
                "invalid max age {s:?}: a max age is an optional whole number followed by a \
                 unit ({UNIT_LIST}), without spaces, signs or fractions"
            ),
            AGE_FALLBACK,
        ));
    }
    let Some(&(_, unit_secs)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        let (kind, rule) = if unit == "ms" {
            (
                BadDuration,
                format!(
                    "max age {s:?} in milliseconds: step-up challenges carry whole seconds \
                     (`max_age=<seconds>`); use one of {UNIT_LIST}"
                ),
            )
        } else {
            (
                UnknownUnit,
                format!("unknown unit {unit:?} in max age {s:?}: valid units are {UNIT_LIST}"),
            )
        };
        return Err(Fault::new(kind, digits..s.len(), rule, AGE_FALLBACK)
            .suggest(format!("{n_str}{}", unit.to_ascii_lowercase())));
    };
    let n = if n_str.is_empty() {
        Some(1)
    } else {
        n_str.bytes().try_fold(0u64, |acc, b| {
            acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        })
    };
    if n == Some(0) {
        return Err(Fault::new(
            ZeroDuration,
            0..digits,
            format!(
                "zero max age {s:?}: a login is never younger than 0 seconds; to ask for a new \
                 login on every request, use a small age"
            ),
            AGE_FALLBACK,
        )
        .suggest(format!("1{unit}")));
    }
    match n.and_then(|n| n.checked_mul(unit_secs)) {
        Some(secs) if secs <= MAX_SECS => Ok(Duration::from_secs(secs)),
        _ => Err(Fault::new(
            BadDuration,
            0..s.len(),
            format!("max age {s:?} is too long: at most 10 years ({MAX_SECS}s)"),
            AGE_FALLBACK,
        )
        .suggest("30d".to_owned())),
    }
}

/// Checks one authentication context class reference, such as `"mfa"`.
///
/// # Errors
///
/// [`EmptyAcr`](SpecErrorKind::EmptyAcr) or [`BadAcrCharacter`](SpecErrorKind::BadAcrCharacter).
pub fn parse_acr(s: &str) -> Result<(), SpecError> {
    check_acr(s).map_err(|fault| fault.into_error(|e| check_acr(e).is_ok()))
}

fn check_acr(s: &str) -> Result<(), Fault> {
    if s.is_empty() {
        return Err(Fault::new(
            SpecErrorKind::EmptyAcr,
            0..0,
            "empty acr value: name an authentication context class".to_owned(),
            ACR_FALLBACK,
        ));
    }
    let allowed = |c: char| matches!(c, '\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E');
    if let Some(at) = s.find(|c| !allowed(c)) {
        let (c, span) = char_at(s, at);
        let clean: String = s.chars().filter(|c| allowed(*c)).collect();
        return Err(Fault::new(
            SpecErrorKind::BadAcrCharacter,
            span,
            format!(
                "invalid character {} in acr value {s:?}: acr values are visible ASCII \
                 without spaces, '\"' or '\\'",
                describe_char(c)
            ),
            ACR_FALLBACK,
        )
        .suggest(clean));
    }
    Ok(())
}

/// Checks a list of acr values: each valid, none twice. Returns every error with the index
/// of the value it belongs to.
///
/// # Errors
///
/// The errors of [`parse_acr`], and [`DuplicateAcr`](SpecErrorKind::DuplicateAcr).
pub fn parse_acr_list<S: AsRef<str>>(values: &[S]) -> Result<(), Vec<(usize, SpecError)>> {
    crate::check_list(
        values,
        |value| parse_acr(value).map(|_| ()),
        |value| SpecError {
            span: 0..value.len(),
            kind: SpecErrorKind::DuplicateAcr,
            message: format!(
                "duplicate acr value {value:?}: list each value once; write e.g. \
                 [\"mfa\", \"hwk\"]"
            ),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use SpecErrorKind::*;

    #[test]
    fn valid_ages() {
        for (s, secs) in [
            ("300s", 300),
            ("5m", 300),
            ("5min", 300),
            ("h", 3600),
            ("2hour", 7200),
            ("1d", 86_400),
            ("1sec", 1),
            ("0010s", 10),
        ] {
            assert_eq!(parse_max_age(s).unwrap(), Duration::from_secs(secs), "{s}");
        }
    }

    #[track_caller]
    fn age_err(s: &str, kind: SpecErrorKind, span: core::ops::Range<usize>) {
        let e = parse_max_age(s).unwrap_err();
        assert_eq!(
            (e.kind, e.span.clone()),
            (kind, span),
            "{s:?}: {}",
            e.message
        );
        assert!(e.message.contains("write e.g."), "{}", e.message);
    }

    #[test]
    fn age_errors_and_spans() {
        age_err("", EmptyDuration, 0..0);
        age_err("300", UnknownUnit, 0..3);
        age_err("5 m", BadDuration, 0..3);
        age_err("-5m", BadDuration, 0..3);
        age_err("1.5h", BadDuration, 0..4);
        age_err("500ms", BadDuration, 3..5);
        age_err("5x", UnknownUnit, 1..2);
        age_err("0s", ZeroDuration, 0..1);
        age_err("99999999999999999999s", BadDuration, 0..21);
        age_err("4000d", BadDuration, 0..5);
        assert!(
            parse_max_age("5M")
                .unwrap_err()
                .message
                .ends_with("write e.g. \"5m\"")
        );
    }

    #[test]
    fn acr_values() {
        assert!(parse_acr("mfa").is_ok());
        assert!(parse_acr("urn:mace:incommon:iap:silver").is_ok());
        assert!(parse_acr("phr").is_ok());
        let e = parse_acr("").unwrap_err();
        assert_eq!(e.kind, EmptyAcr);
        let e = parse_acr("m fa").unwrap_err();
        assert_eq!((e.kind, e.span), (BadAcrCharacter, 1..2));
        assert!(e.message.ends_with("write e.g. \"mfa\""), "{}", e.message);
        let e = parse_acr("a\"b").unwrap_err();
        assert_eq!(e.kind, BadAcrCharacter);
        let e = parse_acr("é").unwrap_err();
        assert_eq!((e.kind, e.span), (BadAcrCharacter, 0..2));
        let errors = parse_acr_list(&["mfa", "hwk", "mfa", "x y"]).unwrap_err();
        let kinds: Vec<_> = errors.iter().map(|(i, e)| (*i, e.kind)).collect();
        assert_eq!(kinds, [(2, DuplicateAcr), (3, BadAcrCharacter)]);
        assert!(parse_acr_list(&["mfa", "hwk"]).is_ok());
    }
}
