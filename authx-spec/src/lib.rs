//! The grammar of authx scope patterns, rate specs, routes and step-up requirements (`max_age`,
//! `acr`, and the RFC 8176 authentication methods of `amr`).
//!
//! These strings are written in attributes such as
//! `#[protect(scopes = "admin:*", rate = "10/60s", route = "GET /users/{id}")]`.
//! The `authx-macros` proc-macro validates them at compile time and the
//! `authx` runtime parses them (and the scopes found in tokens) at run time,
//! both with the code in this crate, so the two can never disagree. The crate
//! has no dependencies, and its errors are plain values: a byte range inside
//! the parsed string plus a message stating the broken rule and a valid
//! example.
//!
//! ```
//! use std::time::Duration;
//! use authx_spec::scope::{covers, satisfies};
//! use authx_spec::{RateSpec, RouteSpec, ScopeMode, ScopePattern, SpecErrorKind};
//!
//! // What a handler requires...
//! let required = ScopePattern::parse("admin:users:read")?;
//! // ...and what a token grants (untrusted strings).
//! let granted = ["users:read", "admin:*"];
//! assert!(required.is_granted_by(&granted));
//! assert!(covers("admin:*", "admin:users"));
//! assert!(!covers("admin:users", "admin:*"));
//! assert!(satisfies(&granted, &["users:read", "admin"], ScopeMode::All));
//!
//! let rate: RateSpec = "10/1m".parse()?;
//! assert_eq!((rate.count, rate.window), (10, Duration::from_secs(60)));
//! assert_eq!(rate.to_string(), "10/60s");
//!
//! let route = RouteSpec::parse("GET /users/{id}")?;
//! assert_eq!(route.method, "GET");
//!
//! // Errors point into the input and say how to fix it.
//! let err = ScopePattern::parse("admin::x").unwrap_err();
//! assert_eq!(err.kind, SpecErrorKind::EmptySegment);
//! assert_eq!(&"admin::x"[err.span.clone()], "::");
//! assert!(err.message.ends_with(r#"write e.g. "admin:x""#));
//! # Ok::<(), authx_spec::SpecError>(())
//! ```
#![deny(missing_docs, unsafe_code)]

pub mod amr;
pub mod cedar_schema;
pub mod credentials;
mod error;
pub mod rate;
pub mod route;
pub mod scope;
pub mod step_up;

pub use credentials::CredentialKinds;
pub use error::{SpecError, SpecErrorKind};
pub use rate::{RateKey, RateSpec};
pub use route::RouteSpec;
pub use scope::{ScopeMode, ScopePattern};

/// Levenshtein distance between `a` and `b`, by characters: how "did you mean" hints (here and
/// in `authx-macros`) pick the nearest known name.
///
/// ```
/// assert_eq!(authx_spec::edit_distance("scopse", "scopes"), 2);
/// ```
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// Checks a list: each value with `parse_one`, and none twice (`duplicate` says how to report
/// a repeat). Every error comes with the index of the value it belongs to.
pub(crate) fn check_list<S: AsRef<str>>(
    values: &[S],
    parse_one: impl Fn(&str) -> Result<(), SpecError>,
    duplicate: impl Fn(&str) -> SpecError,
) -> Result<(), Vec<(usize, SpecError)>> {
    let mut errors = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let value = value.as_ref();
        if let Err(e) = parse_one(value) {
            errors.push((i, e));
        } else if values[..i].iter().any(|v| v.as_ref() == value) {
            errors.push((i, duplicate(value)));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The candidate nearest to `word` (by [`edit_distance`], at most one edit per three
/// characters of `word`, and at least one), for "did you mean" hints.
pub(crate) fn closest<'a, S: AsRef<str>>(word: &str, candidates: &'a [S]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c.as_ref()), c.as_ref()))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
