//! [`SqlStore`]'s allowlist.

use super::SqlStore;
use crate::store::{AllowlistStore, StoreError};

#[async_trait::async_trait]
impl AllowlistStore for SqlStore {
    async fn allow(&self, jti: &str, subject: &str, expires_at: i64) -> Result<(), StoreError> {
        self.with_schema(|| {
            sqlx::query(
                "INSERT INTO authx_allowlist (jti, subject, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (jti) DO UPDATE SET subject = excluded.subject, \
                 expires_at = excluded.expires_at",
            )
            .bind(jti)
            .bind(subject)
            .bind(expires_at)
            .execute(&self.pool)
        })
        .await?;
        self.after_write().await;
        Ok(())
    }

    async fn is_allowed(&self, jti: &str, subject: &str) -> Result<bool, StoreError> {
        let row = self
            .with_schema(|| {
                sqlx::query(
                    "SELECT 1 AS one FROM authx_allowlist \
                     WHERE jti = $1 AND subject = $2 AND expires_at > $3",
                )
                .bind(jti)
                .bind(subject)
                .bind(self.now())
                .fetch_optional(&self.pool)
            })
            .await?;
        Ok(row.is_some())
    }

    async fn withdraw(&self, jti: &str) -> Result<bool, StoreError> {
        let done = self
            .with_schema(|| {
                sqlx::query("DELETE FROM authx_allowlist WHERE jti = $1 AND expires_at > $2")
                    .bind(jti)
                    .bind(self.now())
                    .execute(&self.pool)
            })
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn withdraw_subject(&self, subject: &str) -> Result<usize, StoreError> {
        let done = self
            .with_schema(|| {
                sqlx::query("DELETE FROM authx_allowlist WHERE subject = $1 AND expires_at > $2")
                    .bind(subject)
                    .bind(self.now())
                    .execute(&self.pool)
            })
            .await?;
        Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
    }
}
