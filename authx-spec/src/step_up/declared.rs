//! The acr values an app declares (`[package.metadata.authx] acr-values`, or the environment
//! variable `AUTHX_ACR_VALUES`), against which `#[protect(acr = ...)]` is checked at compile
//! time. Without a declaration acr values stay unchecked: tokens from identity providers carry
//! provider-specific values.

use super::{ACR_FALLBACK, parse_acr};
use crate::error::{SpecError, SpecErrorKind};

/// Parses the acr values an app declares, written as the environment variable
/// `AUTHX_ACR_VALUES` holds them: separated by commas, with optional spaces (`"mfa, phr"`).
/// Each value is checked with [`parse_acr`]; none may be empty or given twice.
///
/// ```
/// use authx_spec::step_up::parse_acr_declaration;
///
/// assert_eq!(parse_acr_declaration("mfa, phr").unwrap(), ["mfa", "phr"]);
/// let err = parse_acr_declaration("mfa,,phr").unwrap_err();
/// assert_eq!(err.span, 4..5); // the second ','
/// ```
///
/// # Errors
///
/// The first error of [`parse_acr`] (an empty value spans the comma after it, or before it
/// at the end) or [`DuplicateAcr`](SpecErrorKind::DuplicateAcr), its span within `s`.
pub fn parse_acr_declaration(s: &str) -> Result<Vec<String>, SpecError> {
    let mut values: Vec<String> = Vec::new();
    let mut start = 0;
    for part in s.split(',') {
        let end = start + part.len();
        let lead = part.len() - part.trim_start().len();
        let value = part.trim();
        let at = start + lead;
        if value.is_empty() {
            let span = if end < s.len() {
                end..end + 1
            } else if start > 0 {
                start - 1..start
            } else {
                0..s.len()
            };
            return Err(SpecError {
                span,
                kind: SpecErrorKind::EmptyAcr,
                message: format!(
                    "empty acr value in {s:?}: list acr values separated by commas; write e.g. \
                     \"mfa, phr\""
                ),
            });
        }
        if let Err(mut e) = parse_acr(value) {
            e.span = e.span.start + at..e.span.end + at;
            return Err(e);
        }
        if values.iter().any(|v| v == value) {
            return Err(SpecError {
                span: at..at + value.len(),
                kind: SpecErrorKind::DuplicateAcr,
                message: format!(
                    "duplicate acr value {value:?} in {s:?}: list each value once; write e.g. \
                     \"mfa, phr\""
                ),
            });
        }
        values.push(value.to_owned());
        start = end + 1;
    }
    Ok(values)
}

/// Checks an acr value a route requires against the values the app declares (from
/// [`parse_acr_declaration`], or a list read elsewhere); `declared_in` says where they are
/// declared, for the message (such as "`AUTHX_ACR_VALUES`").
///
/// ```
/// use authx_spec::step_up::check_declared_acr;
///
/// assert!(check_declared_acr("mfa", &["mfa", "phr"], "`AUTHX_ACR_VALUES`").is_ok());
/// let err = check_declared_acr("mfaa", &["mfa", "phr"], "`AUTHX_ACR_VALUES`").unwrap_err();
/// assert!(err.message.contains("(did you mean `mfa`?)"), "{}", err.message);
/// assert!(err.message.ends_with(r#"write e.g. "mfa""#));
/// ```
///
/// # Errors
///
/// [`UndeclaredAcr`](SpecErrorKind::UndeclaredAcr), spanning the whole value, naming the
/// nearest declared value when one is near, and listing them.
pub fn check_declared_acr<S: AsRef<str>>(
    value: &str,
    declared: &[S],
    declared_in: &str,
) -> Result<(), SpecError> {
    if declared.iter().any(|d| d.as_ref() == value) {
        return Ok(());
    }
    let lower = value.to_ascii_lowercase();
    let near = declared
        .iter()
        .map(AsRef::as_ref)
        .find(|d| d.to_ascii_lowercase() == lower)
        .or_else(|| crate::closest(value, declared));
    let hint = near.map_or(String::new(), |d| format!(" (did you mean `{d}`?)"));
    let list: Vec<String> = declared
        .iter()
        .map(|d| format!("`{}`", d.as_ref()))
        .collect();
    let rule = if list.is_empty() {
        format!("acr value {value:?} is not declared: {declared_in} declares no acr values")
    } else {
        format!(
            "acr value {value:?} is not declared{hint}: the acr values declared in \
             {declared_in} are {}; use one of them, or declare {value:?} there if your \
             identity provider issues it",
            list.join(", ")
        )
    };
    let example = near
        .or_else(|| declared.first().map(AsRef::as_ref))
        .unwrap_or(ACR_FALLBACK);
    Err(SpecError {
        span: 0..value.len(),
        kind: SpecErrorKind::UndeclaredAcr,
        message: format!("{rule}; write e.g. {example:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use SpecErrorKind::*;

    #[test]
    fn declared_acr_values() {
        assert_eq!(parse_acr_declaration("mfa").unwrap(), ["mfa"]);
        assert_eq!(
            parse_acr_declaration(" mfa ,phr,urn:x:silver").unwrap(),
            ["mfa", "phr", "urn:x:silver"]
        );
        for (s, kind, span) in [
            ("", EmptyAcr, 0..0),
            ("mfa,", EmptyAcr, 3..4),
            (",mfa", EmptyAcr, 0..1),
            ("mfa, ,phr", EmptyAcr, 5..6),
            ("mfa, p hr", BadAcrCharacter, 6..7),
            ("mfa, phr, mfa", DuplicateAcr, 10..13),
        ] {
            let e = parse_acr_declaration(s).unwrap_err();
            assert_eq!((e.kind, e.span), (kind, span), "{s:?}: {}", e.message);
            assert!(e.message.contains("write e.g."), "{}", e.message);
        }
    }

    #[test]
    fn acr_values_are_checked_against_the_declared_ones() {
        let declared = ["mfa", "phr", "urn:example:silver"];
        for ok in declared {
            assert!(check_declared_acr(ok, &declared, "X").is_ok());
        }
        let e = check_declared_acr("MFA", &declared, "`AUTHX_ACR_VALUES`").unwrap_err();
        assert_eq!((e.kind, e.span), (UndeclaredAcr, 0..3));
        assert_eq!(
            e.message,
            "acr value \"MFA\" is not declared (did you mean `mfa`?): the acr values declared in \
             `AUTHX_ACR_VALUES` are `mfa`, `phr`, `urn:example:silver`; use one of them, or \
             declare \"MFA\" there if your identity provider issues it; write e.g. \"mfa\""
        );
        let e = check_declared_acr("urn:example:silvr", &declared, "X").unwrap_err();
        assert!(
            e.message.contains("did you mean `urn:example:silver`"),
            "{}",
            e.message
        );
        let e = check_declared_acr("gold", &declared, "X").unwrap_err();
        assert!(!e.message.contains("did you mean"), "{}", e.message);
        assert!(e.message.ends_with("write e.g. \"mfa\""), "{}", e.message);
        let none: [&str; 0] = [];
        let e = check_declared_acr("mfa", &none, "X").unwrap_err();
        assert!(
            e.message.contains("X declares no acr values"),
            "{}",
            e.message
        );
    }
}
