//! [`PolicyStore`]: an app's authorization policies (Cedar sources, feature `authz`) kept in a
//! shared store, versioned, each new set announced to every instance.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

use super::StoreError;

/// A policy set as stored: its version and its named sources (`("documents.cedar", text)`),
/// sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicies {
    /// Bumped by every [`publish`](PolicyStore::publish): 1 for the first set.
    pub version: u64,
    /// The sources: `(name, text)`, names distinct.
    pub sources: Vec<(String, String)>,
}

impl StoredPolicies {
    /// Version `version` of `sources`, sorted by name (as Rust orders them, whatever the
    /// backend's own order).
    pub(crate) fn sorted(version: u64, mut sources: Vec<(String, String)>) -> Self {
        sources.sort();
        StoredPolicies { version, sources }
    }
}

/// Where an app's policies live when every instance must follow the same set (feature
/// `authz`): `Authz::from_store` starts from it, `Authz::publish` writes a new set once it
/// validates against the schema, and `Authz::follow` swaps in each new set as it is announced.
///
/// Implemented by [`MemoryPolicies`] (one process, tests), `SqlStore` (tables `authx_policies`
/// and `authx_policy_version`; announced with `NOTIFY` on PostgreSQL, polled on SQLite) and
/// `RedisStore` (`<prefix>policies`, `<prefix>policies-version`, announced with `PUBLISH`).
/// The store knows no Cedar: it keeps texts; validating them is `Authz`'s.
#[async_trait::async_trait]
pub trait PolicyStore: Send + Sync + 'static {
    /// The latest set, or `None` when none was ever published.
    async fn load(&self) -> Result<Option<StoredPolicies>, StoreError>;
    /// Replaces the whole set with `sources` (names distinct, else [`StoreError::Config`]) and
    /// bumps the version, atomically: a [`load`](Self::load) sees the old set or the new one,
    /// never a mix. Announces the new version in the same step. Returns it.
    async fn publish(&self, sources: &[(String, String)]) -> Result<u64, StoreError>;
    /// Subscribes to new versions. The receiver yields each version published from now on (by
    /// any instance) and ends when the subscription is lost; the caller then subscribes again
    /// and loads, as announcements made in between were missed. Returns once the subscription
    /// is in place. A store without a feed (SQLite) returns an error: its followers poll.
    async fn subscribe(&self) -> Result<mpsc::Receiver<u64>, StoreError>;
}

/// `sources`' names are distinct (each is a row's or a field's key in every backend).
pub(crate) fn distinct_names(sources: &[(String, String)]) -> Result<(), StoreError> {
    let mut seen = BTreeSet::new();
    match sources.iter().find(|(name, _)| !seen.insert(name.as_str())) {
        Some((name, _)) => Err(StoreError::Config(format!(
            "two policy sources are named `{name}`"
        ))),
        None => Ok(()),
    }
}

/// How many announcements a subscription buffers for a slow reader; one that would drop one
/// ends its subscription instead (its follower loads the latest set and subscribes again).
const POLICY_FEED_BUFFER: usize = 64;

/// A [`PolicyStore`] in process memory: for one process (its clones share the set) and tests.
/// Nothing survives a restart.
#[derive(Debug, Clone, Default)]
pub struct MemoryPolicies {
    inner: Arc<Mutex<Held>>,
}

#[derive(Debug, Default)]
struct Held {
    set: Option<StoredPolicies>,
    subscribers: Vec<mpsc::Sender<u64>>,
}

impl MemoryPolicies {
    /// An empty store: nothing published yet.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait::async_trait]
impl PolicyStore for MemoryPolicies {
    async fn load(&self) -> Result<Option<StoredPolicies>, StoreError> {
        Ok(self
            .inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .set
            .clone())
    }

    async fn publish(&self, sources: &[(String, String)]) -> Result<u64, StoreError> {
        distinct_names(sources)?;
        // Written and announced under one lock: announcements arrive in version order.
        let mut held = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let version = held.set.as_ref().map_or(0, |s| s.version) + 1;
        held.set = Some(StoredPolicies::sorted(version, sources.to_vec()));
        // A subscriber gone, or too slow to keep up, is dropped: its receiver ends.
        held.subscribers.retain(|tx| tx.try_send(version).is_ok());
        Ok(version)
    }

    async fn subscribe(&self) -> Result<mpsc::Receiver<u64>, StoreError> {
        let (tx, rx) = mpsc::channel(POLICY_FEED_BUFFER);
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .subscribers
            .push(tx);
        Ok(rx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect()
    }

    #[tokio::test]
    async fn an_empty_store_has_no_set() {
        assert_eq!(MemoryPolicies::new().load().await.unwrap(), None);
    }

    #[tokio::test]
    async fn publish_replaces_the_whole_set_and_bumps_the_version() {
        let store = MemoryPolicies::new();
        assert_eq!(
            store
                .publish(&set(&[("b", "2"), ("a", "1")]))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store.load().await.unwrap(),
            Some(StoredPolicies {
                version: 1,
                sources: set(&[("a", "1"), ("b", "2")]),
            })
        );
        assert_eq!(store.publish(&set(&[("c", "3")])).await.unwrap(), 2);
        let loaded = store.clone().load().await.unwrap().unwrap();
        assert_eq!((loaded.version, loaded.sources), (2, set(&[("c", "3")])));
        assert_eq!(store.publish(&[]).await.unwrap(), 3);
        assert!(store.load().await.unwrap().unwrap().sources.is_empty());
    }

    #[tokio::test]
    async fn duplicate_names_are_refused_and_nothing_changes() {
        let store = MemoryPolicies::new();
        store.publish(&set(&[("a", "1")])).await.unwrap();
        let refused = store.publish(&set(&[("x", "1"), ("x", "2")])).await;
        assert!(matches!(refused, Err(StoreError::Config(m)) if m.contains("`x`")));
        assert_eq!(store.load().await.unwrap().unwrap().version, 1);
    }

    #[tokio::test]
    async fn every_subscriber_hears_each_version_in_order() {
        let store = MemoryPolicies::new();
        let mut first = store.subscribe().await.unwrap();
        let mut second = store.clone().subscribe().await.unwrap();
        store.publish(&set(&[("a", "1")])).await.unwrap();
        store.publish(&set(&[("a", "2")])).await.unwrap();
        for rx in [&mut first, &mut second] {
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, Some(2));
        }
    }

    #[tokio::test]
    async fn a_slow_subscriber_loses_its_subscription_not_an_announcement() {
        let store = MemoryPolicies::new();
        let mut slow = store.subscribe().await.unwrap();
        for _ in 0..=POLICY_FEED_BUFFER {
            store.publish(&[]).await.unwrap();
        }
        let mut heard = 0;
        while slow.recv().await.is_some() {
            heard += 1;
        }
        // It heard what fit, then its receiver ended: it must load and subscribe again.
        assert_eq!(heard, POLICY_FEED_BUFFER);
        let mut dropped = store.subscribe().await.unwrap();
        drop(slow);
        store.publish(&[]).await.unwrap();
        assert_eq!(dropped.recv().await, Some(POLICY_FEED_BUFFER as u64 + 2));
        assert_eq!(store.inner.lock().unwrap().subscribers.len(), 1);
    }
}
