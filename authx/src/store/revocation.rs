//! [`RevocationStore`]: revoked keys, and subjects whose sessions were ended; and
//! [`blocklist_fn`], one over a function of your own.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::{SessionMark, StoreError};

/// Revocations (AuthX's blocklist): what refuses a token that would otherwise verify.
///
/// # What it stores
///
/// - Revoked keys: token ids, and `sid:<id>` for revoked sessions (a token's family), each
///   until `expires_at` (seconds since the epoch): after that every token it could refuse has
///   expired, so the entry may go. Asked with [`any_revoked`](Self::any_revoked): a token and
///   its session in one round trip.
/// - Subject-wide ends ([`end_sessions`](Self::end_sessions), "log out everywhere"): one
///   record per subject, its session generation ([`SubjectEnd`](super::SubjectEnd)).
///
/// Subject-wide ends are here, not in a trait of their own, because they are revocations:
/// they refuse tokens that verify, they are checked in the same round trip as the token's own
/// keys ([`any_revoked_or_ended`](Self::any_revoked_or_ended)), announced on the same feed
/// (`ended:<subject>`) and cached by the same near-cache. A store that only records keys
/// (the provided methods) cannot end a subject's sessions: `end_sessions` is refused, so no
/// session was ever ended by it and `any_revoked_or_ended` is `any_revoked`. The built-in
/// backends implement all of it.
///
/// DPoP proofs' replay records are in [`ReplayStore`](super::ReplayStore), refresh-token
/// families in [`FamilyStore`](super::FamilyStore): a flood of either cannot fill this one.
/// Prove an implementation with `authx::testing::stores::revocation` and `session_ends`
/// (feature `testing`).
#[async_trait::async_trait]
pub trait RevocationStore: Send + Sync + 'static {
    /// Records `key` as revoked until `expires_at` (keeping a later expiry already recorded).
    /// An `expires_at` already past records nothing: every token it could refuse has expired.
    async fn revoke(&self, key: &str, expires_at: i64) -> Result<(), StoreError>;

    /// Is any of `keys` revoked? One round trip in the network backends (a token and its
    /// session are checked together); `false` for no keys.
    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError>;

    /// Is `key` revoked?
    async fn is_revoked(&self, key: &str) -> Result<bool, StoreError> {
        self.any_revoked(&[key]).await
    }

    /// [`any_revoked`](Self::any_revoked), and whether `session` was ended by its subject's
    /// [`end_sessions`](Self::end_sessions) ([`SubjectEnd::ends`](super::SubjectEnd::ends)).
    /// One round trip in the built-in backends. The default is `any_revoked`: a store that
    /// does not implement `end_sessions` never ended a session.
    async fn any_revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        let _ = session;
        self.any_revoked(keys).await
    }

    /// The generation a new session of `subject` begins in (see
    /// [`SubjectEnd`](super::SubjectEnd)); 0 when its sessions were never ended (always, by
    /// default).
    async fn session_generation(&self, subject: &str) -> Result<u64, StoreError> {
        let _ = subject;
        Ok(0)
    }

    /// Ends every session of `subject` begun before now, except `keep` when it is still live:
    /// atomically replaces its record with [`SubjectEnd::next`](super::SubjectEnd::next) at
    /// `now`, kept until `expires_at` (when every token it refuses has expired), and announces
    /// it to near-caches as `ended:<subject>`. Returns the new generation. One write whatever
    /// the number of sessions. The default refuses ([`StoreError::Config`]).
    async fn end_sessions(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        let _ = (subject, keep, now, expires_at);
        Err(StoreError::Config(
            "this revocation store cannot end a subject's sessions: implement \
             RevocationStore::end_sessions (the built-in stores do)"
                .into(),
        ))
    }

    /// "Live and within rate" in one round trip, for a store that is also the engine's rate
    /// limiter (Redis): whether any of `keys` is revoked or `session` was ended (as
    /// [`any_revoked_or_ended`](Self::any_revoked_or_ended)), and only when neither, the rate
    /// decision of `rate_key` under `count` per `window`, recorded as
    /// [`RateLimiter::check`](crate::rate::RateLimiter::check) records it. `None` (the
    /// default) for a store that cannot: the engine then asks this store and its rate limiter
    /// in turn, in the same order. The engine calls it only when this store is its rate
    /// limiter, so the decision lands where every other of the key's decisions does.
    async fn live_within_rate(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
        rate_key: &str,
        count: u32,
        window: std::time::Duration,
    ) -> Option<Result<super::rate::Unrevoked, StoreError>> {
        let _ = (keys, session, rate_key, count, window);
        None
    }
}

/// A revocation store over your own function, sync or async (AuthX's
/// `set_callback_token_blocklist`): `revoke` is refused, the function only answers "is this
/// token id revoked?". Nothing else is kept in it: replay records and token families stay in
/// the engine's other stores.
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

    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        for key in keys {
            if (self.0)((*key).to_owned()).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
