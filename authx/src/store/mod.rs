//! Stores: where authx keeps state that outlives a request.
//!
//! [`RevocationStore`] holds revoked token ids until the tokens would have expired anyway.
//! Stores know no requests: the guard consults them, bounded by
//! [`AuthConfig::store_timeout`](crate::AuthConfig::store_timeout), and a failure (or timeout)
//! refuses the request with `503` unless the app opted into
//! [`store_fail_open`](crate::AuthConfig::store_fail_open).
//!
//! [`MemoryRevocationStore`] is the default. Implement the trait for your own backend (AuthX's
//! `set_callback_token_blocklist`); it is async so a network store fits, and object-safe so
//! [`Auth`](crate::Auth) holds it as `Arc<dyn RevocationStore>`.

mod memory;

pub use memory::MemoryRevocationStore;

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
}

/// Revoked token ids (AuthX's blocklist).
///
/// `revoke` records a `jti` until `expires_at` (the token's `exp`, seconds since the epoch):
/// after that the token is refused for being expired, so the entry may go.
#[async_trait::async_trait]
pub trait RevocationStore: Send + Sync + 'static {
    /// Records `jti` as revoked until `expires_at`.
    async fn revoke(&self, jti: &str, expires_at: i64) -> Result<(), StoreError>;
    /// Is `jti` revoked?
    async fn is_revoked(&self, jti: &str) -> Result<bool, StoreError>;
}
