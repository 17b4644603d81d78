use crate::error::SpecError;
use SpecErrorKind::*;

use super::*;

#[track_caller]
fn err(s: &str, kind: SpecErrorKind, span: core::ops::Range<usize>) -> SpecError {
    let e = RateSpec::parse(s).unwrap_err();
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
    err("", EmptyRate, 0..0);
    let e = err("10", MissingSlash, 0..2);
    assert!(
        e.message.ends_with("write e.g. \"10/60s\""),
        "{}",
        e.message
    );
    err("x/60s", BadCount, 0..1);
    err("-1/60s", BadCount, 0..2);
    err("+1/60s", BadCount, 0..2);
    err(" 10/60s", BadCount, 0..3);
    err("/60s", BadCount, 0..1);
    let e = err("0/60s", ZeroCount, 0..1);
    assert!(e.message.ends_with("write e.g. \"1/60s\""), "{}", e.message);
    err("99999999999/1s", CountOverflow, 0..11);
    err("4294967296/1s", CountOverflow, 0..10);
    err("10/", BadWindow, 2..3);
    err("10/s5", BadWindow, 3..5);
    err("10/60s ", BadWindow, 3..7);
    err("10/ 60s", BadWindow, 3..7);
    err("10/-5s", BadWindow, 3..6);
    err("10/60s/2", BadWindow, 3..8);
    let e = err("10/0s", ZeroWindow, 3..4);
    assert!(e.message.ends_with("write e.g. \"10/1s\""), "{}", e.message);
    err("10/000ms", ZeroWindow, 3..6);
    let e = err("10/60x", UnknownUnit, 5..6);
    assert!(e.message.contains(UNIT_LIST), "{}", e.message);
    assert!(
        e.message.ends_with("write e.g. \"10/60s\""),
        "{}",
        e.message
    );
    let e = err("10/60", UnknownUnit, 3..5);
    assert!(e.message.contains(UNIT_LIST), "{}", e.message);
    assert!(
        e.message.ends_with("write e.g. \"10/60s\""),
        "{}",
        e.message
    );
    let e = err("10/60S", UnknownUnit, 5..6);
    assert!(
        e.message.ends_with("write e.g. \"10/60s\""),
        "{}",
        e.message
    );
    let e = err("10/1Hour", UnknownUnit, 4..8);
    assert!(
        e.message.ends_with("write e.g. \"10/1hour\""),
        "{}",
        e.message
    );
    err("10/seconds", UnknownUnit, 3..10);
    err("1/18446744073709551616ms", WindowOverflow, 2..22);
    err("1/18446744073709551615s", WindowOverflow, 2..23);
    err("1/213503982334602d", WindowOverflow, 2..18);
}
