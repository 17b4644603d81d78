//! [`Auth`]: the configured engine handlers share through axum state.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::request::Parts;

use crate::config::{AuthConfig, TokenLocation};
use crate::error::{AuthError, ConfigError, IssueError};
use crate::extract::{cache, locate};
use crate::store::{MemoryRevocationStore, RevocationStore, StoreError};
use crate::token::codec::{TokenCodec, now};
use crate::token::{Claims, PairBuilder, TokenBuilder, TokenType};

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
    config: AuthConfig,
    codec: TokenCodec,
    revocation: Arc<dyn RevocationStore>,
    csrf_in_tokens: bool,
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
    revocation: Option<Arc<dyn RevocationStore>>,
}

impl AuthBuilder {
    /// Uses `store` for revocations instead of a [`MemoryRevocationStore`].
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.revocation = Some(Arc::new(store));
        self
    }

    /// Like [`revocation_store`](Self::revocation_store), for a store you share elsewhere.
    pub fn shared_revocation_store(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.revocation = Some(store);
        self
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
        let csrf_in_tokens = config.csrf.enabled && config.has_location(TokenLocation::Cookies);
        Ok(Auth {
            inner: Arc::new(Inner {
                codec,
                revocation: self
                    .revocation
                    .unwrap_or_else(|| Arc::new(MemoryRevocationStore::new())),
                csrf_in_tokens,
                config,
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
            revocation: None,
        }
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
        &self.inner.revocation
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

    /// Verifies signature and claims (not revocation: see [`verify_unrevoked`](Self::verify_unrevoked)).
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        self.inner.codec.verify(token, now())
    }

    /// Verifies signature and claims, then asks the revocation store.
    pub async fn verify_unrevoked(&self, token: &str) -> Result<Claims, AuthError> {
        let claims = self.verify(token)?;
        self.ensure_not_revoked(&claims.jti).await?;
        Ok(claims)
    }

    /// Revokes the token these claims came from, until it would have expired (logout).
    pub async fn revoke<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        let store = &self.inner.revocation;
        self.store_call(store.revoke(&claims.jti, claims.exp)).await
    }

    /// Revokes `jti` until `expires_at` (seconds since the epoch).
    pub async fn revoke_jti(&self, jti: &str, expires_at: i64) -> Result<(), AuthError> {
        self.store_call(self.inner.revocation.revoke(jti, expires_at))
            .await
    }

    /// Fails with [`AuthError::Revoked`] when `jti` is revoked. A store failure answers per
    /// [`store_fail_open`](AuthConfig::store_fail_open).
    pub async fn ensure_not_revoked(&self, jti: &str) -> Result<(), AuthError> {
        match self.store_call(self.inner.revocation.is_revoked(jti)).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(AuthError::Revoked),
            Err(AuthError::StoreUnavailable(e)) if self.inner.config.store_fail_open => {
                tracing::warn!(error = %e, "revocation store unavailable; letting the request through (store_fail_open)");
                Ok(())
            }
            Err(e) => Err(e),
        }
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

    /// The request's token, verified once: from the request's cache when an extractor or guard
    /// already verified it, otherwise located, decoded, type-checked, CSRF-checked and checked
    /// against the revocation store, then cached.
    pub(crate) async fn authenticate(
        &self,
        parts: &mut Parts,
        req: Requirement<'_>,
    ) -> Result<Arc<Claims>, AuthError> {
        if let Some(hit) = cache::get(parts, req.token_type) {
            return Ok(hit);
        }
        let config = &self.inner.config;
        let locations = req.locations.unwrap_or(&config.token_locations);
        let (claims, location) = {
            let found = locate::locate(parts, config, req.token_type, locations)?
                .ok_or(AuthError::MissingToken)?;
            (
                self.inner.codec.verify(&found.token, now())?,
                found.location,
            )
        };
        if claims.token_type != req.token_type {
            return Err(match req.token_type {
                TokenType::Access => AuthError::AccessTokenRequired,
                TokenType::Refresh => AuthError::RefreshTokenRequired,
            });
        }
        if location == TokenLocation::Cookies && req.csrf && config.csrf.enabled {
            crate::cookies::check_csrf(parts, config, claims.csrf.as_deref())?;
        }
        self.ensure_not_revoked(&claims.jti).await?;
        let claims = Arc::new(claims);
        cache::put(parts, req.token_type, claims.clone());
        Ok(claims)
    }
}
