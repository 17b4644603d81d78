//! Tests of the Cedar schema reader.

use super::*;

const DOCS: &str = r#"
// Documents, shared within organizations.
@doc("top level")
entity Org;

namespace Docs {
    type Roles = Set<String>;
    @doc("a user")
    entity User, Robot in [Org] { admin_of: Set<Org>, roles?: Roles };
    entity Document in [Folder] {
        owner: User,
        "quoted attr": { nested: Set<User> },
    };
    entity Folder enum ["root", "tmp"];
    action "read", edit in [Docs::Action::"all"] appliesTo {
        principal: [User, Robot],
        resource: [Document, Folder],
        context: { ip?: String, when: { at: Long } },
    };
    action delete appliesTo { principal: User, resource: Document };
    action all;
    action share appliesTo { resource: Org, principal: User, context: Ctx };
}
"#;

#[test]
fn reads_entity_types_and_what_each_action_applies_to() {
    let s = CedarSchema::parse(DOCS).unwrap();
    assert_eq!(
        s.entity_types,
        [
            "Org",
            "Docs::User",
            "Docs::Robot",
            "Docs::Document",
            "Docs::Folder"
        ]
    );
    let of = |name: &str| {
        s.actions
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .resources
            .clone()
    };
    assert_eq!(of("read"), ["Docs::Document", "Docs::Folder"]);
    assert_eq!(of("edit"), ["Docs::Document", "Docs::Folder"]);
    assert_eq!(of("delete"), ["Docs::Document"]);
    assert!(of("all").is_empty());
    assert_eq!(of("share"), ["Org"], "an unqualified top-level type");
    assert!(s.actions.iter().all(|a| a.namespace == "Docs"));
}

#[test]
fn checks_actions_with_hints() {
    let s = CedarSchema::parse(DOCS).unwrap();
    assert_eq!(s.check_action("Document::edit").unwrap(), "Docs::Document");
    assert_eq!(
        s.check_action("Docs::Document::read").unwrap(),
        "Docs::Document"
    );
    assert_eq!(s.check_action("Folder::read").unwrap(), "Docs::Folder");
    let e = s.check_action("Document::eddit").unwrap_err();
    assert!(
        e.contains("no action `eddit`") && e.contains("did you mean `Document::edit`"),
        "{e}"
    );
    let e = s.check_action("Folder::delete").unwrap_err();
    assert!(
        e.contains("does not apply to `Folder`") && e.contains("it applies to `Document`"),
        "{e}"
    );
    let e = s.check_action("Documnet::read").unwrap_err();
    assert!(
        e.contains("no entity type `Documnet`") && e.contains("Document::read"),
        "{e}"
    );
    assert!(
        s.check_action("edit")
            .unwrap_err()
            .contains("e.g. `Document::edit`")
    );
    assert!(
        s.check_action("Document::all")
            .unwrap_err()
            .contains("it applies to no resource type")
    );
}

#[test]
fn top_level_schemas_and_errors_with_lines() {
    let s =
        CedarSchema::parse("entity A; action go appliesTo { principal: A, resource: A };").unwrap();
    assert_eq!(s.check_action("A::go").unwrap(), "A");
    for (bad, at) in [
        ("entity A", "line 1"),
        (
            "namespace N {\n entity A;\n action go appliesTo { principal A };\n}",
            "line 3",
        ),
        ("entity \"A;", "unterminated string"),
        ("namespace N { entity A; ", "closing the namespace"),
    ] {
        let e = CedarSchema::parse(bad).unwrap_err();
        assert!(e.contains(at), "{bad:?}: {e}");
    }
}

/// Forms an outside review found misread: action groups named by a string or a qualified
/// string, and escapes in names.
#[test]
fn action_groups_in_every_form_and_escapes() {
    let s = CedarSchema::parse(
        r#"namespace D {
            entity Doc;
            action all;
            action "read" in "all" appliesTo { principal: Doc, resource: Doc };
            action write in D::Action::"all" appliesTo { principal: Doc, resource: Doc };
            action "sh\u{61}re" in [all, "read"] appliesTo { principal: Doc, resource: Doc };
        }"#,
    )
    .unwrap();
    for ok in ["Doc::read", "Doc::write", "Doc::share"] {
        assert_eq!(s.check_action(ok).unwrap(), "D::Doc", "{ok}");
    }
}

/// An entity without its `;` used to swallow the declaration after it (an action then went
/// missing, and the route's error said "no action"): now it is a parse error at the next
/// declaration.
#[test]
fn a_declaration_without_its_semicolon_is_an_error_not_a_lost_declaration() {
    for src in [
        "entity User\naction read appliesTo { principal: User, resource: User };",
        "namespace N {\n    entity User in [Group] { admin: Bool }\n    action read;\n}",
        "type Ctx = { a: Long }\nentity User;",
    ] {
        let e = CedarSchema::parse(src).unwrap_err();
        assert!(e.contains("expected `;` before this"), "{src}: {e}");
    }
    // Keywords inside braces are attribute names, not declarations.
    let s = CedarSchema::parse(
        "entity User { action: String, type: Long, entity: Bool };\n\
         action read appliesTo { principal: User, resource: User };",
    )
    .unwrap();
    assert_eq!(s.check_action("User::read").unwrap(), "User");
}
