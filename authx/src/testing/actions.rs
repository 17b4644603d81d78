//! [`unused_actions`]: the schema's actions no registered route decides on.

use crate::authz::Authz;
use crate::registry;

/// The actions of `authz`'s schema (as [`Authz::actions`] names them, sorted) that no
/// registered `#[protect(action = ...)]` route of the program decides on: an action the schema
/// and policies describe but no route checks is often a route that forgot its `action`.
///
/// A route's action and a schema action match when they name one action on one resource type,
/// however each is written (`Document::edit`, `Docs::Document::edit`). Every registered
/// route counts, whichever `Router` mounts it.
///
/// ```standalone_crate
/// use authx::authz::Authz;
///
/// let schema = r#"entity User; entity Document;
///     action read, edit appliesTo { principal: User, resource: Document };"#;
/// let authz = Authz::from_sources(schema, &[]).unwrap();
/// // No route of this program has an action: both are unused.
/// assert_eq!(
///     authx::testing::unused_actions(&authz),
///     ["Document::edit", "Document::read"]
/// );
/// ```
pub fn unused_actions(authz: &Authz) -> Vec<String> {
    let used: Vec<&str> = registry::entries()
        .into_iter()
        .filter_map(|e| e.action())
        .collect();
    unused_of(authz, &used)
}

/// The actions of `authz` that none of `used` names.
fn unused_of(authz: &Authz, used: &[&str]) -> Vec<String> {
    authz
        .actions()
        .into_iter()
        .filter(|action| !used.iter().any(|u| authz.same_action(action, u)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"namespace Docs {
        entity User;
        entity Folder;
        entity Document;
        action read appliesTo { principal: User, resource: [Document, Folder] };
        action edit, delete appliesTo { principal: User, resource: Document };
    }"#;

    fn authz() -> Authz {
        Authz::from_sources(SCHEMA, &[]).unwrap()
    }

    #[test]
    fn every_action_is_unused_when_no_route_names_one() {
        let authz = authz();
        let all = [
            "Document::delete",
            "Document::edit",
            "Document::read",
            "Folder::read",
        ];
        assert_eq!(authz.actions(), all);
        assert_eq!(unused_of(&authz, &[]), all);
    }

    #[test]
    fn an_action_a_route_uses_is_left_out_however_it_is_written() {
        let authz = authz();
        let used = ["Document::edit", "Docs::Document::read"];
        assert_eq!(
            unused_of(&authz, &used),
            ["Document::delete", "Folder::read"]
        );
    }

    #[test]
    fn an_action_used_on_one_resource_type_stays_unused_on_another() {
        let authz = authz();
        let unused = unused_of(&authz, &["Folder::read"]);
        assert!(unused.contains(&"Document::read".to_owned()), "{unused:?}");
        assert!(!unused.contains(&"Folder::read".to_owned()), "{unused:?}");
    }

    #[test]
    fn route_actions_the_schema_lacks_change_nothing() {
        let authz = authz();
        let unused = unused_of(&authz, &["Document::edti", "Nope::read", "edit"]);
        assert_eq!(unused, authz.actions());
    }

    #[test]
    fn a_type_in_two_namespaces_is_named_qualified() {
        let schema = r#"
            namespace A { entity User; entity Doc; action edit appliesTo { principal: User, resource: Doc }; }
            namespace B { entity Doc; action edit appliesTo { principal: A::User, resource: Doc }; }
        "#;
        let authz = Authz::from_sources(schema, &[]).unwrap();
        assert_eq!(authz.actions(), ["A::Doc::edit", "B::Doc::edit"]);
        assert_eq!(unused_of(&authz, &["A::Doc::edit"]), ["B::Doc::edit"]);
    }

    #[test]
    fn the_registry_of_the_lib_tests_uses_no_action() {
        let authz = authz();
        assert_eq!(unused_actions(&authz), authz.actions());
    }
}
