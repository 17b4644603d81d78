//! Names as an app writes them (`Document`, `Document::edit`) and as the schema knows them
//! (`Docs::Document`, `Docs::Action::"edit"`).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use cedar_policy::{EntityId, EntityTypeName, EntityUid, Schema};
use serde_json::Value;

use super::AuthzError;

/// The schema's entity types by every name that picks exactly one: qualified, and unqualified
/// where only one namespace has it.
#[derive(Debug)]
pub(crate) struct Names {
    types: HashMap<String, Option<String>>,
    /// Each qualified type, parsed once.
    parsed: HashMap<String, EntityTypeName>,
    /// The actions found so far, by the spelling a route or a caller used (only those the
    /// schema has: bounded by the schema's actions and their spellings).
    actions: RwLock<HashMap<String, Arc<ActionName>>>,
}

impl Names {
    pub(crate) fn of(schema: &Schema) -> Self {
        let mut types: HashMap<String, Option<String>> = HashMap::new();
        for ty in schema.entity_types() {
            let full = ty.to_string();
            let base = ty.basename().to_owned();
            types.insert(full.clone(), Some(full.clone()));
            if base != full {
                types
                    .entry(base)
                    .and_modify(|t| {
                        if t.as_deref() != Some(full.as_str()) {
                            *t = None; // in two namespaces: write it qualified
                        }
                    })
                    .or_insert(Some(full));
            }
        }
        let parsed = schema
            .entity_types()
            .map(|ty| (ty.to_string(), ty.clone()))
            .collect();
        Names {
            types,
            parsed,
            actions: RwLock::default(),
        }
    }

    /// The qualified name of entity type `name`.
    pub(crate) fn qualify(&self, name: &str) -> Result<String, AuthzError> {
        self.full(name).map(str::to_owned)
    }

    /// [`qualify`](Self::qualify), borrowed (the hot path allocates nothing).
    pub(crate) fn full(&self, name: &str) -> Result<&str, AuthzError> {
        match self.types.get(name) {
            Some(Some(full)) => Ok(full),
            Some(None) => Err(AuthzError::UnknownType(format!(
                "`{name}` is in several namespaces of the schema: write it qualified"
            ))),
            None => Err(AuthzError::UnknownType(format!(
                "the schema has no entity type `{name}`"
            ))),
        }
    }

    /// The uid of entity `id` of type `name`.
    pub(crate) fn uid(&self, name: &str, id: &str) -> Result<EntityUid, AuthzError> {
        let full = self.full(name)?;
        let ty = match self.parsed.get(full) {
            Some(ty) => ty.clone(),
            None => EntityTypeName::from_str(full)
                .map_err(|e| AuthzError::UnknownType(format!("`{full}`: {e}")))?,
        };
        Ok(EntityUid::from_type_name_and_id(ty, EntityId::new(id)))
    }

    /// [`action`], remembered: the action of `spec` as the schema has it.
    pub(crate) fn action(
        &self,
        schema: &Schema,
        spec: &str,
    ) -> Result<Arc<ActionName>, AuthzError> {
        let known = self
            .actions
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(spec)
            .cloned();
        if let Some(found) = known {
            return Ok(found);
        }
        let found = Arc::new(action(schema, self, spec)?);
        self.actions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(spec.to_owned(), found.clone());
        Ok(found)
    }
}

/// An action as written on a route: `Document::edit` (resource type, then action), the type
/// qualified or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActionName {
    /// The resource type, qualified.
    pub(crate) resource_type: String,
    /// The action's uid: `Docs::Action::"edit"`.
    pub(crate) uid: EntityUid,
    /// The principal types it applies to, qualified.
    pub(crate) principals: Vec<String>,
}

/// Parses and checks `Document::edit` against the schema: the action exists and applies to
/// the resource type.
pub(crate) fn action(schema: &Schema, names: &Names, spec: &str) -> Result<ActionName, AuthzError> {
    let Some((ty, action)) = spec.rsplit_once("::") else {
        return Err(AuthzError::UnknownAction(format!(
            "`{spec}`: write the resource type, then the action: `Document::edit`"
        )));
    };
    let resource_type = names.qualify(ty)?;
    let namespace = resource_type
        .rsplit_once("::")
        .map_or(String::new(), |(ns, _)| format!("{ns}::"));
    let uid_text = format!("{namespace}Action::{}", Value::String(action.to_owned()));
    let uid = EntityUid::from_str(&uid_text)
        .map_err(|e| AuthzError::UnknownAction(format!("`{spec}`: {e}")))?;
    let Some(mut resources) = schema.resources_for_action(&uid) else {
        return Err(AuthzError::UnknownAction(format!(
            "the schema has no action `{uid_text}`"
        )));
    };
    if !resources.any(|r| r.to_string() == resource_type) {
        return Err(AuthzError::UnknownAction(format!(
            "action `{uid_text}` does not apply to `{resource_type}` in the schema"
        )));
    }
    let principals = schema
        .principals_for_action(&uid)
        .map(|p| p.map(ToString::to_string).collect())
        .unwrap_or_default();
    Ok(ActionName {
        resource_type,
        uid,
        principals,
    })
}
