//! The grammar of a scope pattern: the checker, its error messages and suggested fixes.

use crate::error::{Fault, SpecErrorKind, char_at, describe_char};

/// The example used when no better one can be derived from the input.
const FALLBACK: &str = "admin:users";

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

pub(super) fn check(s: &str) -> Result<(), Fault> {
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
#[path = "grammar_tests.rs"]
mod tests;
