//! [`SqlStore`]'s replay records: table `authx_replay`, apart from revocations.

use super::SqlStore;
use crate::store::{ReplayStore, StoreError};

#[async_trait::async_trait]
impl ReplayStore for SqlStore {
    /// One statement, atomic on both databases: the row is inserted, or taken over only when
    /// its record has expired (and not yet purged); otherwise nothing changes and the use is a
    /// replay. Never announced to near-caches.
    async fn record_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        let now = self.now();
        let expires_at = expires_at.max(now + 1);
        let done = self
            .with_schema(|| {
                sqlx::query(
                    "INSERT INTO authx_replay (key, expires_at) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at \
                     WHERE authx_replay.expires_at <= $3",
                )
                .bind(key)
                .bind(expires_at)
                .bind(now)
                .execute(&self.pool)
            })
            .await?;
        self.after_write().await;
        Ok(done.rows_affected() == 1)
    }
}
