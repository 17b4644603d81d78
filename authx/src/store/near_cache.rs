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

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use tokio::sync::mpsc;

use super::{RevocationStore, StoreError};
use crate::clock::SharedClock;
use crate::config::NearCache;

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

const SHARDS: usize = 16;

/// The cached answers and the state of the feed.
struct State {
    /// Key -> until when "not revoked" may be answered from here (seconds).
    shards: Box<[RwLock<HashMap<String, i64>>]>,
    per_shard: usize,
    /// Bumped by every revocation heard and every loss or return of the feed: an answer is
    /// cached only when the epoch did not move while the store was asked.
    epoch: AtomicU64,
    /// The feed is subscribed; nothing is cached or answered from the cache otherwise.
    live: AtomicBool,
    /// The feed task was started (on first use, inside the runtime).
    started: AtomicBool,
    /// Subscriptions lost so far.
    losses: AtomicU64,
}

impl State {
    fn shard(&self, key: &str) -> &RwLock<HashMap<String, i64>> {
        let h = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        // SHARDS is 16: the remainder fits.
        &self.shards[(h % SHARDS as u64) as usize]
    }

    fn invalidate(&self, key: &str) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.shard(key)
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }

    fn set_live(&self, live: bool) {
        // Dark first, then cleared, then (when coming back) live: no answer cached before the
        // change survives it.
        self.live.store(false, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
        for s in self.shards.iter() {
            s.write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
        }
        self.live.store(live, Ordering::SeqCst);
    }

    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .len()
            })
            .sum()
    }
}

/// A [`RevocationStore`] with a near-cache of its "not revoked" answers, kept true by a
/// [`RevocationFeed`] (see [`NearCache`](crate::config::NearCache) for the guarantees).
/// [`Auth`](crate::Auth) puts one in front of a Redis or PostgreSQL store when
/// [`AuthConfig::near_cache`](crate::AuthConfig::near_cache) is on.
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
                shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
                per_shard: config.capacity.div_ceil(SHARDS).max(1),
                epoch: AtomicU64::new(0),
                live: AtomicBool::new(false),
                started: AtomicBool::new(false),
                losses: AtomicU64::new(0),
            }),
            ttl: crate::clock::secs(config.ttl).max(1),
            clock,
        }
    }

    /// Whether the feed is subscribed (answers are being cached).
    pub fn is_live(&self) -> bool {
        self.state.live.load(Ordering::SeqCst)
    }

    /// How many times the feed was lost (each time the cache was cleared and the store asked
    /// until the feed was back).
    pub fn feed_losses(&self) -> u64 {
        self.state.losses.load(Ordering::SeqCst)
    }

    /// Keys answered from memory right now.
    pub fn len(&self) -> usize {
        self.state.len()
    }

    /// Entries, bytes held (tables and keys) and capacity.
    pub fn size(&self) -> crate::token::CacheSize {
        let slot = std::mem::size_of::<(String, i64)>() + 1;
        let (mut entries, mut bytes) = (0, 0);
        for s in self.state.shards.iter() {
            let shard = s.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            entries += shard.len();
            bytes += shard.capacity() * slot + shard.keys().map(String::capacity).sum::<usize>();
        }
        crate::token::CacheSize {
            entries,
            bytes,
            capacity: self.state.per_shard * SHARDS,
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
            && keys.iter().all(|k| {
                self.state
                    .shard(k)
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .get(*k)
                    .is_some_and(|until| *until > now)
            })
    }

    fn remember(&self, keys: &[&str], epoch: u64, now: i64) {
        let until = now.saturating_add(self.ttl);
        for k in keys {
            let mut shard = self
                .state
                .shard(k)
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Checked under the shard's lock: an invalidation of this key either ran before
            // (and moved the epoch) or waits for the lock (and removes what is written here).
            if !self.is_live() || self.state.epoch.load(Ordering::SeqCst) != epoch {
                return;
            }
            if shard.len() >= self.state.per_shard && !shard.contains_key(*k) {
                shard.retain(|_, until| *until > now);
                if shard.len() >= self.state.per_shard {
                    continue;
                }
            }
            shard.insert((*k).to_owned(), until);
        }
    }
}

/// Follows the feed for as long as the cache lives: subscribe, go live, drop every key heard;
/// when the subscription ends or fails, go dark (cleared) and try again.
async fn follow(state: Weak<State>, feed: Arc<dyn RevocationFeed>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        let subscribed = feed.subscribe().await;
        let Some(s) = state.upgrade() else { return };
        match subscribed {
            Ok(mut revoked) => {
                s.set_live(true);
                backoff = Duration::from_millis(50);
                drop(s);
                while let Some(key) = revoked.recv().await {
                    let Some(s) = state.upgrade() else { return };
                    s.invalidate(&key);
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
        let result = self.inner.revoke(key, expires_at).await;
        // Dropped here at once (the feed brings it back too): this instance reads its writes.
        self.state.invalidate(key);
        result
    }

    async fn is_revoked(&self, key: &str) -> Result<bool, StoreError> {
        self.any_revoked(&[key]).await
    }

    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        self.start();
        let now = self.clock.now();
        if self.all_cached(keys, now) {
            return Ok(false);
        }
        let epoch = self.state.epoch.load(Ordering::SeqCst);
        let revoked = self.inner.any_revoked(keys).await?;
        if !revoked {
            self.remember(keys, epoch, now);
        }
        Ok(revoked)
    }

    async fn revoke_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        let result = self.inner.revoke_once(key, expires_at).await;
        self.state.invalidate(key);
        result
    }

    async fn family_head(&self, family: &str) -> Result<Option<String>, StoreError> {
        self.inner.family_head(family).await
    }

    async fn advance_family(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        self.inner
            .advance_family(family, current, next, expires_at)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    /// A feed the test drives: each subscription gets a fresh channel.
    #[derive(Default)]
    struct TestFeed {
        tx: std::sync::Mutex<Option<mpsc::Sender<String>>>,
    }

    #[async_trait::async_trait]
    impl RevocationFeed for TestFeed {
        async fn subscribe(&self) -> Result<mpsc::Receiver<String>, StoreError> {
            let (tx, rx) = mpsc::channel(8);
            *self.tx.lock().unwrap() = Some(tx);
            Ok(rx)
        }
    }

    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    #[tokio::test]
    async fn answers_from_memory_until_told_and_forgets_when_the_feed_drops() {
        let shared = Arc::new(MemoryStore::new());
        let feed = Arc::new(TestFeed::default());
        let cached = NearCached::new(
            shared.clone(),
            feed.clone(),
            NearCache {
                enabled: true,
                capacity: 64,
                ttl: Duration::from_secs(60),
            },
            crate::clock::system(),
        );
        let exp = crate::clock::unix_now() + 600;
        assert!(!cached.any_revoked(&["a", "sid:s"]).await.unwrap());
        settle().await;
        assert!(cached.is_live());
        assert!(!cached.any_revoked(&["a", "sid:s"]).await.unwrap());
        assert_eq!(cached.len(), 2);
        let size = cached.size();
        assert!(size.entries == 2 && size.bytes > 2 * 32 && size.capacity == 64);

        // Another instance revokes `a` in the shared store: the cache still says no until the
        // feed tells it.
        shared.revoke("a", exp).await.unwrap();
        assert!(!cached.any_revoked(&["a"]).await.unwrap());
        let tx = feed.tx.lock().unwrap().clone().unwrap();
        tx.send("a".into()).await.unwrap();
        settle().await;
        assert!(cached.any_revoked(&["a"]).await.unwrap());

        // The feed drops: the cache goes dark and empty, and asks the store.
        assert!(!cached.any_revoked(&["b"]).await.unwrap());
        feed.tx.lock().unwrap().take();
        drop(tx);
        settle().await;
        shared.revoke("b", exp).await.unwrap();
        assert!(cached.any_revoked(&["b"]).await.unwrap());
        // ...and comes back live, empty.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(cached.is_live());
        assert!(cached.is_empty());
    }
}
