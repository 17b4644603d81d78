//! The in-process revocation store.

use std::collections::HashMap;
use std::sync::RwLock;

use super::{RevocationStore, StoreError};
use crate::token::codec::now;

/// Revoked token ids in process memory: the default store, for one instance.
///
/// Bounded: past `capacity` live entries, `revoke` first purges expired ones and then, if the
/// store is still full, fails (`503` on logout) rather than forgetting a revocation, since a
/// forgotten revocation would let a stolen token back in. Entries expire with their token.
/// Revocations do not survive a restart; use a durable store for that.
#[derive(Debug)]
pub struct MemoryRevocationStore {
    inner: RwLock<Inner>,
    capacity: usize,
}

#[derive(Debug)]
struct Inner {
    entries: HashMap<Box<str>, i64>,
    purge_at: usize,
}

impl MemoryRevocationStore {
    /// Default capacity: one million live revocations.
    pub const DEFAULT_CAPACITY: usize = 1_000_000;

    /// A store with [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY).
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A store holding at most `capacity` live revocations.
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryRevocationStore {
            inner: RwLock::new(Inner {
                entries: HashMap::new(),
                purge_at: 1024.min(capacity),
            }),
            capacity,
        }
    }

    /// Live and not yet purged entries.
    pub fn len(&self) -> usize {
        self.read().entries.len()
    }

    /// No entries at all?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts),
        // so a poisoned lock is still safe to use.
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn insert(&self, jti: &str, expires_at: i64, now: i64) -> Result<(), StoreError> {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if inner.entries.len() >= inner.purge_at && !inner.entries.contains_key(jti) {
            inner.entries.retain(|_, exp| *exp > now);
            // Amortised: purge again only after the live set has doubled.
            inner.purge_at =
                (inner.entries.len() * 2).clamp(1024.min(self.capacity), self.capacity);
            if inner.entries.len() >= self.capacity {
                return Err(StoreError::Full(inner.entries.len()));
            }
        }
        let slot = inner.entries.entry(jti.into()).or_insert(expires_at);
        *slot = (*slot).max(expires_at);
        Ok(())
    }
}

impl Default for MemoryRevocationStore {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait::async_trait]
impl RevocationStore for MemoryRevocationStore {
    async fn revoke(&self, jti: &str, expires_at: i64) -> Result<(), StoreError> {
        let now = now();
        if expires_at <= now {
            return Ok(()); // already refused for being expired
        }
        self.insert(jti, expires_at, now)
    }

    async fn is_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.read().entries.contains_key(jti))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn revoke_then_refuse() {
        let s = MemoryRevocationStore::new();
        assert!(!s.is_revoked("a").await.unwrap());
        s.revoke("a", now() + 60).await.unwrap();
        assert!(s.is_revoked("a").await.unwrap());
        assert!(!s.is_revoked("b").await.unwrap());
    }

    #[tokio::test]
    async fn expired_entries_are_purged_and_full_store_fails_closed() {
        let s = MemoryRevocationStore::with_capacity(4);
        let t = now();
        for i in 0..4 {
            s.insert(&format!("old{i}"), t - 1, t).unwrap();
        }
        // The next insert purges the four expired entries instead of failing.
        for i in 0..4 {
            s.revoke(&format!("new{i}"), t + 60).await.unwrap();
        }
        assert_eq!(s.len(), 4);
        assert!(matches!(
            s.revoke("one-too-many", t + 60).await,
            Err(StoreError::Full(4))
        ));
        // Nothing live was forgotten.
        for i in 0..4 {
            assert!(s.is_revoked(&format!("new{i}")).await.unwrap());
        }
    }
}
