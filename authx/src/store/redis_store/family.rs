//! [`RedisStore`]'s family heads: `<prefix>family:<family>`, advanced by one script.

use super::{RedisStore, scripts, unavailable};
use crate::store::{FamilyStore, StoreError};

#[async_trait::async_trait]
impl FamilyStore for RedisStore {
    async fn head(&self, family: &str) -> Result<Option<String>, StoreError> {
        redis::cmd("GET")
            .arg(self.family_key(family))
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)
    }

    async fn advance(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        // Not waited for: failing a rotation that was written would have the client present
        // the old refresh token again, which reads as its reuse.
        let n: i64 = scripts::ADVANCE_FAMILY
            .key(self.family_key(family))
            .arg(current)
            .arg(next)
            // EXAT in the past expires the record at once (0 is refused).
            .arg(expires_at.max(1))
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(n == 1)
    }
}
