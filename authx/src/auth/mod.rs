//! [`Auth`]: the configured engine handlers share through axum state.
//!
//! - this file: `Auth` (construction, configuration, clock, request-level verification) and
//!   the stores it holds; [`builder`]: `AuthBuilder`;
//! - [`verification`]: **the one verification path**, a `Verification` value run by
//!   `Auth::run` in one order (every door builds one and calls no step itself);
//! - [`pipeline`]: the route doors' pipeline (IP rate limit, the verification, route checks,
//!   the decision event); [`route`]: user kind and step-up;
//! - [`verify`]: liveness queries (revocation, family, session end) and revoking;
//!   [`rate`]: rate decisions; [`refuse`]: the one rejection path;
//! - [`session`], [`subject_sessions`]: sessions, token families, refresh rotation, logout;
//! - [`allowlist`]: allowlist mode; [`decision`]: the `auth decision` tracing events;
//! - [`manual`]: the manual style (find the token, verify it with flags); [`keys`]: the JWK
//!   Set and key reloads; `dpop`: DPoP proofs on requests (feature `oauth`);
//! - [`handles`]: the borrowed handles (`auth.tokens()`, `auth.sessions()`, ...) for the rest.

mod allowlist;
pub(crate) mod api_key;
mod builder;
pub(crate) mod decision;
#[cfg(feature = "oauth")]
mod dpop;
mod handles;
mod keys;
mod manual;
mod pipeline;
mod rate;
mod refuse;
mod resource;
mod route;
mod session;
mod subject_sessions;
pub(crate) mod verification;
mod verify;

pub use subject_sessions::{MAX_SESSION_PAGE, SessionPage};

pub use builder::AuthBuilder;
pub use handles::{ApiKeyBuilder, ApiKeys, Keys, Revocations, Sessions, StoresInUse, Tokens};

tokio::task_local! {
    /// Set while a store outage must fail closed even under `store_fail_open`.
    static STRICT: ();
}
pub(crate) use decision::route_template;
pub(crate) use pipeline::Check;
pub use refuse::RefusalHook;
pub use route::check_kind;
pub(crate) use route::check_step_up;
pub(crate) use session::family_of;
#[cfg(any(feature = "oauth", feature = "ws"))]
pub(crate) use verification::Dpop;
#[cfg(any(feature = "oauth", feature = "ws"))]
pub(crate) use verification::Live;
pub(crate) use verification::Verification;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use http::request::Parts;

use crate::clock::SharedClock;
use crate::config::{AuthConfig, ConfigError};
use crate::error::{AuthError, IssueError};
use crate::store::{AllowlistStore, RevocationStore, SessionStore, StoreError, Stores};
use crate::token::codec::TokenCodec;
use crate::token::{PairBuilder, TokenBuilder, TokenPair, TokenType};

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
    /// The revocation near-cache, when on (also `stores.revocation`).
    near_cache: Option<Arc<crate::store::NearCached>>,
    /// The rate limiter is the revocation store (Redis) and no near-cache is in between: see
    /// [`Auth::live_and_counted`].
    one_trip: bool,
    /// API keys, revocations and rate limits are one store (Redis): see
    /// [`ApiKeyStore::key_within_rate`](crate::store::ApiKeyStore::key_within_rate).
    key_trip: bool,
    clock: SharedClock,
    /// What this process recorded the use of lately (sessions, API keys), until the touch
    /// interval has passed: see `Auth::first_touch`.
    touched: crate::store::BoundedMap<(), crate::store::Fast>,
    /// Client IPs past their failed API-key lookups, and their lookups under way (see
    /// `auth/api_key/gate.rs`).
    key_lookups: api_key::Lookups,
    /// Where the resource's metadata is served (RFC 9728), for every challenge.
    metadata_url: Option<String>,
    /// The app's rendering of refusals.
    on_refusal: Option<RefusalHook>,
    /// The key DPoP nonces are made with.
    #[cfg(feature = "oauth")]
    nonces: crate::dpop::NonceKey,
    /// Identity providers whose tokens are accepted too (feature `jwks`).
    #[cfg(feature = "jwks")]
    issuers: crate::jwks::Issuers,
    /// The Cedar policies of `#[protect(action)]` routes (feature `authz`).
    #[cfg(feature = "authz")]
    authz: Option<crate::authz::Authz>,
    /// The external decision point of `#[protect(action)]` routes (feature `authzen`).
    #[cfg(feature = "authzen")]
    authzen: Option<crate::authz::AuthzenClient>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
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

    /// Starts a builder, to choose stores, a clock or identity providers.
    pub fn builder(config: AuthConfig) -> AuthBuilder {
        AuthBuilder::new(config)
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

    /// The token cookies of this engine's configuration: set them from a pair on login, clear
    /// them on logout (`auth.cookies().set(&pair)?`, `auth.cookies().unset()`).
    pub fn cookies(&self) -> crate::cookies::Cookies<'_> {
        crate::cookies::Cookies::new(self.config())
    }

    pub(crate) fn codec(&self) -> &TokenCodec {
        &self.inner.codec
    }

    /// The clock the engine reads.
    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Now, in seconds since the epoch, on the engine's clock.
    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// The revocation store in use.
    pub(crate) fn revocation_store(&self) -> &Arc<dyn RevocationStore> {
        &self.inner.stores.revocation
    }

    /// The revocation near-cache, when [`near_cache`](crate::AuthConfig::near_cache) is on: its
    /// size, and whether its feed is live.
    pub(crate) fn near_cache(&self) -> Option<&crate::store::NearCached> {
        self.inner.near_cache.as_deref()
    }

    /// The session store in use.
    pub(crate) fn session_store(&self) -> &Arc<dyn SessionStore> {
        &self.inner.stores.sessions
    }

    /// The replay records (DPoP proofs, TOTP time steps).
    #[cfg(feature = "mfa")]
    pub(crate) fn replay_store(&self) -> &Arc<dyn crate::store::ReplayStore> {
        &self.inner.stores.replay
    }

    /// The factor records (`authx::mfa`).
    #[cfg(feature = "mfa")]
    pub(crate) fn factor_store(&self) -> &Arc<dyn crate::store::FactorStore> {
        &self.inner.stores.factors
    }

    /// The rate limiter in use.
    pub(crate) fn rate_limiter(&self) -> &Arc<dyn crate::rate::RateLimiter> {
        &self.inner.stores.rate
    }

    /// The allowlist store in use (allowlist mode).
    pub(crate) fn allowlist_store(&self) -> &Arc<dyn AllowlistStore> {
        &self.inner.stores.allowlist
    }

    /// The client IP of a request, honouring [`trusted_proxies`](AuthConfig::trusted_proxies)
    /// and [`forwarded_header`](AuthConfig::forwarded_header) (see [`Forwarding`](crate::rate::Forwarding)).
    pub fn client_ip(&self, parts: &Parts) -> crate::rate::ClientIp {
        self.inner.forwarding.client_ip(parts)
    }

    /// The Cedar policies given to [`AuthBuilder::authz`] (feature `authz`): for a handler
    /// that filters a list (`auth.authz()?.filter(...)`) or shows what a user may do.
    #[cfg(feature = "authz")]
    pub fn authz(&self) -> Option<&crate::authz::Authz> {
        self.inner.authz.as_ref()
    }

    /// The AuthZEN decision point given to [`AuthBuilder::authzen`](crate::AuthBuilder::authzen).
    #[cfg(feature = "authzen")]
    pub(crate) fn authzen(&self) -> Option<&crate::authz::AuthzenClient> {
        self.inner.authzen.as_ref()
    }

    /// Which store backend is in use (`memory`, `sqlite`, `postgres`, `redis`).
    pub(crate) fn store_backend(&self) -> &'static str {
        self.inner.stores.backend
    }

    /// Starts an access token for `subject`.
    pub(crate) fn access_token(&self, subject: impl Into<String>) -> TokenBuilder<'_> {
        let clock = &*self.inner.clock;
        TokenBuilder::new(&self.inner.codec, clock, subject.into(), TokenType::Access)
    }

    /// Starts a refresh token for `subject`.
    pub(crate) fn refresh_token(&self, subject: impl Into<String>) -> TokenBuilder<'_> {
        let clock = &*self.inner.clock;
        TokenBuilder::new(&self.inner.codec, clock, subject.into(), TokenType::Refresh)
    }

    /// Starts an access + refresh pair for `subject`.
    pub(crate) fn token_pair(&self, subject: impl Into<String>) -> PairBuilder<'_> {
        PairBuilder::new(&self.inner.codec, &*self.inner.clock, subject.into())
    }

    /// Signs the token of `builder` and records it in the allowlist (needed in
    /// [allowlist mode](AuthConfig::allowlist); harmless otherwise).
    pub(crate) async fn register(&self, builder: TokenBuilder<'_>) -> Result<String, AuthError> {
        let (token, claims) = builder.sign()?;
        self.record_allowed(&claims).await?;
        Ok(token)
    }

    /// Signs both tokens of `pair` and records them in the allowlist.
    pub(crate) async fn register_pair(
        &self,
        pair: PairBuilder<'_>,
    ) -> Result<TokenPair, AuthError> {
        let (pair, access, refresh) = pair.sign()?;
        self.record_allowed(&access).await?;
        self.record_allowed(&refresh).await?;
        Ok(pair)
    }

    /// A plain access token for `subject` (AuthX's `create_access_token`).
    pub(crate) fn create_access_token(
        &self,
        subject: impl Into<String>,
    ) -> Result<String, IssueError> {
        self.access_token(subject).issue()
    }

    /// A plain refresh token for `subject` (AuthX's `create_refresh_token`).
    pub(crate) fn create_refresh_token(
        &self,
        subject: impl Into<String>,
    ) -> Result<String, IssueError> {
        self.refresh_token(subject).issue()
    }

    /// The configured leeway, in seconds.
    pub(crate) fn leeway_secs(&self) -> i64 {
        crate::clock::secs(self.inner.config.leeway)
    }

    /// Whether store calls are timed for `authx_store_call_seconds`: with metrics compiled in,
    /// and for a store across a network or a file. An in-process (memory) call takes less
    /// time than the two clock reads that would time it.
    fn time_store_calls(&self) -> bool {
        cfg!(feature = "metrics") && self.inner.stores.backend != "memory"
    }

    /// Runs a store call within [`store_timeout`](AuthConfig::store_timeout).
    pub(crate) async fn store_call<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, AuthError> {
        let started = self.time_store_calls().then(std::time::Instant::now);
        let result = crate::store::bounded(self.inner.config.store_timeout, call).await;
        let elapsed = started.map(|s| s.elapsed());
        crate::metrics::store_call(self.inner.stores.backend, elapsed, &result);
        result.map_err(AuthError::StoreUnavailable)
    }

    /// [`store_call`](Self::store_call) for a call a store may decline (`None`: it cannot do
    /// that, and nothing was asked).
    pub(crate) async fn store_call_opt<T>(
        &self,
        call: impl Future<Output = Option<Result<T, StoreError>>>,
    ) -> Option<Result<T, AuthError>> {
        let started = self.time_store_calls().then(std::time::Instant::now);
        let limit = self.inner.config.store_timeout;
        let result = match tokio::time::timeout(limit, call).await {
            Ok(None) => return None,
            Ok(Some(r)) => r,
            Err(_) => Err(StoreError::Timeout(limit)),
        };
        let elapsed = started.map(|s| s.elapsed());
        crate::metrics::store_call(self.inner.stores.backend, elapsed, &result);
        Some(result.map_err(AuthError::StoreUnavailable))
    }

    /// Runs `f` failing closed whatever [`store_fail_open`](AuthConfig::store_fail_open) says:
    /// for answers about a token that others rely on (introspection).
    #[cfg(feature = "oauth")]
    pub(crate) async fn strictly<F: Future>(f: F) -> F::Output {
        STRICT.scope((), f).await
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
            Err(AuthError::StoreUnavailable(e))
                if self.inner.config.store_fail_open && STRICT.try_with(|_| ()).is_err() =>
            {
                tracing::warn!(error = %e, store = what, "authx: store unavailable; letting the request through (store_fail_open)");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
