//! [`ApiKeyStore`] for [`MemoryStore`]: a map by digest and an index by id, bounded.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use super::MemoryStore;
use crate::store::{ApiKeyRecord, ApiKeyStore, StoreError};

/// The keys of one memory store: records by digest, digests by id.
#[derive(Debug, Default)]
pub(crate) struct ApiKeyMap {
    by_digest: HashMap<String, ApiKeyRecord>,
    digest_of: HashMap<String, String>,
}

impl MemoryStore {
    fn keys_read<R>(&self, f: impl FnOnce(&ApiKeyMap) -> R) -> R {
        f(&self.api_keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn keys_write<R>(&self, f: impl FnOnce(&mut ApiKeyMap) -> R) -> R {
        f(&mut self
            .api_keys
            .write()
            .unwrap_or_else(PoisonError::into_inner))
    }

    fn update_key(&self, id: &str, f: impl FnOnce(&mut ApiKeyRecord)) -> bool {
        self.keys_write(|keys| {
            let Some(digest) = keys.digest_of.get(id) else {
                return false;
            };
            keys.by_digest.get_mut(digest).map(f).is_some()
        })
    }
}

/// A lock for the keys of a memory store.
pub(crate) type ApiKeyLock = RwLock<ApiKeyMap>;

#[async_trait::async_trait]
impl ApiKeyStore for MemoryStore {
    async fn create_key(&self, record: &ApiKeyRecord) -> Result<(), StoreError> {
        let capacity = self.capacity();
        self.keys_write(|keys| {
            if keys.digest_of.contains_key(&record.id)
                || keys.by_digest.contains_key(&record.digest)
            {
                return Err(StoreError::Config(format!(
                    "API key {} exists already",
                    record.id
                )));
            }
            if keys.by_digest.len() >= capacity {
                return Err(StoreError::Full(keys.by_digest.len()));
            }
            keys.digest_of
                .insert(record.id.clone(), record.digest.clone());
            keys.by_digest.insert(record.digest.clone(), record.clone());
            Ok(())
        })
    }

    async fn key_by_digest(&self, digest: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        Ok(self.keys_read(|keys| keys.by_digest.get(digest).cloned()))
    }

    async fn key_by_id(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        Ok(self.keys_read(|keys| {
            keys.digest_of
                .get(id)
                .and_then(|d| keys.by_digest.get(d))
                .cloned()
        }))
    }

    async fn list_keys(&self, owner: Option<&str>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let mut all: Vec<ApiKeyRecord> = self.keys_read(|keys| {
            keys.by_digest
                .values()
                .filter(|r| owner.is_none_or(|o| r.owner == o))
                .cloned()
                .collect()
        });
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(all)
    }

    async fn revoke_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        Ok(self.update_key(id, |r| {
            r.revoked_at.get_or_insert(at);
        }))
    }

    async fn expire_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        Ok(self.update_key(id, |r| {
            r.expires_at = Some(r.expires_at.map_or(at, |e| e.min(at)));
        }))
    }

    async fn touch_key(&self, id: &str, at: i64) -> Result<(), StoreError> {
        self.update_key(id, |r| r.last_used_at = Some(at));
        Ok(())
    }

    async fn delete_key(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.keys_write(|keys| match keys.digest_of.remove(id) {
            Some(digest) => keys.by_digest.remove(&digest).is_some(),
            None => false,
        }))
    }
}
