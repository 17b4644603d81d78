use super::*;
use crate::scope::{ScopePattern, parse_list};

#[test]
fn covers_table() {
    // (granted, required, expected)
    let table: &[(&str, &str, bool)] = &[
        // exact equality
        ("users:read", "users:read", true),
        ("admin", "admin", true),
        ("", "", true),
        ("**", "**", true),
        // global wildcard
        ("*", "admin", true),
        ("*", "admin:users:read", true),
        ("*", "*", true),
        ("*", "admin:*", true),
        ("*", "", true),
        // prefix wildcard
        ("admin:*", "admin", true),
        ("admin:*", "admin:users", true),
        ("admin:*", "admin:users:read", true),
        ("admin:*", "admin:*", true),
        ("admin:*", "admin:users:*", true),
        ("admin:users:*", "admin:users:read", true),
        ("admin:users:*", "admin:users", true),
        ("admin:*", "administrator", false),
        ("admin:*", "adminx:y", false),
        ("admin:*", "admi", false),
        ("admin:*", "", false),
        ("admin:users:*", "admin", false),
        ("admin:users:*", "admin:*", false),
        ("admin:users:*", "admin:other", false),
        // least privilege: specific does not cover wildcard
        ("admin:users", "admin:*", false),
        ("admin", "admin:*", false),
        ("admin", "*", false),
        // no implicit hierarchy without a wildcard
        ("admin", "admin:users", false),
        ("users:write", "users:read", false),
        // not a wildcard: `*` must follow `:`
        ("admin*", "admin:users", false),
        ("admin*", "adminx", false),
        ("**", "x", false),
        ("", "x", false),
        // garbage does not panic
        ("é:*", "é:ü", true),
        (":*", ":x", true),
        (":*", "", true),
        ("ü", "é", false),
    ];
    for &(g, r, want) in table {
        assert_eq!(covers(g, r), want, "covers({g:?}, {r:?})");
    }
}

#[test]
fn satisfies_rules() {
    let none: [&str; 0] = [];
    for mode in [ScopeMode::All, ScopeMode::Any] {
        assert!(satisfies(&none, &none, mode), "{mode:?}");
        assert!(satisfies(&["x"], &none, mode), "{mode:?}");
        assert!(!satisfies(&none, &["x"], mode), "{mode:?}");
    }
    let granted = ["users:read", "billing:*"];
    let all = ScopeMode::All;
    let any = ScopeMode::Any;
    assert!(satisfies(&granted, &["users:read"], all));
    assert!(satisfies(&granted, &["users:read", "billing:x"], all));
    assert!(!satisfies(&granted, &["users:read", "users:write"], all));
    assert!(satisfies(&granted, &["users:read", "users:write"], any));
    assert!(!satisfies(&granted, &["users:write", "admin"], any));
    assert_eq!(ScopeMode::default(), ScopeMode::All);

    let p = ScopePattern::parse("billing:invoices").unwrap();
    assert!(p.is_granted_by(&granted));
    assert!(
        !ScopePattern::parse("users:*")
            .unwrap()
            .is_granted_by(&granted)
    );
    let empty: [String; 0] = [];
    assert!(!p.is_granted_by(&empty));
    // ScopePattern can itself be used as the required list.
    let required = parse_list(&["users:read", "billing:x"]).unwrap();
    assert!(satisfies(&granted, &required, all));
}

#[test]
fn split_scope_strings() {
    let v: Vec<&str> = split_scope_string("a b  c").collect();
    assert_eq!(v, ["a", "b", "c"]);
    assert_eq!(split_scope_string("").count(), 0);
    assert_eq!(split_scope_string("   ").count(), 0);
    let v: Vec<&str> = split_scope_string("\tadmin:*\n x ").collect();
    assert_eq!(v, ["admin:*", "x"]);
}
