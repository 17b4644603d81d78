//! Stores: where authx keeps state that outlives a request.
//!
//! - [`RevocationStore`]: revoked keys (token ids, and `sid:<session>` for revoked sessions)
//!   until the tokens they refuse would have expired anyway; also each token family's live
//!   refresh token, advanced atomically on rotation, so reuse is detected.
//! - [`SessionStore`]: login sessions (subject, created/last-seen time, IP, user agent, device).
//! - [`AllowlistStore`]: in allowlist mode, the ids of issued tokens that are still good.
//! - [`ReplayStore`]: keys that may be used once (each DPoP proof's `jti`), apart from
//!   revocations and bounded on their own, so a flood of proofs cannot crowd out a revocation.
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
//! plain function with [`blocklist_fn`] (AuthX's `set_callback_token_blocklist`). Prove it with
//! the conformance suite, `store::testing` (feature `testing`).

mod ended;
mod memory;
mod near_cache;
#[cfg(feature = "redis")]
mod redis_store;
pub(crate) mod replay;
mod session;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
/// The store conformance suite (feature `testing`): see [`crate::testing::stores`].
#[cfg(feature = "testing")]
pub use crate::testing::stores as testing;
mod url;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use ended::{SessionMark, SubjectEnd};
pub use memory::MemoryStore;
#[cfg(any(feature = "redis", feature = "postgres"))]
pub(crate) use near_cache::FEED_BUFFER;
pub use near_cache::{NearCached, RevocationFeed};
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub use replay::ReplayStore;
pub use session::{EndedSessions, Session, SessionCursor, SessionStore};
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
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Timeout(limit)),
    }
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

    /// Records `key` unless present; `true` when this call recorded it. Must be atomic: of two
    /// concurrent calls with one key exactly one gets `true` (that is how two uses of one
    /// refresh token are told apart). There is no default: a check-then-write would let both
    /// uses of a stolen token through. Even an already expired `expires_at` records the key
    /// briefly, so a second use right after the first is still caught.
    async fn revoke_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError>;

    /// The id of a token family's live refresh token, as [`advance_family`](Self::advance_family)
    /// last recorded it; `None` when nothing is recorded (the family never rotated) or the
    /// record expired.
    async fn family_head(&self, family: &str) -> Result<Option<String>, StoreError>;

    /// Refresh rotation: atomically makes `next` the live refresh token of `family` when
    /// `current` is the live one or nothing is recorded, keeping the record until `expires_at`.
    /// `true` when this call advanced the family: of two concurrent rotations of one refresh
    /// token exactly one wins, and a retired token never advances its family again. One record
    /// per family, however many rotations.
    async fn advance_family(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError>;

    /// [`any_revoked`](Self::any_revoked), and whether `session` was ended by its subject's
    /// [`end_sessions`](Self::end_sessions) ([`SubjectEnd::ends`]). One round trip in the
    /// built-in backends; the default asks twice, reading the record it keeps as a family
    /// (`ended:<subject>`).
    async fn any_revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        if self.any_revoked(keys).await? {
            return Ok(true);
        }
        let Some(session) = session else {
            return Ok(false);
        };
        let record = self.family_head(&ended::register(session.subject)).await?;
        Ok(SubjectEnd::decode(record.as_deref()).ends(session))
    }

    /// The generation a new session of `subject` begins in (see [`SubjectEnd`]); 0 when its
    /// sessions were never ended.
    async fn session_generation(&self, subject: &str) -> Result<u64, StoreError> {
        let record = self.family_head(&ended::register(subject)).await?;
        Ok(SubjectEnd::decode(record.as_deref()).generation)
    }

    /// Ends every session of `subject` begun before now, except `keep` when it is still live:
    /// atomically replaces its record with [`SubjectEnd::next`] at `now`, kept until
    /// `expires_at` (when every token it refuses has expired), and announces it to near-caches
    /// as `ended:<subject>`. Returns the new generation. One write whatever the number of
    /// sessions; the default is a compare-and-swap on the family record, retried.
    async fn end_sessions(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        let family = ended::register(subject);
        for _ in 0..ended::END_ATTEMPTS {
            let current = self.family_head(&family).await?;
            let next = SubjectEnd::decode(current.as_deref()).next(keep, now);
            let from = current.unwrap_or_default();
            if self
                .advance_family(&family, &from, &next.encode(), expires_at)
                .await?
            {
                return Ok(next.generation);
            }
        }
        Err(StoreError::unavailable(
            "end_sessions: too many concurrent ends of one subject",
        ))
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

    async fn revoke_once(&self, _key: &str, _expires_at: i64) -> Result<bool, StoreError> {
        Err(read_only())
    }

    async fn family_head(&self, _family: &str) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    async fn advance_family(
        &self,
        _family: &str,
        _current: &str,
        _next: &str,
        _expires_at: i64,
    ) -> Result<bool, StoreError> {
        Err(read_only())
    }
}

fn read_only() -> StoreError {
    StoreError::Config(
        "this revocation store is a read-only blocklist function: refresh rotation needs a \
         store that can record (memory, SQL or Redis)"
            .into(),
    )
}
