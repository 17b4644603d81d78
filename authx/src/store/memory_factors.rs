//! The memory store's factor records: a map of their own, bounded.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::MemoryStore;
use crate::store::{FactorStore, StoreError};

/// The factor records: `(subject, kind)` → id → value, and the bound.
#[derive(Debug)]
pub(super) struct Factors(Mutex<FactorMap>);

impl Default for Factors {
    fn default() -> Self {
        Factors(Mutex::new(FactorMap {
            by_owner: BTreeMap::new(),
            records: 0,
            capacity: MemoryStore::DEFAULT_FACTOR_CAPACITY,
        }))
    }
}

#[derive(Debug)]
struct FactorMap {
    by_owner: BTreeMap<(String, String), BTreeMap<String, Vec<u8>>>,
    records: usize,
    capacity: usize,
}

impl MemoryStore {
    /// Default capacity of the factor records (TOTP secrets, recovery codes, passkeys).
    pub const DEFAULT_FACTOR_CAPACITY: usize = 1_000_000;

    /// This store, holding at most `capacity` factor records (default
    /// [`DEFAULT_FACTOR_CAPACITY`](Self::DEFAULT_FACTOR_CAPACITY)): when full, a new record is
    /// refused (`503`); none is ever evicted (that would take a user's factor away).
    pub fn with_factor_capacity(self, capacity: usize) -> Self {
        self.factors
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .capacity = capacity;
        self
    }

    fn factor_map(&self) -> MutexGuard<'_, FactorMap> {
        self.factors
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn owner(subject: &str, kind: &str) -> (String, String) {
    (subject.to_owned(), kind.to_owned())
}

#[async_trait::async_trait]
impl FactorStore for MemoryStore {
    async fn put_factor(
        &self,
        subject: &str,
        kind: &str,
        id: &str,
        value: &[u8],
    ) -> Result<(), StoreError> {
        let mut map = self.factor_map();
        let (records, capacity) = (map.records, map.capacity);
        let ids = map.by_owner.entry(owner(subject, kind)).or_default();
        if let Some(slot) = ids.get_mut(id) {
            *slot = value.to_vec();
            return Ok(());
        }
        if records >= capacity {
            if ids.is_empty() {
                map.by_owner.remove(&owner(subject, kind));
            }
            return Err(StoreError::Full(records));
        }
        ids.insert(id.to_owned(), value.to_vec());
        map.records += 1;
        Ok(())
    }

    async fn get_factor(
        &self,
        subject: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let map = self.factor_map();
        Ok(map
            .by_owner
            .get(&owner(subject, kind))
            .and_then(|ids| ids.get(id))
            .cloned())
    }

    async fn list_factors(
        &self,
        subject: &str,
        kind: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let map = self.factor_map();
        Ok(map
            .by_owner
            .get(&owner(subject, kind))
            .map(|ids| ids.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    async fn remove_factor(&self, subject: &str, kind: &str, id: &str) -> Result<bool, StoreError> {
        let mut map = self.factor_map();
        let key = owner(subject, kind);
        let Some(ids) = map.by_owner.get_mut(&key) else {
            return Ok(false);
        };
        let removed = ids.remove(id).is_some();
        if ids.is_empty() {
            map.by_owner.remove(&key);
        }
        if removed {
            map.records -= 1;
        }
        Ok(removed)
    }

    async fn remove_factors(&self, subject: &str, kind: &str) -> Result<usize, StoreError> {
        let mut map = self.factor_map();
        let removed = map
            .by_owner
            .remove(&owner(subject, kind))
            .map_or(0, |ids| ids.len());
        map.records -= removed;
        Ok(removed)
    }
}
