//! What a decision is about: the resource ([`AuthzEntity`]), the principal ([`Principal`]) and
//! the request's context ([`AuthzContext`]), and how each becomes Cedar's entity JSON.

use serde_json::{Value, json};

use super::Attrs;
use crate::token::Claims;

/// A value that is a Cedar entity: a resource a route loads (a document), or the principal's
/// own record (an `#[auth_subject]` user with its roles).
///
/// `attrs` are checked against the schema at each decision. A reference to another entity is
/// [`Attr::entity`](super::Attr::entity)`("User", "alice")`: the type as the schema names it,
/// unqualified within the schema's one namespace. (Attributes can also be written as JSON in
/// Cedar's entity-JSON form: see [`Attrs`].)
///
/// ```
/// use authx::authz::{Attr, Attrs, AuthzEntity};
///
/// struct Document { id: u64, owner: String, editors: Vec<String>, public: bool }
///
/// impl AuthzEntity for Document {
///     const TYPE: &'static str = "Document";
///     fn id(&self) -> String { self.id.to_string() }
///     fn attrs(&self) -> Attrs {
///         Attrs::new()
///             .with("owner", Attr::entity("User", &self.owner))
///             .with("editors", Attr::entities("User", &self.editors))
///             .with("public", self.public)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Cedar entity: implement `authx::authz::AuthzEntity` for it",
    label = "not an `AuthzEntity`",
    note = "a route's resource (what its loader returns) and its `principal` type are entities \
            of the app's Cedar schema: give them `TYPE`, `id`, and `attrs` and `parents` if \
            the schema declares any"
)]
pub trait AuthzEntity {
    /// The entity type, as the schema names it (`Document`, or `Docs::Document`).
    const TYPE: &'static str;
    /// The entity's id.
    fn id(&self) -> String;
    /// Its attributes; none by default.
    fn attrs(&self) -> Attrs {
        Attrs::new()
    }
    /// The entities it is `in` (a document's folder, a user's groups): `(type, id)` pairs.
    /// List **every ancestor**, not only the direct parents: a decision is given this entity
    /// and the principal, not the ancestors' own entities, so Cedar cannot climb from a folder
    /// to its parent folder. A `forbid ... when { resource in Folder::"root" }` holds for a
    /// document three folders down only when `Folder::"root"` is among these.
    fn parents(&self) -> Vec<(String, String)> {
        Vec::new()
    }
}

/// The principal of a decision: by default the token's subject as an entity of the schema's
/// principal type, with no attributes; [`with_attrs`](Self::with_attrs) and
/// [`with_parent`](Self::with_parent) add what the app knows of it (roles, organizations).
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub(crate) entity_type: Option<String>,
    pub(crate) id: String,
    pub(crate) attrs: Attrs,
    pub(crate) parents: Vec<(String, String)>,
    /// The token's claims as the context needs them.
    pub(crate) claims: ClaimsContext,
}

/// What the context takes from the token.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ClaimsContext {
    pub(crate) acr: Option<String>,
    pub(crate) amr: Vec<String>,
    pub(crate) auth_time: Option<i64>,
    pub(crate) dpop: bool,
}

impl Principal {
    /// Principal `id` (of the schema's principal type), with no token: the context has no
    /// `acr`, `amr` or `auth_time`, and `dpop` is false.
    pub fn new(id: impl Into<String>) -> Self {
        Principal {
            entity_type: None,
            id: id.into(),
            attrs: Attrs::new(),
            parents: Vec::new(),
            claims: ClaimsContext::default(),
        }
    }

    /// The subject of verified `claims`, of the schema's principal type (see
    /// [`Authz::principal_type`](super::Authz::principal_type)).
    pub fn from_claims(claims: &Claims) -> Self {
        Principal {
            entity_type: None,
            id: claims.sub.clone(),
            attrs: Attrs::new(),
            parents: Vec::new(),
            claims: ClaimsContext {
                acr: claims.acr().map(str::to_owned),
                amr: claims.amr().iter().map(|s| (*s).to_owned()).collect(),
                auth_time: claims.auth_time,
                dpop: claims.dpop_jkt().is_some(),
            },
        }
    }

    /// The principal as an app's entity (an `#[auth_subject]` user): its type, id, attributes
    /// and parents, with the token's claims for the context.
    pub fn from_entity<T: AuthzEntity>(entity: &T, claims: &Claims) -> Self {
        Principal {
            entity_type: Some(T::TYPE.to_owned()),
            id: entity.id(),
            attrs: entity.attrs(),
            parents: entity.parents(),
            ..Self::from_claims(claims)
        }
    }

    /// These attributes (as [`AuthzEntity::attrs`]: an [`Attrs`], or a JSON object in Cedar's
    /// entity-JSON form).
    pub fn with_attrs(mut self, attrs: impl Into<Attrs>) -> Self {
        self.attrs = attrs.into();
        self
    }

    /// Adds a parent entity (`principal in Org::"acme"`).
    pub fn with_parent(mut self, entity_type: impl Into<String>, id: impl Into<String>) -> Self {
        self.parents.push((entity_type.into(), id.into()));
        self
    }

    /// Of this type, rather than the schema's principal type.
    pub fn with_type(mut self, entity_type: impl Into<String>) -> Self {
        self.entity_type = Some(entity_type.into());
        self
    }

    /// The principal's id (the subject, by default).
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl From<&Claims> for Principal {
    /// [`Principal::from_claims`].
    fn from(claims: &Claims) -> Self {
        Principal::from_claims(claims)
    }
}

/// The request around a decision, as `context` in policies: `time` (seconds since the
/// epoch), `ip` (the client's address, a Cedar `ipaddr`: declare `ip?: ipaddr`), `route`
/// (`GET /documents/{id}`: the method and axum's matched route template), `dpop` (whether
/// the token is DPoP-bound), and, when the token has them, `acr`, `amr` (a set) and
/// `auth_time`. Policies that read the context are validated against the action's `context`
/// type in the schema: declare there the attributes they use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthzContext {
    /// Now, in seconds since the epoch.
    pub time: i64,
    /// The client's address.
    pub ip: Option<String>,
    /// The route deciding (its handler's path), when there is one.
    pub route: Option<String>,
}

impl AuthzContext {
    /// The context at `time` (seconds since the epoch).
    pub fn at(time: i64) -> Self {
        AuthzContext {
            time,
            ..Self::default()
        }
    }

    /// From `ip`.
    pub fn with_ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// On `route`.
    pub fn with_route(mut self, route: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self
    }

    /// The Cedar record: this, with what `principal`'s token says.
    #[cfg(feature = "authzen")]
    pub(crate) fn record(&self, principal: &Principal) -> serde_json::Map<String, Value> {
        let mut record = serde_json::Map::new();
        record.insert("time".into(), json!(self.time));
        record.insert("dpop".into(), json!(principal.claims.dpop));
        if let Some(ip) = &self.ip {
            record.insert("ip".into(), json!(ip));
        }
        if let Some(route) = &self.route {
            record.insert("route".into(), json!(route));
        }
        let claims = &principal.claims;
        if let Some(acr) = &claims.acr {
            record.insert("acr".into(), json!(acr));
        }
        if !claims.amr.is_empty() {
            record.insert("amr".into(), json!(claims.amr));
        }
        if let Some(at) = claims.auth_time {
            record.insert("auth_time".into(), json!(at));
        }
        record
    }
}

/// A reference to entity `id` of type `entity_type`, as an attribute's value: Cedar's
/// `{"__entity": {"type": .., "id": ..}}`, its type qualified when the decision is made.
pub fn entity_ref(entity_type: &str, id: &str) -> Value {
    json!({ "__entity": { "type": entity_type, "id": id } })
}
