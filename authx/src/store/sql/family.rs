//! [`SqlStore`]'s family heads: table `authx_families`, one row per family.

use sqlx::Row;

use super::{SqlStore, unavailable};
use crate::store::{FamilyStore, StoreError};

#[async_trait::async_trait]
impl FamilyStore for SqlStore {
    async fn head(&self, family: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .with_schema(|| {
                sqlx::query("SELECT head FROM authx_families WHERE family = $1 AND expires_at > $2")
                    .bind(family)
                    .bind(self.now())
                    .fetch_optional(&self.pool)
            })
            .await?;
        row.map(|r| r.try_get("head"))
            .transpose()
            .map_err(unavailable)
    }

    async fn advance(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        // One statement, so two concurrent rotations cannot both advance: the row is inserted,
        // or updated only while `current` is its head (or its record has expired).
        let done = self
            .with_schema(|| {
                sqlx::query(
                    "INSERT INTO authx_families (family, head, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (family) DO UPDATE SET head = excluded.head, \
                     expires_at = excluded.expires_at \
                     WHERE authx_families.head = $4 OR authx_families.expires_at <= $5",
                )
                .bind(family)
                .bind(next)
                .bind(expires_at)
                .bind(current)
                .bind(self.now())
                .execute(&self.pool)
            })
            .await?;
        self.after_write().await;
        Ok(done.rows_affected() == 1)
    }
}
