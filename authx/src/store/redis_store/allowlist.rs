//! [`RedisStore`]'s allowlist.

use super::scripts::{ALLOW, WITHDRAW, WITHDRAW_SUBJECT};
use super::{RedisStore, unavailable};
use crate::store::{AllowlistStore, StoreError};

#[async_trait::async_trait]
impl AllowlistStore for RedisStore {
    async fn allow(&self, jti: &str, subject: &str, expires_at: i64) -> Result<(), StoreError> {
        if expires_at <= self.now() {
            return Ok(());
        }
        ALLOW
            .key(self.allowed_key(jti))
            .key(self.allowed_subject_key(subject))
            .arg(expires_at)
            .arg(jti)
            .arg(subject)
            .invoke_async::<i64>(&mut self.conn().await?)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn is_allowed(&self, jti: &str, subject: &str) -> Result<bool, StoreError> {
        let stored: Option<String> = redis::cmd("GET")
            .arg(self.allowed_key(jti))
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(stored.as_deref() == Some(subject))
    }

    async fn withdraw(&self, jti: &str) -> Result<bool, StoreError> {
        let key = self.allowed_key(jti);
        let n: i64 = self
            .durable(&key, async |conn| {
                WITHDRAW
                    .key(&key)
                    .arg(format!("{}allowed:", self.prefix))
                    .arg(jti)
                    .invoke_async(conn)
                    .await
            })
            .await?;
        Ok(n == 1)
    }

    async fn withdraw_subject(&self, subject: &str) -> Result<usize, StoreError> {
        let key = self.allowed_subject_key(subject);
        let n: i64 = self
            .durable(&key, async |conn| {
                WITHDRAW_SUBJECT
                    .key(&key)
                    .arg(format!("{}allow:", self.prefix))
                    .invoke_async(conn)
                    .await
            })
            .await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}
