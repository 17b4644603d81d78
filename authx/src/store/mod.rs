//! Stores: where authx keeps state that outlives a request.
//!
//! One trait per kind of record, each kept apart (its own map, table or key space) in every
//! backend, so a flood of one kind cannot crowd out another:
//!
//! - [`RevocationStore`]: revoked keys (token ids, and `sid:<session>` for revoked sessions)
//!   until the tokens they refuse would have expired anyway, and subject-wide session ends.
//! - [`FamilyStore`]: each token family's live refresh token, advanced atomically on
//!   rotation, so reuse is detected.
//! - [`SessionStore`]: login sessions (subject, created/last-seen time, IP, user agent, device).
//! - [`AllowlistStore`]: in allowlist mode, the ids of issued tokens that are still good.
//! - [`ReplayStore`]: keys that may be used once (each DPoP proof's `jti`).
//! - [`ApiKeyStore`]: API keys, by the keyed digest of the key (never the key).
//! - [`PolicyStore`]: the app's authorization policies, versioned, each new set announced
//!   ([`MemoryPolicies`], `SqlStore`, `RedisStore`), followed by every instance's `Authz`
//!   (feature `authz`).
//!
//! Backends implement every trait: [`MemoryStore`] (default, one process; its maps are
//! bounded and refuse rather than forget a live record), and behind cargo features `sqlite` and
//! `postgres` ([`SqlStore`], durable) and `redis` ([`RedisStore`], shared by many instances).
//! [`connect`] picks one from a URL (`AUTHX_STORE_URL`). Stores know no requests: the pipeline
//! consults them, each call bounded by
//! [`AuthConfig::store_timeout`](crate::AuthConfig::store_timeout); a failure refuses the
//! request with `503` unless the app opted into
//! [`store_fail_open`](crate::AuthConfig::store_fail_open).
//!
//! Bring your own backend by implementing the traits (they are async and object-safe), or wrap a
//! plain function with [`blocklist_fn`] (AuthX's `set_callback_token_blocklist`). Prove it with
//! the conformance suite, `testing::stores` (feature `testing`).

mod api_keys;
mod bounded_map;
mod ended;
mod factors;
mod family;
mod memory;
mod near_cache;
mod policies;
pub(crate) mod rate;
#[cfg(feature = "redis")]
mod redis_store;
pub(crate) mod replay;
mod revocation;
mod session;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
mod url;

use std::future::Future;
use std::sync::Arc;

pub use api_keys::{ApiKeyRecord, ApiKeyStore, KeyCharge, KeyChecked, KeyTrip};
pub(crate) use bounded_map::{BoundedMap, Entry, Fast, Overflow};
pub use ended::{SessionMark, SubjectEnd};
pub use factors::FactorStore;
pub use family::FamilyStore;
pub use memory::MemoryStore;
#[cfg(any(feature = "redis", feature = "postgres"))]
pub(crate) use near_cache::FEED_BUFFER;
pub use near_cache::{NearCached, RevocationFeed};
pub use policies::{MemoryPolicies, PolicyStore, StoredPolicies};
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub use replay::ReplayStore;
pub use revocation::{RevocationStore, blocklist_fn};
pub use session::{EndedSessions, Session, SessionCursor, SessionStore};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::SqlStore;
pub use url::{Stores, connect, connect_with_clock};

/// A store failed. Shown to clients only as `503 StoreUnavailableError`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store did not answer within the configured timeout.
    #[error("store did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// The store is unreachable or failed (the driver's error is the source).
    #[error("store unavailable: {0}")]
    Unavailable(#[source] Arc<dyn std::error::Error + Send + Sync>),
    /// A bounded store is full of live entries and cannot take another.
    #[error("store full: {0} live entries")]
    Full(usize),
    /// The store URL or settings are wrong.
    #[error("store configuration: {0}")]
    Config(String),
}

impl StoreError {
    /// A store failure caused by `error` (a driver's error, or a message).
    pub fn unavailable(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Unavailable(Arc::from(error.into()))
    }
}

/// Runs a store call within `limit`: the one bound every store call of the engine, the rate
/// limiter and the vault goes through.
pub(crate) async fn bounded<T>(
    limit: std::time::Duration,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let mut call = std::pin::pin!(call);
    // An in-process store answers on its first poll: no deadline, so no clock read and no
    // timer, for an answer that cannot be late.
    let first = std::future::poll_fn(|cx| std::task::Poll::Ready(call.as_mut().poll(cx))).await;
    if let std::task::Poll::Ready(result) = first {
        return result;
    }
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Timeout(limit)),
    }
}

/// The allowlist (allowlist mode, [`AuthConfig::allowlist`](crate::AuthConfig::allowlist)):
/// the ids of issued tokens that are still good. A token whose id is not here is refused.
///
/// Kept apart from sessions and revocations (its own table or key space in every backend).
#[async_trait::async_trait]
pub trait AllowlistStore: Send + Sync + 'static {
    /// Records token `jti` of `subject` as good until `expires_at` (seconds since the epoch).
    async fn allow(&self, jti: &str, subject: &str, expires_at: i64) -> Result<(), StoreError>;
    /// Is `jti` recorded for `subject`, not withdrawn and not expired?
    async fn is_allowed(&self, jti: &str, subject: &str) -> Result<bool, StoreError>;
    /// Withdraws one token; `true` when it was on the list.
    async fn withdraw(&self, jti: &str) -> Result<bool, StoreError>;
    /// Withdraws every token of `subject`; how many were on the list.
    async fn withdraw_subject(&self, subject: &str) -> Result<usize, StoreError>;
}
