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

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Validate `path`, which starts at byte `off` of the whole route `s`.
fn check_path(s: &str, method: &str, path: &str, off: usize) -> Result<(), Fault> {
    use SpecErrorKind::BadPath;
    let bad = |span: core::ops::Range<usize>, rule: String| {
        Fault::new(
            BadPath,
            span,
            format!("invalid path in route {s:?}: {rule}"),
            FALLBACK,
        )
    };
    if !path.starts_with('/') {
        return Err(bad(off..s.len(), "the path must start with '/'".to_owned())
            .suggest(format!("{method} /{path}")));
    }
    let count = path[1..].split('/').count();
    let mut start = off + 1;
    for (i, seg) in path[1..].split('/').enumerate() {
        let last = i + 1 == count;
        let end = start + seg.len();
        // Characters first, so the leftmost problem is reported.
        if let Some((pos, c)) = seg.char_indices().find(|&(_, c)| {
            c.is_whitespace() || c.is_control() || !c.is_ascii() || c == '?' || c == '#'
        }) {
            let (_, span) = char_at(s, start + pos);
            let rule = match c {
                '?' | '#' => format!(
                    "{} is not allowed: a route path has no query string or fragment",
                    describe_char(c)
                ),
                c if c.is_whitespace() => format!(
                    "{} is not allowed: a path contains no whitespace",
                    describe_char(c)
                ),
                c if c.is_control() => format!(
                    "{} is not allowed: a path contains no control characters",
                    describe_char(c)
                ),
                c => format!(
                    "{} is not allowed: a route path is ASCII; percent-encode other characters",
                    describe_char(c)
                ),
            };
            let cut = &s[..start + pos];
            return Err(bad(span, rule).suggest(cut.to_owned()));
        }
        if seg.is_empty() {
            if last {
                break; // `/` alone, or a trailing slash
            }
            let cleaned: Vec<&str> = path.split('/').filter(|x| !x.is_empty()).collect();
            return Err(bad(
                start - 1..end + 1,
                "empty segment '//': segments between '/' must not be empty".to_owned(),
            )
            .suggest(format!("{method} /{}", cleaned.join("/"))));
        }
        let replace = |with: &str| format!("{}{with}{}", &s[..start], &s[end..]);
        if let Some(name) = seg.strip_prefix(':') {
            return Err(bad(
                start..end,
                format!(
                    "{seg:?} is axum 0.7 syntax: axum 0.8 writes path parameters as {{{name}}}"
                ),
            )
            .suggest(replace(&format!("{{{name}}}"))));
        }
        if let Some(name) = seg.strip_prefix('*') {
            return Err(bad(
                start..end,
                format!(
                    "{seg:?} is axum 0.7 syntax: axum 0.8 writes catch-all parameters as \
                     {{*{name}}}"
                ),
            )
            .suggest(replace(&format!("{{*{name}}}"))));
        }
        if seg.contains(['{', '}']) {
            let inner = seg.strip_prefix('{').and_then(|x| x.strip_suffix('}'));
            let (catch_all, name) = match inner {
                Some(inner) => match inner.strip_prefix('*') {
                    Some(name) => (true, Some(name)),
                    None => (false, Some(inner)),
                },
                None => (false, None),
            };
            match name {
                Some(name) if is_ident(name) => {
                    if catch_all && !last {
                        return Err(bad(
                            start..end,
                            format!(
                                "catch-all {seg:?} must be the last segment, with no trailing '/'"
                            ),
                        )
                        .suggest(s[..end].to_owned()));
                    }
                }
                _ => {
                    return Err(bad(
                        start..end,
                        format!(
                            "malformed parameter segment {seg:?}: a parameter is a whole \
                             segment {{name}} or, last, {{*name}}, where name is an \
                             identifier"
                        ),
                    ));
                }
            }
        }
        start = end + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use SpecErrorKind::*;

    #[test]
    fn valid_routes() {
        for (s, method, path) in [
            ("GET /users/{id}", "GET", "/users/{id}"),
            ("GET /", "GET", "/"),
            ("POST   /users", "POST", "/users"),
            ("PUT /a/b/", "PUT", "/a/b/"),
            ("PATCH /files/{*path}", "PATCH", "/files/{*path}"),
            ("DELETE /{_x}/{y2}", "DELETE", "/{_x}/{y2}"),
            ("HEAD /a-b.c~d", "HEAD", "/a-b.c~d"),
            ("OPTIONS /x:y", "OPTIONS", "/x:y"),
            ("TRACE /t", "TRACE", "/t"),
            ("CONNECT /{*rest}", "CONNECT", "/{*rest}"),
        ] {
            let r = RouteSpec::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
            assert_eq!((r.method.as_str(), r.path.as_str()), (method, path));
            assert_eq!(r.to_string(), format!("{method} {path}"));
            assert_eq!(r.to_string().parse::<RouteSpec>().unwrap(), r);
        }
    }

    #[track_caller]
    fn err(s: &str, kind: SpecErrorKind, span: core::ops::Range<usize>) -> SpecError {
        let e = RouteSpec::parse(s).unwrap_err();
        assert_eq!(
            (e.kind, e.span.clone()),
            (kind, span),
            "{s:?}: {}",
            e.message
        );
        assert!(e.message.contains("write e.g."), "{}", e.message);
        e
    }

    #[track_caller]
    fn example(e: &SpecError, want: &str) {
        assert!(
            e.message.ends_with(&format!("write e.g. {want:?}")),
            "{}",
            e.message
        );
    }

    #[test]
    fn error_kinds_and_spans() {
        err("", EmptyRoute, 0..0);
        err("  ", EmptyRoute, 0..2);
        let e = err("/users", MissingMethod, 0..6);
        example(&e, "GET /users");
        let e = err(" GET /x", MissingMethod, 0..1);
        example(&e, "GET /x");
        let e = err("FETCH /x", UnknownMethod, 0..5);
        assert!(e.message.contains(METHOD_LIST), "{}", e.message);
        example(&e, "GET /x");
        let e = err("get /x", UnknownMethod, 0..3);
        assert!(e.message.contains("uppercase"), "{}", e.message);
        example(&e, "GET /x");
        let e = err("GET/users", UnknownMethod, 0..9);
        example(&e, "GET /users");
        let e = err("GET", MissingPath, 0..3);
        example(&e, "GET /users");
        err("GET ", MissingPath, 3..4);
        err("GET   ", MissingPath, 3..6);
        let e = err("GET users", BadPath, 4..9);
        example(&e, "GET /users");
        err("GET \t/x", BadPath, 4..5);
        err("GET\t/x", BadPath, 3..4);
        err("GET /a b", BadPath, 6..7);
        err("GET /a ", BadPath, 6..7);
        err("GET /a?x=1", BadPath, 6..7);
        err("GET /a#f", BadPath, 6..7);
        err("GET /café", BadPath, 8..10);
        err("GET /a\u{7f}", BadPath, 6..7);
        let e = err("GET /a//b", BadPath, 6..8);
        example(&e, "GET /a/b");
        err("GET //", BadPath, 4..6);
        let e = err("GET /users/:id", BadPath, 11..14);
        assert!(e.message.contains("axum 0.8"), "{}", e.message);
        assert!(e.message.contains("{id}"), "{}", e.message);
        example(&e, "GET /users/{id}");
        let e = err("GET /files/*rest", BadPath, 11..16);
        assert!(e.message.contains("{*rest}"), "{}", e.message);
        example(&e, "GET /files/{*rest}");
        let e = err("GET /files/{*rest}/x", BadPath, 11..18);
        example(&e, "GET /files/{*rest}");
        err("GET /files/{*rest}/", BadPath, 11..18);
        err("GET /{}", BadPath, 5..7);
        err("GET /{1a}", BadPath, 5..9);
        err("GET /{a-b}", BadPath, 5..10);
        err("GET /x{id}", BadPath, 5..10);
        err("GET /{id", BadPath, 5..8);
        err("GET /{{id}}", BadPath, 5..11);
        err("GET /{*}", BadPath, 5..8);
    }
}
