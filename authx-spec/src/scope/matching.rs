//! Runtime matching: whether scopes granted by a token (untrusted strings) cover required ones.

/// Does the `granted` scope (from a token) cover the `required` scope?
///
/// Works on untrusted strings: it never allocates and never panics, whatever
/// the input (empty strings, `**`, non-ASCII...). See the [module
/// docs](crate::scope) for the rules.
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

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
