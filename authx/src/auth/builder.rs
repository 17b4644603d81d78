//! [`AuthBuilder`]: the engine with stores, a clock or identity providers of your choice.

use std::sync::Arc;

use super::{Auth, Inner};
use crate::clock::{Clock, SharedClock};
use crate::config::{AuthConfig, ConfigError};
use crate::error::AuthError;
use crate::store::{FamilyStore, ReplayStore, RevocationStore, SessionStore, Stores};
use crate::token::codec::TokenCodec;

/// Builds an [`Auth`] with stores other than the defaults, a clock, or identity providers.
/// Start with [`Auth::builder`].
#[must_use]
pub struct AuthBuilder {
    config: AuthConfig,
    stores: Option<Stores>,
    revocation: Option<Arc<dyn RevocationStore>>,
    families: Option<Arc<dyn FamilyStore>>,
    sessions: Option<Arc<dyn SessionStore>>,
    replay: Option<Arc<dyn ReplayStore>>,
    rate: Option<Arc<dyn crate::rate::RateLimiter>>,
    clock: Option<SharedClock>,
    on_refusal: Option<super::RefusalHook>,
    #[cfg(feature = "jwks")]
    issuers: Vec<crate::jwks::IssuerConfig>,
    #[cfg(feature = "authz")]
    authz: Option<crate::authz::Authz>,
    #[cfg(feature = "authzen")]
    authzen: Option<crate::authz::AuthzenClient>,
}

impl AuthBuilder {
    pub(super) fn new(config: AuthConfig) -> Self {
        AuthBuilder {
            config,
            stores: None,
            revocation: None,
            families: None,
            sessions: None,
            replay: None,
            rate: None,
            clock: None,
            on_refusal: None,
            #[cfg(feature = "jwks")]
            issuers: Vec::new(),
            #[cfg(feature = "authz")]
            authz: None,
            #[cfg(feature = "authzen")]
            authzen: None,
        }
    }

    /// Renders every refusal of the guards, layers and extractors (AuthX's `MSG_*` texts, a
    /// body of your own, a `403` answered as `404`...). The hook gets the error and the
    /// default response (AuthX's JSON, the challenge with its `resource_metadata`,
    /// `Retry-After` and `RateLimit-*`) and returns the response to send.
    ///
    /// ```
    /// use authx::{Auth, AuthConfig, AuthError};
    /// use axum::response::IntoResponse;
    /// use http::StatusCode;
    ///
    /// let auth = Auth::builder(AuthConfig::builder().secret_key("k".repeat(32)).build())
    ///     .on_refusal(|error, default| match error {
    ///         // Do not tell a stranger that the document exists.
    ///         AuthError::PolicyDenied { .. } => StatusCode::NOT_FOUND.into_response(),
    ///         AuthError::MissingToken => {
    ///             let (mut parts, _) = default.into_parts();
    ///             parts.headers.remove(http::header::CONTENT_LENGTH);
    ///             let body = axum::Json(serde_json::json!({ "detail": "Please log in" }));
    ///             (parts, body).into_response()
    ///         }
    ///         _ => default,
    ///     })
    ///     .build()
    ///     .unwrap();
    /// # let _ = auth;
    /// ```
    pub fn on_refusal(
        mut self,
        hook: impl Fn(&AuthError, axum::response::Response) -> axum::response::Response
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.on_refusal = Some(std::sync::Arc::new(hook));
        self
    }

    /// Uses these stores (see [`store::connect`](crate::store::connect)) instead of memory.
    pub fn stores(mut self, stores: Stores) -> Self {
        self.stores = Some(stores);
        self
    }

    /// Uses `store` for revocations, refresh-token families and replay records: one backend
    /// for every kind of record the checks consult (every built-in store keeps all three), so
    /// instances sharing it catch a revoked token, a reused refresh token and a replayed DPoP
    /// proof across them.
    pub fn revocation_store<T>(self, store: T) -> Self
    where
        T: RevocationStore + FamilyStore + ReplayStore,
    {
        self.shared_revocation_store(Arc::new(store))
    }

    /// Like [`revocation_store`](Self::revocation_store), for a store you share elsewhere.
    pub fn shared_revocation_store<T>(mut self, store: Arc<T>) -> Self
    where
        T: RevocationStore + FamilyStore + ReplayStore,
    {
        self.revocation = Some(store.clone());
        self.families = Some(store.clone());
        self.replay = Some(store);
        self
    }

    /// Uses `store` for revocations only (a [`blocklist_fn`](crate::store::blocklist_fn), a
    /// store of your own that keeps nothing else): refresh-token families and replay records
    /// stay where they are, in this process's memory unless [`family_store`](Self::family_store)
    /// and [`replay_store`](Self::replay_store) say otherwise. With several instances, give
    /// those too, or a reused refresh token or a replayed proof is caught on its own instance
    /// only.
    pub fn revocations_only(self, store: impl RevocationStore) -> Self {
        self.shared_revocations_only(Arc::new(store))
    }

    /// Like [`revocations_only`](Self::revocations_only), for a store you share elsewhere.
    pub fn shared_revocations_only(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.revocation = Some(store);
        self
    }

    /// Uses `store` for token families' live refresh tokens (reuse detection).
    pub fn family_store(self, store: impl FamilyStore) -> Self {
        self.shared_family_store(Arc::new(store))
    }

    /// Like [`family_store`](Self::family_store), for a store you share elsewhere.
    pub fn shared_family_store(mut self, store: Arc<dyn FamilyStore>) -> Self {
        self.families = Some(store);
        self
    }

    /// Uses `store` for replay records (each DPoP proof's `jti`), apart from revocations.
    pub fn replay_store(self, store: impl ReplayStore) -> Self {
        self.shared_replay_store(Arc::new(store))
    }

    /// Like [`replay_store`](Self::replay_store), for a store you share elsewhere.
    pub fn shared_replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = Some(store);
        self
    }

    /// Uses `limiter` for rate limits.
    pub fn rate_limiter(mut self, limiter: impl crate::rate::RateLimiter) -> Self {
        self.rate = Some(Arc::new(limiter));
        self
    }

    /// Uses `store` for sessions.
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.sessions = Some(Arc::new(store));
        self
    }

    /// Reads time from `clock` (a [`ManualClock`](crate::clock::ManualClock) in tests) for
    /// token issue and expiry, sessions, and the default in-memory stores and rate limiter.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Also accepts access tokens from this identity provider (feature `jwks`); call once per
    /// provider. See [`jwks`](crate::jwks).
    #[cfg(feature = "jwks")]
    pub fn issuer(mut self, issuer: crate::jwks::IssuerConfig) -> Self {
        self.issuers.push(issuer);
        self
    }

    /// Decides `#[protect(action = ..., resource = ...)]` routes with these Cedar policies
    /// (feature `authz`); [`Auth::authz`] hands them to handlers for filtering lists. A route
    /// with an action on an engine without policies answers `500` and logs why.
    /// [`build`](Self::build) refuses policies whose schema lacks the action of a route in
    /// the program (compiled against another schema).
    #[cfg(feature = "authz")]
    pub fn authz(mut self, authz: crate::authz::Authz) -> Self {
        self.authz = Some(authz);
        self
    }

    /// Decides `#[protect(action = ..., resource = ...)]` routes with an external decision
    /// point, an OpenID AuthZEN 1.0 evaluation endpoint (feature `authzen`), instead of local
    /// Cedar policies: the same attribute, the same loader, principal and context, the same
    /// answers (`403 PolicyDeniedError`; a decision point that errs, times out or answers
    /// nonsense is `403 PolicyEvaluationError`). The actions are still checked at compile time
    /// against the crate's schema. With [`authz`](Self::authz) as well, [`build`](Self::build)
    /// refuses: routes and lists would follow two sets of rules.
    #[cfg(feature = "authzen")]
    pub fn authzen(mut self, pdp: crate::authz::AuthzenClient) -> Self {
        self.authzen = Some(pdp);
        self
    }

    /// Connects the stores named by [`store_url`](AuthConfig::store_url), then builds: what
    /// [`Auth::connect`] does, for a builder that also names issuers or other settings.
    /// The stores read the builder's [`clock`](Self::clock).
    pub async fn connect(self) -> Result<Auth, ConfigError> {
        let clock = self.clock.clone().unwrap_or_else(crate::clock::system);
        let stores = crate::store::connect_with_clock(&self.config.store_url, clock)
            .await
            .map_err(|e| ConfigError::Store(Box::new(e)))?;
        tracing::info!(backend = stores.backend, "authx stores connected");
        self.stores(stores).build()
    }

    /// Checks the configuration, decodes the keys and builds the engine.
    pub fn build(self) -> Result<Auth, ConfigError> {
        #[cfg(feature = "authzen")]
        if self.authz.is_some() && self.authzen.is_some() {
            // Routes would follow the decision point and lists (`Auth::authz().filter`) the
            // local policies: two sets of rules.
            return Err(ConfigError::Invalid {
                field: "authzen",
                reason: "give either Cedar policies (`authz`) or a decision point (`authzen`), \
                         not both"
                    .into(),
            });
        }
        #[cfg(feature = "authz")]
        if let Some(authz) = &self.authz {
            super::resource::check_route_actions(authz)?;
        }
        let config = self.config;
        check(&config)?;
        let codec = TokenCodec::new(&config)?;
        let forwarding = crate::rate::Forwarding::new(
            crate::rate::TrustedProxies::parse(&config.trusted_proxies)?,
            &config.forwarded_header,
            config.ipv6_prefix,
        )?;
        let clock = self.clock.unwrap_or_else(crate::clock::system);
        let mut stores = self
            .stores
            .unwrap_or_else(|| Stores::memory_with_clock(clock.clone()));
        if let Some(r) = self.revocation {
            stores.revocation = r;
            stores.feed = None;
        }
        if let Some(f) = self.families {
            stores.families = f;
        }
        if let Some(r) = self.replay {
            stores.replay = r;
        }
        // Before a near-cache goes in front: the store the revocations are in.
        let revocations = Arc::as_ptr(&stores.revocation);
        let mut near_cache = None;
        if config.near_cache.enabled {
            let feed = stores.feed.clone().ok_or_else(|| ConfigError::Invalid {
                field: "near_cache",
                reason: format!(
                    "the {} store has no revocation feed: the near-cache needs Redis or PostgreSQL",
                    stores.backend
                ),
            })?;
            let echo_limit = (config.store_timeout * 3 / 4).min(std::time::Duration::from_secs(1));
            let cached = Arc::new(
                crate::store::NearCached::new(
                    stores.revocation,
                    feed,
                    config.near_cache,
                    clock.clone(),
                )
                .with_echo_limit(echo_limit),
            );
            stores.revocation = cached.clone();
            near_cache = Some(cached);
        }
        if let Some(s) = self.sessions {
            stores.sessions = s;
        }
        if let Some(r) = self.rate {
            stores.rate = r;
        }
        // One object behind both: revocation and rate limit can share a round trip.
        let one_trip =
            std::ptr::addr_eq(Arc::as_ptr(&stores.rate), Arc::as_ptr(&stores.revocation));
        // One object behind API keys, revocations and rate limits: a key request's lookup,
        // liveness and limits can share a round trip (a near-cache in front changes nothing:
        // the trip asks the store behind it).
        let keys = Arc::as_ptr(&stores.api_keys);
        let key_trip = std::ptr::addr_eq(keys, Arc::as_ptr(&stores.rate))
            && std::ptr::addr_eq(keys, revocations);
        #[cfg(feature = "jwks")]
        let issuers = crate::jwks::Issuers::new(self.issuers, &config)?;
        let metadata_url = (config.oauth.resource.as_deref()).and_then(crate::config::metadata_url);
        let auth = Auth {
            inner: Arc::new(Inner {
                codec,
                stores,
                near_cache,
                one_trip,
                key_trip,
                forwarding,
                clock,
                config,
                touched: crate::store::BoundedMap::with_hasher(
                    super::session::TOUCH_MEMORY,
                    crate::store::Overflow::Evict,
                ),
                key_lookups: Default::default(),
                metadata_url,
                on_refusal: self.on_refusal,
                #[cfg(feature = "oauth")]
                nonces: crate::dpop::NonceKey::random(),
                #[cfg(feature = "jwks")]
                issuers,
                #[cfg(feature = "authz")]
                authz: self.authz,
                #[cfg(feature = "authzen")]
                authzen: self.authzen,
            }),
        };
        super::keys::spawn_reloader(&auth);
        Ok(auth)
    }
}

/// What the type system does not check about a configuration.
fn check(config: &AuthConfig) -> Result<(), ConfigError> {
    let invalid = |field, reason: String| Err(ConfigError::Invalid { field, reason });
    if config.token_locations.is_empty() {
        return Err(ConfigError::NoLocations);
    }
    if config.max_token_size == 0 {
        return invalid("max_token_size", "must be above 0".into());
    }
    for (field, name) in [
        ("header_name", &config.header_name),
        ("csrf.header_name", &config.csrf.header_name),
    ] {
        if name.parse::<http::HeaderName>().is_err() {
            return invalid(field, format!("{name:?} is not a valid header name"));
        }
    }
    if config.ws_recheck_interval.is_zero() {
        return invalid("ws_recheck_interval", "must be above 0".into());
    }
    if let Err(reason) = config.api_keys.validate().and_then(|()| {
        let c = config;
        c.api_keys
            .apart_from_tokens(&c.header_name, &c.header_type, &c.query_param)
    }) {
        return invalid("api_keys", reason);
    }
    if let Some(base) = &config.oauth.dpop_base_url
        && (!(base.starts_with("https://") || base.starts_with("http://"))
            || base.trim_end_matches('/').matches('/').count() != 2
            || base.contains(['?', '#']))
    {
        return invalid(
            "oauth.dpop_base_url",
            format!("{base:?} must be a scheme and a host, such as https://api.example.com"),
        );
    }
    if let Some(resource) = &config.oauth.resource
        && let Err(reason) = crate::config::check_resource(resource)
    {
        return invalid("resource", reason);
    }
    if let Err(reason) = config.oauth.check_clients() {
        return invalid("oauth.clients", reason);
    }
    Ok(())
}
