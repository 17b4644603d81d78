//! [`SqlStore`]'s sessions.

use super::{SESSION_COLUMNS, SqlStore, session_from_row, unavailable};
use crate::clock::unix_now as now;
use crate::store::{Session, SessionStore, StoreError};

#[async_trait::async_trait]
impl SessionStore for SqlStore {
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        self.with_schema(|| {
            sqlx::query(
                "INSERT INTO authx_sessions (id, subject, created_at, last_seen, expires_at, ip, user_agent, device, device_info, revoked) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&s.id)
            .bind(&s.subject)
            .bind(s.created_at)
            .bind(s.last_seen)
            .bind(s.expires_at)
            .bind(s.ip.clone())
            .bind(s.user_agent.clone())
            .bind(s.device.clone())
            .bind(s.device_info.as_ref().map(serde_json::Value::to_string))
            .bind(i64::from(s.revoked))
            .execute(&self.pool)
        })
        .await?;
        self.after_write().await;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM authx_sessions WHERE id = $1 AND expires_at > $2"
        );
        let row = self
            .with_schema(|| {
                sqlx::query(&sql)
                    .bind(id)
                    .bind(now())
                    .fetch_optional(&self.pool)
            })
            .await?;
        row.as_ref()
            .map(session_from_row)
            .transpose()
            .map_err(unavailable)
    }

    async fn list_sessions(&self, subject: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM authx_sessions WHERE subject = $1 AND revoked = 0 AND expires_at > $2 \
             ORDER BY created_at, id"
        );
        let rows = self
            .with_schema(|| {
                sqlx::query(&sql)
                    .bind(subject)
                    .bind(now)
                    .fetch_all(&self.pool)
            })
            .await?;
        rows.iter()
            .map(session_from_row)
            .collect::<Result<_, _>>()
            .map_err(unavailable)
    }

    async fn touch_session(
        &self,
        id: &str,
        now: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.with_schema(|| {
            sqlx::query(
                "UPDATE authx_sessions SET last_seen = $1, \
                 expires_at = CASE WHEN $2 > expires_at THEN $3 ELSE expires_at END WHERE id = $4",
            )
            .bind(now)
            .bind(expires_at.unwrap_or(0))
            .bind(expires_at.unwrap_or(0))
            .bind(id)
            .execute(&self.pool)
        })
        .await?;
        Ok(())
    }

    async fn mark_session_revoked(&self, id: &str) -> Result<bool, StoreError> {
        let done = self
            .with_schema(|| {
                sqlx::query("UPDATE authx_sessions SET revoked = 1 WHERE id = $1 AND revoked = 0 AND expires_at > $2")
                    .bind(id)
                    .bind(now())
                    .execute(&self.pool)
            })
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
