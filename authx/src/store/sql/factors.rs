//! [`SqlStore`]'s factor records: table `authx_factors`, one row per `(subject, kind, id)`,
//! the value a byte string (`BLOB` on SQLite, `BYTEA` on PostgreSQL). Never purged: a row goes
//! when authx removes it.

use sqlx::Row;

use super::{SqlStore, unavailable};
use crate::store::{FactorStore, StoreError};

#[async_trait::async_trait]
impl FactorStore for SqlStore {
    /// One statement: the row is inserted, or its value replaced.
    async fn put_factor(
        &self,
        subject: &str,
        kind: &str,
        id: &str,
        value: &[u8],
    ) -> Result<(), StoreError> {
        self.with_schema(|| {
            sqlx::query(
                "INSERT INTO authx_factors (subject, kind, id, value) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (subject, kind, id) DO UPDATE SET value = excluded.value",
            )
            .bind(subject)
            .bind(kind)
            .bind(id)
            .bind(value)
            .execute(&self.pool)
        })
        .await?;
        Ok(())
    }

    async fn get_factor(
        &self,
        subject: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self
            .with_schema(|| {
                sqlx::query(
                    "SELECT value FROM authx_factors WHERE subject = $1 AND kind = $2 AND id = $3",
                )
                .bind(subject)
                .bind(kind)
                .bind(id)
                .fetch_optional(&self.pool)
            })
            .await?;
        row.map(|row| row.try_get("value").map_err(unavailable))
            .transpose()
    }

    async fn list_factors(
        &self,
        subject: &str,
        kind: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rows = self
            .with_schema(|| {
                sqlx::query("SELECT id, value FROM authx_factors WHERE subject = $1 AND kind = $2")
                    .bind(subject)
                    .bind(kind)
                    .fetch_all(&self.pool)
            })
            .await?;
        let mut factors: Vec<(String, Vec<u8>)> = rows
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("value")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(unavailable)?;
        // Sorted here, by the ids' bytes: a database sorts text by its collation.
        factors.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(factors)
    }

    /// One `DELETE`: of concurrent calls, only the one whose statement removed the row sees
    /// a row affected.
    async fn remove_factor(&self, subject: &str, kind: &str, id: &str) -> Result<bool, StoreError> {
        let done = self
            .with_schema(|| {
                sqlx::query(
                    "DELETE FROM authx_factors WHERE subject = $1 AND kind = $2 AND id = $3",
                )
                .bind(subject)
                .bind(kind)
                .bind(id)
                .execute(&self.pool)
            })
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove_factors(&self, subject: &str, kind: &str) -> Result<usize, StoreError> {
        let done = self
            .with_schema(|| {
                sqlx::query("DELETE FROM authx_factors WHERE subject = $1 AND kind = $2")
                    .bind(subject)
                    .bind(kind)
                    .execute(&self.pool)
            })
            .await?;
        usize::try_from(done.rows_affected()).map_err(StoreError::unavailable)
    }
}
