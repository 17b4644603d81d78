//! [`Auth`]: the configured engine handlers share through axum state.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::request::Parts;

use crate::config::{AuthConfig, TokenLocation};
use crate::error::{AuthError, ConfigError, IssueError};
use crate::extract::{cache, locate};
use crate::store::{RevocationStore, Session, SessionMeta, SessionStore, StoreError, Stores};
use crate::token::codec::{TokenCodec, now};
use crate::token::{Claims, PairBuilder, TokenBuilder, TokenPair, TokenType};

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
    trusted_proxies: crate::rate::TrustedProxies,
    config: AuthConfig,
    codec: TokenCodec,
    stores: Stores,
    csrf_in_tokens: bool,
    touched: std::sync::Mutex<std::collections::HashMap<String, i64>>,
    /// Identity providers whose tokens are accepted too (feature `jwks`).
    #[cfg(feature = "jwks")]
    issuers: crate::jwks::Issuers,
}

/// `last_seen` is written at most this often per session.
const TOUCH_INTERVAL_SECS: i64 = 60;

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
        let trusted_proxies = crate::rate::TrustedProxies::parse(&config.trusted_proxies)?;
        let csrf_in_tokens = config.csrf.enabled && config.has_location(TokenLocation::Cookies);
        #[cfg(feature = "jwks")]
        let issuers = crate::jwks::Issuers::new(self.issuers, &config)?;
        Ok(Auth {
            inner: Arc::new(Inner {
                codec,
                stores: self.stores,
                trusted_proxies,
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
        let stores = crate::store::connect(&config.store_url)
            .await
            .map_err(|e| ConfigError::Invalid {
                field: "store_url",
                reason: e.to_string(),
            })?;
        tracing::info!(backend = stores.backend, "authx stores connected");
        Self::builder(config).stores(stores).build()
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

    /// The client IP of a request, honouring [`trusted_proxies`](AuthConfig::trusted_proxies).
    pub fn client_ip(&self, parts: &Parts) -> crate::rate::ClientIp {
        crate::rate::ClientIp::of(parts, &self.inner.trusted_proxies)
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

    /// Finds the token of `token_type` in a request, in the configured locations and order,
    /// without verifying it. For middleware of your own; extractors and guards do this for you.
    pub fn locate<'a>(
        &self,
        parts: &'a Parts,
        token_type: TokenType,
    ) -> Result<Option<(std::borrow::Cow<'a, str>, TokenLocation)>, AuthError> {
        let config = &self.inner.config;
        Ok(
            locate::locate(parts, config, token_type, &config.token_locations)?
                .map(|l| (l.token, l.location)),
        )
    }

    /// Verifies signature and claims (not revocation: see [`verify_unrevoked`](Self::verify_unrevoked)).
    /// This service's own tokens only: identity-provider tokens (feature `jwks`) may need a key
    /// fetch, so they verify through the async [`verify_unrevoked`](Self::verify_unrevoked).
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        self.inner.codec.verify(token, now())
    }

    /// Verifies signature and claims (with the identity provider the token's `iss` names, when
    /// one is configured), then asks the revocation store about the token and its session.
    pub async fn verify_unrevoked(&self, token: &str) -> Result<Claims, AuthError> {
        let claims = self.verify_token(token).await?;
        self.ensure_claims_not_revoked(&claims).await?;
        Ok(claims)
    }

    /// Fails when the token or its session is revoked.
    pub(crate) async fn ensure_claims_not_revoked(&self, claims: &Claims) -> Result<(), AuthError> {
        match &claims.sid {
            Some(sid) => {
                self.ensure_none_revoked(&[&claims.jti, &session_key(sid)])
                    .await
            }
            None => self.ensure_none_revoked(&[&claims.jti]).await,
        }
    }

    /// Revokes the token these claims came from, until it would have expired (logout).
    pub async fn revoke<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        self.revoke_jti(&claims.jti, claims.exp).await
    }

    /// Revokes `jti` until `expires_at` (seconds since the epoch).
    pub async fn revoke_jti(&self, jti: &str, expires_at: i64) -> Result<(), AuthError> {
        self.store_call(self.inner.stores.revocation.revoke(jti, expires_at))
            .await
    }

    /// Fails with [`AuthError::Revoked`] when `jti` is revoked. A store failure answers per
    /// [`store_fail_open`](AuthConfig::store_fail_open).
    pub async fn ensure_not_revoked(&self, jti: &str) -> Result<(), AuthError> {
        self.ensure_none_revoked(&[jti]).await
    }

    async fn ensure_none_revoked(&self, keys: &[&str]) -> Result<(), AuthError> {
        match self
            .store_call(self.inner.stores.revocation.any_revoked(keys))
            .await
        {
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
    /// against the revocation store, then cached. A verification (not a cache hit) is one
    /// [decision event](decision), with the request's path as its route.
    pub(crate) async fn authenticate(
        &self,
        parts: &mut Parts,
        req: Requirement<'_>,
    ) -> Result<Arc<Claims>, AuthError> {
        if let Some(hit) = cache::get(parts, req.token_type) {
            return Ok(hit);
        }
        let started = decision::start();
        let mut seen = None;
        let result = self.verify_request(parts, req, &mut seen).await;
        decision::record(
            started,
            parts,
            parts.uri.path(),
            seen.as_deref(),
            result.as_ref().err(),
        );
        result
    }

    /// [`authenticate`](Self::authenticate) without the decision event, for callers that
    /// record their own (the guard). `seen` gets the claims as soon as the signature verifies,
    /// so a later refusal can name its subject.
    pub(crate) async fn authenticate_quietly(
        &self,
        parts: &mut Parts,
        req: Requirement<'_>,
        seen: &mut Option<Arc<Claims>>,
    ) -> Result<Arc<Claims>, AuthError> {
        if let Some(hit) = cache::get(parts, req.token_type) {
            *seen = Some(hit.clone());
            return Ok(hit);
        }
        self.verify_request(parts, req, seen).await
    }

    /// Verifies a located token: with the identity provider its (unverified) `iss` names when
    /// one is configured (feature `jwks`), otherwise with this service's own keys.
    async fn verify_token(&self, token: &str) -> Result<Claims, AuthError> {
        #[cfg(feature = "jwks")]
        if let Some(issuer) = self.inner.issuers.route(token) {
            return issuer.verify(token).await;
        }
        self.inner.codec.verify(token, now())
    }

    /// The identity providers whose tokens are accepted (feature `jwks`), in no particular
    /// order.
    #[cfg(feature = "jwks")]
    pub fn issuers(&self) -> impl Iterator<Item = &crate::jwks::JwksIssuer> {
        self.inner.issuers.iter()
    }

    async fn verify_request(
        &self,
        parts: &mut Parts,
        req: Requirement<'_>,
        seen: &mut Option<Arc<Claims>>,
    ) -> Result<Arc<Claims>, AuthError> {
        let config = &self.inner.config;
        let locations = req.locations.unwrap_or(&config.token_locations);
        let (claims, location) = {
            let found = locate::locate(parts, config, req.token_type, locations)?
                .ok_or(AuthError::MissingToken)?;
            (
                Arc::new(self.verify_token(&found.token).await?),
                found.location,
            )
        };
        *seen = Some(claims.clone());
        if claims.token_type != req.token_type {
            return Err(match req.token_type {
                TokenType::Access => AuthError::AccessTokenRequired,
                TokenType::Refresh => AuthError::RefreshTokenRequired,
            });
        }
        if location == TokenLocation::Cookies && req.csrf && config.csrf.enabled {
            crate::cookies::check_csrf(parts, config, claims.csrf.as_deref())?;
        }
        self.ensure_claims_not_revoked(&claims).await?;
        if config.allowlist {
            self.ensure_allowed(&claims).await?;
        }
        if let Some(sid) = &claims.sid {
            self.touch_later(sid);
        }
        cache::put(parts, req.token_type, claims.clone());
        Ok(claims)
    }
}

/// Auth decision events: one `tracing` event (target `authx`, name and message
/// `auth decision`, level `DEBUG`) per decision the pipeline takes, with the fields `route`
/// (the guard's route id, or the request path), `method`, `path`, `subject` (when a token
/// verified), `outcome` (`allowed` or `refused`), `error_type` and `status` (when refused)
/// and `duration_us`. Never a token, a secret, a CSRF value or a cookie. When no subscriber
/// wants the event, nothing is measured or formatted.
pub(crate) mod decision {
    use std::time::Instant;

    use http::request::Parts;

    use crate::error::AuthError;
    use crate::token::Claims;

    /// The start of a decision, or `None` when no subscriber listens.
    pub(crate) fn start() -> Option<Instant> {
        tracing::enabled!(target: "authx", tracing::Level::DEBUG).then(Instant::now)
    }

    /// Emits the decision event for a decision that began at `started`.
    pub(crate) fn record(
        started: Option<Instant>,
        parts: &Parts,
        route: &str,
        claims: Option<&Claims>,
        error: Option<&AuthError>,
    ) {
        let Some(started) = started else {
            return;
        };
        let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let subject = claims.map(|c| c.sub.as_str());
        let method = parts.method.as_str();
        // The path only: the query may carry a token.
        let path = parts.uri.path();
        match error {
            None => tracing::event!(
                name: "auth decision",
                target: "authx",
                tracing::Level::DEBUG,
                route,
                method,
                path,
                subject,
                outcome = "allowed",
                duration_us,
                "auth decision"
            ),
            Some(e) => tracing::event!(
                name: "auth decision",
                target: "authx",
                tracing::Level::DEBUG,
                route,
                method,
                path,
                subject,
                outcome = "refused",
                error_type = e.error_type(),
                status = e.status().as_u16(),
                duration_us,
                "auth decision"
            ),
        }
    }
}

/// The revocation key of a session.
fn session_key(sid: &str) -> String {
    format!("sid:{sid}")
}

/// Sessions and refresh rotation.
impl Auth {
    /// Starts a login session for `subject` (IP, user agent and device from `meta`). Bind
    /// tokens to it with `.session(&session.id)` on a token builder.
    pub async fn create_session(
        &self,
        subject: &str,
        meta: SessionMeta,
    ) -> Result<Session, AuthError> {
        let now = now();
        let lifetime =
            i64::try_from(self.inner.config.refresh_token_expires.as_secs()).unwrap_or(i64::MAX);
        let session = Session {
            id: uuid::Uuid::new_v4().to_string(),
            subject: subject.to_owned(),
            created_at: now,
            last_seen: now,
            expires_at: now.saturating_add(lifetime),
            ip: meta.ip,
            user_agent: meta.user_agent,
            device: meta.device,
            revoked: false,
        };
        self.store_call(self.inner.stores.sessions.create_session(&session))
            .await?;
        Ok(session)
    }

    /// A subject's live sessions, oldest first.
    pub async fn sessions(&self, subject: &str) -> Result<Vec<Session>, AuthError> {
        self.store_call(self.inner.stores.sessions.list_sessions(subject, now()))
            .await
    }

    /// One session (revoked ones included until they expire).
    pub async fn session(&self, id: &str) -> Result<Option<Session>, AuthError> {
        self.store_call(self.inner.stores.sessions.get_session(id))
            .await
    }

    /// Revokes a session: every token carrying its id is refused from now on, on every
    /// instance sharing the store. `false` when there was no live session with that id.
    pub async fn revoke_session(&self, id: &str) -> Result<bool, AuthError> {
        let Some(session) = self.session(id).await? else {
            return Ok(false);
        };
        self.store_call(
            self.inner
                .stores
                .revocation
                .revoke(&session_key(id), session.expires_at),
        )
        .await?;
        self.store_call(self.inner.stores.sessions.mark_session_revoked(id))
            .await
    }

    /// Revokes every live session of `subject`, except `keep` when given ("log out my other
    /// devices"). Returns how many were revoked.
    pub async fn revoke_all_sessions(
        &self,
        subject: &str,
        keep: Option<&str>,
    ) -> Result<usize, AuthError> {
        let mut revoked = 0;
        for s in self.sessions(subject).await? {
            if Some(s.id.as_str()) != keep && self.revoke_session(&s.id).await? {
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    /// Exchanges a verified refresh token for a new pair (same subject, scopes, extra data and
    /// session; the access token is not fresh) and retires it. With
    /// [`refresh_rotation`](AuthConfig::refresh_rotation) on, presenting a retired refresh token
    /// again is theft or a replay: its session, the whole token family, is revoked and the call
    /// fails with [`AuthError::RefreshTokenReused`]. With rotation off, a new pair is issued
    /// and the old refresh token stays valid until it expires.
    pub async fn rotate(&self, claims: &Claims) -> Result<TokenPair, AuthError> {
        if claims.token_type != TokenType::Refresh {
            return Err(AuthError::RefreshTokenRequired);
        }
        let mut access = self
            .access_token(&claims.sub)
            .scopes(claims.scopes())
            .extra(&claims.extra);
        if let Some(sid) = &claims.sid {
            access = access.session(sid);
        }
        if self.inner.config.refresh_rotation {
            let retired = format!("rotated:{}", claims.jti);
            let first_use = self
                .store_call(
                    self.inner
                        .stores
                        .revocation
                        .revoke_once(&retired, claims.exp),
                )
                .await?;
            if !first_use {
                tracing::warn!(subject = %claims.sub, "authx: refresh token reused; revoking its session");
                self.revoke_jti(&claims.jti, claims.exp).await?;
                if let Some(sid) = &claims.sid {
                    self.revoke_session(sid).await?;
                }
                return Err(AuthError::RefreshTokenReused);
            }
        }
        let mut refresh = self
            .refresh_token(&claims.sub)
            .scopes(claims.scopes())
            .extra(&claims.extra);
        if let Some(sid) = &claims.sid {
            refresh = refresh.session(sid);
            let lifetime = i64::try_from(self.inner.config.refresh_token_expires.as_secs())
                .unwrap_or(i64::MAX);
            let extend = now().saturating_add(lifetime);
            self.store_call(
                self.inner
                    .stores
                    .sessions
                    .touch_session(sid, now(), Some(extend)),
            )
            .await?;
        }
        if self.inner.config.allowlist {
            return Ok(TokenPair::new(
                access.register().await?,
                refresh.register().await?,
            ));
        }
        Ok(TokenPair::new(access.issue()?, refresh.issue()?))
    }

    /// Records use of a session, at most once a minute, off the request path.
    fn touch_later(&self, sid: &str) {
        let now = now();
        {
            let mut touched = self.inner.touched.lock().unwrap_or_else(|p| p.into_inner());
            if touched
                .get(sid)
                .is_some_and(|t| now - t < TOUCH_INTERVAL_SECS)
            {
                return;
            }
            if touched.len() > 100_000 {
                touched.clear();
            }
            touched.insert(sid.to_owned(), now);
        }
        let auth = self.clone();
        let sid = sid.to_owned();
        tokio::spawn(async move {
            if let Err(e) = auth
                .store_call(auth.inner.stores.sessions.touch_session(&sid, now, None))
                .await
            {
                tracing::debug!(error = %e, "authx: could not record session use");
            }
        });
    }
}

/// The subject under which allowlist records are kept, apart from login sessions.
fn allowlist_subject(subject: &str) -> String {
    format!("allowlist:{subject}")
}

/// Allowlist mode.
impl Auth {
    /// Records an issued token in the allowlist (used by `TokenBuilder::register`).
    pub(crate) async fn record_allowed(&self, claims: &Claims) -> Result<(), AuthError> {
        let now = now();
        let record = Session {
            id: claims.jti.clone(),
            subject: allowlist_subject(&claims.sub),
            created_at: now,
            last_seen: now,
            expires_at: claims.exp,
            ip: None,
            user_agent: None,
            device: None,
            revoked: false,
        };
        self.store_call(self.inner.stores.sessions.create_session(&record))
            .await
    }

    async fn ensure_allowed(&self, claims: &Claims) -> Result<(), AuthError> {
        match self
            .store_call(self.inner.stores.sessions.get_session(&claims.jti))
            .await
        {
            Ok(Some(record))
                if !record.revoked && record.subject == allowlist_subject(&claims.sub) =>
            {
                Ok(())
            }
            Ok(_) => Err(AuthError::Revoked),
            Err(AuthError::StoreUnavailable(e)) if self.inner.config.store_fail_open => {
                tracing::warn!(error = %e, "allowlist store unavailable; letting the request through (store_fail_open)");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Withdraws one token: refused from now on (in allowlist mode or not).
    pub async fn invalidate<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        self.revoke(claims).await?;
        if self.inner.config.allowlist {
            self.store_call(self.inner.stores.sessions.mark_session_revoked(&claims.jti))
                .await?;
        }
        Ok(())
    }

    /// Withdraws every allowlisted token of `subject` (allowlist mode). Returns how many.
    pub async fn invalidate_subject(&self, subject: &str) -> Result<usize, AuthError> {
        let records = self
            .store_call(
                self.inner
                    .stores
                    .sessions
                    .list_sessions(&allowlist_subject(subject), now()),
            )
            .await?;
        let mut n = 0;
        for r in records {
            if self
                .store_call(self.inner.stores.sessions.mark_session_revoked(&r.id))
                .await?
            {
                n += 1;
            }
        }
        Ok(n)
    }
}
