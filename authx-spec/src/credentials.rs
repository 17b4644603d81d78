//! The kinds of credential a route takes: `#[protect(credentials = "bearer | api_key")]`.
//!
//! # Grammar
//!
//! One or more kinds separated by `|`, with optional spaces around each: `bearer` (a JWT
//! bearer token) or `api_key` (an API key). Each kind at most once.
//!
//! ```
//! use authx_spec::{CredentialKinds, SpecErrorKind};
//!
//! let both = CredentialKinds::parse("bearer | api_key")?;
//! assert!(both.bearer && both.api_key);
//! assert_eq!(both.to_string(), "bearer | api_key");
//! assert!(!CredentialKinds::parse("api_key")?.bearer);
//!
//! let err = CredentialKinds::parse("bearer | apikey").unwrap_err();
//! assert_eq!(err.kind, SpecErrorKind::UnknownCredential);
//! assert_eq!(&"bearer | apikey"[err.span.clone()], "apikey");
//! assert!(err.message.ends_with(r#"write e.g. "bearer | api_key""#));
//! # Ok::<(), authx_spec::SpecError>(())
//! ```

use std::fmt;

use crate::error::{SpecError, SpecErrorKind};

/// The kinds a route takes, as parsed from a credentials spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CredentialKinds {
    /// Bearer tokens (`bearer`).
    pub bearer: bool,
    /// API keys (`api_key`).
    pub api_key: bool,
}

impl CredentialKinds {
    /// Parses a credentials spec such as `"bearer | api_key"`.
    ///
    /// # Errors
    ///
    /// [`EmptyCredentials`](SpecErrorKind::EmptyCredentials) for an empty spec or an empty
    /// kind between separators, [`UnknownCredential`](SpecErrorKind::UnknownCredential) and
    /// [`DuplicateCredential`](SpecErrorKind::DuplicateCredential), with the span of the
    /// offending part.
    pub fn parse(s: &str) -> Result<CredentialKinds, SpecError> {
        let mut kinds = CredentialKinds::default();
        let mut start = 0;
        for part in s.split('|') {
            let end = start + part.len();
            let lead = part.len() - part.trim_start().len();
            let word = part.trim();
            let span = if word.is_empty() {
                // The separator next to the empty kind, or the whole (blank) input.
                if end < s.len() {
                    end..end + 1
                } else if start > 0 {
                    start - 1..start
                } else {
                    0..s.len()
                }
            } else {
                start + lead..start + lead + word.len()
            };
            let seen = match word {
                "bearer" => std::mem::replace(&mut kinds.bearer, true),
                "api_key" => std::mem::replace(&mut kinds.api_key, true),
                "" => {
                    return Err(error(
                        SpecErrorKind::EmptyCredentials,
                        span,
                        format!(
                            "empty credential kind in {s:?}: name `bearer`, `api_key` or both, separated by `|`"
                        ),
                    ));
                }
                other => {
                    return Err(error(
                        SpecErrorKind::UnknownCredential,
                        span,
                        format!(
                            "unknown credential kind {other:?} in {s:?}{}: the kinds are `bearer` \
                             (a bearer token) and `api_key` (an API key)",
                            guess(other)
                                .map_or(String::new(), |g| format!(" (did you mean `{g}`?)"))
                        ),
                    ));
                }
            };
            if seen {
                return Err(error(
                    SpecErrorKind::DuplicateCredential,
                    span,
                    format!("credential kind `{word}` named twice in {s:?}: name each kind once"),
                ));
            }
            start = end + 1;
        }
        Ok(kinds)
    }
}

/// The kind an unknown word most likely meant.
fn guess(word: &str) -> Option<&'static str> {
    let w = word.to_ascii_lowercase().replace(['-', ' '], "_");
    match w.as_str() {
        "bearer" | "jwt" | "token" | "bearer_token" | "access" | "access_token" => Some("bearer"),
        "api_key" | "apikey" | "api_keys" | "key" | "x_api_key" | "apitoken" | "api_token" => {
            Some("api_key")
        }
        _ => None,
    }
}

fn error(kind: SpecErrorKind, span: std::ops::Range<usize>, rule: String) -> SpecError {
    SpecError {
        span,
        kind,
        message: format!("{rule}; write e.g. \"bearer | api_key\""),
    }
}

/// As the attribute writes it: `bearer`, `api_key` or `bearer | api_key`.
impl fmt::Display for CredentialKinds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.bearer, self.api_key) {
            (true, true) => f.write_str("bearer | api_key"),
            (true, false) => f.write_str("bearer"),
            (false, true) => f.write_str("api_key"),
            (false, false) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> (SpecErrorKind, &str) {
        let e = CredentialKinds::parse(s).unwrap_err();
        (e.kind, &s[e.span])
    }

    #[test]
    fn reads_each_kind_once_with_any_spacing() {
        for s in ["bearer|api_key", "  api_key |bearer ", "bearer | api_key"] {
            assert_eq!(
                CredentialKinds::parse(s).unwrap(),
                CredentialKinds {
                    bearer: true,
                    api_key: true
                }
            );
        }
        assert_eq!(
            CredentialKinds::parse("bearer").unwrap(),
            CredentialKinds {
                bearer: true,
                api_key: false
            }
        );
    }

    #[test]
    fn errors_point_at_the_offending_part() {
        use SpecErrorKind::*;
        assert_eq!(err("bearer | jwt"), (UnknownCredential, "jwt"));
        assert_eq!(
            err("bearer | api_key | bearer"),
            (DuplicateCredential, "bearer")
        );
        assert_eq!(err("bearer |"), (EmptyCredentials, "|"));
        assert_eq!(err("| api_key"), (EmptyCredentials, "|"));
        assert_eq!(err("bearer || api_key"), (EmptyCredentials, "|"));
        assert_eq!(err("  "), (EmptyCredentials, "  "));
        let e = CredentialKinds::parse("").unwrap_err();
        assert_eq!((e.kind, e.span), (EmptyCredentials, 0..0));
        let m = CredentialKinds::parse("bearer | apikey")
            .unwrap_err()
            .message;
        assert!(m.contains("did you mean `api_key`"), "{m}");
    }
}
