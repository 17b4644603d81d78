//! Stores: where authx keeps state that outlives a request.
//!
//! - [`RevocationStore`]: revoked keys (token ids, and `sid:<session>` for revoked sessions)
//!   until the tokens they refuse would have expired anyway; also retires refresh tokens on
//!   rotation, atomically, so reuse is detected.
//! - [`SessionStore`]: login sessions (subject, created/last-seen time, IP, user agent, device).
//!
//! Backends: [`MemoryStore`] (default, one process), and behind cargo features `sqlite` and
//! `postgres` ([`SqlStore`], durable) and `redis` ([`RedisStore`], shared by many instances).
//! [`connect`] picks one from a URL (`AUTHX_STORE_URL`). Stores know no requests: the pipeline
//! consults them, each call bounded by
//! [`AuthConfig::store_timeout`](crate::AuthConfig::store_timeout); a failure refuses the
//! request with `503` unless the app opted into
//! [`store_fail_open`](crate::AuthConfig::store_fail_open).
//!
//! Bring your own backend by implementing the traits (they are async and object-safe), or wrap a
//! plain function with [`blocklist_fn`] (AuthX's `set_callback_token_blocklist`).

mod memory;
#[cfg(feature = "redis")]
mod redis_store;
mod session;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
mod url;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use memory::{MemoryRevocationStore, MemoryStore};
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub use session::{Session, SessionMeta, SessionStore};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::SqlStore;
pub use url::{Stores, connect};

/// A store failed. Shown to clients only as `503 StoreUnavailableError`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store did not answer within the configured timeout.
    #[error("store did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// The store is unreachable or failed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A bounded store is full of live entries and cannot take another.
    #[error("store full: {0} live entries")]
    Full(usize),
    /// The store URL or settings are wrong.
    #[error("store configuration: {0}")]
    Config(String),
}

/// Revoked keys (AuthX's blocklist): token ids, and `sid:<id>` for revoked sessions.
///
/// `revoke` records a key until `expires_at` (seconds since the epoch): after that every token
/// it could refuse has expired, so the entry may go.
#[async_trait::async_trait]
pub trait RevocationStore: Send + Sync + 'static {
    /// Records `key` as revoked until `expires_at`.
    async fn revoke(&self, key: &str, expires_at: i64) -> Result<(), StoreError>;

    /// Is `key` revoked?
    async fn is_revoked(&self, key: &str) -> Result<bool, StoreError>;

    /// Is any of `keys` revoked? One round trip in the network backends (a token and its
    /// session are checked together).
    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        for key in keys {
            if self.is_revoked(key).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Records `key` unless present; `true` when this call recorded it. Atomic in every
    /// backend authx ships, so of two concurrent uses of one refresh token exactly one wins.
    async fn revoke_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        if self.is_revoked(key).await? {
            return Ok(false);
        }
        self.revoke(key, expires_at).await?;
        Ok(true)
    }
}

/// A revocation store over your own function, sync or async (AuthX's
/// `set_callback_token_blocklist`): `revoke` is refused, the function only answers "is this
/// token id revoked?".
///
/// ```
/// use authx::store::blocklist_fn;
///
/// let store = blocklist_fn(|jti: String| async move { Ok(jti == "stolen") });
/// ```
pub fn blocklist_fn<F, Fut>(f: F) -> impl RevocationStore
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool, StoreError>> + Send + 'static,
{
    BlocklistFn(Arc::new(move |jti: String| Box::pin(f(jti)) as BoxFut))
}

type BoxFut = Pin<Box<dyn Future<Output = Result<bool, StoreError>> + Send>>;

struct BlocklistFn(Arc<dyn Fn(String) -> BoxFut + Send + Sync>);

#[async_trait::async_trait]
impl RevocationStore for BlocklistFn {
    async fn revoke(&self, _key: &str, _expires_at: i64) -> Result<(), StoreError> {
        Err(StoreError::Config(
            "this revocation store is a read-only blocklist function".into(),
        ))
    }

    async fn is_revoked(&self, key: &str) -> Result<bool, StoreError> {
        (self.0)(key.to_owned()).await
    }
}
