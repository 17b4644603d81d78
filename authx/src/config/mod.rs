//! Configuration: [`AuthConfig`], built with [`AuthConfig::builder`], deserialized with serde, or
//! read from `AUTHX_*` environment variables with [`AuthConfig::from_env`].
//!
//! Defaults and names follow Python AuthX's `AuthXConfig` (cookie `access_token_cookie`, header
//! `X-CSRF-TOKEN`, 15-minute access tokens, 20-day refresh tokens...), so a service moved from
//! FastAPI keeps its wire contract. Nothing here is checked until [`Auth::new`](crate::Auth::new),
//! which refuses a configuration that cannot work (an HMAC algorithm without a secret, an
//! unparsable PEM key, no token location) before the first request.
//!
//! This module knows nothing of the engine: it is plain data, its parsing and its errors.

mod api_keys;
mod builder;
mod cache;
mod cookies;
mod env;
mod env_vars;
mod error;
mod keys;
mod oauth;
mod url;

pub use api_keys::ApiKeyConfig;
pub use builder::AuthConfigBuilder;
pub use cache::{NearCache, VerifyCache, VerifyCacheMode};
pub use cookies::{CookieConfig, CsrfConfig, SameSite};
#[cfg(feature = "vault")]
pub(crate) use env::Env;
pub use env_vars::ENV_VARS;
pub use error::ConfigError;
pub use keys::{KeySource, Secret, VerificationKey};
pub use oauth::{MIN_CLIENT_SECRET_LEN, OAuthClient, OAuthConfig};
pub use url::redact_url;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod algorithm;
mod resource;
use crate::wire::{de_millis, de_one_or_many, de_secs};
pub use algorithm::{Algorithm, UnknownAlgorithm};
#[cfg(feature = "oauth")]
pub(crate) use resource::{WELL_KNOWN_PATH, split_resource};
pub(crate) use resource::{check_resource, metadata_url};

/// Where a token may be found in a request. Tried in the configured order; the first location
/// that holds a token wins and the others are not consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenLocation {
    /// `Authorization: Bearer <token>` (header name and type configurable).
    Headers,
    /// `access_token_cookie` / `refresh_token_cookie`, with CSRF double submit on unsafe methods.
    Cookies,
    /// `?token=<token>`.
    Query,
    /// A JSON body field (`access_token` / `refresh_token`); needs [`JsonTokenLayer`](crate::layer::JsonTokenLayer).
    Json,
}

impl TokenLocation {
    /// Parses `headers`, `cookies`, `query` or `json` (case-insensitive; `header`/`cookie` too).
    pub fn parse(s: &str) -> Result<Self, ConfigError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "headers" | "header" => Ok(TokenLocation::Headers),
            "cookies" | "cookie" => Ok(TokenLocation::Cookies),
            "query" => Ok(TokenLocation::Query),
            "json" => Ok(TokenLocation::Json),
            _ => Err(ConfigError::UnknownLocation(s.to_owned())),
        }
    }

    /// The lowercase name (`headers`, `cookies`, `query`, `json`).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenLocation::Headers => "headers",
            TokenLocation::Cookies => "cookies",
            TokenLocation::Query => "query",
            TokenLocation::Json => "json",
        }
    }
}

/// Everything [`Auth`](crate::Auth) needs to issue and verify tokens.
///
/// Build with [`AuthConfig::builder`], deserialize (durations are seconds), or read from the
/// environment with [`AuthConfig::from_env`]. Field docs give each default.
///
/// `Debug` shows no secret: keys are redacted, and so is a password in
/// [`store_url`](Self::store_url).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AuthConfig {
    /// Signing algorithm. Default `HS256`.
    pub algorithm: Algorithm,
    /// HMAC secret (HS256/384/512).
    pub secret_key: Option<Secret>,
    /// Private key PEM (RS/PS/ES/EdDSA), inline or a path.
    pub private_key: Option<KeySource>,
    /// Public key PEM (RS/PS/ES/EdDSA), inline or a path.
    pub public_key: Option<KeySource>,
    /// `kid` put in the header of issued tokens. Default none.
    pub key_id: Option<String>,
    /// Keys that still verify but no longer sign (rotation). Tried after the current key, or
    /// picked by `kid` when the token names one.
    pub previous_keys: Vec<VerificationKey>,
    /// Where tokens are looked for, in order. Default `[headers]`.
    pub token_locations: Vec<TokenLocation>,
    /// Header carrying the token. Default `Authorization`.
    pub header_name: String,
    /// Scheme before the token in that header. Default `Bearer` (compared case-insensitively).
    pub header_type: String,
    /// Query parameter carrying the token. Default `token`.
    pub query_param: String,
    /// JSON body field carrying an access token. Default `access_token`.
    pub json_key: String,
    /// JSON body field carrying a refresh token. Default `refresh_token`.
    pub refresh_json_key: String,
    /// Lifetime of access tokens, seconds in serde. Default 15 minutes.
    #[serde(deserialize_with = "de_secs")]
    pub access_token_expires: Duration,
    /// Lifetime of refresh tokens, seconds in serde. Default 20 days.
    #[serde(deserialize_with = "de_secs")]
    pub refresh_token_expires: Duration,
    /// `iss` put in issued tokens and required in verified ones. Default none.
    pub issuer: Option<String>,
    /// Audiences: the first goes in issued tokens (all of them when several); a verified
    /// token's `aud` must name at least one. Default none (no `aud` check).
    #[serde(deserialize_with = "de_one_or_many")]
    pub audience: Vec<String>,
    /// Clock skew allowed on `exp`, `nbf` and `iat`, seconds in serde. Default 0 (AuthX's).
    #[serde(deserialize_with = "de_secs")]
    pub leeway: Duration,
    /// Longest token accepted, in bytes; longer ones are refused before any decoding.
    /// Default 8192.
    pub max_token_size: usize,
    /// Signatures remembered once verified (asymmetric tokens, by default): see [`VerifyCache`].
    pub verify_cache: VerifyCache,
    /// A near-cache of revocation answers for Redis and PostgreSQL: see [`NearCache`].
    pub near_cache: NearCache,
    /// API keys: their prefix, pepper, header and lookup limits. See [`ApiKeyConfig`].
    pub api_keys: ApiKeyConfig,
    /// Where revocations and sessions live: `memory://` (default), `sqlite://path.db`,
    /// `postgres://...`, `redis://...`, `redis+cluster://...` (see [`store::connect`](crate::store::connect)).
    /// Used by [`Auth::connect`](crate::Auth::connect).
    pub store_url: String,
    /// Allowlist mode (fastapi-auth-jwt): only tokens recorded at issue time
    /// ([`Tokens::register`](crate::Tokens::register)) are accepted, and
    /// [`Revocations::invalidate`](crate::Revocations::invalidate) /
    /// [`Revocations::invalidate_subject`](crate::Revocations::invalidate_subject)
    /// withdraw them. Costs one store lookup per request. Default `false`.
    pub allowlist: bool,
    /// OAuth 2 resource-server settings: resource metadata, the RFC 9068 access-token
    /// profile, introspection clients.
    pub oauth: OAuthConfig,
    /// A [`KeyFile`](crate::token::KeyFile) of this service's asymmetric keys (current, next,
    /// previous), published at `/.well-known/jwks.json` and rotated with
    /// `authx keys rotate`. Supersedes `algorithm`, `private_key`, `public_key`, `key_id` and
    /// `previous_keys`. Default none.
    pub keys_file: Option<String>,
    /// How often the engine re-reads [`keys_file`](Self::keys_file), seconds in serde (a
    /// rotation is picked up without a restart). Default none: only
    /// [`Keys::reload`](crate::Keys::reload) reloads it.
    #[serde(deserialize_with = "crate::wire::de_opt_secs")]
    pub keys_reload_interval: Option<Duration>,
    /// Refresh-token rotation: exchanging a refresh token retires it and issues a new pair;
    /// presenting a retired one again revokes its session. Default `true`.
    pub refresh_rotation: bool,
    /// Proxies (addresses or CIDR networks) whose [`forwarded_header`](Self::forwarded_header)
    /// is believed when finding the client IP (rate limits, sessions). Default none: the
    /// socket peer is the client.
    pub trusted_proxies: Vec<String>,
    /// The one header a trusted proxy writes the client chain into: `X-Forwarded-For`
    /// (default), `Forwarded` (RFC 7239 `for=`), or another comma list such as `X-Real-IP`.
    /// No other forwarding header is read, so a client cannot add one the proxy passes along.
    pub forwarded_header: String,
    /// IPv6 clients share a rate-limit bucket per network of this prefix length. Default 64:
    /// one end site typically holds a whole /64, so keying by address would give a client
    /// 2^64 buckets. IPv4 clients are keyed by address (/32).
    pub ipv6_prefix: u8,
    /// How often a WebSocket opened with a token re-checks that the token and its session
    /// are not revoked ([`ws`](crate::ws)), seconds in serde. Default 30 s.
    #[serde(deserialize_with = "de_secs")]
    pub ws_recheck_interval: Duration,
    /// Live login sessions per subject ([`Sessions::create`](crate::Sessions::create));
    /// a login past it ends the subject's oldest sessions. Default 100 (at least 1).
    pub max_sessions_per_subject: usize,
    /// Bound on every store call; past it the request fails with `503`. Default 250 ms.
    #[serde(deserialize_with = "de_millis")]
    pub store_timeout: Duration,
    /// When a store fails: `false` (default) refuses the request with `503`; `true` lets it
    /// through and logs a warning per decision.
    pub store_fail_open: bool,
    /// Cookie settings.
    pub cookies: CookieConfig,
    /// CSRF settings.
    pub csrf: CsrfConfig,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            algorithm: Algorithm::HS256,
            secret_key: None,
            private_key: None,
            public_key: None,
            key_id: None,
            previous_keys: Vec::new(),
            token_locations: vec![TokenLocation::Headers],
            header_name: "Authorization".into(),
            header_type: "Bearer".into(),
            query_param: "token".into(),
            json_key: "access_token".into(),
            refresh_json_key: "refresh_token".into(),
            access_token_expires: Duration::from_secs(15 * 60),
            refresh_token_expires: Duration::from_secs(20 * 24 * 3600),
            issuer: None,
            audience: Vec::new(),
            leeway: Duration::ZERO,
            max_token_size: 8192,
            verify_cache: VerifyCache::default(),
            near_cache: NearCache::default(),
            api_keys: ApiKeyConfig::default(),
            store_url: "memory://".into(),
            trusted_proxies: Vec::new(),
            forwarded_header: "X-Forwarded-For".into(),
            ipv6_prefix: 64,
            ws_recheck_interval: Duration::from_secs(30),
            refresh_rotation: true,
            allowlist: false,
            oauth: OAuthConfig::default(),
            keys_file: None,
            keys_reload_interval: None,
            max_sessions_per_subject: 100,
            store_timeout: Duration::from_millis(250),
            store_fail_open: false,
            cookies: CookieConfig::default(),
            csrf: CsrfConfig::default(),
        }
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("algorithm", &self.algorithm)
            .field("secret_key", &self.secret_key)
            .field("private_key", &self.private_key)
            .field("public_key", &self.public_key)
            .field("key_id", &self.key_id)
            .field("previous_keys", &self.previous_keys)
            .field("token_locations", &self.token_locations)
            .field("header_name", &self.header_name)
            .field("header_type", &self.header_type)
            .field("query_param", &self.query_param)
            .field("json_key", &self.json_key)
            .field("refresh_json_key", &self.refresh_json_key)
            .field("access_token_expires", &self.access_token_expires)
            .field("refresh_token_expires", &self.refresh_token_expires)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_token_size", &self.max_token_size)
            .field("verify_cache", &self.verify_cache)
            .field("near_cache", &self.near_cache)
            .field("api_keys", &self.api_keys)
            .field("store_url", &redact_url(&self.store_url))
            .field("allowlist", &self.allowlist)
            .field("oauth", &self.oauth)
            .field("keys_file", &self.keys_file)
            .field("keys_reload_interval", &self.keys_reload_interval)
            .field("refresh_rotation", &self.refresh_rotation)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("forwarded_header", &self.forwarded_header)
            .field("ipv6_prefix", &self.ipv6_prefix)
            .field("ws_recheck_interval", &self.ws_recheck_interval)
            .field("store_timeout", &self.store_timeout)
            .field("store_fail_open", &self.store_fail_open)
            .field("max_sessions_per_subject", &self.max_sessions_per_subject)
            .field("cookies", &self.cookies)
            .field("csrf", &self.csrf)
            .finish()
    }
}

impl AuthConfig {
    /// Starts a builder from the defaults.
    ///
    /// ```
    /// use authx::{AuthConfig, TokenLocation};
    /// use std::time::Duration;
    ///
    /// let config = AuthConfig::builder()
    ///     .secret_key("change-me-to-32-random-bytes-please")
    ///     .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
    ///     .access_token_expires(Duration::from_secs(600))
    ///     .issuer("https://auth.example.com")
    ///     .build();
    /// assert_eq!(config.cookies.access_cookie_name, "access_token_cookie");
    /// ```
    pub fn builder() -> AuthConfigBuilder {
        AuthConfigBuilder(AuthConfig::default())
    }

    /// Reads `AUTHX_*` environment variables over the defaults. See
    /// [the configuration guide](crate::guide::configuration) for every variable. Fails on a value that does not parse (an unknown algorithm, a
    /// non-numeric lifetime), naming the variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        env::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`from_env`](Self::from_env), but over an arbitrary lookup (for tests, or a
    /// config source of your own).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        env::from_lookup(lookup)
    }

    /// Does the configuration look for tokens in `location`?
    pub fn has_location(&self, location: TokenLocation) -> bool {
        self.token_locations.contains(&location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn deserializes_with_seconds_and_defaults() {
        let c: AuthConfig = serde_json::from_value(serde_json::json!({
            "algorithm": "RS256",
            "public_key": "file:/etc/keys/pub.pem",
            "token_locations": ["headers", "cookies"],
            "access_token_expires": 60,
            "audience": "api",
            "store_timeout": 100,
            "cookies": { "secure": false, "same_site": "strict" },
            "csrf": { "methods": ["post", "delete"] },
            "previous_keys": [{ "kid": "k1", "algorithm": "ES256", "public_key": "/old.pem" }]
        }))
        .unwrap();
        assert_eq!(c.algorithm, Algorithm::RS256);
        assert!(
            matches!(&c.public_key, Some(KeySource::File(p)) if p.to_str() == Some("/etc/keys/pub.pem"))
        );
        assert_eq!(c.access_token_expires, Duration::from_secs(60));
        assert_eq!(c.refresh_token_expires, Duration::from_secs(20 * 24 * 3600));
        assert_eq!(c.audience, vec!["api"]);
        assert_eq!(c.store_timeout, Duration::from_millis(100));
        assert!(!c.cookies.secure);
        assert_eq!(c.cookies.same_site, SameSite::Strict);
        assert_eq!(c.cookies.access_cookie_name, "access_token_cookie");
        assert_eq!(c.csrf.methods, vec![Method::POST, Method::DELETE]);
        assert_eq!(c.csrf.header_name, "X-CSRF-TOKEN");
        assert_eq!(c.previous_keys[0].algorithm, Some(Algorithm::ES256));
        let err = serde_json::from_value::<AuthConfig>(serde_json::json!({ "algorithm": "none" }))
            .unwrap_err();
        assert!(err.to_string().contains("unknown algorithm"), "{err}");
    }

    #[test]
    fn secrets_do_not_leak_through_debug() {
        let c = AuthConfig::builder()
            .secret_key("super-secret-value")
            .private_key("-----BEGIN PRIVATE KEY-----\nx")
            .build();
        let dbg = format!("{c:?}");
        assert!(
            !dbg.contains("super-secret-value") && !dbg.contains("BEGIN"),
            "{dbg}"
        );
        let c = AuthConfig::builder()
            .store_url("postgres://app:hunter2@db.internal:5432/auth")
            .build();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(
            dbg.contains("postgres://app:***@db.internal:5432/auth"),
            "{dbg}"
        );
    }
}
