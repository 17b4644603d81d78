//! Unit tests of `registry`.

use super::*;

fn entry(handler: &'static str, route: &'static str, decision: Decision) -> RouteEntry {
    RouteEntry::__from_macro(handler, "app", "src/main.rs", 7, Some(route), decision)
}

static EDIT: Rules = Rules {
    action: Some("Document::edit"),
    ..Rules::ACCESS
};

static QUALIFIED: Rules = Rules {
    action: Some("Docs::Document::read"),
    ..Rules::ACCESS
};

#[test]
fn an_entry_names_its_action_and_resource_type() {
    let edit = entry("edit", "PUT /documents/{id}", Decision::Protected(&EDIT));
    assert_eq!(edit.action(), Some("Document::edit"));
    assert_eq!(edit.resource_type(), Some("Document"));

    let read = entry(
        "read",
        "GET /documents/{id}",
        Decision::Protected(&QUALIFIED),
    );
    assert_eq!(read.action(), Some("Docs::Document::read"));
    assert_eq!(read.resource_type(), Some("Docs::Document"));

    let plain = entry("me", "GET /me", Decision::Protected(&Rules::ACCESS));
    assert_eq!((plain.action(), plain.resource_type()), (None, None));
    let public = entry("home", "GET /", Decision::Public { rate: None });
    assert_eq!((public.action(), public.resource_type()), (None, None));
}

#[test]
fn the_audit_table_shows_each_routes_action_in_the_other_column() {
    let rows = [
        entry("edit", "PUT /documents/{id}", Decision::Protected(&EDIT)),
        entry("me", "GET /me", Decision::Protected(&Rules::ACCESS)),
    ];
    let table = table(&rows);
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    let other = header.find("OTHER").unwrap();
    let edit = lines.next().unwrap();
    assert!(edit.starts_with("PUT /documents/{id}"), "{table}");
    assert_eq!(
        &edit[other..other + "action=Document::edit".len()],
        "action=Document::edit",
        "{table}"
    );
    let me = lines.next().unwrap();
    assert!(!me.contains("action="), "{table}");
    assert_eq!(lines.next(), None);
}

#[test]
fn the_action_comes_first_among_the_other_rules() {
    static BOTH: Rules = Rules {
        action: Some("Document::delete"),
        kind: Some("staff"),
        csrf: false,
        ..Rules::ACCESS
    };
    let rows = [entry(
        "delete",
        "DELETE /d/{id}",
        Decision::Protected(&BOTH),
    )];
    let table = table(&rows);
    assert!(
        table.contains("action=Document::delete kind=staff csrf=off"),
        "{table}"
    );
}

#[test]
fn the_actions_table_lists_every_route_with_its_action_and_resource_type() {
    let routes = [
        entry("edit", "PUT /documents/{id}", Decision::Protected(&EDIT)),
        entry("me", "GET /me", Decision::Protected(&Rules::ACCESS)),
        entry("home", "GET /", Decision::Public { rate: None }),
    ];
    let table = print::actions_of(&routes);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    let cells = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        cells(lines[0]),
        ["ROUTE", "HANDLER", "ACTION", "RESOURCE", "SOURCE"]
    );
    assert_eq!(
        cells(lines[1]),
        [
            "PUT",
            "/documents/{id}",
            "edit",
            "Document::edit",
            "Document",
            "src/main.rs:7"
        ]
    );
    assert_eq!(cells(lines[2])[3..5], ["-", "-"]);
    assert_eq!(cells(lines[3])[3..5], ["-", "-"]);
}

#[test]
fn the_audit_table_shows_step_up_requirements() {
    static STRONG: Rules = Rules {
        max_age: Some(300),
        acr: &["mfa", "hwk"],
        amr: &["pwd", "otp"],
        ..Rules::ACCESS
    };
    static KEY: Rules = Rules {
        amr: &["hwk"],
        ..Rules::ACCESS
    };
    let rows = [
        entry("pay", "POST /pay", Decision::Protected(&STRONG)),
        entry("key", "GET /key", Decision::Protected(&KEY)),
    ];
    let table = table(&rows);
    assert!(
        table.contains("max_age=300s acr=mfa|hwk amr=pwd+otp"),
        "{table}"
    );
    assert!(table.contains(" amr=hwk "), "{table}");
}
