//! The memory store's allowlist.

use super::{Allowed, MemoryStore};
use crate::store::{AllowlistStore, StoreError};

#[async_trait::async_trait]
impl AllowlistStore for MemoryStore {
    async fn allow(&self, jti: &str, subject: &str, expires_at: i64) -> Result<(), StoreError> {
        let now = self.clock.now();
        let mut allowed = self.allowed_mut();
        if allowed.len() >= self.capacity {
            allowed.retain(|_, a| a.expires_at > now);
            if allowed.len() >= self.capacity {
                return Err(StoreError::Full(allowed.len()));
            }
        }
        allowed.insert(
            jti.to_owned(),
            Allowed {
                subject: subject.to_owned(),
                expires_at,
            },
        );
        Ok(())
    }

    async fn is_allowed(&self, jti: &str, subject: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let allowed = self.allowed.read().unwrap_or_else(|p| p.into_inner());
        Ok(allowed
            .get(jti)
            .is_some_and(|a| a.subject == subject && a.expires_at > now))
    }

    async fn withdraw(&self, jti: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        Ok(self
            .allowed_mut()
            .remove(jti)
            .is_some_and(|a| a.expires_at > now))
    }

    async fn withdraw_subject(&self, subject: &str) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let mut live = 0;
        self.allowed_mut().retain(|_, a| {
            let mine = a.subject == subject;
            live += usize::from(mine && a.expires_at > now);
            !mine
        });
        Ok(live)
    }
}
