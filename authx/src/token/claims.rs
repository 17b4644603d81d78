//! The claims of an authx token, named as Python AuthX names them.

use serde::{Deserialize, Deserializer, Serialize};

use crate::wire::{de_one_or_many, ser_one_or_many};

/// Extra data carried in a token next to the registered claims: any JSON object.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// Claim names authx manages; extra data may not use them.
pub const RESERVED_CLAIMS: &[&str] = &[
    "sub",
    "jti",
    "type",
    "fresh",
    "iat",
    "nbf",
    "exp",
    "iss",
    "aud",
    "csrf",
    "scopes",
    "sid",
    "auth_time",
];

/// The extra claim naming the API key that claims stand for (see
/// [`guide::api_keys`](crate::guide::api_keys)): authx writes it only into an API key's claims,
/// so no token may carry it. Extra data given to [`TokenBuilder::extra`](crate::token::TokenBuilder::extra)
/// cannot set it, a token that carries it is refused, and an identity provider's is dropped.
pub const API_KEY_CLAIM: &str = "api_key_name";

/// Where a token carries its user kind: AuthX's `login_type`, in the extra data.
pub const KIND_CLAIM: &str = "login_type";

/// The claim that binds a token to a key: `{"cnf": {"jkt": "<thumbprint>"}}` (RFC 7800,
/// RFC 9449 section 6).
pub const CNF_CLAIM: &str = "cnf";

/// Where a token names the OAuth client it was issued to (RFC 9068 section 2.2), in the extra
/// data.
pub const CLIENT_ID_CLAIM: &str = "client_id";

/// Where a token carries its authentication context class (OpenID Connect `acr`), in the
/// extra data.
pub const ACR_CLAIM: &str = "acr";

/// Where a token carries its authentication methods (OpenID Connect `amr`, RFC 8176), in the
/// extra data.
pub const AMR_CLAIM: &str = "amr";

/// Where a step-up token ([`authx::mfa`](crate::guide::mfa)) keeps the login's own assurance
/// (`{"auth_time", "acr", "amr"}`), in the extra data: a token renewed from it by implicit
/// refresh gets the login's assurance back, not the step-up's.
pub const LOGIN_CLAIM: &str = "authx_login";

/// Access or refresh (the `type` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    /// A short-lived token that grants access to resources.
    Access,
    /// A long-lived token that can only obtain new access tokens.
    Refresh,
}

impl TokenType {
    /// `access` or `refresh`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }
}

/// The verified claims of a token.
///
/// Field names and meanings are Python AuthX's, so a token issued by either side verifies on
/// the other with the same key. `E` is the type of extra data, flattened into the payload next
/// to the registered claims; it defaults to a JSON object ([`Extra`]).
///
/// As an extractor, `Claims` yields the token the route's guard verified (see
/// [`#[protect]`](crate::protect)); without a guard it requires a valid, unrevoked **access**
/// token. `Option<Claims>` makes authentication optional: no token gives `None`, a bad token
/// is still refused.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Claims<E = Extra> {
    /// Subject: who the token is about (a user id).
    pub sub: String,
    /// Unique token id, used for revocation.
    pub jti: String,
    /// `access` or `refresh`.
    #[serde(rename = "type")]
    pub token_type: TokenType,
    /// Issued by a fresh login (not by a refresh).
    #[serde(default)]
    pub fresh: bool,
    /// Issued at (seconds since the epoch).
    #[serde(
        default,
        deserialize_with = "de_opt_numeric_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub iat: Option<i64>,
    /// Not before (seconds since the epoch).
    #[serde(
        default,
        deserialize_with = "de_opt_numeric_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub nbf: Option<i64>,
    /// Expiry (seconds since the epoch).
    #[serde(deserialize_with = "de_numeric_date")]
    pub exp: i64,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Audiences (one string or a list on the wire).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "ser_one_or_many",
        deserialize_with = "de_one_or_many"
    )]
    pub aud: Vec<String>,
    /// The CSRF double-submit value (tokens issued for cookies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf: Option<String>,
    /// Granted scopes; `admin:*` grants everything under `admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// The login session the token belongs to (an authx extension; AuthX reads it as extra
    /// data). Revoking the session refuses every token carrying its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// When the user last authenticated (a login, not a refresh), seconds since the epoch
    /// (OpenID Connect's `auth_time`): set by a fresh login and kept by refreshes. authx uses
    /// it to bound how long a chain of implicit refreshes can keep a login alive.
    #[serde(
        default,
        deserialize_with = "de_opt_numeric_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub auth_time: Option<i64>,
    /// Extra data, flattened into the payload.
    #[serde(flatten)]
    pub extra: E,
}

impl<E: std::fmt::Debug> std::fmt::Debug for Claims<E> {
    /// Every claim but the CSRF value, which is shown as `<redacted>`: the double-submit secret
    /// has no business in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claims")
            .field("sub", &self.sub)
            .field("jti", &self.jti)
            .field("token_type", &self.token_type)
            .field("fresh", &self.fresh)
            .field("iat", &self.iat)
            .field("nbf", &self.nbf)
            .field("exp", &self.exp)
            .field("iss", &self.iss)
            .field("aud", &self.aud)
            .field("csrf", &self.csrf.as_ref().map(|_| "<redacted>"))
            .field("scopes", &self.scopes)
            .field("sid", &self.sid)
            .field("auth_time", &self.auth_time)
            .field("extra", &self.extra)
            .finish()
    }
}

impl Claims<Extra> {
    /// Claims with the registered claims authx requires and nothing else (no scopes, no extra
    /// data), for tests and custom verifiers; tokens are issued with
    /// [`Tokens::access`](crate::Tokens::access) and friends.
    pub fn new(
        sub: impl Into<String>,
        jti: impl Into<String>,
        token_type: TokenType,
        exp: i64,
    ) -> Self {
        Claims {
            sub: sub.into(),
            jti: jti.into(),
            token_type,
            fresh: false,
            iat: None,
            nbf: None,
            exp,
            iss: None,
            aud: Vec::new(),
            csrf: None,
            scopes: None,
            sid: None,
            auth_time: None,
            extra: Extra::new(),
        }
    }
}

impl<E> Claims<E> {
    /// The granted scopes (empty when the token has none).
    pub fn scopes(&self) -> &[String] {
        self.scopes.as_deref().unwrap_or(&[])
    }

    /// Does the token grant `scope` (wildcards in the grants apply)?
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes()
            .iter()
            .any(|g| authx_spec::scope::covers(g, scope))
    }

    /// Keeps the registered claims and replaces the extra data.
    pub fn map_extra<F>(self, f: impl FnOnce(E) -> F) -> Claims<F> {
        Claims {
            sub: self.sub,
            jti: self.jti,
            token_type: self.token_type,
            fresh: self.fresh,
            iat: self.iat,
            nbf: self.nbf,
            exp: self.exp,
            iss: self.iss,
            aud: self.aud,
            csrf: self.csrf,
            scopes: self.scopes,
            sid: self.sid,
            auth_time: self.auth_time,
            extra: f(self.extra),
        }
    }
}

impl Claims<Extra> {
    /// The user kind (AuthX's `login_type`, kept in the extra data), when the token has one.
    pub fn kind(&self) -> Option<&str> {
        self.extra
            .get(KIND_CLAIM)
            .and_then(serde_json::Value::as_str)
    }

    /// The DPoP key the token is bound to (`cnf.jkt`, RFC 9449), when it is bound.
    pub fn dpop_jkt(&self) -> Option<&str> {
        self.extra
            .get(CNF_CLAIM)
            .and_then(|c| c.get("jkt"))
            .and_then(serde_json::Value::as_str)
    }

    /// The OAuth client the token was issued to (`client_id`), when it was issued to one.
    pub fn client_id(&self) -> Option<&str> {
        self.extra
            .get(CLIENT_ID_CLAIM)
            .and_then(serde_json::Value::as_str)
    }

    /// The authentication context class the login met (`acr`), when the token has one.
    pub fn acr(&self) -> Option<&str> {
        self.extra
            .get(ACR_CLAIM)
            .and_then(serde_json::Value::as_str)
    }

    /// The authentication methods the login used (`amr`); empty when the token has none.
    pub fn amr(&self) -> Vec<&str> {
        self.extra
            .get(AMR_CLAIM)
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Reads the extra data as `T`. Fails when the token's extra data does not have `T`'s shape.
    pub fn extra_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(serde_json::Value::Object(self.extra.clone()))
    }
}

/// An access token and a refresh token, as returned by a login route. Serializes as
/// `{"access_token": ..., "refresh_token": ..., "token_type": "bearer"}` (AuthX's shape).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenPair {
    /// The access token.
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: String,
}

impl std::fmt::Debug for TokenPair {
    /// Never the tokens: they are bearer credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .finish()
    }
}

impl TokenPair {
    /// Pairs two tokens.
    pub fn new(access_token: String, refresh_token: String) -> Self {
        TokenPair {
            access_token,
            refresh_token,
            token_type: "bearer".into(),
        }
    }
}

/// A NumericDate (RFC 7519): integer or fractional seconds. Python AuthX writes `exp` as a
/// float; fractions are truncated toward negative infinity.
pub(crate) fn numeric_date(v: serde_json::Number) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64()?;
    // `as` saturates; refuse values outside i64 rather than silently clamping them.
    (f.is_finite() && f > i64::MIN as f64 && f < i64::MAX as f64).then(|| f.floor() as i64)
}

fn de_numeric_date<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    numeric_date(serde_json::Number::deserialize(d)?)
        .ok_or_else(|| serde::de::Error::custom("NumericDate out of range"))
}

pub(crate) fn de_opt_numeric_date<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => numeric_date(n)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("NumericDate out of range")),
    }
}

/// The login's assurance a step-up token keeps (see [`LOGIN_CLAIM`]): its `auth_time`, and
/// the extra data with the login's `acr` and `amr` back in place of the step-up's.
pub(crate) fn login_assurance(extra: &Extra) -> Option<(Option<i64>, Extra)> {
    let login = extra.get(LOGIN_CLAIM)?;
    let mut restored = extra.clone();
    restored.remove(LOGIN_CLAIM);
    for claim in [ACR_CLAIM, AMR_CLAIM] {
        match login.get(claim) {
            Some(serde_json::Value::Null) | None => restored.remove(claim),
            Some(serde_json::Value::Array(a)) if a.is_empty() => restored.remove(claim),
            Some(v) => restored.insert(claim.into(), v.clone()),
        };
    }
    Some((
        login.get("auth_time").and_then(serde_json::Value::as_i64),
        restored,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_dates_and_single_audience() {
        let c: Claims = serde_json::from_value(serde_json::json!({
            "sub": "u", "jti": "j", "type": "access", "fresh": true,
            "iat": 1700000000, "exp": 1700000900.75, "aud": "api", "csrf": "", "scopes": null,
            "role": "admin"
        }))
        .unwrap();
        assert_eq!(c.exp, 1700000900);
        assert_eq!(c.aud, vec!["api"]);
        assert_eq!(c.extra["role"], "admin");
        assert!(c.scopes().is_empty());
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["aud"], "api");
        assert_eq!(back["type"], "access");
    }

    #[test]
    fn scopes_helpers() {
        let c: Claims = serde_json::from_value(serde_json::json!({
            "sub": "u", "jti": "j", "type": "access", "exp": 1, "scopes": ["admin:*"]
        }))
        .unwrap();
        assert!(c.has_scope("admin:users:read"));
        assert!(!c.has_scope("administrator"));
    }
}
