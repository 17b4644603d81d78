//! [`FamilyStore`]: each token family's live refresh token.

use super::StoreError;

/// Family heads: each token family's live refresh token, so a retired one is recognised when
/// it comes back (refresh-token reuse detection).
///
/// # What it stores
///
/// One record per family (its `sid`, else its first token's id): the id of its live refresh
/// token, kept until `expires_at` (seconds since the epoch), when every refresh token of the
/// family has expired. One record per family, however many rotations. Never announced to
/// near-caches, never cached: a head is read only for refresh tokens.
///
/// # Atomicity
///
/// [`advance`](Self::advance) is one compare-and-swap: of two concurrent rotations of one
/// refresh token exactly one wins, and a retired token never advances its family again. A read
/// followed by a write is not enough, so there is no default.
///
/// Implemented by [`MemoryStore`](super::MemoryStore) (a bounded map of its own), `SqlStore`
/// (table `authx_families`), `RedisStore` (`<prefix>family:<family>`, one script). Prove your
/// own with `authx::testing::stores::families` (feature `testing`).
#[async_trait::async_trait]
pub trait FamilyStore: Send + Sync + 'static {
    /// The id of `family`'s live refresh token, as [`advance`](Self::advance) last recorded
    /// it; `None` when nothing is recorded (the family never rotated) or the record expired.
    async fn head(&self, family: &str) -> Result<Option<String>, StoreError>;

    /// Refresh rotation: atomically makes `next` the live refresh token of `family` when
    /// `current` is the live one or nothing live is recorded, keeping the record until
    /// `expires_at`. `true` when this call advanced the family.
    async fn advance(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError>;
}
