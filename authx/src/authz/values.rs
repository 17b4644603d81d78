//! Entities and the context as Cedar values, built directly (no JSON parsing on the request
//! path: Cedar's schema-directed JSON reader costs several times the evaluation itself).

use std::collections::{HashMap, HashSet};

use cedar_policy::{Context, Entity, EntityUid, RestrictedExpression};
use serde_json::{Map, Value};

use super::attrs::{Attr, Attrs, Kind, Repr};
use super::names::Names;
use super::{AuthzContext, Principal};

/// The entity `id` of type `entity_type` (as the app writes it), with `attrs` and `parents`.
pub(crate) fn entity(
    names: &Names,
    entity_type: &str,
    id: &str,
    attrs: &Attrs,
    parents: &[(String, String)],
) -> Result<(EntityUid, Entity), String> {
    let uid = names.uid(entity_type, id).map_err(|e| e.to_string())?;
    let attrs =
        record(names, attrs).map_err(|e| format!("the attributes of `{entity_type}`: {e}"))?;
    let parents = parents
        .iter()
        .map(|(ty, id)| names.uid(ty, id).map_err(|e| e.to_string()))
        .collect::<Result<HashSet<EntityUid>, String>>()?;
    let entity = Entity::new(uid.clone(), attrs, parents).map_err(|e| e.to_string())?;
    Ok((uid, entity))
}

/// The context record of a decision: [`AuthzContext`]'s fields with what the principal's token
/// says (the same names as [`AuthzContext::record`], which AuthZEN sends), `ip` as an `ipaddr`.
pub(crate) fn context(context: &AuthzContext, principal: &Principal) -> Result<Context, String> {
    let claims = &principal.claims;
    let mut pairs = vec![
        (
            "time".to_owned(),
            RestrictedExpression::new_long(context.time),
        ),
        (
            "dpop".to_owned(),
            RestrictedExpression::new_bool(claims.dpop),
        ),
    ];
    if let Some(addr) = &context.ip {
        pairs.push(("ip".to_owned(), ip(addr)));
    }
    if let Some(route) = &context.route {
        pairs.push((
            "route".to_owned(),
            RestrictedExpression::new_string(route.clone()),
        ));
    }
    if let Some(acr) = &claims.acr {
        pairs.push((
            "acr".to_owned(),
            RestrictedExpression::new_string(acr.clone()),
        ));
    }
    if !claims.amr.is_empty() {
        let amr = claims
            .amr
            .iter()
            .cloned()
            .map(RestrictedExpression::new_string);
        pairs.push(("amr".to_owned(), RestrictedExpression::new_set(amr)));
    }
    if let Some(at) = claims.auth_time {
        pairs.push(("auth_time".to_owned(), RestrictedExpression::new_long(at)));
    }
    Context::from_pairs(pairs).map_err(|e| e.to_string())
}

/// Typed attributes as Cedar's record fields (no JSON in between), or JSON ones read.
fn record(names: &Names, attrs: &Attrs) -> Result<HashMap<String, RestrictedExpression>, String> {
    match &attrs.0 {
        Repr::Typed(list) => list
            .iter()
            .map(|(k, v)| {
                Ok((
                    k.clone(),
                    typed(names, v).map_err(|e| format!("`{k}`: {e}"))?,
                ))
            })
            .collect(),
        Repr::Json(Value::Object(map)) => fields(names, map),
        Repr::Json(Value::Null) => Ok(HashMap::new()),
        Repr::Json(other) => Err(format!("not an object: {other}")),
    }
}

/// One typed value.
fn typed(names: &Names, value: &Attr) -> Result<RestrictedExpression, String> {
    Ok(match &value.0 {
        Kind::Bool(b) => RestrictedExpression::new_bool(*b),
        Kind::Long(n) => RestrictedExpression::new_long(*n),
        Kind::String(s) => RestrictedExpression::new_string(s.clone()),
        Kind::Entity(ty, id) => {
            RestrictedExpression::new_entity_uid(names.uid(ty, id).map_err(|e| e.to_string())?)
        }
        Kind::Set(items) => RestrictedExpression::new_set(
            items
                .iter()
                .map(|v| typed(names, v))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Kind::Record(attrs) => {
            RestrictedExpression::new_record(record(names, attrs)?).map_err(|e| e.to_string())?
        }
        Kind::Ip(addr) => ip(addr),
        Kind::Decimal(arg) => RestrictedExpression::new_decimal(arg.clone()),
        Kind::Json(value) => expr(names, value)?,
    })
}

fn fields(
    names: &Names,
    map: &Map<String, Value>,
) -> Result<HashMap<String, RestrictedExpression>, String> {
    map.iter()
        .map(|(k, v)| {
            Ok((
                k.clone(),
                expr(names, v).map_err(|e| format!("`{k}`: {e}"))?,
            ))
        })
        .collect()
}

/// One value: a bool, a 64-bit integer, a string, a set (array), a record (object), an entity
/// reference (`{"__entity": {"type", "id"}}`, its type qualified) or an extension value
/// (`{"__extn": {"fn": "ip" | "decimal", "arg": ..}}`).
fn expr(names: &Names, value: &Value) -> Result<RestrictedExpression, String> {
    Ok(match value {
        Value::Bool(b) => RestrictedExpression::new_bool(*b),
        Value::Number(n) => RestrictedExpression::new_long(
            n.as_i64()
                .ok_or_else(|| format!("{n} is not a Cedar Long (a 64-bit integer)"))?,
        ),
        Value::String(s) => RestrictedExpression::new_string(s.clone()),
        Value::Array(items) => RestrictedExpression::new_set(
            items
                .iter()
                .map(|v| expr(names, v))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Value::Object(map) => {
            if let (1, Some(Value::Object(inner))) = (map.len(), map.get("__entity")) {
                let (Some(Value::String(ty)), Some(Value::String(id))) =
                    (inner.get("type"), inner.get("id"))
                else {
                    return Err("an `__entity` needs a string `type` and `id`".into());
                };
                let uid = names.uid(ty, id).map_err(|e| e.to_string())?;
                return Ok(RestrictedExpression::new_entity_uid(uid));
            }
            if let (1, Some(Value::Object(inner))) = (map.len(), map.get("__extn")) {
                let arg = inner.get("arg").and_then(Value::as_str);
                return match (inner.get("fn").and_then(Value::as_str), arg) {
                    (Some("ip"), Some(arg)) => Ok(ip(arg)),
                    (Some("decimal"), Some(arg)) => Ok(RestrictedExpression::new_decimal(arg)),
                    _ => Err(
                        "an `__extn` is `{\"fn\": \"ip\" | \"decimal\", \"arg\": \"..\"}`".into(),
                    ),
                };
            }
            RestrictedExpression::new_record(fields(names, map)?).map_err(|e| e.to_string())?
        }
        Value::Null => return Err("null is not a Cedar value: leave the attribute out".into()),
    })
}

/// Client addresses made into Cedar's `ip(..)` lately: Cedar parses the name `ip` anew for
/// each one it makes, a sixth of a decision. Bounded: emptied when full.
const IPS_KEPT: usize = 4096;

/// `ip(addr)`, from the addresses made lately when it is one of them.
fn ip(addr: &str) -> RestrictedExpression {
    use std::sync::{Mutex, OnceLock, PoisonError};
    static IPS: OnceLock<Mutex<HashMap<String, RestrictedExpression>>> = OnceLock::new();
    let ips = IPS.get_or_init(Mutex::default);
    if let Some(made) = ips.lock().unwrap_or_else(PoisonError::into_inner).get(addr) {
        return made.clone();
    }
    let made = RestrictedExpression::new_ip(addr);
    let mut ips = ips.lock().unwrap_or_else(PoisonError::into_inner);
    if ips.len() >= IPS_KEPT {
        ips.clear();
    }
    ips.insert(addr.to_owned(), made.clone());
    made
}
