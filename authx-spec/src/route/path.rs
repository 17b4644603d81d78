//! The path of a route: axum 0.8 syntax, segment by segment.

use super::FALLBACK;
use crate::error::{Fault, SpecErrorKind, char_at, describe_char};

fn is_ident(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Validate `path`, which starts at byte `off` of the whole route `s`.
pub(super) fn check_path(s: &str, method: &str, path: &str, off: usize) -> Result<(), Fault> {
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
#[path = "path_tests.rs"]
mod tests;
