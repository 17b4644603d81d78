//! The memory store's allowlist.

use super::MemoryStore;
use crate::store::{AllowlistStore, Entry, StoreError};

#[async_trait::async_trait]
impl AllowlistStore for MemoryStore {
    async fn allow(&self, jti: &str, subject: &str, expires_at: i64) -> Result<(), StoreError> {
        self.allowed.upsert(jti, self.now(), |_| {
            (Some(Entry::new(subject.to_owned(), expires_at)), ())
        })
    }

    async fn is_allowed(&self, jti: &str, subject: &str) -> Result<bool, StoreError> {
        Ok(self
            .allowed
            .read(jti, self.now(), |e| e.value == subject)
            .unwrap_or(false))
    }

    async fn withdraw(&self, jti: &str) -> Result<bool, StoreError> {
        let now = self.now();
        Ok(self.allowed.remove(jti).is_some_and(|e| e.expires_at > now))
    }

    async fn withdraw_subject(&self, subject: &str) -> Result<usize, StoreError> {
        let now = self.now();
        let mut live = 0;
        self.allowed.retain(|_, e| {
            let mine = e.value == subject;
            live += usize::from(mine && e.expires_at > now);
            !mine
        });
        Ok(live)
    }
}
