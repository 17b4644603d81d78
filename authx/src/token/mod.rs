//! Tokens: the [`Claims`] they carry, and issuing them with [`TokenBuilder`].
//!
//! This module knows no HTTP: signing and verifying are pure functions of bytes, keys and the
//! current time. Keys are decoded once, when [`Auth`](crate::Auth) is built; verification tries the current
//! key, then previous ones (rotation), or only the one named by the token's `kid` when keys
//! carry ids. The algorithm in a token's header must be exactly the algorithm of the key that
//! verifies it: `none` never verifies, and an HMAC token never verifies against a public key.

mod backend;
mod build;
mod checked;
mod claims;
pub(crate) mod codec;
mod error;
pub(crate) mod jws;
mod key_file;
pub(crate) mod keys;
mod pair;
mod raw;
pub(crate) mod raw_claims;
mod thumbprint;
pub(crate) mod times;
pub(crate) mod verified_cache;

use std::time::Duration;

/// The DPoP proof algorithms accepted (RFC 9449), as `algs` in challenges and
/// `dpop_signing_alg_values_supported` in the resource metadata: asymmetric only.
pub const DPOP_ALGORITHMS: &[&str] = &["ES256", "ES384", "EdDSA", "RS256", "PS256"];

pub use crate::config::{Algorithm, UnknownAlgorithm};
pub use backend::name as crypto_backend;
pub use checked::{FreshClaims, RefreshClaims};
pub(crate) use claims::login_assurance;
pub use claims::{
    ACR_CLAIM, AMR_CLAIM, API_KEY_CLAIM, CLIENT_ID_CLAIM, CNF_CLAIM, Claims, Extra, KIND_CLAIM,
    LOGIN_CLAIM, RESERVED_CLAIMS, TokenPair, TokenType,
};
pub use error::{DecodeFailure, IssueError, TokenError};
pub use key_file::{KeyFile, KeyFileError, RetiredKey, SigningKeyEntry};
pub use pair::{PairBuilder, TokenOptions};
pub use raw::{InsecureToken, JwtCodec, insecure_decode};
pub use thumbprint::jwk_thumbprint;
#[cfg(any(feature = "oauth", feature = "jwks"))]
pub(crate) use thumbprint::public_jwk_is_sound;

use crate::clock::Clock;
use codec::TokenCodec;

/// Issues one token. Start with [`Tokens::access`](crate::Tokens::access) or
/// [`Tokens::refresh`](crate::Tokens::refresh); in allowlist mode, issue with
/// [`Tokens::register`](crate::Tokens::register).
///
/// ```
/// # let auth = authx::Auth::new(authx::AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// let token = auth
///     .tokens().access("user-42")
///     .fresh(true)
///     .scopes(["users:read", "orders:*"])
///     .extra(serde_json::json!({ "email": "a@example.com" }))
///     .issue()
///     .unwrap();
/// let claims = auth.verify(&token).unwrap();
/// assert_eq!(claims.sub, "user-42");
/// assert!(claims.has_scope("orders:refund"));
/// ```
#[derive(Clone)]
#[must_use = "a token builder does nothing until `.issue()`"]
pub struct TokenBuilder<'a> {
    codec: &'a TokenCodec,
    clock: &'a dyn Clock,
    sub: String,
    token_type: TokenType,
    fresh: bool,
    scopes: Option<Vec<String>>,
    expires_in: Option<Duration>,
    expires_at: Option<i64>,
    not_before: Option<i64>,
    audience: Option<Vec<String>>,
    extra: Result<Extra, IssueError>,
    kid: Option<String>,
    csrf: Option<bool>,
    csrf_value: Option<String>,
    jti: Option<String>,
    sid: Option<String>,
    kind: Option<String>,
    auth_time: Option<i64>,
    /// `acr` and `amr` (OIDC), written into the extra data.
    acr: Option<String>,
    amr: Option<Vec<String>>,
    /// `cnf.jkt` (RFC 9449), written into the extra data.
    dpop_jkt: Option<String>,
    /// `client_id`, the OAuth client the token is issued to, written into the extra data.
    client_id: Option<String>,
    /// JWT header fields beyond `alg`, by their JSON names.
    headers: Result<Extra, IssueError>,
}

impl std::fmt::Debug for TokenBuilder<'_> {
    /// The claims being built; never a CSRF value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBuilder")
            .field("sub", &self.sub)
            .field("token_type", &self.token_type)
            .field("fresh", &self.fresh)
            .field("scopes", &self.scopes)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("audience", &self.audience)
            .field("kid", &self.kid)
            .field("sid", &self.sid)
            .field("kind", &self.kind)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl<'a> TokenBuilder<'a> {
    pub(crate) fn new(
        codec: &'a TokenCodec,
        clock: &'a dyn Clock,
        sub: String,
        token_type: TokenType,
    ) -> Self {
        TokenBuilder {
            codec,
            clock,
            sub,
            token_type,
            fresh: false,
            scopes: None,
            expires_in: None,
            expires_at: None,
            not_before: None,
            audience: None,
            extra: Ok(Extra::new()),
            kid: None,
            csrf: None,
            csrf_value: None,
            jti: None,
            sid: None,
            kind: None,
            auth_time: None,
            acr: None,
            amr: None,
            dpop_jkt: None,
            client_id: None,
            headers: Ok(Extra::new()),
        }
    }

    /// Marks the token fresh (issued by a login, not a refresh). Access tokens only. A fresh
    /// token's `auth_time` is its issue time unless [`auth_time`](Self::auth_time) says
    /// otherwise.
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }

    /// Sets `auth_time`: when the user last authenticated (seconds since the epoch). Set it
    /// on the tokens of a login; refreshes keep it.
    pub fn auth_time(mut self, auth_time: i64) -> Self {
        self.auth_time = Some(auth_time);
        self
    }

    /// Grants scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Overrides the configured lifetime.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = Some(lifetime);
        self
    }

    /// Sets `exp` exactly (seconds since the epoch); wins over [`expires_in`](Self::expires_in).
    pub fn expires_at(mut self, exp: i64) -> Self {
        self.expires_at = Some(exp);
        self
    }

    /// Sets `nbf` (seconds since the epoch).
    pub fn not_before(mut self, nbf: i64) -> Self {
        self.not_before = Some(nbf);
        self
    }

    /// Overrides the configured audience.
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = Some(audience.into_iter().map(Into::into).collect());
        self
    }

    /// Extra data, flattened into the claims. Must serialize to a JSON object whose keys are
    /// not in [`RESERVED_CLAIMS`], nor the claims only the builder sets (`acr`, `amr`, `cnf`,
    /// `client_id`: [`acr`](Self::acr), [`amr`](Self::amr), [`dpop_jkt`](Self::dpop_jkt) and
    /// the configuration), nor [`API_KEY_CLAIM`], so data from users can never claim an MFA
    /// login, a key binding or an API key; otherwise [`issue`](Self::issue) fails.
    pub fn extra(mut self, data: impl serde::Serialize) -> Self {
        self.extra = extra_data(data).and_then(|extra| {
            match extra.keys().find(|k| BUILDER_CLAIMS.contains(&k.as_str())) {
                Some(k) => Err(IssueError::ReservedClaim(k.clone())),
                None => Ok(extra),
            }
        });
        self
    }

    /// The extra data of a token this service issued, carried to its successor (rotation,
    /// implicit refresh), builder-set claims included.
    pub(crate) fn carry_extra(mut self, extra: &Extra) -> Self {
        self.extra = Ok(extra.clone());
        self
    }

    /// Sets the `kid` header (by default the configured `key_id`).
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Sets a JWT header field by its JSON name: `typ` (by default `JWT`), `cty`, `kid`,
    /// `jku`, `x5u`, `x5c`, `x5t`, `x5t#S256`, or a name of your own (AuthX's `headers`).
    /// `alg` is the signing key's and cannot be set; `crit` and `b64` change how the token must
    /// be processed and are refused too: [`issue`](Self::issue) then fails, as it does when a
    /// registered field gets a value of the wrong shape.
    ///
    /// ```
    /// # let auth = authx::Auth::new(authx::AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
    /// let token = auth.tokens().access("ada").header("typ", "at+jwt").header("x5t", "dGh1bWI").issue().unwrap();
    /// let header = authx::token::insecure_decode(&token).unwrap().header;
    /// assert_eq!(header["typ"], "at+jwt");
    /// assert!(auth.tokens().access("ada").header("alg", "none").issue().is_err());
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl serde::Serialize) -> Self {
        if let Ok(headers) = &mut self.headers {
            let name = name.into();
            match serde_json::to_value(value) {
                Ok(value) => {
                    headers.insert(name, value);
                }
                Err(e) => self.headers = Err(IssueError::Invalid(format!("header `{name}`: {e}"))),
            }
        }
        self
    }

    /// Forces a `csrf` claim on or off. By default tokens carry one when cookies are a
    /// configured location and CSRF protection is on (as AuthX does).
    pub fn csrf(mut self, csrf: bool) -> Self {
        self.csrf = Some(csrf);
        self
    }

    /// Sets the `csrf` claim to `value` (by default a fresh random value). Implicit refresh
    /// keeps the old value so the page's CSRF header stays valid.
    pub fn csrf_value(mut self, value: impl Into<String>) -> Self {
        self.csrf_value = Some(value.into());
        self
    }

    /// Sets the user kind (AuthX's `login_type`, written into the extra data): routes with
    /// `#[protect(kind = "...")]` accept only their kind.
    pub fn kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = Some(kind.into());
        self
    }

    /// Sets `acr`, the authentication context class the login met (OpenID Connect), such as
    /// `"mfa"`: routes with `#[protect(acr = "...")]` (RFC 9470 step-up) accept only their
    /// classes. Refreshes keep it.
    pub fn acr(mut self, acr: impl Into<String>) -> Self {
        self.acr = Some(acr.into());
        self
    }

    /// Sets `amr`, the authentication methods the login used (OpenID Connect, RFC 8176), such
    /// as `["pwd", "otp"]`. Refreshes keep it.
    pub fn amr<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.amr = Some(methods.into_iter().map(Into::into).collect());
        self
    }

    /// Binds the token to a DPoP key (RFC 9449): `cnf.jkt`, the key's thumbprint
    /// ([`DpopProof::jkt`](crate::dpop::DpopProof::jkt)). The token is then refused unless each
    /// request proves possession of that key.
    pub fn dpop_jkt(mut self, jkt: impl Into<String>) -> Self {
        self.dpop_jkt = Some(jkt.into());
        self
    }

    /// Issues the token to an OAuth client: the `client_id` claim (RFC 9068 section 2.2), on
    /// access and refresh tokens alike, kept by rotation and implicit refresh. Only that client
    /// may revoke the token at [`oauth::router`](crate::oauth::router)'s revocation endpoint
    /// or introspect it (with clients configured to introspect every token). Without it, the
    /// configured [`OAuthConfig::client_id`](crate::config::OAuthConfig::client_id) under the
    /// RFC 9068 profile, else none.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Binds the token to a login session (the `sid` claim): revoking the session refuses it.
    pub fn session(mut self, session_id: impl Into<String>) -> Self {
        self.sid = Some(session_id.into());
        self
    }

    /// Sets the `jti` (by default a random UUID v4).
    pub fn jti(mut self, jti: impl Into<String>) -> Self {
        self.jti = Some(jti.into());
        self
    }

    /// The claims this builder would sign, timestamps taken from `now`.
    /// Signs the token.
    pub fn issue(self) -> Result<String, IssueError> {
        self.sign().map(|(token, _)| token)
    }

    /// Signs the token; the claims too (for the allowlist).
    pub(crate) fn sign(self) -> Result<(String, Claims), IssueError> {
        let claims = self.claims(self.clock.now())?;
        let token = self.encode(&claims)?;
        Ok((token, claims))
    }

    /// Signs `claims` with this builder's header fields.
    fn encode(&self, claims: &Claims) -> Result<String, IssueError> {
        let headers = self.headers.as_ref().map_err(Clone::clone)?;
        self.codec.encode(claims, self.kid.as_deref(), headers)
    }
}

/// Can `id` name a token, a session or a family? 1 to 128 bytes of visible ASCII (authx's ids
/// are UUIDs). Anything else, a NUL byte from a URL or an over-long string, names nothing and
/// never reaches a store.
pub(crate) fn valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
}

/// Extra data as a JSON object (`null` is none).
/// Claims only the builder writes into the extra data, and the one only an API key's claims
/// carry.
const BUILDER_CLAIMS: &[&str] = &[
    claims::ACR_CLAIM,
    claims::AMR_CLAIM,
    claims::CNF_CLAIM,
    claims::CLIENT_ID_CLAIM,
    claims::API_KEY_CLAIM,
];

fn extra_data(data: impl serde::Serialize) -> Result<Extra, IssueError> {
    match serde_json::to_value(data) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(serde_json::Value::Null) => Ok(Extra::new()),
        Ok(other) => Err(IssueError::Data(format!("got {}", json_kind(&other)))),
        Err(e) => Err(IssueError::Data(e.to_string())),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
