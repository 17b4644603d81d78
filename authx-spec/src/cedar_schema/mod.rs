//! What `#[protect(action = "Document::edit")]` needs of a [Cedar](https://www.cedarpolicy.com)
//! schema written in Cedar's schema format (`.cedarschema`): its entity types and, per action,
//! the resource types it applies to. Read at compile time, where the `cedar-policy` crate is
//! not (a proc-macro dependency of that size would be built for every crate that uses authx);
//! the runtime parses the same file with `cedar-policy` itself, and a schema it refuses is
//! refused there.
//!
//! Only declarations are read: `namespace N { .. }`, `entity A, B in [..] { .. };`,
//! `type T = ..;` and `action "a", b in [..] appliesTo { principal: .., resource: [..],
//! context: .. };`, with `@annotations` and `//` comments. Attribute types are skipped.
//!
//! ```
//! use authx_spec::cedar_schema::CedarSchema;
//!
//! let schema = CedarSchema::parse(r#"
//!     namespace Docs {
//!         entity User;
//!         entity Document { owner: User };
//!         action read, "edit" appliesTo { principal: User, resource: [Document] };
//!     }
//! "#).unwrap();
//! assert_eq!(schema.check_action("Document::edit"), Ok("Docs::Document".to_owned()));
//! let err = schema.check_action("Document::edti").unwrap_err();
//! assert!(err.contains("did you mean `Document::edit`"), "{err}");
//! ```

/// The declarations of a schema that route attributes are checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CedarSchema {
    /// Every entity type, qualified (`Docs::Document`).
    pub entity_types: Vec<String>,
    /// Every action.
    pub actions: Vec<CedarAction>,
}

/// One action of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CedarAction {
    /// Its namespace (empty at top level).
    pub namespace: String,
    /// Its name (`edit`).
    pub name: String,
    /// The resource types it applies to, qualified.
    pub resources: Vec<String>,
}

fn basename(name: &str) -> &str {
    name.rsplit_once("::").map_or(name, |(_, b)| b)
}

impl CedarSchema {
    /// Reads the declarations of `src`; an error names the line and what was expected.
    pub fn parse(src: &str) -> Result<Self, String> {
        let raw = parse::declarations(src)?;
        let known = |t: &String| raw.entities.contains(t);
        let actions = raw
            .actions
            .into_iter()
            .map(|(namespace, name, resources)| CedarAction {
                // A type named unqualified inside a namespace may be a top-level one.
                resources: resources
                    .into_iter()
                    .map(|r| {
                        if known(&r) {
                            r
                        } else {
                            basename(&r).to_owned()
                        }
                    })
                    .collect(),
                namespace,
                name,
            })
            .collect();
        Ok(CedarSchema {
            entity_types: raw.entities,
            actions,
        })
    }

    /// The qualified entity type `name` names (qualified, or unqualified when only one
    /// namespace has it).
    pub fn entity_type(&self, name: &str) -> Option<&str> {
        let mut found = self
            .entity_types
            .iter()
            .filter(|t| *t == name || (!name.contains("::") && basename(t) == name));
        let first = found.next()?;
        found.next().is_none().then_some(first.as_str())
    }

    /// Checks `Type::action` (`Document::edit`): the resource type exists, the action exists in
    /// its namespace, and applies to it. Returns the qualified resource type; the error says
    /// what is wrong and, when a declared one is near, which was meant.
    pub fn check_action(&self, spec: &str) -> Result<String, String> {
        let Some((ty, action)) = spec.rsplit_once("::") else {
            return Err(format!(
                "`{spec}` is not an action on a resource type: write the resource type, then \
                 the action, e.g. `Document::edit`"
            ));
        };
        let all: Vec<String> = self
            .actions
            .iter()
            .flat_map(|a| {
                a.resources
                    .iter()
                    .map(move |r| format!("{}::{}", basename(r), a.name))
            })
            .collect();
        let hint = |all: &[String]| match crate::closest(spec, all) {
            Some(near) => format!(" (did you mean `{near}`?)"),
            None => String::new(),
        };
        let Some(full) = self.entity_type(ty) else {
            return Err(format!(
                "the Cedar schema has no entity type `{ty}`{}",
                hint(&all)
            ));
        };
        let namespace = full.rsplit_once("::").map_or("", |(ns, _)| ns);
        let same: Vec<&CedarAction> = self
            .actions
            .iter()
            .filter(|a| a.namespace == namespace && a.name == action)
            .collect();
        if same.is_empty() {
            return Err(format!(
                "the Cedar schema has no action `{action}`{}",
                hint(&all)
            ));
        }
        if !same.iter().any(|a| a.resources.iter().any(|r| r == full)) {
            let on: Vec<String> = same
                .iter()
                .flat_map(|a| a.resources.iter().map(|r| format!("`{}`", basename(r))))
                .collect();
            let on = if on.is_empty() {
                "no resource type".to_owned()
            } else {
                on.join(", ")
            };
            return Err(format!(
                "action `{action}` does not apply to `{ty}` in the Cedar schema: it applies to \
                 {on}"
            ));
        }
        Ok(full.to_owned())
    }
}

mod parse;

#[cfg(test)]
mod tests;
