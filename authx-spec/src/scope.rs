//! Scope patterns (what a handler requires) and scope matching (what a token grants).
//!
//! # Grammar of a pattern
//!
//! A pattern is one or more *segments* separated by `:`. A segment is one or
//! more ASCII letters, digits, `_`, `-` or `.`; the **last** segment alone may
//! instead be `*`. So `*`, `admin:*`, `users:read` and `admin:users:read` are
//! valid patterns, while `admin::x`, `*:read`, `admin:**` and `adm*` are not.
//!
//! # Matching
//!
//! [`covers`] decides whether one *granted* scope (taken from a token, so
//! untrusted) covers one *required* scope, with the same rules as Python
//! AuthX plus a global `*`:
//!
//! - equal strings cover each other;
//! - a granted `*` covers everything;
//! - a granted `prefix:*` covers `prefix` itself and everything starting with
//!   `prefix:` (including `prefix:*` and `prefix:x:*`);
//! - nothing else covers anything. In particular a granted `admin:users` does
//!   **not** cover a required `admin:*`, and a granted `admin` does not cover
//!   `admin:users`.
//!
//! ```
//! use authx_spec::scope::{covers, satisfies, ScopeMode};
//!
//! assert!(covers("admin:*", "admin:users:read"));
//! assert!(covers("admin:*", "admin"));
//! assert!(!covers("admin:*", "administrator"));
//! assert!(!covers("admin:users", "admin:*"));
//!
//! let granted = ["users:read", "billing:*"];
//! assert!(satisfies(&granted, &["users:read", "billing:invoices"], ScopeMode::All));
//! assert!(!satisfies(&granted, &["users:read", "users:write"], ScopeMode::All));
//! assert!(satisfies(&granted, &["users:read", "users:write"], ScopeMode::Any));
//! ```

use std::fmt;
use std::str::FromStr;

use crate::error::{Fault, SpecError, SpecErrorKind, char_at, describe_char};

/// The example used when no better one can be derived from the input.
const FALLBACK: &str = "admin:users";

/// A validated scope pattern, such as `users:read` or `admin:*`.
///
/// ```
/// use authx_spec::ScopePattern;
///
/// let p: ScopePattern = "admin:*".parse().unwrap();
/// assert!(p.is_wildcard());
/// assert_eq!(p.to_string(), "admin:*");
/// assert!(p.is_granted_by(&["*"]));
/// assert!(!p.is_granted_by(&["admin:users"]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScopePattern {
    pattern: String,
}

impl ScopePattern {
    /// Parse and validate a scope pattern.
    ///
    /// # Errors
    ///
    /// [`EmptyScope`](SpecErrorKind::EmptyScope),
    /// [`BadCharacter`](SpecErrorKind::BadCharacter),
    /// [`EmptySegment`](SpecErrorKind::EmptySegment),
    /// [`WildcardNotLast`](SpecErrorKind::WildcardNotLast),
    /// [`DoubleWildcard`](SpecErrorKind::DoubleWildcard) or
    /// [`PartialWildcard`](SpecErrorKind::PartialWildcard), with the span of
    /// the offending character, segment or separator.
    pub fn parse(s: &str) -> Result<ScopePattern, SpecError> {
        match check(s) {
            Ok(()) => Ok(ScopePattern {
                pattern: s.to_owned(),
            }),
            Err(fault) => Err(fault.into_error(|e| check(e).is_ok())),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Does the pattern end with the `*` wildcard (`*`, `admin:*`)?
    pub fn is_wildcard(&self) -> bool {
        self.pattern.ends_with('*')
    }

    /// Is this pattern (a required scope) covered by one of the `granted`
    /// scopes? See [`covers`].
    pub fn is_granted_by<S: AsRef<str>>(&self, granted: &[S]) -> bool {
        granted.iter().any(|g| covers(g.as_ref(), &self.pattern))
    }
}

impl FromStr for ScopePattern {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScopePattern::parse(s)
    }
}

impl fmt::Display for ScopePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

impl AsRef<str> for ScopePattern {
    fn as_ref(&self) -> &str {
        &self.pattern
    }
}

/// Parse a list of patterns, reporting **every** error.
///
/// Each bad item yields one `(index, error)`; an item equal to an earlier
/// valid one yields a [`DuplicateScope`](SpecErrorKind::DuplicateScope)
/// error spanning the whole item. The `usize` is the item's index in `items`.
///
/// ```
/// use authx_spec::scope::parse_list;
/// use authx_spec::SpecErrorKind;
///
/// assert_eq!(parse_list(&["users:read", "admin:*"]).unwrap().len(), 2);
///
/// let errors = parse_list(&["a::b", "ok", "ok", "x*"]).unwrap_err();
/// let kinds: Vec<_> = errors.iter().map(|(i, e)| (*i, e.kind)).collect();
/// assert_eq!(kinds, [
///     (0, SpecErrorKind::EmptySegment),
///     (2, SpecErrorKind::DuplicateScope),
///     (3, SpecErrorKind::PartialWildcard),
/// ]);
/// ```
pub fn parse_list<S: AsRef<str>>(
    items: &[S],
) -> Result<Vec<ScopePattern>, Vec<(usize, SpecError)>> {
    let mut patterns: Vec<ScopePattern> = Vec::with_capacity(items.len());
    let mut first_index: Vec<usize> = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item = item.as_ref();
        match ScopePattern::parse(item) {
            Err(e) => errors.push((index, e)),
            Ok(p) => match patterns.iter().position(|q| q == &p) {
                Some(pos) => {
                    let first = first_index[pos];
                    errors.push((
                        index,
                        SpecError {
                            span: 0..item.len(),
                            kind: SpecErrorKind::DuplicateScope,
                            message: format!(
                                "duplicate scope {item:?} (item {index} repeats item {first}): \
                                 list each scope once; write e.g. {item:?} once, not twice"
                            ),
                        },
                    ));
                }
                None => {
                    patterns.push(p);
                    first_index.push(index);
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(patterns)
    } else {
        Err(errors)
    }
}

/// Does the `granted` scope (from a token) cover the `required` scope?
///
/// Works on untrusted strings: it never allocates and never panics, whatever
/// the input (empty strings, `**`, non-ASCII...). See the [module
/// docs](self) for the rules.
///
/// ```
/// use authx_spec::scope::covers;
///
/// assert!(covers("users:read", "users:read"));
/// assert!(covers("*", "anything:at:all"));
/// assert!(covers("admin:*", "admin:users:*"));
/// assert!(!covers("admin:*", "adminx:y"));
/// assert!(!covers("admin", "admin:users"));
/// ```
pub fn covers(granted: &str, required: &str) -> bool {
    if granted == required || granted == "*" {
        return true;
    }
    // `admin:*` -> prefix `admin:`; the suffix is ASCII so slicing is safe.
    match granted.strip_suffix('*') {
        Some(prefix) if prefix.ends_with(':') => {
            required.starts_with(prefix) || prefix.strip_suffix(':') == Some(required)
        }
        _ => false,
    }
}

/// How several required scopes combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScopeMode {
    /// Every required scope must be covered.
    #[default]
    All,
    /// At least one required scope must be covered.
    Any,
}

/// Are `required` scopes covered by `granted` ones, all of them or any of
/// them depending on `mode`? An empty `required` is always satisfied, in
/// both modes.
///
/// ```
/// use authx_spec::scope::{satisfies, ScopeMode};
///
/// let none: [&str; 0] = [];
/// assert!(satisfies(&none, &none, ScopeMode::Any));
/// assert!(satisfies(&["admin:*"], &["admin:a", "admin:b"], ScopeMode::All));
/// ```
pub fn satisfies<G: AsRef<str>, R: AsRef<str>>(
    granted: &[G],
    required: &[R],
    mode: ScopeMode,
) -> bool {
    if required.is_empty() {
        return true;
    }
    let covered = |r: &R| granted.iter().any(|g| covers(g.as_ref(), r.as_ref()));
    match mode {
        ScopeMode::All => required.iter().all(covered),
        ScopeMode::Any => required.iter().any(covered),
    }
}

/// Split an OAuth2-style scope string (`"a b  c"`) into its non-empty scopes.
///
/// Scopes are separated by runs of ASCII whitespace.
///
/// ```
/// use authx_spec::scope::split_scope_string;
///
/// let scopes: Vec<&str> = split_scope_string(" users:read  admin:* ").collect();
/// assert_eq!(scopes, ["users:read", "admin:*"]);
/// ```
pub fn split_scope_string(s: &str) -> impl Iterator<Item = &str> {
    s.split_ascii_whitespace()
}

fn is_segment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// `(start offset, segment, is_last)` for each `:`-separated segment.
fn segments(s: &str) -> impl Iterator<Item = (usize, &str, bool)> {
    let count = s.split(':').count();
    let mut start = 0;
    s.split(':').enumerate().map(move |(i, seg)| {
        let item = (start, seg, i + 1 == count);
        start += seg.len() + 1;
        item
    })
}

/// Rebuild `s` with segment `index` replaced by `with` (`None` drops it).
fn replace_segment(s: &str, index: usize, with: Option<&str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for (i, (_, seg, _)) in segments(s).enumerate() {
        if i == index {
            if let Some(w) = with {
                out.push(w);
            }
        } else {
            out.push(seg);
        }
    }
    out.join(":")
}

fn check(s: &str) -> Result<(), Fault> {
    use SpecErrorKind::*;
    if s.is_empty() {
        return Err(Fault::new(
            EmptyScope,
            0..0,
            "empty scope: a scope is one or more segments separated by ':'".to_owned(),
            "users:read",
        ));
    }
    for (index, (start, seg, last)) in segments(s).enumerate() {
        let end = start + seg.len();
        if seg.is_empty() {
            // Point at the separator(s) around the empty segment.
            let lo = start.saturating_sub(1);
            let hi = if last { end } else { end + 1 };
            let cleaned: Vec<&str> = s.split(':').filter(|x| !x.is_empty()).collect();
            return Err(Fault::new(
                EmptySegment,
                lo..hi,
                format!("empty segment in scope {s:?}: segments between ':' must not be empty"),
                FALLBACK,
            )
            .suggest(cleaned.join(":")));
        }
        if let Some(pos) = seg.find(|c: char| c != '*' && !is_segment_char(c)) {
            let (c, span) = char_at(s, start + pos);
            let hint = if c.is_whitespace() {
                " (to require several scopes, list each one as its own item)"
            } else {
                ""
            };
            return Err(Fault::new(
                BadCharacter,
                span,
                format!(
                    "invalid character {} in scope {s:?}: segments may contain only ASCII \
                     letters, digits, '_', '-' and '.', separated by ':'{hint}",
                    describe_char(c)
                ),
                FALLBACK,
            ));
        }
        if seg == "*" {
            if !last {
                let fault = Fault::new(
                    WildcardNotLast,
                    start..end,
                    format!("misplaced wildcard in scope {s:?}: '*' may only be the last segment"),
                    "admin:*",
                );
                // Cut after the `*`, unless that leaves the bare global wildcard.
                return Err(if start > 0 {
                    fault.suggest(s[..end].to_owned())
                } else {
                    fault
                });
            }
        } else if seg.bytes().all(|b| b == b'*') {
            return Err(Fault::new(
                DoubleWildcard,
                start..end,
                format!(
                    "repeated wildcard {seg:?} in scope {s:?}: a wildcard is a single '*' \
                     and already matches every deeper segment"
                ),
                "admin:*",
            )
            .suggest(replace_segment(s, index, Some("*"))));
        } else if seg.contains('*') {
            let stem = seg.replace('*', "");
            return Err(Fault::new(
                PartialWildcard,
                start..end,
                format!(
                    "partial wildcard {seg:?} in scope {s:?}: '*' must be a whole segment \
                     on its own, after a ':'"
                ),
                "admin:*",
            )
            .suggest(replace_segment(s, index, Some(&format!("{stem}:*")))));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use SpecErrorKind::*;

    #[test]
    fn valid_patterns() {
        for p in [
            "*",
            "admin:*",
            "users:read",
            "admin:users:read",
            "a",
            "A-b_c.d:9",
            "x:y:z:*",
        ] {
            let parsed = ScopePattern::parse(p).unwrap();
            assert_eq!(parsed.as_str(), p);
            assert_eq!(parsed.to_string(), p);
            assert_eq!(parsed.is_wildcard(), p.ends_with('*'));
            assert_eq!(p.parse::<ScopePattern>().unwrap(), parsed);
        }
    }

    #[track_caller]
    fn err(s: &str, kind: SpecErrorKind, span: core::ops::Range<usize>) -> SpecError {
        let e = ScopePattern::parse(s).unwrap_err();
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
        err("", EmptyScope, 0..0);
        let e = err("admin users", BadCharacter, 5..6);
        assert!(e.message.contains("' '"), "{}", e.message);
        let e = err("admin$", BadCharacter, 5..6);
        assert!(e.message.contains("'$'"), "{}", e.message);
        let e = err("café:x", BadCharacter, 3..5);
        assert!(e.message.contains("'é' (U+00E9)"), "{}", e.message);
        err("a:b/c", BadCharacter, 3..4);
        err("admin::x", EmptySegment, 5..7);
        err(":admin", EmptySegment, 0..1);
        err("admin:", EmptySegment, 5..6);
        err(":", EmptySegment, 0..1);
        err("*:read", WildcardNotLast, 0..1);
        err("a:*:b", WildcardNotLast, 2..3);
        err("**", DoubleWildcard, 0..2);
        err("admin:**", DoubleWildcard, 6..8);
        err("adm*", PartialWildcard, 0..4);
        err("admin:us*", PartialWildcard, 6..9);
        err("*adm", PartialWildcard, 0..4);
    }

    #[test]
    fn messages_state_rule_and_example() {
        let e = ScopePattern::parse("admin::x").unwrap_err();
        assert_eq!(
            e.message,
            "empty segment in scope \"admin::x\": segments between ':' must not be empty; \
             write e.g. \"admin:x\""
        );
        assert_eq!(e.to_string(), e.message);
        let e = ScopePattern::parse("a:*:b").unwrap_err();
        assert!(e.message.ends_with("write e.g. \"a:*\""), "{}", e.message);
        let e = ScopePattern::parse("admin:**").unwrap_err();
        assert!(
            e.message.ends_with("write e.g. \"admin:*\""),
            "{}",
            e.message
        );
        let e = ScopePattern::parse("admin:us*").unwrap_err();
        assert!(
            e.message.ends_with("write e.g. \"admin:us:*\""),
            "{}",
            e.message
        );
        // A suggestion that would itself be invalid falls back to a fixed example.
        let e = ScopePattern::parse("::").unwrap_err();
        assert!(
            e.message.ends_with("write e.g. \"admin:users\""),
            "{}",
            e.message
        );
    }

    #[test]
    fn parse_list_reports_everything() {
        assert_eq!(parse_list::<&str>(&[]).unwrap(), vec![]);
        let ok = parse_list(&["a", "b:*"]).unwrap();
        assert_eq!(ok[1].as_str(), "b:*");
        let errs = parse_list(&[
            "a".to_owned(),
            "".to_owned(),
            "a".to_owned(),
            "b".to_owned(),
            "a".to_owned(),
            "b:**".to_owned(),
        ])
        .unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|(i, e)| (*i, e.kind, e.span.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (1, EmptyScope, 0..0),
                (2, DuplicateScope, 0..1),
                (4, DuplicateScope, 0..1),
                (5, DoubleWildcard, 2..4),
            ]
        );
        assert!(
            errs[1].1.message.contains("item 2 repeats item 0"),
            "{}",
            errs[1].1.message
        );
        assert!(errs[1].1.message.contains("write e.g."));
    }

    #[test]
    fn covers_table() {
        // (granted, required, expected)
        let table: &[(&str, &str, bool)] = &[
            // exact equality
            ("users:read", "users:read", true),
            ("admin", "admin", true),
            ("", "", true),
            ("**", "**", true),
            // global wildcard
            ("*", "admin", true),
            ("*", "admin:users:read", true),
            ("*", "*", true),
            ("*", "admin:*", true),
            ("*", "", true),
            // prefix wildcard
            ("admin:*", "admin", true),
            ("admin:*", "admin:users", true),
            ("admin:*", "admin:users:read", true),
            ("admin:*", "admin:*", true),
            ("admin:*", "admin:users:*", true),
            ("admin:users:*", "admin:users:read", true),
            ("admin:users:*", "admin:users", true),
            ("admin:*", "administrator", false),
            ("admin:*", "adminx:y", false),
            ("admin:*", "admi", false),
            ("admin:*", "", false),
            ("admin:users:*", "admin", false),
            ("admin:users:*", "admin:*", false),
            ("admin:users:*", "admin:other", false),
            // least privilege: specific does not cover wildcard
            ("admin:users", "admin:*", false),
            ("admin", "admin:*", false),
            ("admin", "*", false),
            // no implicit hierarchy without a wildcard
            ("admin", "admin:users", false),
            ("users:write", "users:read", false),
            // not a wildcard: `*` must follow `:`
            ("admin*", "admin:users", false),
            ("admin*", "adminx", false),
            ("**", "x", false),
            ("", "x", false),
            // garbage does not panic
            ("é:*", "é:ü", true),
            (":*", ":x", true),
            (":*", "", true),
            ("ü", "é", false),
        ];
        for &(g, r, want) in table {
            assert_eq!(covers(g, r), want, "covers({g:?}, {r:?})");
        }
    }

    #[test]
    fn satisfies_rules() {
        let none: [&str; 0] = [];
        for mode in [ScopeMode::All, ScopeMode::Any] {
            assert!(satisfies(&none, &none, mode), "{mode:?}");
            assert!(satisfies(&["x"], &none, mode), "{mode:?}");
            assert!(!satisfies(&none, &["x"], mode), "{mode:?}");
        }
        let granted = ["users:read", "billing:*"];
        let all = ScopeMode::All;
        let any = ScopeMode::Any;
        assert!(satisfies(&granted, &["users:read"], all));
        assert!(satisfies(&granted, &["users:read", "billing:x"], all));
        assert!(!satisfies(&granted, &["users:read", "users:write"], all));
        assert!(satisfies(&granted, &["users:read", "users:write"], any));
        assert!(!satisfies(&granted, &["users:write", "admin"], any));
        assert_eq!(ScopeMode::default(), ScopeMode::All);

        let p = ScopePattern::parse("billing:invoices").unwrap();
        assert!(p.is_granted_by(&granted));
        assert!(
            !ScopePattern::parse("users:*")
                .unwrap()
                .is_granted_by(&granted)
        );
        let empty: [String; 0] = [];
        assert!(!p.is_granted_by(&empty));
        // ScopePattern can itself be used as the required list.
        let required = parse_list(&["users:read", "billing:x"]).unwrap();
        assert!(satisfies(&granted, &required, all));
    }

    #[test]
    fn split_scope_strings() {
        let v: Vec<&str> = split_scope_string("a b  c").collect();
        assert_eq!(v, ["a", "b", "c"]);
        assert_eq!(split_scope_string("").count(), 0);
        assert_eq!(split_scope_string("   ").count(), 0);
        let v: Vec<&str> = split_scope_string("\tadmin:*\n x ").collect();
        assert_eq!(v, ["admin:*", "x"]);
    }
}
