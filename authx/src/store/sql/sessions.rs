//! [`SqlStore`]'s sessions.

use sqlx::Row;

use super::session_ends::{ENDED, not_ended};
use super::{SESSION_COLUMNS, SqlStore, session_from_row, unavailable};
use crate::store::{EndedSessions, Session, SessionCursor, SessionStore, StoreError};

/// At most this many sessions are ended by one login over the cap (a cap lowered a long way
/// is reached over several logins).
const MAX_BEYOND: i64 = 1000;

#[async_trait::async_trait]
impl SessionStore for SqlStore {
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        // An expired end record of this subject goes first, however rarely the purge runs: its
        // generation may be above the one this session was given (the revocation store forgot
        // its own record on time), and it would hide the new session from listings and the cap.
        self.with_schema(|| {
            sqlx::query("DELETE FROM authx_session_ends WHERE subject = $1 AND expires_at <= $2")
                .bind(&s.subject)
                .bind(s.created_at)
                .execute(&self.pool)
        })
        .await?;
        self.with_schema(|| {
            sqlx::query(
                "INSERT INTO authx_sessions (id, subject, created_at, last_seen, expires_at, ip, user_agent, device, device_info, revoked, generation) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
            .bind(s.generation.map(|g| i64::try_from(g).unwrap_or(i64::MAX)))
            .execute(&self.pool)
        })
        .await?;
        self.after_write().await;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        // A session its subject's end record ended reads as revoked.
        let sql = format!(
            "SELECT {SESSION_COLUMNS}, CASE WHEN {ENDED} THEN 1 ELSE revoked END AS ended \
             FROM authx_sessions WHERE id = $1 AND expires_at > $2"
        );
        let row = self
            .with_schema(|| {
                sqlx::query(&sql)
                    .bind(id)
                    .bind(self.now())
                    .fetch_optional(&self.pool)
            })
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut session = session_from_row(&row).map_err(unavailable)?;
        session.revoked = row.try_get::<i64, _>("ended").map_err(unavailable)? != 0;
        Ok(Some(session))
    }

    async fn list_sessions(&self, subject: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM authx_sessions WHERE subject = $1 AND revoked = 0 \
             AND expires_at > $2 AND {} ORDER BY created_at, id",
            not_ended(3, 4)
        );
        let rows = self
            .with_schema(|| {
                sqlx::query(&sql)
                    .bind(subject)
                    .bind(now)
                    .bind(subject)
                    .bind(subject)
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
        let sql = format!(
            "UPDATE authx_sessions SET revoked = 1 WHERE id = $1 AND revoked = 0 \
             AND expires_at > $2 AND NOT {ENDED}"
        );
        let done = self
            .with_schema(|| {
                sqlx::query(&sql)
                    .bind(id)
                    .bind(self.now())
                    .execute(&self.pool)
            })
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_sessions_page(
        &self,
        subject: &str,
        now: i64,
        after: Option<&SessionCursor>,
        limit: usize,
    ) -> Result<Vec<Session>, StoreError> {
        // Served by the index of live sessions on (subject, created_at, id): a page costs its
        // own rows, and the ended ones it steps over until they expire.
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM authx_sessions WHERE subject = $1 AND revoked = 0 \
             AND expires_at > $2 AND (created_at > $3 OR (created_at = $4 AND id > $5)) \
             AND {} ORDER BY created_at, id LIMIT $8",
            not_ended(6, 7)
        );
        let (created_at, id) = after.map_or((i64::MIN, ""), |c| (c.created_at, c.id.as_str()));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .with_schema(|| {
                sqlx::query(&sql)
                    .bind(subject)
                    .bind(now)
                    .bind(created_at)
                    .bind(created_at)
                    .bind(id)
                    .bind(subject)
                    .bind(subject)
                    .bind(limit)
                    .fetch_all(&self.pool)
            })
            .await?;
        rows.iter()
            .map(session_from_row)
            .collect::<Result<_, _>>()
            .map_err(unavailable)
    }

    async fn sessions_beyond(
        &self,
        subject: &str,
        now: i64,
        newest: usize,
    ) -> Result<Vec<Session>, StoreError> {
        let live = format!(
            "FROM authx_sessions WHERE subject = $1 AND revoked = 0 AND expires_at > $2 \
             AND {}",
            not_ended(3, 4)
        );
        let count_sql = format!("SELECT COUNT(*) AS n {live}");
        let count: i64 = self
            .with_schema(|| {
                sqlx::query(&count_sql)
                    .bind(subject)
                    .bind(now)
                    .bind(subject)
                    .bind(subject)
                    .fetch_one(&self.pool)
            })
            .await?
            .try_get("n")
            .map_err(unavailable)?;
        let over = count.saturating_sub(i64::try_from(newest).unwrap_or(i64::MAX));
        if over <= 0 {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {SESSION_COLUMNS} {live} ORDER BY created_at, id LIMIT $5");
        let rows = self
            .with_schema(|| {
                sqlx::query(&sql)
                    .bind(subject)
                    .bind(now)
                    .bind(subject)
                    .bind(subject)
                    .bind(over.min(MAX_BEYOND))
                    .fetch_all(&self.pool)
            })
            .await?;
        rows.iter()
            .map(session_from_row)
            .collect::<Result<_, _>>()
            .map_err(unavailable)
    }

    async fn end_subject_sessions(
        &self,
        subject: &str,
        keep: Option<&str>,
        generation: u64,
        now: i64,
    ) -> Result<EndedSessions, StoreError> {
        self.end_subject(subject, keep, generation, now).await
    }
}
