//! [`ReplayStore`]: keys that may be used once, such as DPoP proofs.

use super::StoreError;

/// Replay records: keys that may be used once, such as each DPoP proof's `jti` (RFC 9449
/// §11.1), remembered until a second use could no longer be accepted anyway.
///
/// Kept apart from revocations (its own map, table or key space in every backend), so a client
/// sending many valid proofs fills this store at worst, never the
/// [`RevocationStore`](super::RevocationStore): logout and revocation keep working.
///
/// # What it stores
///
/// One record per key: the key and the time until which it must be remembered (`expires_at`,
/// seconds since the epoch). authx's keys are short (`dpop:` and a hex SHA-256 digest of the
/// proof's key thumbprint and `jti`): never a token or a proof. A record is never read back, it
/// is only created, and it is never announced to near-caches.
///
/// # Atomicity
///
/// [`record_once`](Self::record_once) is one atomic "insert unless present": of any number of
/// concurrent calls with one key, on every instance sharing the store, exactly one returns
/// `true`. A read followed by a write is not enough (two requests replaying one proof at once
/// would both pass), so there is no default implementation.
///
/// # Expiry
///
/// A record must be kept at least until `expires_at`: a record forgotten early lets a replay
/// through. After that it may go at any time, and the key's next `record_once` returns `true`
/// again. A record whose `expires_at` has already passed is still kept briefly (about a second),
/// so a second use right after the first is caught. A bounded backend full of live records
/// refuses the call with a [`StoreError`] (the request gets `503`) rather than evict one.
///
/// Implemented by [`MemoryStore`](super::MemoryStore) (its own bounded map,
/// [`with_replay_capacity`](super::MemoryStore::with_replay_capacity)), `SqlStore` (table
/// `authx_replay`), `RedisStore` (`SET NX` with `EXAT` on `<prefix>replay:<key>`), but
/// not [`NearCached`](super::NearCached), which wraps revocations only. Prove your own with
/// `authx::testing::stores::replay` (feature `testing`).
#[async_trait::async_trait]
pub trait ReplayStore: Send + Sync + 'static {
    /// Records `key` until `expires_at` unless a live record of it exists: `true` when this
    /// call recorded it (the first use), `false` for a replay. `true` exactly once per key
    /// until the record expires, whatever the concurrency.
    async fn record_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError>;
}
