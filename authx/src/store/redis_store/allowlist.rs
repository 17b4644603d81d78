//! [`RedisStore`]'s allowlist.

use super::{RedisStore, WITHDRAW, WITHDRAW_SUBJECT, unavailable};
use crate::clock::unix_now as now;
use crate::store::{AllowlistStore, StoreError};

#[async_trait::async_trait]
impl AllowlistStore for RedisStore {
    async fn allow(&self, jti: &str, subject: &str, expires_at: i64) -> Result<(), StoreError> {
        if expires_at <= now() {
            return Ok(());
        }
        let set = self.allowed_subject_key(subject);
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("SET")
            .arg(self.allowed_key(jti))
            .arg(subject)
            .arg("EXAT")
            .arg(expires_at)
            .ignore()
            .sadd(&set, jti)
            .ignore()
            .cmd("EXPIREAT")
            .arg(&set)
            .arg(expires_at)
            .arg("GT")
            .ignore()
            .cmd("EXPIREAT")
            .arg(&set)
            .arg(expires_at)
            .arg("NX")
            .ignore();
        pipe.query_async::<()>(&mut self.conn().await?)
            .await
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
        let n: i64 = redis::Script::new(WITHDRAW)
            .key(self.allowed_key(jti))
            .arg(format!("{}allowed:", self.prefix))
            .arg(jti)
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(n == 1)
    }

    async fn withdraw_subject(&self, subject: &str) -> Result<usize, StoreError> {
        let n: i64 = redis::Script::new(WITHDRAW_SUBJECT)
            .key(self.allowed_subject_key(subject))
            .arg(format!("{}allow:", self.prefix))
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}
