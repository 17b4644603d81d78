//! A provider's verified payload checked (issuer, audience, dates) and mapped onto authx
//! [`Claims`]. Pure: payload, configuration, time.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::config::{ClaimsMapping, IssuerConfig};
use crate::error::{AuthError, DecodeFailure};
use crate::token::{API_KEY_CLAIM, Claims, Extra, KIND_CLAIM, RESERVED_CLAIMS, TokenType};

/// Checks the registered claims of a provider token whose signature verified, then maps it.
pub(crate) fn check_and_map(
    config: &IssuerConfig,
    mut payload: Extra,
    token: &str,
    now: i64,
) -> Result<Claims, AuthError> {
    let leeway = i64::try_from(config.leeway.as_secs()).unwrap_or(i64::MAX);
    let missing = |name| AuthError::Decode(DecodeFailure::MissingClaim(name));

    if payload.get("iss").and_then(Value::as_str) != Some(config.issuer.as_str()) {
        return Err(AuthError::InvalidIssuer);
    }
    let aud = strings(payload.get("aud"));
    if !aud.iter().any(|a| config.audience.contains(a)) {
        return Err(AuthError::InvalidAudience);
    }
    let exp = date(payload.get("exp"))?.ok_or_else(|| missing("exp"))?;
    if now >= exp.saturating_add(leeway) {
        return Err(AuthError::Expired);
    }
    let nbf = date(payload.get("nbf"))?;
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(AuthError::Decode(DecodeFailure::NotYetValid));
    }
    let iat = date(payload.get("iat"))?;
    if iat.is_some_and(|iat| iat > now.saturating_add(leeway)) {
        return Err(AuthError::Decode(DecodeFailure::IssuedInFuture));
    }

    let mapping = &config.claims;
    let sub = match lookup(&payload, &mapping.subject_claim) {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(missing("sub")),
    };
    // Namespaced: a provider's user is never one of this service's own, nor another
    // provider's, wherever subjects key records (sessions, rate limits...); and its token ids
    // likewise, as they key revocations (a provider minting `jti: "sid:<a local session>"`
    // must not end that session when its own user logs out).
    let namespace = match &mapping.subject_prefix {
        Some(prefix) => prefix.clone(),
        None => format!("{}|", config.issuer),
    };
    let sub = format!("{namespace}{sub}");
    // An authx (or Python AuthX) issuer's refresh token is not an access token here either.
    if payload.get("type").and_then(Value::as_str) == Some("refresh") {
        return Err(AuthError::AccessTokenRequired);
    }
    let jti = match payload.get("jti") {
        Some(Value::String(s)) if !s.is_empty() => format!("{namespace}{s}"),
        _ => format!("{namespace}{}", token_hash(token)),
    };
    let scopes = granted_scopes(&payload, mapping);
    let login_type = mapping
        .login_type_claim
        .as_deref()
        .and_then(|path| lookup(&payload, path))
        .cloned();
    let iss = Some(config.issuer.clone());
    let auth_time = date(payload.get("auth_time"))?;

    // What is left is extra data; names authx gives a meaning to are not passed through, nor
    // is the provider's own `login_type` (a user kind comes only from the mapped claim).
    for name in RESERVED_CLAIMS {
        payload.remove(*name);
    }
    payload.remove(KIND_CLAIM);
    payload.remove(API_KEY_CLAIM);
    if let Some(kind) = login_type {
        payload.insert(KIND_CLAIM.into(), kind);
    }
    Ok(Claims {
        sub,
        jti,
        token_type: TokenType::Access,
        fresh: false,
        iat,
        nbf,
        exp,
        iss,
        aud,
        csrf: None,
        scopes: (!scopes.is_empty()).then_some(scopes),
        sid: None,
        auth_time,
        extra: payload,
    })
}

/// The scopes a provider token grants: its scope claims, then its roles as mapped.
fn granted_scopes(payload: &Extra, mapping: &ClaimsMapping) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    };
    for path in &mapping.scope_claims {
        match lookup(payload, path) {
            Some(Value::String(s)) => s.split_whitespace().for_each(&mut push),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .flat_map(str::split_whitespace)
                .for_each(&mut push),
            _ => {}
        }
    }
    for path in &mapping.role_claims {
        for role in strings(lookup(payload, path)) {
            match mapping.role_scopes.get(&role) {
                Some(scopes) => scopes.iter().for_each(|s| push(s)),
                None => {
                    let scope = format!("{}{role}", mapping.role_prefix);
                    // Only a literal scope under the prefix: a role named `*` or `x:*` would
                    // otherwise grant a wildcard.
                    match authx_spec::ScopePattern::parse(&scope) {
                        Ok(p) if !p.is_wildcard() => push(&scope),
                        _ => {
                            tracing::debug!("authx: provider role is not a literal scope; ignored")
                        }
                    }
                }
            }
        }
    }
    out
}

/// A claim by dotted path; a top-level name containing dots (`https://example.com/roles`)
/// wins over the path reading.
fn lookup<'a>(payload: &'a Extra, path: &str) -> Option<&'a Value> {
    if let Some(v) = payload.get(path) {
        return Some(v);
    }
    let mut parts = path.split('.');
    let mut current = payload.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

/// A string or a list of strings (other entries ignored); anything else is none.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// A NumericDate: integer or fractional seconds; absent is `None`, anything else malformed.
fn date(v: Option<&Value>) -> Result<Option<i64>, AuthError> {
    let malformed = AuthError::Decode(DecodeFailure::Malformed);
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(i));
            }
            match n.as_f64() {
                Some(f) if f.is_finite() && f > i64::MIN as f64 && f < i64::MAX as f64 => {
                    Ok(Some(f.floor() as i64))
                }
                _ => Err(malformed),
            }
        }
        Some(_) => Err(malformed),
    }
}

/// A stable id for a token without `jti`, so it can still be revoked: `sha256:` and the hex
/// digest of its signing input (`header.payload`, what the signature covers). Not of the whole
/// token: an ECDSA signature has a twin (`s` and `n - s`) that verifies too, and both must
/// fall under one revocation.
fn token_hash(token: &str) -> String {
    let signed = token.rsplit_once('.').map_or(token, |(input, _)| input);
    let digest = Sha256::digest(signed.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> IssuerConfig {
        IssuerConfig::builder("https://idp.test")
            .audience("api")
            .role_claim("realm_access.roles")
            .role_claim("https://example.com/groups")
            .role_scope("admin", "admin:*")
            .role_prefix("role:")
            .login_type_claim("idp")
            .build()
    }

    fn payload(v: Value) -> Extra {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("test payloads are objects"),
        }
    }

    #[test]
    fn maps_scopes_roles_and_extra() {
        let p = payload(serde_json::json!({
            "iss": "https://idp.test", "aud": ["other", "api"], "sub": "u1", "exp": 2000.5,
            "scope": "orders:read  profile", "scp": ["orders:write", "profile"],
            "realm_access": {"roles": ["admin", "auditor"]},
            "https://example.com/groups": "ops",
            "idp": "google", "email": "u1@example.com", "type": "id", "sid": "s1"
        }));
        // An authx-style refresh token is no access token, whoever issued it.
        let mut refresh = p.clone();
        refresh.insert("type".into(), "refresh".into());
        assert!(matches!(
            check_and_map(&config(), refresh, "a.b.c", 1000),
            Err(AuthError::AccessTokenRequired)
        ));
        let c = check_and_map(&config(), p.clone(), "a.b.c", 1000).unwrap();
        assert_eq!(c.sub, "https://idp.test|u1", "namespaced by the issuer");
        let mut prefixed = config();
        prefixed.claims.subject_prefix = Some("idp:".into());
        let c2 = check_and_map(&prefixed, p, "a.b.c", 1000).unwrap();
        assert_eq!(c2.sub, "idp:u1", "or by the configured prefix");
        assert_eq!(c.exp, 2000);
        assert_eq!(c.token_type, TokenType::Access);
        assert!(!c.fresh);
        assert_eq!(
            c.scopes(),
            [
                "orders:read",
                "profile",
                "orders:write",
                "admin:*",
                "role:auditor",
                "role:ops"
            ]
        );
        assert!(c.has_scope("admin:users:read"));
        assert_eq!(c.extra["login_type"], "google");
        assert_eq!(c.extra["email"], "u1@example.com");
        assert!(!c.extra.contains_key("type") && !c.extra.contains_key("sid"));
        assert_eq!(c.sid, None);
        // No jti: a stable hash of what the signature covers, whatever the signature, in the
        // provider's namespace.
        let hash = c.jti.strip_prefix("https://idp.test|").expect("namespaced");
        assert_eq!(hash, token_hash("a.b.c"));
        assert_eq!(hash, token_hash("a.b.another-signature"));
        assert_ne!(hash, token_hash("a.c.c"));
        assert!(hash.starts_with("sha256:") && hash.len() == 71);
        // A provider's own jti is namespaced too: it keys revocations, and must never name a
        // local token or session (`sid:<id>`).
        let with_jti = payload(serde_json::json!({
            "iss": "https://idp.test", "aud": "api", "sub": "u1", "exp": 2000,
            "jti": "sid:local-session"
        }));
        let c = check_and_map(&config(), with_jti, "a.b.c", 1000).unwrap();
        assert_eq!(c.jti, "https://idp.test|sid:local-session");
    }

    /// The review's findings: a role named `*` became a wildcard scope, and a provider's own
    /// `login_type` claim became the user kind.
    #[test]
    fn roles_never_become_wildcards_and_login_type_needs_a_mapping() {
        let config = IssuerConfig::builder("https://idp.test")
            .audience("api")
            .role_claim("roles")
            .build();
        let p = payload(serde_json::json!({
            "iss": "https://idp.test", "aud": "api", "sub": "u1", "exp": 2000,
            "roles": ["*", "admin:*", "auditor", "two words", "a::b"],
            "login_type": "admin"
        }));
        let c = check_and_map(&config, p, "a.b.c", 1000).unwrap();
        assert_eq!(c.scopes(), ["role:auditor"]);
        assert!(!c.has_scope("admin:users") && !c.has_scope("role:other"));
        assert_eq!(c.kind(), None, "an unmapped login_type is dropped");
        assert!(!c.extra.contains_key("login_type"));
        let empty_prefix = IssuerConfig::builder("https://idp.test")
            .audience("api")
            .role_prefix("")
            .build();
        let err = crate::jwks::JwksIssuer::new(empty_prefix).unwrap_err();
        assert!(err.to_string().contains("role_prefix"), "{err}");
        let wildcard_prefix = IssuerConfig::builder("https://idp.test")
            .audience("api")
            .role_prefix("*")
            .build();
        assert!(crate::jwks::JwksIssuer::new(wildcard_prefix).is_err());
    }

    #[test]
    fn refuses_wrong_issuer_audience_and_dates() {
        let base =
            serde_json::json!({"iss": "https://idp.test", "aud": "api", "sub": "u", "exp": 2000});
        let check = |patch: Value| {
            let mut v = base.clone();
            for (k, val) in payload(patch) {
                if val.is_null() {
                    v.as_object_mut().map(|o| o.remove(&k));
                } else {
                    v[k] = val;
                }
            }
            check_and_map(&config(), payload(v), "t", 1000).map(|c| c.sub)
        };
        assert!(check(serde_json::json!({})).is_ok());
        assert!(matches!(
            check(serde_json::json!({"iss": "https://evil.test"})),
            Err(AuthError::InvalidIssuer)
        ));
        assert!(matches!(
            check(serde_json::json!({"aud": "other"})),
            Err(AuthError::InvalidAudience)
        ));
        assert!(matches!(
            check(serde_json::json!({"aud": null})),
            Err(AuthError::InvalidAudience)
        ));
        assert!(matches!(
            check(serde_json::json!({"exp": 900})),
            Err(AuthError::Expired)
        ));
        // Within the 30 s leeway.
        assert!(check(serde_json::json!({"exp": 990})).is_ok());
        assert!(matches!(
            check(serde_json::json!({"exp": null})),
            Err(AuthError::Decode(DecodeFailure::MissingClaim("exp")))
        ));
        assert!(matches!(
            check(serde_json::json!({"exp": "soon"})),
            Err(AuthError::Decode(DecodeFailure::Malformed))
        ));
        assert!(matches!(
            check(serde_json::json!({"nbf": 1100})),
            Err(AuthError::Decode(DecodeFailure::NotYetValid))
        ));
        assert!(matches!(
            check(serde_json::json!({"iat": 1100})),
            Err(AuthError::Decode(DecodeFailure::IssuedInFuture))
        ));
        assert!(matches!(
            check(serde_json::json!({"sub": null})),
            Err(AuthError::Decode(DecodeFailure::MissingClaim("sub")))
        ));
    }
}
