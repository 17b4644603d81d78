//! Deciding: one request to Cedar (principal, action, resource, context as entities checked
//! against the schema), and the queries built on it (filtering a list, the actions a principal
//! may take on a resource).

use std::time::Instant;

use std::sync::Arc;

use cedar_policy::{Decision, Entities, Request};

use super::names::ActionName;
use super::route::DynEntity;
use super::{
    Attrs, Authz, AuthzContext, AuthzDecision, AuthzEntity, AuthzError, Principal, values,
};

/// What a decision was about, for its audit event.
pub(super) struct Subject<'a> {
    pub(super) principal: &'a str,
    /// The action as asked, or `invalid` when it is none the schema has (a bounded label).
    pub(super) action: &'a str,
    pub(super) resource_type: &'a str,
    pub(super) resource_id: &'a str,
}

/// The audit of one decision: the metrics (`authx_authz_decisions_total`,
/// `authx_authz_decision_seconds`) and the `authz decision` event (target `authx::authz`,
/// DEBUG) with the determining policies and the time taken. `pdp`: the decision point that
/// answered, for AuthZEN.
pub(super) fn audit(decision: &AuthzDecision, subject: &Subject<'_>, pdp: Option<&str>) {
    let outcome = match (decision.allowed, decision.errors.is_empty()) {
        (_, false) => "error",
        (true, true) => "allow",
        (false, true) => "deny",
    };
    crate::metrics::authz(subject.action, outcome, decision.elapsed);
    tracing::debug!(
        target: "authx::authz",
        pdp,
        principal = subject.principal,
        action = subject.action,
        resource_type = subject.resource_type,
        resource = subject.resource_id,
        allowed = decision.allowed,
        policies = ?decision.policies,
        errors = ?decision.errors,
        micros = u64::try_from(decision.elapsed.as_micros()).unwrap_or(u64::MAX),
        "authz decision"
    );
}

/// The resource of a decision, as Cedar needs it.
struct Target<'a> {
    entity_type: &'a str,
    id: String,
    attrs: Attrs,
    parents: Vec<(String, String)>,
}

impl Authz {
    /// Whether `principal` may take `action` (`"Document::edit"`) on `resource`.
    pub fn decide<R: AuthzEntity + ?Sized>(
        &self,
        principal: &Principal,
        action: &str,
        resource: &R,
        context: &AuthzContext,
    ) -> AuthzDecision {
        let target = Target {
            entity_type: R::TYPE,
            id: resource.id(),
            attrs: resource.attrs(),
            parents: resource.parents(),
        };
        self.decide_on(principal, action, target, context)
    }

    /// [`decide`](Self::decide), on a route's loaded resource.
    pub(crate) fn decide_loaded(
        &self,
        principal: &Principal,
        action: &str,
        resource: &dyn DynEntity,
        context: &AuthzContext,
    ) -> AuthzDecision {
        let target = Target {
            entity_type: resource.entity_type(),
            id: resource.entity_id(),
            attrs: resource.entity_attrs(),
            parents: resource.entity_parents(),
        };
        self.decide_on(principal, action, target, context)
    }

    fn decide_on(
        &self,
        principal: &Principal,
        action: &str,
        resource: Target<'_>,
        context: &AuthzContext,
    ) -> AuthzDecision {
        let started = Instant::now();
        let policies = self.current();
        let (resource_type, resource_id) = (resource.entity_type, resource.id.as_str());
        let found = self.inner.names.action(&self.inner.schema, action);
        let known = found.is_ok();
        let decision = match self.request(principal, found, &resource, context) {
            Ok((request, entities)) => {
                let response = self
                    .inner
                    .authorizer
                    .is_authorized(&request, &policies, &entities);
                let diagnostics = response.diagnostics();
                let mut ids: Vec<String> = diagnostics.reason().map(|p| p.to_string()).collect();
                ids.sort();
                let errors: Vec<String> = diagnostics.errors().map(|e| e.to_string()).collect();
                // Cedar skips a policy that errs: a `forbid` that erred must not leave an
                // allow standing.
                AuthzDecision {
                    allowed: response.decision() == Decision::Allow && errors.is_empty(),
                    policies: ids,
                    errors,
                    elapsed: started.elapsed(),
                }
            }
            Err(reason) => AuthzDecision::error(reason, started),
        };
        let subject = Subject {
            principal: &principal.id,
            action: if known { action } else { "invalid" },
            resource_type,
            resource_id,
        };
        audit(&decision, &subject, None);
        decision
    }

    fn request(
        &self,
        principal: &Principal,
        action: Result<Arc<ActionName>, AuthzError>,
        resource: &Target<'_>,
        context: &AuthzContext,
    ) -> Result<(Request, Entities), String> {
        let inner = &self.inner;
        let names = &inner.names;
        let action = action.map_err(|e| e.to_string())?;
        let resource_type = resource.entity_type;
        if names.full(resource_type).map_err(|e| e.to_string())? != action.resource_type {
            return Err(format!(
                "a `{resource_type}` is not the resource of `{}`",
                action.resource_type
            ));
        }
        let principal_type = match (&principal.entity_type, &inner.principal_type) {
            (Some(t), _) | (None, Some(t)) => t.as_str(),
            (None, None) => {
                return Err("the schema has several principal types: name one with \
                            `Authz::principal_type` or `Principal::with_type`"
                    .into());
            }
        };
        let principal_full = names.full(principal_type).map_err(|e| e.to_string())?;
        if !action.principals.iter().any(|p| p == principal_full) {
            // Cedar would evaluate it anyway: type-agnostic permits would allow, and a
            // `forbid(principal is User, ..)` would not apply.
            return Err(format!(
                "a `{principal_full}` is not a principal of `{}` in the schema",
                action.uid
            ));
        }
        let (p, p_entity) = values::entity(
            names,
            principal_type,
            &principal.id,
            &principal.attrs,
            &principal.parents,
        )?;
        let (r, r_entity) = values::entity(
            names,
            resource_type,
            &resource.id,
            &resource.attrs,
            &resource.parents,
        )?;
        // A principal acting on its own entity (a user editing their profile): one entity,
        // the one the route loaded.
        let list = if p == r {
            vec![r_entity]
        } else {
            vec![p_entity, r_entity]
        };
        // Checked against the schema (attribute types, required attributes, parents), on top
        // of the schema's action entities built once.
        let entities = inner
            .actions
            .clone()
            .add_entities(list, Some(&inner.schema))
            .map_err(|e| e.to_string())?;
        let context = values::context(context, principal)?;
        let request =
            Request::new(p, action.uid.clone(), r, context, None).map_err(|e| e.to_string())?;
        Ok((request, entities))
    }

    /// The items of `items` `principal` may take `action` on (each decided as by
    /// [`decide`](Self::decide); one that errs is left out).
    pub fn filter<R: AuthzEntity>(
        &self,
        principal: &Principal,
        action: &str,
        items: impl IntoIterator<Item = R>,
        context: &AuthzContext,
    ) -> Vec<R> {
        items
            .into_iter()
            .filter(|item| {
                let d = self.decide(principal, action, item, context);
                d.allowed && d.errors.is_empty()
            })
            .collect()
    }

    /// The actions of the schema on `resource`'s type that `principal` may take, as
    /// `Document::edit`, sorted (for a UI: which buttons to show).
    pub fn actions_on<R: AuthzEntity + ?Sized>(
        &self,
        principal: &Principal,
        resource: &R,
        context: &AuthzContext,
    ) -> Vec<String> {
        let mut out: Vec<String> = self
            .actions_of_type(R::TYPE)
            .into_iter()
            .filter(|action| {
                let d = self.decide(principal, action, resource, context);
                d.allowed && d.errors.is_empty()
            })
            .collect();
        out.sort();
        out
    }

    /// Every `Type::action` the schema declares for resources of `entity_type`.
    pub fn actions_of_type(&self, entity_type: &str) -> Vec<String> {
        let Ok(full) = self.inner.names.qualify(entity_type) else {
            return Vec::new();
        };
        let schema = &self.inner.schema;
        let mut out: Vec<String> = schema
            .actions()
            .filter(|a| {
                schema
                    .resources_for_action(a)
                    .is_some_and(|mut r| r.any(|t| t.to_string() == full))
            })
            .map(|a| format!("{entity_type}::{}", a.id().unescaped()))
            .collect();
        out.sort();
        out
    }

    /// Every `Type::action` the schema declares, sorted: the
    /// [`actions_of_type`](Self::actions_of_type) of each of its entity types, an action that
    /// applies to several resource types once per type. A type is named as a route names it,
    /// unqualified (`Document::edit`) unless two namespaces have it (`Docs::Document::edit`).
    ///
    /// ```
    /// use authx::authz::Authz;
    ///
    /// let schema = r#"namespace Docs {
    ///     entity User;
    ///     entity Folder;
    ///     entity Document;
    ///     action read appliesTo { principal: User, resource: [Document, Folder] };
    ///     action edit appliesTo { principal: User, resource: Document };
    /// }"#;
    /// let authz = Authz::from_sources(schema, &[]).unwrap();
    /// assert_eq!(
    ///     authz.actions(),
    ///     ["Document::edit", "Document::read", "Folder::read"]
    /// );
    /// assert_eq!(authz.actions_of_type("Folder"), ["Folder::read"]);
    /// ```
    pub fn actions(&self) -> Vec<String> {
        let names = &self.inner.names;
        let mut out: Vec<String> = self
            .inner
            .schema
            .entity_types()
            .map(|ty| {
                let full = ty.to_string();
                let base = ty.basename();
                match names.qualify(base) {
                    Ok(q) if q == full => base.to_owned(),
                    _ => full,
                }
            })
            .flat_map(|ty| self.actions_of_type(&ty))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether `a` and `b` (`"Document::edit"`, `"Docs::Document::edit"`) name one action of
    /// the schema on one resource type. `false` when either is not in the schema. (For
    /// [`unused_actions`](crate::testing::unused_actions).)
    #[cfg(feature = "testing")]
    pub(crate) fn same_action(&self, a: &str, b: &str) -> bool {
        let inner = &self.inner;
        let action = |spec| inner.names.action(&inner.schema, spec).ok();
        action(a).is_some_and(|a| action(b).is_some_and(|b| a == b))
    }

    /// Checks `action` (`"Document::edit"`) against the schema: the action exists and applies
    /// to the resource type. (`#[protect(action = ...)]` checks it when the crate compiles.)
    pub fn check_action(&self, action: &str) -> Result<(), AuthzError> {
        self.inner
            .names
            .action(&self.inner.schema, action)
            .map(|_| ())
    }
}
