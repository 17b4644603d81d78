//! Authorization over resources with [Cedar](https://www.cedarpolicy.com) policies (cargo
//! feature `authz`).
//!
//! An [`Authz`] holds the app's Cedar schema and a policy set validated against it (strict
//! mode). A decision asks whether a [`Principal`] (the token's subject, or the app's user
//! entity) may take an action (`"Document::edit"`: the resource type, then the action) on a
//! resource (an [`AuthzEntity`] the route loaded), in an [`AuthzContext`] (time, client IP,
//! route, and the token's `acr`, `amr`, `auth_time` and DPoP binding).
//!
//! - **Fail closed.** A refusal is `403 PolicyDeniedError`; a decision during which any policy
//!   failed to evaluate, or whose entities do not fit the schema, is `403
//!   PolicyEvaluationError` (logged, never sent), even when the rest would allow: a `forbid`
//!   that errors must not turn into an allow. No policy text reaches the client.
//! - **Explained.** Each [`AuthzDecision`] names the policies that determined it (their `@id`
//!   annotation, else `<file>#<n>`) and how long it took; the decision is logged (target
//!   `authx::authz`, DEBUG).
//! - **Reloaded without a restart.** [`Authz::reload`] (or [`Authz::watch`], which polls the
//!   files) validates the new set against the schema before it replaces the old one; a set
//!   that does not parse or validate is refused whole, the old one stays and the reason is
//!   logged. Decisions are never cached.
//! - **Queries.** [`Authz::filter`] keeps the items of a list a principal may act on;
//!   [`Authz::actions_on`] lists what it may do with one resource (for a UI).
//!
//! ```
//! use authx::authz::{Attr, Attrs, Authz, AuthzContext, AuthzEntity, Principal};
//!
//! struct Document { id: u64, owner: String }
//! impl AuthzEntity for Document {
//!     const TYPE: &'static str = "Document";
//!     fn id(&self) -> String { self.id.to_string() }
//!     fn attrs(&self) -> Attrs {
//!         Attrs::new().with("owner", Attr::entity("User", &self.owner))
//!     }
//! }
//!
//! let schema = r#"namespace Docs {
//!     entity User;
//!     entity Document { owner: User };
//!     action edit appliesTo { principal: User, resource: Document };
//! }"#;
//! let policies = r#"@id("owners-edit")
//!     permit(principal, action == Docs::Action::"edit", resource) when { resource.owner == principal };"#;
//! let authz = Authz::from_sources(schema, &[("documents.cedar", policies)]).unwrap();
//!
//! let doc = Document { id: 1, owner: "alice".into() };
//! let alice = Principal::new("alice");
//! let decision = authz.decide(&alice, "Document::edit", &doc, &AuthzContext::at(0));
//! assert!(decision.allowed);
//! assert_eq!(decision.policies, ["owners-edit"]);
//! assert!(!authz.decide(&Principal::new("bob"), "Document::edit", &doc, &AuthzContext::at(0)).allowed);
//! ```

mod attrs;
#[cfg(feature = "authzen")]
mod authzen;
mod decide;
mod entity;
mod load;
mod names;
mod policies;
mod route;
mod store;
mod values;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use cedar_policy::{Authorizer, PolicySet, Schema};

pub use crate::store::{MemoryPolicies, PolicyStore, StoredPolicies};
pub use attrs::{Attr, Attrs};
#[cfg(feature = "authzen")]
pub use authzen::AuthzenClient;
pub use entity::{AuthzContext, AuthzEntity, Principal, entity_ref};
pub use load::{AsyncLoad, LoadError, LoadOutcome, ResourceLoader, SyncLoad};
pub(crate) use route::Decided;
pub use route::{BoxFuture, DynEntity, LoadResult, Loaded, Resource, ResourceSource, load_erased};

use crate::error::AuthError;
use names::Names;
use policies::Files;

/// Why a schema or policy set was refused, or a decision could not be asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthzError {
    /// The schema does not parse.
    #[error("Cedar schema: {0}")]
    Schema(String),
    /// A policy source does not parse, or two policies share an id.
    #[error("Cedar policies in {source_name}: {reason}")]
    Policies {
        /// The source (file) name.
        source_name: String,
        /// Why.
        reason: String,
    },
    /// The policies do not validate against the schema (strict mode).
    #[error("Cedar policies do not validate against the schema: {0}")]
    Invalid(String),
    /// A file could not be read.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// An entity type the schema does not have (or has in several namespaces).
    #[error("{0}")]
    UnknownType(String),
    /// An action the schema does not have, or that does not apply to the resource type.
    #[error("{0}")]
    UnknownAction(String),
}

/// What a decision found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthzDecision {
    /// Whether the action is allowed: Cedar allowed it and nothing failed to evaluate.
    pub allowed: bool,
    /// The ids of the policies that determined it: the `permit`s that allowed, or the
    /// `forbid`s that refused (none when nothing permitted).
    pub policies: Vec<String>,
    /// What failed to evaluate (policies erroring, entities not fitting the schema): for the
    /// logs. A decision with errors is refused.
    pub errors: Vec<String>,
    /// How long the decision took.
    pub elapsed: Duration,
}

impl AuthzDecision {
    fn error(reason: String, started: Instant) -> Self {
        AuthzDecision {
            allowed: false,
            policies: Vec::new(),
            errors: vec![reason],
            elapsed: started.elapsed(),
        }
    }

    /// `Ok` when allowed; else `403 PolicyEvaluationError` when anything failed to evaluate,
    /// `403 PolicyDeniedError` otherwise.
    pub fn into_result(self) -> Result<(), AuthError> {
        if !self.errors.is_empty() {
            Err(AuthError::PolicyEvaluation {
                detail: self.errors.join("; "),
            })
        } else if self.allowed {
            Ok(())
        } else {
            Err(AuthError::PolicyDenied {
                reason: "Policy denied access".into(),
            })
        }
    }
}

/// The Cedar schema and policies of an app. Cheap to clone (shared); see the
/// [module docs](self).
#[derive(Clone)]
pub struct Authz {
    inner: Arc<Inner>,
}

struct Inner {
    schema: Schema,
    names: Names,
    authorizer: Authorizer,
    /// The schema's action entities, built once: every request's entities start from them.
    actions: cedar_policy::Entities,
    /// Shared by every `Authz` made from this one ([`Authz::principal_type`]).
    policies: Arc<RwLock<Arc<PolicySet>>>,
    /// Held across a reload's read and swap: two reloads at once never swap in the older.
    reloading: Arc<std::sync::Mutex<store::InForce>>,
    /// Where the policies were read from, for [`Authz::reload`].
    files: Option<Files>,
    /// The principal type when a [`Principal`] does not say (the schema's only one, or set).
    principal_type: Option<String>,
}

impl std::fmt::Debug for Authz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authz")
            .field("policies", &self.policy_ids())
            .field("principal_type", &self.inner.principal_type)
            .finish_non_exhaustive()
    }
}

impl Authz {
    /// The schema from `schema_text` (Cedar's own format, or its JSON format) and policies
    /// from named sources (`("documents.cedar", text)`).
    pub fn from_sources(schema_text: &str, sources: &[(&str, &str)]) -> Result<Self, AuthzError> {
        let schema = policies::schema(schema_text)?;
        let sources = policies::sources(sources);
        let set = policies::load(&schema, &sources)?;
        Self::build(schema, set, None)
    }

    /// The schema from the file `schema` and the policies from `policies`: one `.cedar` file,
    /// or every `.cedar` file of a directory. [`reload`](Self::reload) reads them again.
    pub fn from_files(
        schema: impl AsRef<Path>,
        policies: impl Into<PathBuf>,
    ) -> Result<Self, AuthzError> {
        let path = schema.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| AuthzError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let schema = policies::schema(&text)?;
        let files = Files {
            path: policies.into(),
        };
        let set = policies::load(&schema, &files.read()?)?;
        Self::build(schema, set, Some(files))
    }

    fn build(schema: Schema, set: PolicySet, files: Option<Files>) -> Result<Self, AuthzError> {
        let names = Names::of(&schema);
        let mut principals: Vec<String> = schema.principals().map(|t| t.to_string()).collect();
        principals.sort();
        principals.dedup();
        let principal_type = (principals.len() == 1).then(|| principals.remove(0));
        // The action groups: a schema whose actions cannot be had is refused, never taken with
        // none (a `forbid` on a group would not apply).
        let actions = schema
            .action_entities()
            .map_err(|e| AuthzError::Schema(e.to_string()))?;
        Ok(Authz {
            inner: Arc::new(Inner {
                schema,
                names,
                authorizer: Authorizer::new(),
                actions,
                policies: Arc::new(RwLock::new(Arc::new(set))),
                reloading: Arc::default(),
                files,
                principal_type,
            }),
        })
    }

    /// The entity type of principals that do not name theirs ([`Principal::new`]): by default
    /// the schema's principal type when it has exactly one.
    pub fn principal_type(self, entity_type: &str) -> Result<Self, AuthzError> {
        let full = self.inner.names.qualify(entity_type)?;
        let inner = Inner {
            schema: self.inner.schema.clone(),
            names: Names::of(&self.inner.schema),
            authorizer: Authorizer::new(),
            actions: self.inner.actions.clone(),
            policies: self.inner.policies.clone(),
            reloading: self.inner.reloading.clone(),
            files: self.inner.files.clone(),
            principal_type: Some(full),
        };
        Ok(Authz {
            inner: Arc::new(inner),
        })
    }

    fn current(&self) -> Arc<PolicySet> {
        self.inner
            .policies
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The ids of the policies in force, sorted.
    pub fn policy_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .current()
            .policies()
            .map(|p| p.id().to_string())
            .collect();
        ids.sort();
        ids
    }

    /// Replaces the policies with `sources`, once they parse and validate against the schema;
    /// otherwise keeps the ones in force and says why. Returns how many policies are in force.
    pub fn replace(&self, sources: &[(&str, &str)]) -> Result<usize, AuthzError> {
        let sources = policies::sources(sources);
        self.swap(policies::load(&self.inner.schema, &sources))
    }

    /// Reads the policy files again ([`from_files`](Self::from_files)) and swaps them in once
    /// they validate; a file that does not parse or validate keeps the set in force (the
    /// reason is logged and returned).
    pub fn reload(&self) -> Result<usize, AuthzError> {
        let Some(files) = &self.inner.files else {
            return Ok(self.current().policies().count());
        };
        let _one_at_a_time = self
            .inner
            .reloading
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let loaded = files
            .read()
            .and_then(|s| policies::load(&self.inner.schema, &s));
        self.swap(loaded)
    }

    fn swap(&self, loaded: Result<PolicySet, AuthzError>) -> Result<usize, AuthzError> {
        swap_into(&self.inner.policies, loaded)
    }

    /// Polls the policy files every `every` and [`reload`](Self::reload)s when one was
    /// added, removed or changed and has stayed so for one more interval. Replace policy files
    /// atomically (write a new file, then rename it over the old): a file read while an editor
    /// has emptied it holds no policies, which validates. Stops when the returned handle is
    /// aborted or dropped with the runtime.
    pub fn watch(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let authz = self.clone();
        let files = self.inner.files.clone();
        // What is in force now: a change made after this call (before the task first runs)
        // is a change.
        let mut loaded: Option<Vec<(PathBuf, Option<SystemTime>)>> =
            files.as_ref().and_then(|f| f.list().ok());
        tokio::spawn(async move {
            let Some(files) = files else {
                return;
            };
            // Reloaded once a change has held still for a whole interval: a file caught
            // half-written (emptied, then written) is not taken.
            let mut last = loaded.clone();
            loop {
                tokio::time::sleep(every).await;
                let now = files.list().ok();
                if now == last && now != loaded {
                    let _ = authz.reload();
                    loaded = now.clone();
                }
                last = now;
            }
        })
    }
}

/// Puts `loaded` in force in `policies` when it is a set; otherwise keeps the one in force and
/// says why.
fn swap_into(
    policies: &RwLock<Arc<PolicySet>>,
    loaded: Result<PolicySet, AuthzError>,
) -> Result<usize, AuthzError> {
    match loaded {
        Ok(set) => {
            let count = set.policies().count();
            *policies
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(set);
            tracing::info!(target: "authx::authz", policies = count, "authx: policies loaded");
            Ok(count)
        }
        Err(e) => {
            tracing::error!(
                target: "authx::authz",
                error = %e,
                "authx: new policies refused, the ones in force stay"
            );
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests;
