//! [`Auth`]: the configured engine handlers share through axum state.
//!
//! - this file: `Auth`, its builder and the stores it holds;
//! - [`pipeline`]: the request pipeline (locate, verify, type, CSRF, revocation, allowlist);
//! - [`session`]: sessions, token families, refresh rotation, logout;
//! - [`allowlist`]: allowlist mode;
//! - [`decision`]: the `auth decision` tracing events.

mod allowlist;
pub(crate) mod decision;
mod pipeline;
mod session;

pub(crate) use session::valid_id;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::request::Parts;

use crate::config::{AuthConfig, TokenLocation};
use crate::error::{AuthError, ConfigError, IssueError};
use crate::extract::SessionMeta;
use crate::store::{AllowlistStore, RevocationStore, SessionStore, StoreError, Stores};
use crate::token::codec::TokenCodec;
use crate::token::{PairBuilder, TokenBuilder, TokenType};

/// The authentication engine: configuration, decoded keys and stores.
///
/// Cheap to clone (one `Arc`). Put it in your router state and let extractors find it with
/// [`FromRef`](axum::extract::FromRef):
///
/// ```
/// use authx::{Auth, AuthConfig, Claims};
/// use axum::{Router, routing::get};
///
/// async fn me(claims: Claims) -> String {
///     claims.sub
/// }
///
/// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// let app: Router = Router::new().route("/me", get(me)).with_state(auth);
/// ```
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    forwarding: crate::rate::Forwarding,
    config: AuthConfig,
    codec: TokenCodec,
    stores: Stores,
    csrf_in_tokens: bool,
    touched: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    /// Identity providers whose tokens are accepted too (feature `jwks`).
    #[cfg(feature = "jwks")]
    issuers: crate::jwks::Issuers,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Builds an [`Auth`] with stores other than the defaults. Start with [`Auth::builder`].
#[must_use]
pub struct AuthBuilder {
    config: AuthConfig,
    stores: Stores,
    #[cfg(feature = "jwks")]
    issuers: Vec<crate::jwks::IssuerConfig>,
}

impl AuthBuilder {
    /// Uses these stores (see [`store::connect`](crate::store::connect)) instead of memory.
    pub fn stores(mut self, stores: Stores) -> Self {
        self.stores = stores;
        self
    }

    /// Uses `store` for revocations (sessions stay where they were).
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.stores.revocation = Arc::new(store);
        self
    }

    /// Like [`revocation_store`](Self::revocation_store), for a store you share elsewhere.
    pub fn shared_revocation_store(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.stores.revocation = store;
        self
    }

    /// Uses `limiter` for rate limits.
    pub fn rate_limiter(mut self, limiter: impl crate::rate::RateLimiter) -> Self {
        self.stores.rate = Arc::new(limiter);
        self
    }

    /// Uses `store` for sessions.
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.stores.sessions = Arc::new(store);
        self
    }

    /// Also accepts access tokens from this identity provider (feature `jwks`); call once per
    /// provider. See [`jwks`](crate::jwks).
    #[cfg(feature = "jwks")]
    pub fn issuer(mut self, issuer: crate::jwks::IssuerConfig) -> Self {
        self.issuers.push(issuer);
        self
    }

    /// Connects the stores named by [`store_url`](AuthConfig::store_url), then builds: what
    /// [`Auth::connect`] does, for a builder that also names issuers or other stores.
    pub async fn connect(self) -> Result<Auth, ConfigError> {
        let stores = crate::store::connect(&self.config.store_url)
            .await
            .map_err(|e| ConfigError::Invalid {
                field: "store_url",
                reason: e.to_string(),
            })?;
        tracing::info!(backend = stores.backend, "authx stores connected");
        self.stores(stores).build()
    }

    /// Checks the configuration, decodes the keys and builds the engine.
    pub fn build(self) -> Result<Auth, ConfigError> {
        let config = self.config;
        if config.token_locations.is_empty() {
            return Err(ConfigError::NoLocations);
        }
        if config.max_token_size == 0 {
            return Err(ConfigError::Invalid {
                field: "max_token_size",
                reason: "must be above 0".into(),
            });
        }
        if config.header_name.parse::<http::HeaderName>().is_err() {
            return Err(ConfigError::Invalid {
                field: "header_name",
                reason: format!("{:?} is not a valid header name", config.header_name),
            });
        }
        if config.csrf.header_name.parse::<http::HeaderName>().is_err() {
            return Err(ConfigError::Invalid {
                field: "csrf.header_name",
                reason: format!("{:?} is not a valid header name", config.csrf.header_name),
            });
        }
        let codec = TokenCodec::new(&config)?;
        let forwarding = crate::rate::Forwarding::new(
            crate::rate::TrustedProxies::parse(&config.trusted_proxies)?,
            &config.forwarded_header,
            config.ipv6_prefix,
        )?;
        let csrf_in_tokens = config.csrf.enabled && config.has_location(TokenLocation::Cookies);
        #[cfg(feature = "jwks")]
        let issuers = crate::jwks::Issuers::new(self.issuers, &config)?;
        Ok(Auth {
            inner: Arc::new(Inner {
                codec,
                stores: self.stores,
                forwarding,
                csrf_in_tokens,
                config,
                touched: Default::default(),
                #[cfg(feature = "jwks")]
                issuers,
            }),
        })
    }
}

/// What a route asks of the token before its own checks (scopes, policy...) run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Requirement<'r> {
    pub token_type: TokenType,
    pub locations: Option<&'r [TokenLocation]>,
    pub csrf: bool,
}

impl Requirement<'static> {
    pub const ACCESS: Self = Requirement {
        token_type: TokenType::Access,
        locations: None,
        csrf: true,
    };
    pub const REFRESH: Self = Requirement {
        token_type: TokenType::Refresh,
        locations: None,
        csrf: true,
    };
}

impl Auth {
    /// Checks `config` and builds the engine with the default in-memory stores.
    ///
    /// Fails (never at the first request) when the configuration cannot work: an HMAC algorithm
    /// without a secret, an asymmetric one without its public key, a PEM that does not parse
    /// or does not match its algorithm, no token location.
    pub fn new(config: AuthConfig) -> Result<Self, ConfigError> {
        Self::builder(config).build()
    }

    /// Starts a builder, to choose stores.
    pub fn builder(config: AuthConfig) -> AuthBuilder {
        AuthBuilder {
            config,
            stores: Stores::memory(),
            #[cfg(feature = "jwks")]
            issuers: Vec::new(),
        }
    }

    /// Connects the stores named by [`store_url`](AuthConfig::store_url) (`AUTHX_STORE_URL`),
    /// then builds the engine.
    pub async fn connect(config: AuthConfig) -> Result<Self, ConfigError> {
        Self::builder(config).connect().await
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    pub(crate) fn codec(&self) -> &TokenCodec {
        &self.inner.codec
    }

    pub(crate) fn csrf_in_tokens(&self) -> bool {
        self.inner.csrf_in_tokens
    }

    /// The revocation store in use.
    pub fn revocation_store(&self) -> &Arc<dyn RevocationStore> {
        &self.inner.stores.revocation
    }

    /// The session store in use.
    pub fn session_store(&self) -> &Arc<dyn SessionStore> {
        &self.inner.stores.sessions
    }

    /// The rate limiter in use.
    pub fn rate_limiter(&self) -> &Arc<dyn crate::rate::RateLimiter> {
        &self.inner.stores.rate
    }

    /// The allowlist store in use (allowlist mode).
    pub fn allowlist_store(&self) -> &Arc<dyn AllowlistStore> {
        &self.inner.stores.allowlist
    }

    /// The client IP of a request, honouring [`trusted_proxies`](AuthConfig::trusted_proxies)
    /// and [`forwarded_header`](AuthConfig::forwarded_header) (see [`Forwarding`](crate::rate::Forwarding)).
    pub fn client_ip(&self, parts: &Parts) -> crate::rate::ClientIp {
        self.inner.forwarding.client_ip(parts)
    }

    /// What a login request says about the client, for [`create_session`](Self::create_session):
    /// its IP (found as [`client_ip`](Self::client_ip) finds it, so a trusted proxy's forwarding
    /// header is honoured and a client's is not) and its user agent.
    pub fn session_meta(&self, parts: &Parts) -> SessionMeta {
        SessionMeta::new(self.client_ip(parts).addr(), parts)
    }

    /// Which store backend is in use (`memory`, `sqlite`, `postgres`, `redis`).
    pub fn store_backend(&self) -> &'static str {
        self.inner.stores.backend
    }

    /// Starts an access token for `subject`.
    pub fn access_token(&self, subject: impl Into<String>) -> TokenBuilder<'_> {
        TokenBuilder::new(self, subject.into(), TokenType::Access)
    }

    /// Starts a refresh token for `subject`.
    pub fn refresh_token(&self, subject: impl Into<String>) -> TokenBuilder<'_> {
        TokenBuilder::new(self, subject.into(), TokenType::Refresh)
    }

    /// Starts an access + refresh pair for `subject`.
    pub fn token_pair(&self, subject: impl Into<String>) -> PairBuilder<'_> {
        PairBuilder::new(self, subject.into())
    }

    /// A plain access token for `subject` (AuthX's `create_access_token`).
    pub fn create_access_token(&self, subject: impl Into<String>) -> Result<String, IssueError> {
        self.access_token(subject).issue()
    }

    /// A plain refresh token for `subject` (AuthX's `create_refresh_token`).
    pub fn create_refresh_token(&self, subject: impl Into<String>) -> Result<String, IssueError> {
        self.refresh_token(subject).issue()
    }

    /// The configured leeway, in seconds.
    pub(crate) fn leeway_secs(&self) -> i64 {
        i64::try_from(self.inner.config.leeway.as_secs()).unwrap_or(i64::MAX)
    }

    /// Runs a store call within [`store_timeout`](AuthConfig::store_timeout).
    pub(crate) async fn store_call<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, AuthError> {
        let limit = self.inner.config.store_timeout;
        match tokio::time::timeout(limit, call).await {
            Ok(result) => result.map_err(AuthError::StoreUnavailable),
            Err(_) => Err(AuthError::StoreUnavailable(StoreError::Timeout(limit))),
        }
    }

    /// A store answer under [`store_fail_open`](AuthConfig::store_fail_open): `Ok(None)` when the
    /// store failed and the app chose to let requests through (logged), the error otherwise.
    pub(crate) fn fail_open<T>(
        &self,
        result: Result<T, AuthError>,
        what: &'static str,
    ) -> Result<Option<T>, AuthError> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(AuthError::StoreUnavailable(e)) if self.inner.config.store_fail_open => {
                tracing::warn!(error = %e, store = what, "authx: store unavailable; letting the request through (store_fail_open)");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
