//! Configuration: [`AuthConfig`], built with [`AuthConfig::builder`], deserialized with serde, or
//! read from `AUTHX_*` environment variables with [`AuthConfig::from_env`].
//!
//! Defaults and names follow Python AuthX's `AuthXConfig` (cookie `access_token_cookie`, header
//! `X-CSRF-TOKEN`, 15-minute access tokens, 20-day refresh tokens...), so a service moved from
//! FastAPI keeps its wire contract. Nothing here is checked until [`Auth::new`](crate::Auth::new),
//! which refuses a configuration that cannot work (an HMAC algorithm without a secret, an
//! unparsable PEM key, no token location) before the first request.

mod env;

pub use env::ENV_VARS;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use http::Method;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use jsonwebtoken::Algorithm;

use crate::error::ConfigError;

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
    /// A JSON body field (`access_token` / `refresh_token`); needs [`JsonTokenLayer`](crate::extract::JsonTokenLayer).
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

/// A secret value: its `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself. Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// A PEM key given inline or as a file path.
///
/// From a string: text starting with `-----BEGIN` is PEM; anything else is a path (an optional
/// `file:` prefix is stripped).
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The PEM text.
    Pem(String),
    /// A file holding the PEM text, read when [`Auth`](crate::Auth) is built.
    File(PathBuf),
}

impl KeySource {
    /// Interprets a string as inline PEM or a path, as described on the type.
    pub fn parse(s: &str) -> Self {
        let t = s.trim_start();
        if t.starts_with("-----BEGIN") {
            KeySource::Pem(s.to_owned())
        } else {
            KeySource::File(PathBuf::from(s.strip_prefix("file:").unwrap_or(s)))
        }
    }

    pub(crate) fn read(&self) -> Result<Vec<u8>, ConfigError> {
        match self {
            KeySource::Pem(p) => Ok(p.as_bytes().to_vec()),
            KeySource::File(path) => std::fs::read(path).map_err(|e| ConfigError::KeyFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
        }
    }
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Pem(_) => f.write_str("KeySource::Pem(***)"),
            KeySource::File(p) => write!(f, "KeySource::File({})", p.display()),
        }
    }
}

impl<'de> Deserialize<'de> for KeySource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(KeySource::parse(&s))
    }
}

impl From<&str> for KeySource {
    fn from(s: &str) -> Self {
        KeySource::parse(s)
    }
}

/// A key that verifies (but no longer signs) tokens: the previous key during a rotation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct VerificationKey {
    /// The `kid` tokens signed with this key carry. When a token names a `kid`, only the key
    /// with that `kid` is tried.
    #[serde(default)]
    pub kid: Option<String>,
    /// Its algorithm; defaults to the current algorithm.
    #[serde(default, deserialize_with = "de_opt_algorithm")]
    pub algorithm: Option<Algorithm>,
    /// HMAC secret (for HS algorithms).
    #[serde(default)]
    pub secret_key: Option<Secret>,
    /// Public key PEM (for RS/PS/ES/EdDSA).
    #[serde(default)]
    pub public_key: Option<KeySource>,
}

impl VerificationKey {
    /// A previous HMAC secret.
    pub fn secret(secret: impl Into<Secret>) -> Self {
        VerificationKey {
            kid: None,
            algorithm: None,
            secret_key: Some(secret.into()),
            public_key: None,
        }
    }
    /// A previous public key (PEM text or path).
    pub fn public_key(key: impl Into<KeySource>) -> Self {
        VerificationKey {
            kid: None,
            algorithm: None,
            secret_key: None,
            public_key: Some(key.into()),
        }
    }
    /// Sets the `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
    /// Sets the algorithm (when it differs from the current one).
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = Some(algorithm);
        self
    }
}

/// The `SameSite` attribute of the cookies authx sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SameSite {
    /// `SameSite=Lax` (AuthX's default).
    #[default]
    Lax,
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=None` (requires `Secure`).
    None,
}

/// Cookie settings (AuthX's `JWT_COOKIE_*` and `JWT_*_COOKIE_*`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CookieConfig {
    /// Access token cookie name. Default `access_token_cookie`.
    pub access_cookie_name: String,
    /// Refresh token cookie name. Default `refresh_token_cookie`.
    pub refresh_cookie_name: String,
    /// Path of the access cookie (and its CSRF cookie). Default `/`.
    pub access_cookie_path: String,
    /// Path of the refresh cookie (and its CSRF cookie). Default `/`.
    pub refresh_cookie_path: String,
    /// `Secure` attribute. Default `true`; turn off only for plain-HTTP development.
    pub secure: bool,
    /// `HttpOnly` on token cookies (never on CSRF cookies, which scripts must read). Default `true`.
    pub http_only: bool,
    /// `SameSite`. Default `lax`.
    pub same_site: SameSite,
    /// `Domain`. Default none (host-only).
    pub domain: Option<String>,
    /// `Max-Age` in seconds; none makes session cookies (AuthX's default).
    #[serde(deserialize_with = "de_opt_secs")]
    pub max_age: Option<Duration>,
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            access_cookie_name: "access_token_cookie".into(),
            refresh_cookie_name: "refresh_token_cookie".into(),
            access_cookie_path: "/".into(),
            refresh_cookie_path: "/".into(),
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            domain: None,
            max_age: None,
        }
    }
}

/// CSRF double-submit settings for cookie-borne tokens (AuthX's `JWT_*CSRF*`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CsrfConfig {
    /// Check CSRF on cookie-borne tokens. Default `true`.
    pub enabled: bool,
    /// Methods that need the CSRF header. Default `POST, PUT, PATCH, DELETE`.
    #[serde(deserialize_with = "de_methods")]
    pub methods: Vec<Method>,
    /// Header carrying the CSRF value. Default `X-CSRF-TOKEN`.
    pub header_name: String,
    /// Cookie holding the access token's CSRF value. Default `csrf_access_token`.
    pub access_cookie_name: String,
    /// Cookie holding the refresh token's CSRF value. Default `csrf_refresh_token`.
    pub refresh_cookie_name: String,
}

impl Default for CsrfConfig {
    fn default() -> Self {
        CsrfConfig {
            enabled: true,
            methods: vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
            header_name: "X-CSRF-TOKEN".into(),
            access_cookie_name: "csrf_access_token".into(),
            refresh_cookie_name: "csrf_refresh_token".into(),
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
    #[serde(deserialize_with = "de_algorithm")]
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
    /// Where revocations and sessions live: `memory://` (default), `sqlite://path.db`,
    /// `postgres://...`, `redis://...` (see [`store::connect`](crate::store::connect)).
    /// Used by [`Auth::connect`](crate::Auth::connect).
    pub store_url: String,
    /// Allowlist mode (fastapi-auth-jwt): only tokens recorded at issue time
    /// ([`TokenBuilder::register`](crate::token::TokenBuilder::register)) are accepted, and
    /// [`Auth::invalidate`](crate::Auth::invalidate) / [`Auth::invalidate_subject`](crate::Auth::invalidate_subject)
    /// withdraw them. Costs one store lookup per request. Default `false`.
    pub allowlist: bool,
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
            store_url: "memory://".into(),
            trusted_proxies: Vec::new(),
            forwarded_header: "X-Forwarded-For".into(),
            ipv6_prefix: 64,
            ws_recheck_interval: Duration::from_secs(30),
            refresh_rotation: true,
            allowlist: false,
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
            .field("store_url", &redact_url(&self.store_url))
            .field("allowlist", &self.allowlist)
            .field("refresh_rotation", &self.refresh_rotation)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("forwarded_header", &self.forwarded_header)
            .field("ipv6_prefix", &self.ipv6_prefix)
            .field("ws_recheck_interval", &self.ws_recheck_interval)
            .field("store_timeout", &self.store_timeout)
            .field("store_fail_open", &self.store_fail_open)
            .field("cookies", &self.cookies)
            .field("csrf", &self.csrf)
            .finish()
    }
}

/// A URL with its password (`scheme://user:password@host`, or a `password=` query parameter)
/// replaced by `***`, for logs and `Debug`. Anything else comes back unchanged.
pub fn redact_url(url: &str) -> String {
    let redacted = redact_userinfo(url);
    let Some((base, query)) = redacted.split_once('?') else {
        return redacted;
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _))
                if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("pass") =>
            {
                format!("{k}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The authority ends at the first `/`, `?` or `#`; its userinfo at the last `@` in it.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = match userinfo.split_once(':') {
        Some((user, _password)) => user,
        // `redis://secret@host`: Redis clients read a lone userinfo as the password.
        None if scheme.starts_with("redis") => "",
        // A user name alone is no secret.
        None => return url.to_owned(),
    };
    format!("{scheme}://{user}:***@{host}{tail}")
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

    /// Reads `AUTHX_*` environment variables over the defaults. See the README's table for
    /// every variable. Fails on a value that does not parse (an unknown algorithm, a
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

    /// The lifetime of a token of `token_type`.
    pub fn lifetime(&self, token_type: crate::TokenType) -> Duration {
        match token_type {
            crate::TokenType::Access => self.access_token_expires,
            crate::TokenType::Refresh => self.refresh_token_expires,
        }
    }
}

/// Builder of [`AuthConfig`]; each method sets the field of the same name.
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthConfigBuilder(AuthConfig);

impl AuthConfigBuilder {
    /// See [`AuthConfig::algorithm`].
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.0.algorithm = algorithm;
        self
    }
    /// See [`AuthConfig::secret_key`].
    pub fn secret_key(mut self, secret: impl Into<Secret>) -> Self {
        self.0.secret_key = Some(secret.into());
        self
    }
    /// See [`AuthConfig::private_key`]: PEM text or a path.
    pub fn private_key(mut self, key: impl Into<KeySource>) -> Self {
        self.0.private_key = Some(key.into());
        self
    }
    /// See [`AuthConfig::public_key`]: PEM text or a path.
    pub fn public_key(mut self, key: impl Into<KeySource>) -> Self {
        self.0.public_key = Some(key.into());
        self
    }
    /// See [`AuthConfig::key_id`].
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.0.key_id = Some(kid.into());
        self
    }
    /// Adds a previous verification key. See [`AuthConfig::previous_keys`].
    pub fn previous_key(mut self, key: VerificationKey) -> Self {
        self.0.previous_keys.push(key);
        self
    }
    /// See [`AuthConfig::token_locations`].
    pub fn token_locations(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.0.token_locations = locations.into_iter().collect();
        self
    }
    /// See [`AuthConfig::header_name`] and [`AuthConfig::header_type`].
    pub fn header(mut self, name: impl Into<String>, scheme: impl Into<String>) -> Self {
        self.0.header_name = name.into();
        self.0.header_type = scheme.into();
        self
    }
    /// See [`AuthConfig::query_param`].
    pub fn query_param(mut self, name: impl Into<String>) -> Self {
        self.0.query_param = name.into();
        self
    }
    /// See [`AuthConfig::json_key`] and [`AuthConfig::refresh_json_key`].
    pub fn json_keys(mut self, access: impl Into<String>, refresh: impl Into<String>) -> Self {
        self.0.json_key = access.into();
        self.0.refresh_json_key = refresh.into();
        self
    }
    /// See [`AuthConfig::access_token_expires`].
    pub fn access_token_expires(mut self, d: Duration) -> Self {
        self.0.access_token_expires = d;
        self
    }
    /// See [`AuthConfig::refresh_token_expires`].
    pub fn refresh_token_expires(mut self, d: Duration) -> Self {
        self.0.refresh_token_expires = d;
        self
    }
    /// See [`AuthConfig::issuer`].
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.0.issuer = Some(iss.into());
        self
    }
    /// Adds an audience. See [`AuthConfig::audience`].
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.0.audience.push(aud.into());
        self
    }
    /// See [`AuthConfig::leeway`].
    pub fn leeway(mut self, d: Duration) -> Self {
        self.0.leeway = d;
        self
    }
    /// See [`AuthConfig::max_token_size`].
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.0.max_token_size = bytes;
        self
    }
    /// See [`AuthConfig::store_timeout`].
    pub fn store_timeout(mut self, d: Duration) -> Self {
        self.0.store_timeout = d;
        self
    }
    /// Adds a trusted proxy (address or CIDR). See [`AuthConfig::trusted_proxies`].
    pub fn trusted_proxy(mut self, net: impl Into<String>) -> Self {
        self.0.trusted_proxies.push(net.into());
        self
    }
    /// See [`AuthConfig::store_url`].
    pub fn store_url(mut self, url: impl Into<String>) -> Self {
        self.0.store_url = url.into();
        self
    }
    /// See [`AuthConfig::allowlist`].
    pub fn allowlist(mut self, on: bool) -> Self {
        self.0.allowlist = on;
        self
    }
    /// See [`AuthConfig::refresh_rotation`].
    pub fn refresh_rotation(mut self, on: bool) -> Self {
        self.0.refresh_rotation = on;
        self
    }
    /// See [`AuthConfig::store_fail_open`].
    pub fn store_fail_open(mut self, fail_open: bool) -> Self {
        self.0.store_fail_open = fail_open;
        self
    }
    /// See [`AuthConfig::forwarded_header`].
    pub fn forwarded_header(mut self, name: impl Into<String>) -> Self {
        self.0.forwarded_header = name.into();
        self
    }
    /// See [`AuthConfig::ipv6_prefix`].
    pub fn ipv6_prefix(mut self, bits: u8) -> Self {
        self.0.ipv6_prefix = bits;
        self
    }
    /// See [`AuthConfig::ws_recheck_interval`].
    pub fn ws_recheck_interval(mut self, interval: Duration) -> Self {
        self.0.ws_recheck_interval = interval;
        self
    }
    /// See [`AuthConfig::cookies`].
    pub fn cookies(mut self, cookies: CookieConfig) -> Self {
        self.0.cookies = cookies;
        self
    }
    /// Sets the `Secure` cookie attribute (turn off only for plain-HTTP development).
    pub fn cookie_secure(mut self, secure: bool) -> Self {
        self.0.cookies.secure = secure;
        self
    }
    /// See [`AuthConfig::csrf`].
    pub fn csrf(mut self, csrf: CsrfConfig) -> Self {
        self.0.csrf = csrf;
        self
    }
    /// Turns CSRF double-submit checking on or off.
    pub fn csrf_enabled(mut self, enabled: bool) -> Self {
        self.0.csrf.enabled = enabled;
        self
    }
    /// The configuration. It is checked by [`Auth::new`](crate::Auth::new).
    pub fn build(self) -> AuthConfig {
        self.0
    }
}

pub(crate) fn parse_algorithm(s: &str) -> Result<Algorithm, ConfigError> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let name = if upper == "EDDSA" {
        "EdDSA"
    } else {
        upper.as_str()
    };
    name.parse::<Algorithm>()
        .map_err(|_| ConfigError::UnknownAlgorithm(s.to_owned()))
}

pub(crate) fn algorithm_name(a: Algorithm) -> String {
    format!("{a:?}")
}

fn de_algorithm<'de, D: Deserializer<'de>>(d: D) -> Result<Algorithm, D::Error> {
    let s = String::deserialize(d)?;
    parse_algorithm(&s).map_err(serde::de::Error::custom)
}

fn de_opt_algorithm<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Algorithm>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| parse_algorithm(&s).map_err(serde::de::Error::custom))
        .transpose()
}

pub(crate) fn de_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(Duration::from_secs(u64::deserialize(d)?))
}

pub(crate) fn de_millis<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(Duration::from_millis(u64::deserialize(d)?))
}

fn de_opt_secs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Ok(Option::<u64>::deserialize(d)?.map(Duration::from_secs))
}

fn de_methods<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Method>, D::Error> {
    Vec::<String>::deserialize(d)?
        .into_iter()
        .map(|m| {
            Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(serde::de::Error::custom)
        })
        .collect()
}

pub(crate) fn de_one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// Serializes a list as a single string when it has one element (how `aud` is written).
pub(crate) fn ser_one_or_many<S: Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    if let [one] = v {
        s.serialize_str(one)
    } else {
        v.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn urls_lose_their_passwords() {
        for (url, shown) in [
            ("postgres://u:p@h/db", "postgres://u:***@h/db"),
            ("redis://:p@h:6379/0", "redis://:***@h:6379/0"),
            ("redis://p@h:6379", "redis://:***@h:6379"),
            ("rediss://user:p%40ss@h", "rediss://user:***@h"),
            ("postgres://u:p@h/db?x=a@b", "postgres://u:***@h/db?x=a@b"),
            (
                "postgres://h/db?user=u&password=p&sslmode=require",
                "postgres://h/db?user=u&password=***&sslmode=require",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("memory://", "memory://"),
            ("sqlite://authx.db", "sqlite://authx.db"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
