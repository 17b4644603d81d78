//! Authentication method references (`amr`, RFC 8176): the methods a route may require of a
//! login with `#[protect(amr = "hwk")]`.
//!
//! # Grammar
//!
//! A required method is one of the values of IANA's "Authentication Method Reference Values"
//! registry (RFC 8176 §2), written as registered: [`METHODS`]. A list names each method once.
//! Tokens are not held to the registry: their `amr` claims are matched as untrusted strings, so
//! an identity provider's own values pass through; only what a route requires is checked.
//!
//! ```
//! use authx_spec::SpecErrorKind;
//! use authx_spec::amr::{METHODS, parse_amr, parse_amr_list};
//!
//! assert!(METHODS.contains(&"otp"));
//! assert!(parse_amr("hwk").is_ok());
//! assert!(parse_amr_list(&["pwd", "otp"]).is_ok());
//!
//! let err = parse_amr("totp").unwrap_err();
//! assert_eq!(err.kind, SpecErrorKind::UnknownAmr);
//! assert!(err.message.contains("(did you mean `otp`?)"), "{}", err.message);
//! assert!(err.message.ends_with(r#"write e.g. "otp""#));
//! ```

use crate::error::{Fault, SpecError, SpecErrorKind};

/// The methods of the RFC 8176 registry, in its order: `face` (facial recognition), `fpt`
/// (fingerprint), `geo` (geolocation), `hwk` (proof of possession of a hardware-secured key),
/// `iris` (iris scan), `kba` (knowledge-based authentication), `mca` (multiple-channel),
/// `mfa` (multiple factors), `otp` (one-time password), `pin` (personal identification
/// number), `pop` (proof of possession of a key), `pwd` (password), `rba` (risk-based),
/// `retina` (retina scan), `sc` (smart card), `sms` (confirmation by SMS), `swk` (proof of
/// possession of a software-secured key), `tel` (confirmation by telephone call), `user`
/// (user presence test), `vbm` (voice biometric), `wia` (Windows integrated authentication).
pub const METHODS: &[&str] = &[
    "face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pop", "pwd", "rba",
    "retina", "sc", "sms", "swk", "tel", "user", "vbm", "wia",
];

/// The method used as the example when nothing nearer is known.
const FALLBACK: &str = "hwk";

/// Names for methods that are not the registry's, and the method each most likely meant.
const ALIASES: &[(&str, &str)] = &[
    ("totp", "otp"),
    ("hotp", "otp"),
    ("password", "pwd"),
    ("passwd", "pwd"),
    ("webauthn", "hwk"),
    ("fido", "hwk"),
    ("fido2", "hwk"),
    ("u2f", "hwk"),
    ("yubikey", "hwk"),
    ("security_key", "hwk"),
    ("hardware_key", "hwk"),
    ("software_key", "swk"),
    ("fingerprint", "fpt"),
    ("touchid", "fpt"),
    ("faceid", "face"),
    ("smartcard", "sc"),
    ("smart_card", "sc"),
    ("phone", "tel"),
    ("call", "tel"),
    ("voice", "vbm"),
    ("location", "geo"),
    ("kerberos", "wia"),
    ("2fa", "mfa"),
    ("mfa2", "mfa"),
    ("knowledge", "kba"),
    ("risk", "rba"),
];

/// Checks that `s` is a registered authentication method, such as `"hwk"`.
///
/// # Errors
///
/// [`EmptyAmr`](SpecErrorKind::EmptyAmr) or [`UnknownAmr`](SpecErrorKind::UnknownAmr) (with
/// the nearest method, when one is near), spanning the whole input.
pub fn parse_amr(s: &str) -> Result<(), SpecError> {
    check_amr(s).map_err(|fault| fault.into_error(|e| METHODS.contains(&e)))
}

fn check_amr(s: &str) -> Result<(), Fault> {
    let list = METHODS.join(", ");
    if s.is_empty() {
        return Err(Fault::new(
            SpecErrorKind::EmptyAmr,
            0..0,
            format!("empty authentication method: name one of RFC 8176's methods: {list}"),
            FALLBACK,
        ));
    }
    if METHODS.contains(&s) {
        return Ok(());
    }
    let near = nearest(s);
    let hint = near.map_or(String::new(), |m| format!(" (did you mean `{m}`?)"));
    let fault = Fault::new(
        SpecErrorKind::UnknownAmr,
        0..s.len(),
        format!(
            "unknown authentication method {s:?}{hint}: `amr` takes the methods of RFC 8176's \
             registry: {list}"
        ),
        FALLBACK,
    );
    Err(match near {
        Some(m) => fault.suggest(m.to_owned()),
        None => fault,
    })
}

/// The method an unknown word most likely meant: the same in lowercase, a known alias, the
/// same letters in another order, or one edit away.
fn nearest(word: &str) -> Option<&'static str> {
    let lower = word.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    let sorted = |s: &str| {
        let mut chars: Vec<char> = s.chars().collect();
        chars.sort_unstable();
        chars
    };
    METHODS
        .iter()
        .find(|m| **m == lower)
        .copied()
        .or_else(|| ALIASES.iter().find(|(a, _)| *a == lower).map(|(_, m)| *m))
        .or_else(|| {
            METHODS
                .iter()
                .find(|m| sorted(m) == sorted(&lower))
                .copied()
        })
        .or_else(|| crate::closest(&lower, METHODS))
}

/// Checks a list of required methods: each registered, none twice. Returns every error with
/// the index of the value it belongs to.
///
/// # Errors
///
/// The errors of [`parse_amr`], and [`DuplicateAmr`](SpecErrorKind::DuplicateAmr).
pub fn parse_amr_list<S: AsRef<str>>(values: &[S]) -> Result<(), Vec<(usize, SpecError)>> {
    crate::check_list(
        values,
        |value| parse_amr(value).map(|_| ()),
        |value| SpecError {
            span: 0..value.len(),
            kind: SpecErrorKind::DuplicateAmr,
            message: format!(
                "duplicate authentication method {value:?}: list each method once; \
                 write e.g. [\"pwd\", \"otp\"]"
            ),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use SpecErrorKind::*;

    #[test]
    fn every_registered_method_is_taken() {
        assert_eq!(METHODS.len(), 21);
        for m in METHODS {
            assert!(parse_amr(m).is_ok(), "{m}");
        }
        assert!(parse_amr_list(METHODS).is_ok());
    }

    #[track_caller]
    fn unknown(s: &str, near: Option<&str>) {
        let e = parse_amr(s).unwrap_err();
        assert_eq!((e.kind, e.span.clone()), (UnknownAmr, 0..s.len()), "{s:?}");
        assert!(e.message.contains("fpt, geo, hwk"), "{}", e.message);
        match near {
            Some(m) => {
                assert!(
                    e.message.contains(&format!("(did you mean `{m}`?)")),
                    "{s:?}: {}",
                    e.message
                );
                assert!(
                    e.message.ends_with(&format!("write e.g. {m:?}")),
                    "{}",
                    e.message
                );
            }
            None => {
                assert!(!e.message.contains("did you mean"), "{s:?}: {}", e.message);
                assert!(e.message.ends_with("write e.g. \"hwk\""), "{}", e.message);
            }
        }
    }

    #[test]
    fn unknown_methods_say_which_was_meant() {
        unknown("HWK", Some("hwk"));
        unknown("hwkk", Some("hwk"));
        unknown("hkw", Some("hwk"));
        unknown("totp", Some("otp"));
        unknown("Password", Some("pwd"));
        unknown("WebAuthn", Some("hwk"));
        unknown("retnia", Some("retina"));
        unknown("fingerprint", Some("fpt"));
        unknown("usr", Some("user"));
        unknown("magic-link", None);
        unknown("urn:example:otp", None);
    }

    #[test]
    fn empty_and_duplicate_methods() {
        let e = parse_amr("").unwrap_err();
        assert_eq!((e.kind, e.span), (EmptyAmr, 0..0));
        assert!(e.message.ends_with("write e.g. \"hwk\""), "{}", e.message);
        let errors = parse_amr_list(&["pwd", "otp", "pwd", "totp"]).unwrap_err();
        let kinds: Vec<_> = errors.iter().map(|(i, e)| (*i, e.kind)).collect();
        assert_eq!(kinds, [(2, DuplicateAmr), (3, UnknownAmr)]);
        assert!(
            errors[0]
                .1
                .message
                .starts_with("duplicate authentication method \"pwd\"")
        );
    }
}
