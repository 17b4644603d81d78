//! An entity's attributes, typed ([`Attrs`], [`Attr`]) or in Cedar's entity-JSON form.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

/// The attributes of a Cedar entity ([`AuthzEntity::attrs`](super::AuthzEntity::attrs)):
/// built with [`with`](Self::with), or made from a JSON object in Cedar's entity-JSON form
/// (`json!({..}).into()`, a reference to an entity being [`entity_ref`](super::entity_ref)).
/// Either way they are checked against the schema at each decision; the typed form is made
/// into Cedar values directly, with no JSON in between (the cheaper of the two).
///
/// ```
/// use authx::authz::{Attr, Attrs};
/// use serde_json::json;
///
/// let typed = Attrs::new()
///     .with("owner", Attr::entity("User", "alice"))
///     .with("editors", Attr::entities("User", ["bob", "carol"]))
///     .with("public", false)
///     .with("pages", 12);
/// let from_json: Attrs = json!({
///     "owner": { "__entity": { "type": "User", "id": "alice" } },
///     "editors": [
///         { "__entity": { "type": "User", "id": "bob" } },
///         { "__entity": { "type": "User", "id": "carol" } }
///     ],
///     "public": false,
///     "pages": 12
/// })
/// .into();
/// assert_eq!(typed.to_json(), from_json.to_json());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Attrs(pub(crate) Repr);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Repr {
    Typed(Vec<(String, Attr)>),
    Json(Value),
}

impl Default for Attrs {
    fn default() -> Self {
        Attrs(Repr::Typed(Vec::new()))
    }
}

impl Attrs {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// With attribute `name` set to `value` (replacing one of that name).
    pub fn with(self, name: impl Into<String>, value: impl Into<Attr>) -> Self {
        let (name, value) = (name.into(), value.into());
        let mut list = match self.0 {
            Repr::Typed(list) => list,
            Repr::Json(json) => match json {
                Value::Object(map) => map.into_iter().map(|(k, v)| (k, Attr::json(v))).collect(),
                // Not an object: kept, so that the decision refuses it as it would have.
                other => return Attrs(Repr::Json(other)),
            },
        };
        match list.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => list.push((name, value)),
        }
        Attrs(Repr::Typed(list))
    }

    /// In Cedar's entity-JSON form (what an AuthZEN decision point is sent).
    pub fn to_json(&self) -> Value {
        match &self.0 {
            Repr::Typed(list) => Value::Object(
                list.iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect::<Map<_, _>>(),
            ),
            Repr::Json(json) => json.clone(),
        }
    }
}

impl From<Value> for Attrs {
    /// A JSON object in Cedar's entity-JSON form (`null` is no attributes).
    fn from(json: Value) -> Self {
        match json {
            Value::Null => Attrs::new(),
            json => Attrs(Repr::Json(json)),
        }
    }
}

/// One attribute's value: a bool, a 64-bit integer or a string (from those types), a
/// reference to an entity, a set, a record, an IP address or a decimal.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr(pub(crate) Kind);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Bool(bool),
    Long(i64),
    String(String),
    Entity(Cow<'static, str>, String),
    Set(Vec<Attr>),
    Record(Attrs),
    Ip(String),
    Decimal(String),
    Json(Value),
}

impl Attr {
    /// A reference to entity `id` of type `entity_type` (as the schema names it: `User`).
    pub fn entity(entity_type: impl Into<Cow<'static, str>>, id: impl Into<String>) -> Self {
        Attr(Kind::Entity(entity_type.into(), id.into()))
    }

    /// A set of references to entities of one type (a document's editors).
    pub fn entities<I>(entity_type: &'static str, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Attr(Kind::Set(
            ids.into_iter()
                .map(|id| Attr::entity(entity_type, id))
                .collect(),
        ))
    }

    /// A set.
    pub fn set<I>(items: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Attr>,
    {
        Attr(Kind::Set(items.into_iter().map(Into::into).collect()))
    }

    /// A record.
    pub fn record(attrs: Attrs) -> Self {
        Attr(Kind::Record(attrs))
    }

    /// An `ipaddr` (`"10.0.0.1"`, `"10.0.0.0/8"`); one that does not parse fails the decision.
    pub fn ip(addr: impl Into<String>) -> Self {
        Attr(Kind::Ip(addr.into()))
    }

    /// A `decimal` (`"1.25"`); one that does not parse fails the decision.
    pub fn decimal(value: impl Into<String>) -> Self {
        Attr(Kind::Decimal(value.into()))
    }

    /// A value in Cedar's entity-JSON form.
    pub fn json(value: Value) -> Self {
        Attr(Kind::Json(value))
    }

    fn to_json(&self) -> Value {
        match &self.0 {
            Kind::Bool(b) => json!(b),
            Kind::Long(n) => json!(n),
            Kind::String(s) => json!(s),
            Kind::Entity(ty, id) => super::entity_ref(ty, id),
            Kind::Set(items) => Value::Array(items.iter().map(Attr::to_json).collect()),
            Kind::Record(attrs) => attrs.to_json(),
            Kind::Ip(arg) => json!({ "__extn": { "fn": "ip", "arg": arg } }),
            Kind::Decimal(arg) => json!({ "__extn": { "fn": "decimal", "arg": arg } }),
            Kind::Json(value) => value.clone(),
        }
    }
}

impl From<bool> for Attr {
    fn from(b: bool) -> Self {
        Attr(Kind::Bool(b))
    }
}

impl From<i64> for Attr {
    fn from(n: i64) -> Self {
        Attr(Kind::Long(n))
    }
}

impl From<i32> for Attr {
    fn from(n: i32) -> Self {
        Attr(Kind::Long(n.into()))
    }
}

impl From<u32> for Attr {
    fn from(n: u32) -> Self {
        Attr(Kind::Long(n.into()))
    }
}

impl From<String> for Attr {
    fn from(s: String) -> Self {
        Attr(Kind::String(s))
    }
}

impl From<&str> for Attr {
    fn from(s: &str) -> Self {
        Attr(Kind::String(s.to_owned()))
    }
}

impl From<&String> for Attr {
    fn from(s: &String) -> Self {
        Attr(Kind::String(s.clone()))
    }
}

impl From<Attrs> for Attr {
    /// [`Attr::record`].
    fn from(attrs: Attrs) -> Self {
        Attr::record(attrs)
    }
}

impl<T: Into<Attr>> From<Vec<T>> for Attr {
    /// [`Attr::set`].
    fn from(items: Vec<T>) -> Self {
        Attr::set(items)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Attr, Attrs};
    use crate::authz::{Authz, AuthzContext, AuthzEntity, Principal, entity_ref};

    const SCHEMA: &str = r#"entity User;
        entity Host { owner: User, admins: Set<User>, net: ipaddr, load: decimal,
                      meta: { pages: Long, tag: String } };
        action manage appliesTo { principal: User, resource: Host };"#;
    const POLICIES: &str = r#"@id("admins")
        permit(principal, action, resource) when {
            resource.owner == principal || resource.admins.contains(principal)
            && resource.net.isInRange(ip("10.0.0.0/8"))
            && resource.load.lessThan(decimal("0.75"))
            && resource.meta.pages == 12 && resource.meta.tag == "db"
        };"#;

    /// A host, its attributes given by a closure (typed or JSON).
    struct Host(fn() -> Attrs);

    impl AuthzEntity for Host {
        const TYPE: &'static str = "Host";
        fn id(&self) -> String {
            "h1".into()
        }
        fn attrs(&self) -> Attrs {
            (self.0)()
        }
    }

    fn typed() -> Attrs {
        Attrs::new()
            .with("owner", Attr::entity("User", "olivia"))
            .with("admins", Attr::entities("User", ["ada", "bob"]))
            .with("net", Attr::ip("10.1.2.3"))
            .with("load", Attr::decimal("0.5"))
            .with("meta", Attrs::new().with("pages", 12).with("tag", "db"))
    }

    fn as_json() -> Attrs {
        json!({
            "owner": entity_ref("User", "olivia"),
            "admins": [entity_ref("User", "ada"), entity_ref("User", "bob")],
            "net": { "__extn": { "fn": "ip", "arg": "10.1.2.3" } },
            "load": { "__extn": { "fn": "decimal", "arg": "0.5" } },
            "meta": { "pages": 12, "tag": "db" },
        })
        .into()
    }

    /// Who of olivia, ada and mallory may manage the host.
    fn allowed(host: &Host) -> Vec<bool> {
        let authz = Authz::from_sources(SCHEMA, &[("p.cedar", POLICIES)]).unwrap();
        ["olivia", "ada", "mallory"]
            .iter()
            .map(|who| {
                let d = authz.decide(
                    &Principal::new(*who),
                    "Host::manage",
                    host,
                    &AuthzContext::at(0),
                );
                assert!(d.errors.is_empty(), "{who}: {d:?}");
                d.allowed
            })
            .collect()
    }

    #[test]
    fn typed_and_json_attributes_decide_alike() {
        assert_eq!(typed().to_json(), as_json().to_json());
        assert_eq!(allowed(&Host(typed)), [true, true, false]);
        assert_eq!(allowed(&Host(as_json)), [true, true, false]);
    }

    #[test]
    fn with_replaces_an_attribute_and_extends_a_json_object() {
        let attrs = Attrs::new().with("pages", 1).with("pages", 2);
        assert_eq!(attrs.to_json(), json!({ "pages": 2 }));
        let attrs = Attrs::from(json!({ "pages": 1, "tag": "a" })).with("pages", 3);
        assert_eq!(attrs.to_json(), json!({ "pages": 3, "tag": "a" }));
        assert_eq!(Attrs::from(json!(null)), Attrs::new());
    }

    #[test]
    fn attributes_that_do_not_fit_fail_closed() {
        let cases: [fn() -> Attrs; 5] = [
            // Not an object.
            || json!([1, 2]).into(),
            // A string where the schema has an entity.
            || typed().with("owner", "olivia"),
            // A type the schema does not have.
            || typed().with("owner", Attr::entity("Group", "olivia")),
            // An address that does not parse.
            || typed().with("net", Attr::ip("10.1.2")),
            // A required attribute missing.
            || Attrs::new().with("owner", Attr::entity("User", "olivia")),
        ];
        let authz = Authz::from_sources(SCHEMA, &[("p.cedar", POLICIES)]).unwrap();
        for (i, attrs) in cases.into_iter().enumerate() {
            let d = authz.decide(
                &Principal::new("olivia"),
                "Host::manage",
                &Host(attrs),
                &AuthzContext::at(0),
            );
            assert!(!d.allowed && !d.errors.is_empty(), "case {i}: {d:?}");
        }
    }
}
