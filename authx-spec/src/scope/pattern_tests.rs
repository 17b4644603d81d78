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
