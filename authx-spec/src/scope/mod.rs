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

mod grammar;
mod matching;
mod pattern;

pub use matching::{ScopeMode, covers, satisfies, split_scope_string};
pub use pattern::{ScopePattern, parse_list};
