//! The error type shared by every parser in this crate.

use core::ops::Range;
use std::fmt;

/// An error found while parsing a scope pattern, rate spec, rate key or route.
///
/// `span` is a byte range inside the string that was parsed. It always lies
/// on `char` boundaries, and it is non-empty whenever the input is non-empty,
/// so a proc-macro can map it onto the span of the string literal the
/// developer wrote. `message` states the broken rule and gives a valid
/// example; it is what [`Display`](fmt::Display) prints.
///
/// ```
/// use authx_spec::{ScopePattern, SpecErrorKind};
///
/// let err = ScopePattern::parse("admin::x").unwrap_err();
/// assert_eq!(err.kind, SpecErrorKind::EmptySegment);
/// assert_eq!(err.span, 5..7); // the "::"
/// assert_eq!(
///     err.to_string(),
///     r#"empty segment in scope "admin::x": segments between ':' must not be empty; write e.g. "admin:x""#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Byte range of the offending part of the input.
    pub span: Range<usize>,
    /// What went wrong, for programmatic matching.
    pub kind: SpecErrorKind,
    /// Human-readable message: the rule that was broken and a valid example.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SpecError {}

/// The kind of a [`SpecError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpecErrorKind {
    // ----- scopes -----
    /// The scope pattern is the empty string.
    EmptyScope,
    /// A scope contains a character other than ASCII letters, digits, `_`,
    /// `-`, `.`, the `:` separator and a final `*`.
    BadCharacter,
    /// A scope has an empty segment (`admin::x`, `:admin`, `admin:`).
    EmptySegment,
    /// A `*` segment is followed by more segments (`*:read`, `a:*:b`).
    WildcardNotLast,
    /// A segment made of several `*` (`**`, `admin:**`).
    DoubleWildcard,
    /// A segment mixing `*` with other characters (`adm*`, `admin:us*`).
    PartialWildcard,
    /// The same scope appears twice in a list.
    DuplicateScope,

    // ----- rates -----
    /// The rate spec is the empty string.
    EmptyRate,
    /// The rate spec has no `/` between count and window.
    MissingSlash,
    /// The count is not a decimal number.
    BadCount,
    /// The count is zero.
    ZeroCount,
    /// The count does not fit in a `u32`.
    CountOverflow,
    /// The window is empty or malformed.
    BadWindow,
    /// The window length is zero.
    ZeroWindow,
    /// The window unit is missing or unknown.
    UnknownUnit,
    /// The window does not fit in a `u64` number of milliseconds.
    WindowOverflow,

    // ----- step-up (max_age, acr, amr) -----
    /// The max age is the empty string.
    EmptyDuration,
    /// The max age is malformed, in milliseconds, or too long.
    BadDuration,
    /// The max age is zero.
    ZeroDuration,
    /// An acr value is the empty string.
    EmptyAcr,
    /// An acr value contains a space, `"`, `\` or a character outside visible ASCII.
    BadAcrCharacter,
    /// The same acr value appears twice in a list.
    DuplicateAcr,
    /// An acr value is not one of those the crate declares (`[package.metadata.authx]
    /// acr-values`, or `AUTHX_ACR_VALUES`).
    UndeclaredAcr,
    /// A required authentication method (`amr`) is the empty string.
    EmptyAmr,
    /// A required authentication method is not one of RFC 8176's registered values.
    UnknownAmr,
    /// The same authentication method appears twice in a list.
    DuplicateAmr,

    // ----- credentials -----
    /// The credentials spec, or a kind between `|` separators, is empty.
    EmptyCredentials,
    /// A credential kind is neither `bearer` nor `api_key`.
    UnknownCredential,
    /// The same credential kind appears twice.
    DuplicateCredential,

    // ----- rate keys -----
    /// The rate key is none of `ip`, `subject` and `api_key`.
    UnknownRateKey,

    // ----- routes -----
    /// The route is empty (or only whitespace).
    EmptyRoute,
    /// The route does not start with an HTTP method.
    MissingMethod,
    /// The HTTP method is not one of the known uppercase methods.
    UnknownMethod,
    /// Nothing follows the method.
    MissingPath,
    /// The path is malformed.
    BadPath,
}

/// An error found by a module's checker, before its example is validated.
///
/// Checkers build the message's rule part and propose an example derived from
/// the input; [`Fault::into_error`] keeps the proposal only if it is itself
/// valid, and falls back to a fixed valid example otherwise. Keeping that
/// validation outside the checkers means there is no recursion.
pub(crate) struct Fault {
    pub(crate) kind: SpecErrorKind,
    pub(crate) span: Range<usize>,
    /// The message without the trailing example.
    pub(crate) rule: String,
    /// A suggested valid input, derived from the bad one.
    pub(crate) example: Option<String>,
    /// A valid example to use when `example` is absent or invalid.
    pub(crate) fallback: &'static str,
}

impl Fault {
    pub(crate) fn new(
        kind: SpecErrorKind,
        span: Range<usize>,
        rule: String,
        fallback: &'static str,
    ) -> Fault {
        Fault {
            kind,
            span,
            rule,
            example: None,
            fallback,
        }
    }

    pub(crate) fn suggest(mut self, example: String) -> Fault {
        self.example = Some(example);
        self
    }

    /// Finish the error; `is_valid` decides whether the suggested example is used.
    pub(crate) fn into_error(self, is_valid: impl Fn(&str) -> bool) -> SpecError {
        let example = match self.example {
            Some(e) if is_valid(&e) => e,
            _ => self.fallback.to_owned(),
        };
        SpecError {
            span: self.span,
            kind: self.kind,
            message: format!("{}; write e.g. {example:?}", self.rule),
        }
    }
}

/// Describe a character for a message: `'$'`, or `'é' (U+00E9)` when not ASCII.
pub(crate) fn describe_char(c: char) -> String {
    if c.is_ascii() {
        format!("{c:?}")
    } else {
        format!("{c:?} (U+{:04X})", u32::from(c))
    }
}

/// The first char of `s[at..]`, with its byte range (an empty range at `at`
/// if there is no char there).
pub(crate) fn char_at(s: &str, at: usize) -> (char, Range<usize>) {
    match s.get(at..).and_then(|rest| rest.chars().next()) {
        Some(c) => (c, at..at + c.len_utf8()),
        None => ('\u{FFFD}', at..at),
    }
}
