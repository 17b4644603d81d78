//! The validated scope pattern (what a handler requires), and lists of them.

use std::fmt;
use std::str::FromStr;

use super::grammar::check;
use super::matching::covers;
use crate::error::{SpecError, SpecErrorKind};

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

#[cfg(test)]
#[path = "pattern_tests.rs"]
mod tests;
