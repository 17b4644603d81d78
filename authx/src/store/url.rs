//! Choosing a backend from a URL (`AUTHX_STORE_URL`).

use std::sync::Arc;

use super::{
    AllowlistStore, ApiKeyStore, FactorStore, FamilyStore, MemoryStore, ReplayStore,
    RevocationFeed, RevocationStore, SessionStore, StoreError,
};
use crate::clock::SharedClock;
use crate::store::rate::{MemoryRateLimiter, RateLimiter};

/// The stores an [`Auth`](crate::Auth) uses: revocations and sessions, usually one backend.
#[derive(Clone)]
#[non_exhaustive]
pub struct Stores {
    /// Revoked tokens and sessions, and subject-wide session ends.
    pub revocation: Arc<dyn RevocationStore>,
    /// Each token family's live refresh token (reuse detection).
    pub families: Arc<dyn FamilyStore>,
    /// Login sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// The allowlist, in allowlist mode.
    pub allowlist: Arc<dyn AllowlistStore>,
    /// Replay records (DPoP proofs): the same backend, apart from revocations.
    pub replay: Arc<dyn ReplayStore>,
    /// API keys, by the keyed digest of the key.
    pub api_keys: Arc<dyn ApiKeyStore>,
    /// Second factors (TOTP secrets, recovery codes, passkeys) for
    /// [`authx::mfa`](crate::mfa).
    pub factors: Arc<dyn FactorStore>,
    /// Rate-limit counters: in memory, except with Redis (exact across instances).
    pub rate: Arc<dyn RateLimiter>,
    /// Which backend, for logs (`memory`, `sqlite`, `postgres`, `redis`); never credentials.
    pub backend: &'static str,
    /// Revocations as they happen (Redis, PostgreSQL), for the
    /// [near-cache](crate::config::NearCache); `None` for backends without a feed.
    pub feed: Option<Arc<dyn RevocationFeed>>,
}

impl std::fmt::Debug for Stores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stores")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Stores {
    /// A fresh in-memory store (the default).
    pub fn memory() -> Self {
        Self::memory_with_clock(crate::clock::system())
    }

    /// Fresh in-memory stores and rate limiter on `clock`.
    pub fn memory_with_clock(clock: SharedClock) -> Self {
        Self::single(MemoryStore::with_clock(clock.clone()), "memory")
            .with_rate_limiter(MemoryRateLimiter::with_clock(clock))
    }

    /// One backend for every kind of record (revocations, family heads, sessions, the
    /// allowlist, replay records, API keys, factors); rate limits in memory.
    pub fn single<T>(store: T, backend: &'static str) -> Self
    where
        T: RevocationStore
            + FamilyStore
            + SessionStore
            + AllowlistStore
            + ReplayStore
            + ApiKeyStore
            + FactorStore,
    {
        let store = Arc::new(store);
        Stores {
            revocation: store.clone(),
            families: store.clone(),
            sessions: store.clone(),
            allowlist: store.clone(),
            replay: store.clone(),
            api_keys: store.clone(),
            factors: store,
            rate: Arc::new(MemoryRateLimiter::new()),
            backend,
            feed: None,
        }
    }
}

#[cfg(feature = "redis")]
impl Stores {
    /// Everything in one [`RedisStore`](super::RedisStore) (what `redis://` URLs open): shared
    /// by every instance, rate limits exact across them, a token's revocation and its route's
    /// rate limit checked in one round trip, and a feed for the
    /// [near-cache](crate::config::NearCache).
    pub fn redis(store: super::RedisStore) -> Self {
        let store = Arc::new(store);
        Stores {
            revocation: store.clone(),
            families: store.clone(),
            sessions: store.clone(),
            allowlist: store.clone(),
            replay: store.clone(),
            api_keys: store.clone(),
            factors: store.clone(),
            rate: store.clone(),
            backend: "redis",
            feed: Some(store),
        }
    }
}

impl Stores {
    /// These stores with `rate` for rate limits (a backend that counts across instances,
    /// such as Redis).
    pub fn with_rate_limiter(mut self, rate: impl RateLimiter) -> Self {
        self.rate = Arc::new(rate);
        self
    }
}

/// Opens the store named by `url`:
///
/// | URL | backend | cargo feature |
/// |---|---|---|
/// | `memory://` (or empty) | [`MemoryStore`] | none |
/// | `sqlite://path.db` | `SqlStore` (file created when missing) | `sqlite` |
/// | `postgres://user@host/db` | `SqlStore` | `postgres` |
/// | `redis://host:6379/0` | `RedisStore` (rate limits too) | `redis` |
/// | `redis+cluster://host1:6379,host2:6379` | `RedisStore` on a Redis Cluster | `redis-cluster` |
///
/// Network backends connect lazily: a server that is down at start-up answers `503` until it
/// is back, rather than keeping the service from starting. The stores read the system clock;
/// [`connect_with_clock`] hands them another.
pub async fn connect(url: &str) -> Result<Stores, StoreError> {
    connect_with_clock(url, crate::clock::system()).await
}

/// [`connect`], the stores reading time from `clock` (what
/// [`AuthBuilder::connect`](crate::AuthBuilder::connect) does with the engine's clock).
pub async fn connect_with_clock(url: &str, clock: SharedClock) -> Result<Stores, StoreError> {
    let url = url.trim();
    let scheme = url
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    match scheme.as_str() {
        "" | "memory" => Ok(Stores::memory_with_clock(clock)),
        "sqlite" => sql(url, "sqlite", clock).await,
        "postgres" | "postgresql" => sql(url, "postgres", clock).await,
        "redis" | "rediss" | "redis+cluster" | "rediss+cluster" => redis(url, clock),
        _ => Err(StoreError::Config(format!(
            "unknown store URL scheme {scheme:?}: use memory://, sqlite://, postgres://, redis:// or redis+cluster://"
        ))),
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
async fn sql(url: &str, backend: &'static str, clock: SharedClock) -> Result<Stores, StoreError> {
    if (backend == "sqlite" && !cfg!(feature = "sqlite"))
        || (backend == "postgres" && !cfg!(feature = "postgres"))
    {
        return Err(missing_feature(backend));
    }
    let store = super::SqlStore::connect(url)
        .await?
        .with_clock(clock.clone());
    #[cfg(feature = "postgres")]
    let feed = store
        .is_postgres()
        .then(|| Arc::new(store.clone()) as Arc<dyn RevocationFeed>);
    #[cfg(not(feature = "postgres"))]
    let feed = None;
    let mut stores =
        Stores::single(store, backend).with_rate_limiter(MemoryRateLimiter::with_clock(clock));
    stores.feed = feed;
    Ok(stores)
}

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
async fn sql(_url: &str, backend: &'static str, _clock: SharedClock) -> Result<Stores, StoreError> {
    Err(missing_feature(backend))
}

#[cfg(feature = "redis")]
fn redis(url: &str, clock: SharedClock) -> Result<Stores, StoreError> {
    Ok(Stores::redis(
        super::RedisStore::new(url)?.with_clock(clock),
    ))
}

#[cfg(not(feature = "redis"))]
fn redis(_url: &str, _clock: SharedClock) -> Result<Stores, StoreError> {
    Err(missing_feature("redis"))
}

#[allow(dead_code)] // unused when every backend feature is on
fn missing_feature(backend: &str) -> StoreError {
    StoreError::Config(format!(
        "this build of authx has no {backend} store: enable the `{backend}` cargo feature"
    ))
}
