//! [`FactorStore`]: a user's second factors (TOTP secrets, recovery codes, passkeys).

use super::StoreError;

/// The records of each user's authentication factors, for [`authx::mfa`](crate::mfa): small
/// opaque values, each under `(subject, kind, id)`.
///
/// # What it stores
///
/// authx writes these kinds (a backend treats them all alike):
///
/// | kind | id | value |
/// |---|---|---|
/// | `totp` | `primary` | the TOTP secret and its state, **sealed** with the vault cipher |
/// | `recovery` | a keyed digest of one recovery code | empty |
/// | `passkey` | the credential id | the WebAuthn credential (public key, counter) |
///
/// A value is at most 16 KiB, and a subject has at most a few dozen records of a kind: authx
/// bounds both before it writes. No record expires; they go when authx removes them.
///
/// # Atomicity
///
/// [`remove_factor`](Self::remove_factor) is one atomic "delete if present": of concurrent calls with one
/// key, on every instance sharing the store, exactly one returns `true`. A recovery code is
/// used by removing its record, so that is what makes each code usable once. Everything else
/// is last-writer-wins.
///
/// Implemented by [`MemoryStore`](super::MemoryStore) (bounded:
/// [`with_factor_capacity`](super::MemoryStore::with_factor_capacity)), `SqlStore` (table
/// `authx_factors`) and `RedisStore` (one hash per subject and kind). Prove your own with
/// `authx::testing::stores::factors` (feature `testing`).
#[async_trait::async_trait]
pub trait FactorStore: Send + Sync + 'static {
    /// Creates the record, or replaces its value.
    async fn put_factor(
        &self,
        subject: &str,
        kind: &str,
        id: &str,
        value: &[u8],
    ) -> Result<(), StoreError>;

    /// The record's value, when there is one.
    async fn get_factor(
        &self,
        subject: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Every record of `kind` for `subject`: `(id, value)`, sorted by id.
    async fn list_factors(
        &self,
        subject: &str,
        kind: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError>;

    /// Removes the record: `true` when this call removed it, exactly once whatever the
    /// concurrency.
    async fn remove_factor(&self, subject: &str, kind: &str, id: &str) -> Result<bool, StoreError>;

    /// Removes every record of `kind` for `subject`; how many there were.
    async fn remove_factors(&self, subject: &str, kind: &str) -> Result<usize, StoreError>;
}
