//! A revocation made through a near-cache returns once the store's feed has brought it back to
//! this very instance (bounded in time): the store has then delivered the announcement to its
//! subscribers, the other instances included, rather than merely committed it.
//!
//! Why: on Redis, `PUBLISH` writes to every subscriber before the script's reply is written,
//! so the other instances have the key in hand before the revoking one hears "done". On
//! PostgreSQL the commit answers first, and each listening session sends its `NOTIFY` when it
//! next wakes: without this wait, a client told "revoked" by one instance was answered `200`
//! by another for a few milliseconds. It is not a proof that every other instance has applied
//! the key (each reads its own feed on its own schedule), and nothing is waited for while this
//! instance's feed is down; `tests/stores.rs` measures what is left, idle and under load.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::{MAX_CACHED_KEY, NearCached, State, StoreError};

/// Past this many keys waited for, abandoned waits (their revocation timed out) are dropped.
const PRUNE_OVER: usize = 1024;

/// Revocations waiting for their announcement to come back through this instance's feed, and
/// how long one may wait (milliseconds).
pub(super) struct Echoes {
    waiting: Mutex<HashMap<String, Vec<oneshot::Sender<()>>>>,
    limit_ms: AtomicU64,
}

impl Default for Echoes {
    fn default() -> Self {
        Echoes {
            waiting: Mutex::default(),
            limit_ms: AtomicU64::new(200),
        }
    }
}

impl Echoes {
    /// Waits for `key`'s announcement from now on: asked before the write, so an echo that
    /// comes back faster than the write's own answer is not missed.
    fn expect(&self, key: &str) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if waiting.len() >= PRUNE_OVER {
            waiting.retain(|_, senders| {
                senders.retain(|s| !s.is_closed());
                !senders.is_empty()
            });
        }
        waiting.entry(key.to_owned()).or_default().push(tx);
        rx
    }

    /// `key` was heard on the feed: whoever waits for it may go.
    fn heard(&self, key: &str) {
        let senders = self
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        for s in senders.into_iter().flatten() {
            let _ = s.send(());
        }
    }
}

impl State {
    /// `key` was heard on the feed: its answer goes, and this instance's revocation of it (if
    /// one waits) may return.
    pub(super) fn heard(&self, key: &str) {
        self.invalidate(key);
        self.echoes.heard(key);
    }
}

impl NearCached {
    /// The longest a revocation through this cache takes, the write included, waiting for its
    /// announcement to come back through this instance's feed (default 200 ms). Past it the
    /// revocation returns `Ok` all the same (the write stands); so does one made while the
    /// feed is down, at once. [`Auth`](crate::Auth) sets three quarters of its
    /// [`store_timeout`](crate::AuthConfig::store_timeout), at most one second.
    #[must_use]
    pub fn with_echo_limit(self, limit: Duration) -> Self {
        let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        self.state.echoes.limit_ms.store(ms, Ordering::Relaxed);
        self
    }

    /// [`RevocationStore::revoke`] through the cache: written, dropped from this instance's
    /// answers at once (it reads its own writes), then heard back on the feed.
    pub(super) async fn revoke_and_hear_back(
        &self,
        key: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let started = Instant::now();
        // Only keys a store announces come back (not the long ones), through a live feed.
        let echo =
            (self.is_live() && key.len() <= MAX_CACHED_KEY).then(|| self.state.echoes.expect(key));
        let result = self.inner.revoke(key, expires_at).await;
        self.state.invalidate(key);
        // An entry already expired is neither written nor announced.
        if let (Ok(()), Some(echo)) = (&result, echo)
            && expires_at > self.clock.now()
        {
            let limit = Duration::from_millis(self.state.echoes.limit_ms.load(Ordering::Relaxed));
            let waited = tokio::time::timeout(limit.saturating_sub(started.elapsed()), echo);
            if !matches!(waited.await, Ok(Ok(()))) {
                tracing::debug!("authx: a revocation's announcement did not come back in time");
            }
        }
        result
    }
}
