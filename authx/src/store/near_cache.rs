//! A near-cache of "not revoked" answers in front of a shared revocation store (Redis,
//! PostgreSQL), kept true by the store's own change feed: every revocation is published (Redis
//! `PUBLISH`, PostgreSQL `NOTIFY`, in the same step as the write), and every instance drops the
//! keys it hears about. A token checked a moment ago is answered from memory; the store is
//! asked again only for keys it has not seen, or after [`NearCache::ttl`].
//!
//! Fail safe, never fail open:
//! - an answer is cached only when no revocation arrived while the store was being asked (a
//!   revocation racing the question is never lost behind a stale "not revoked");
//! - while the feed is down (connection lost, not yet subscribed), nothing is cached and every
//!   question goes to the store; when it is back, the cache starts empty, since revocations
//!   made in between were not heard;
//! - every entry also expires after the configured time-to-live, whatever the feed says.

use std::sync::Arc;
use std::sync::Weak;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use super::{BoundedMap, Entry, Fast, Overflow, RevocationStore, SessionMark, StoreError};
use crate::clock::SharedClock;
use crate::config::NearCache;
mod echo;

/// A source of revocations as they happen, for near-caches in every instance.
#[async_trait::async_trait]
pub trait RevocationFeed: Send + Sync + 'static {
    /// Subscribes to the revoked keys. The receiver yields each key revoked from now on (by any
    /// instance) and ends when the subscription is lost; the caller then subscribes again.
    /// Returns once the subscription is in place: nothing revoked after that is missed.
    async fn subscribe(&self) -> Result<mpsc::Receiver<String>, StoreError>;
}

/// How many revoked keys a subscription buffers for a slow reader. A feed that would drop one
/// ends its subscription instead, which clears the near-caches (safe, if slower).
#[cfg(any(feature = "redis", feature = "postgres"))]
pub(crate) const FEED_BUFFER: usize = 4096;

/// Keys longer than this are never cached (nor announced on PostgreSQL, whose notifications
/// are limited to 8000 bytes): the cache is bounded in bytes as well as entries.
pub(crate) const MAX_CACHED_KEY: usize = 256;

/// The cached answers and the state of the feed.
struct State {
    /// Key -> until when "not revoked" may be answered from here (seconds); evicting when
    /// full, as the store still holds every answer. An end answer shares its subject's shard.
    answers: BoundedMap<(), Fast>,
    /// Bumped by every revocation heard and every loss or return of the feed: an answer is
    /// cached only when the epoch did not move while the store was asked.
    epoch: AtomicU64,
    /// The feed is subscribed; nothing is cached or answered from the cache otherwise.
    live: AtomicBool,
    /// The feed task was started (on first use, inside the runtime).
    started: AtomicBool,
    /// Subscriptions lost so far.
    losses: AtomicU64,
    echoes: echo::Echoes, // this instance's revocations waiting to be heard back (`echo.rs`)
}

impl State {
    fn invalidate(&self, key: &str) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.answers.remove(key);
        // A subject's end (`ended:<subject>`): its sessions' answers go too.
        if key.starts_with("ended:") {
            self.answers
                .retain_in_shard_of(key, |k, _| !super::ended::answers_to(k, key));
        }
    }

    fn set_live(&self, live: bool) {
        // Dark first, then cleared, then (when coming back) live: no answer cached before the
        // change survives it.
        self.live.store(false, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.answers.clear();
        self.live.store(live, Ordering::SeqCst);
    }

    fn len(&self) -> usize {
        self.answers.len()
    }
}

/// The part of a cached key that picks its shard: an end answer's subject part.
fn shard_key(key: &str) -> &str {
    key.split('\0').next().unwrap_or(key)
}

/// A [`RevocationStore`] with a near-cache of its "not revoked" answers, kept true by a
/// [`RevocationFeed`] (see [`NearCache`](crate::config::NearCache) for the guarantees).
/// [`Auth`](crate::Auth) puts one in front of a Redis or PostgreSQL store when
/// [`AuthConfig::near_cache`](crate::AuthConfig::near_cache) is on. It wraps revocations
/// only: replay records and family heads go straight to their own stores.
pub struct NearCached {
    inner: Arc<dyn RevocationStore>,
    feed: Arc<dyn RevocationFeed>,
    state: Arc<State>,
    ttl: i64,
    clock: SharedClock,
}

impl std::fmt::Debug for NearCached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NearCached")
            .field("entries", &self.state.len())
            .field("live", &self.is_live())
            .finish_non_exhaustive()
    }
}

impl NearCached {
    /// `inner` with a near-cache kept by `feed`, sized and timed by `config`. The feed is
    /// subscribed on first use (inside the Tokio runtime).
    pub fn new(
        inner: Arc<dyn RevocationStore>,
        feed: Arc<dyn RevocationFeed>,
        config: NearCache,
        clock: SharedClock,
    ) -> Self {
        NearCached {
            inner,
            feed,
            state: Arc::new(State {
                answers: BoundedMap::with_hasher(config.capacity, Overflow::Evict)
                    .with_shard_key(shard_key),
                epoch: AtomicU64::new(0),
                live: AtomicBool::new(false),
                started: AtomicBool::new(false),
                losses: AtomicU64::new(0),
                echoes: echo::Echoes::default(),
            }),
            ttl: crate::clock::secs(config.ttl).max(1),
            clock,
        }
    }

    /// Whether the feed is subscribed (answers are being cached).
    pub fn is_live(&self) -> bool {
        self.state.live.load(Ordering::SeqCst)
    }

    /// How many times the feed was lost (each time the cache cleared, the store asked until back).
    pub fn feed_losses(&self) -> u64 {
        self.state.losses.load(Ordering::SeqCst)
    }

    /// Keys answered from memory right now.
    pub fn len(&self) -> usize {
        self.state.len()
    }

    /// Entries, bytes held (tables and keys) and capacity.
    pub fn size(&self) -> crate::CacheSize {
        crate::CacheSize {
            entries: self.state.answers.len(),
            bytes: self.state.answers.bytes(),
            capacity: self.state.answers.capacity(),
        }
    }

    /// Whether no key is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn start(&self) {
        if self.state.started.swap(true, Ordering::SeqCst) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(follow(Arc::downgrade(&self.state), self.feed.clone()));
            }
            Err(_) => self.state.started.store(false, Ordering::SeqCst),
        }
    }

    /// Whether every key is known "not revoked" right now.
    fn all_cached(&self, keys: &[&str], now: i64) -> bool {
        self.is_live()
            && keys
                .iter()
                .all(|k| self.state.answers.read(k, now, |_| ()).is_some())
    }

    fn remember(&self, keys: &[&str], epoch: u64, now: i64) {
        let until = now.saturating_add(self.ttl);
        for k in keys {
            // Checked under the shard's lock: an invalidation of this key either ran before
            // (and moved the epoch) or waits for the lock (and removes what is written here).
            let written = self.state.answers.upsert(k, now, |_| {
                if !self.is_live() || self.state.epoch.load(Ordering::SeqCst) != epoch {
                    return (None, false);
                }
                (Some(Entry::new((), until)), true)
            });
            if !matches!(written, Ok(true)) {
                return;
            }
        }
    }
}

/// Follows the feed for as long as the cache lives: subscribe, go live, drop every key heard;
/// when the subscription ends or fails, go dark (cleared) and try again. Ends within a second
/// of the cache being dropped (its subscription and connection with it); if the task itself is
/// dropped (its runtime shut down), the cache goes dark and the next question starts it again.
async fn follow(state: Weak<State>, feed: Arc<dyn RevocationFeed>) {
    /// Dark, and to be started again, if this task ends without saying so.
    struct Guard(Weak<State>);
    impl Drop for Guard {
        fn drop(&mut self) {
            if let Some(s) = self.0.upgrade() {
                s.set_live(false);
                s.started.store(false, Ordering::SeqCst);
            }
        }
    }
    let _guard = Guard(state.clone());
    let mut backoff = Duration::from_millis(50);
    loop {
        let subscribed = feed.subscribe().await;
        let Some(s) = state.upgrade() else { return };
        match subscribed {
            Ok(mut revoked) => {
                s.set_live(true);
                backoff = Duration::from_millis(50);
                drop(s);
                loop {
                    tokio::select! {
                        key = revoked.recv() => {
                            let Some(key) = key else { break };
                            let Some(s) = state.upgrade() else { return };
                            s.heard(&key);
                        }
                        () = tokio::time::sleep(Duration::from_secs(1)) => {
                            if state.strong_count() == 0 {
                                return;
                            }
                        }
                    }
                }
                let Some(s) = state.upgrade() else { return };
                s.set_live(false);
                s.losses.fetch_add(1, Ordering::SeqCst);
                tracing::warn!(
                    "authx: the revocation feed was lost; asking the store until it is back"
                );
            }
            Err(e) => {
                s.set_live(false);
                tracing::debug!(error = %e, "authx: could not subscribe to the revocation feed");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}

#[async_trait::async_trait]
impl RevocationStore for NearCached {
    async fn revoke(&self, key: &str, expires_at: i64) -> Result<(), StoreError> {
        self.revoke_and_hear_back(key, expires_at).await
    }

    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        self.any_revoked_or_ended(keys, None).await
    }

    /// A session's end answer is cached as one more key, dropped with its subject's end.
    async fn any_revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        self.start();
        let now = self.clock.now();
        let answer = session.map(super::ended::answer_key);
        let all: Vec<&str> = keys.iter().copied().chain(answer.as_deref()).collect();
        if self.all_cached(&all, now) {
            return Ok(false);
        }
        let epoch = self.state.epoch.load(Ordering::SeqCst);
        let revoked = self.inner.any_revoked_or_ended(keys, session).await?;
        if !revoked && all.iter().all(|k| k.len() <= MAX_CACHED_KEY) {
            self.remember(&all, epoch, now);
        }
        Ok(revoked)
    }

    async fn session_generation(&self, subject: &str) -> Result<u64, StoreError> {
        self.inner.session_generation(subject).await
    }

    async fn end_sessions(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        let result = self
            .inner
            .end_sessions(subject, keep, now, expires_at)
            .await;
        self.state.invalidate(&super::ended::register(subject));
        result
    }
}

#[cfg(test)]
#[path = "near_cache_tests.rs"]
mod tests;
