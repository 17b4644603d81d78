//! Route specs: `"<METHOD> <path>"`, with axum 0.8 path syntax.
//!
//! # Grammar
//!
//! - `METHOD` is one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD`,
//!   `OPTIONS`, `TRACE`, `CONNECT`, in uppercase;
//! - then one or more ASCII spaces;
//! - then the path: it starts with `/`, contains no whitespace, control or
//!   non-ASCII characters, no `?` and no `#`. Its `/`-separated segments are
//!   literals, `{name}` parameters or, as the last segment only, a `{*name}`
//!   catch-all, where `name` is an identifier (`[A-Za-z_][A-Za-z0-9_]*`).
//!   Segments must not be empty (`//`), except that a path may end with `/`.
//!   The axum 0.7 forms `:id` and `*rest` are rejected.
//!
//! ```
//! use authx_spec::RouteSpec;
//!
//! let r: RouteSpec = "GET /users/{id}".parse().unwrap();
//! assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/users/{id}"));
//! assert_eq!(r.to_string(), "GET /users/{id}");
//! assert!(RouteSpec::parse("GET /users/:id").is_err());
//! ```

use std::fmt;
use std::str::FromStr;

mod path;

use path::check_path;

use crate::error::{Fault, SpecError, SpecErrorKind, char_at, describe_char};

/// The example used when no better one can be derived from the input.
const FALLBACK: &str = "GET /users/{id}";

/// The accepted HTTP methods.
const METHODS: [&str; 9] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

const METHOD_LIST: &str = "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, TRACE, CONNECT";

/// A validated route: an HTTP method and an axum 0.8 path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RouteSpec {
    /// The HTTP method, uppercase (`GET`).
    pub method: String,
    /// The path, starting with `/` (`/users/{id}`).
    pub path: String,
}

impl RouteSpec {
    /// Parse a route such as `GET /users/{id}` or `POST /files/{*path}`.
    ///
    /// # Errors
    ///
    /// [`EmptyRoute`](SpecErrorKind::EmptyRoute),
    /// [`MissingMethod`](SpecErrorKind::MissingMethod),
    /// [`UnknownMethod`](SpecErrorKind::UnknownMethod),
    /// [`MissingPath`](SpecErrorKind::MissingPath) or
    /// [`BadPath`](SpecErrorKind::BadPath), with the span of the offending
    /// part.
    pub fn parse(s: &str) -> Result<RouteSpec, SpecError> {
        check(s).map_err(|fault| fault.into_error(|e| check(e).is_ok()))
    }
}

impl FromStr for RouteSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RouteSpec::parse(s)
    }
}

/// Prints `METHOD path`, e.g. `GET /users/{id}`.
impl fmt::Display for RouteSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

fn check(s: &str) -> Result<RouteSpec, Fault> {
    use SpecErrorKind::*;
    if s.bytes().all(|b| b.is_ascii_whitespace()) {
        return Err(Fault::new(
            EmptyRoute,
            0..s.len(),
            "empty route: a route is \"<METHOD> <path>\"".to_owned(),
            FALLBACK,
        ));
    }
    let method_end = s.find(|c: char| c.is_ascii_whitespace()).unwrap_or(s.len());
    let method = &s[..method_end];
    if method.is_empty() {
        let lead = s.len()
            - s.trim_start_matches(|c: char| c.is_ascii_whitespace())
                .len();
        return Err(Fault::new(
            MissingMethod,
            0..lead,
            format!(
                "leading whitespace in route {s:?}: a route starts with its uppercase HTTP \
                 method, then a space and the path"
            ),
            FALLBACK,
        )
        .suggest(s[lead..].to_owned()));
    }
    if method.starts_with('/') {
        return Err(Fault::new(
            MissingMethod,
            0..method_end,
            format!(
                "missing HTTP method in route {s:?}: a route starts with an uppercase method \
                 ({METHOD_LIST}), then a space and the path"
            ),
            FALLBACK,
        )
        .suggest(format!("GET {s}")));
    }
    if !METHODS.contains(&method) {
        let rest = &s[method_end..];
        let upper = method.to_ascii_uppercase();
        let fault = if METHODS.contains(&upper.as_str()) {
            Fault::new(
                UnknownMethod,
                0..method_end,
                format!("HTTP method {method:?} in route {s:?} must be uppercase"),
                FALLBACK,
            )
            .suggest(format!("{upper}{rest}"))
        } else if let Some(slash) = method
            .find('/')
            .filter(|&i| METHODS.contains(&method[..i].to_ascii_uppercase().as_str()))
        {
            Fault::new(
                UnknownMethod,
                0..method_end,
                format!(
                    "missing space between method and path in route {s:?}: a route is \
                     \"<METHOD> <path>\""
                ),
                FALLBACK,
            )
            .suggest(format!(
                "{} {}{rest}",
                method[..slash].to_ascii_uppercase(),
                &method[slash..]
            ))
        } else {
            Fault::new(
                UnknownMethod,
                0..method_end,
                format!(
                    "unknown HTTP method {method:?} in route {s:?}: expected one of {METHOD_LIST}"
                ),
                FALLBACK,
            )
            .suggest(format!("GET{rest}"))
        };
        return Err(fault);
    }
    let path_start = method_end + s[method_end..].bytes().take_while(|&b| b == b' ').count();
    if path_start == s.len() {
        let span = if method_end == s.len() {
            0..method_end
        } else {
            method_end..s.len()
        };
        return Err(Fault::new(
            MissingPath,
            span,
            format!(
                "missing path in route {s:?}: the method must be followed by a space and a \
                 path starting with '/'"
            ),
            FALLBACK,
        )
        .suggest(format!("{method} /users")));
    }
    let (c, span) = char_at(s, path_start);
    if c.is_ascii_whitespace() {
        return Err(Fault::new(
            BadPath,
            span,
            format!(
                "unexpected {} in route {s:?}: separate the method and the path with spaces \
                 only",
                describe_char(c)
            ),
            FALLBACK,
        )
        .suggest(format!("{method} {}", s[path_start..].trim_start())));
    }
    let path = &s[path_start..];
    check_path(s, method, path, path_start)?;
    Ok(RouteSpec {
        method: method.to_owned(),
        path: path.to_owned(),
    })
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
