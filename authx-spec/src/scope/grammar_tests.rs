use crate::error::SpecError;
use crate::scope::ScopePattern;
use SpecErrorKind::*;

use super::*;

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
