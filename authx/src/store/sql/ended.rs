//! [`SqlStore`]'s subject-wide session ends: one row per subject in `authx_ended`, written by
//! one upsert and read in the same statement as a token's revocation keys.

use sqlx::Row;

use super::{SqlStore, unavailable};
use crate::store::{SessionMark, StoreError, SubjectEnd};

/// A generation as the `BIGINT` column holds it.
fn column(generation: u64) -> i64 {
    i64::try_from(generation).unwrap_or(i64::MAX)
}

impl SqlStore {
    /// `any_revoked_or_ended`: the keys and the subject's end record in one query.
    pub(super) async fn revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        // Parameters are numbered in the order they are bound below.
        let n = keys.len() + usize::from(!keys.is_empty());
        let revoked = if keys.is_empty() {
            "0".to_owned()
        } else {
            format!(
                "(SELECT COUNT(*) FROM authx_revoked WHERE key IN ({}) AND expires_at > ${n})",
                placeholders.join(", "),
            )
        };
        let ended = match session {
            Some(_) => format!(
                "(SELECT COUNT(*) FROM authx_ended WHERE subject = ${} AND expires_at > ${} \
                 AND generation > ${} AND (keep IS NULL OR keep <> ${}))",
                n + 1,
                n + 2,
                n + 3,
                n + 4
            ),
            None => "0".to_owned(),
        };
        let sql = format!("SELECT {revoked} + {ended} AS n");
        let now = self.now();
        let count: i64 = self
            .with_schema(|| {
                let mut query = sqlx::query(&sql);
                for key in keys {
                    query = query.bind(*key);
                }
                if !keys.is_empty() {
                    query = query.bind(now);
                }
                if let Some(m) = session {
                    query = query
                        .bind(m.subject)
                        .bind(now)
                        .bind(column(m.generation))
                        .bind(m.session);
                }
                query.fetch_one(&self.pool)
            })
            .await?
            .try_get("n")
            .map_err(unavailable)?;
        Ok(count > 0)
    }

    /// `session_generation`: the live record's generation, else 0.
    pub(super) async fn generation(&self, subject: &str) -> Result<u64, StoreError> {
        let row = self
            .with_schema(|| {
                sqlx::query(
                    "SELECT generation FROM authx_ended WHERE subject = $1 AND expires_at > $2",
                )
                .bind(subject)
                .bind(self.now())
                .fetch_optional(&self.pool)
            })
            .await?;
        let generation: i64 = match row {
            Some(row) => row.try_get("generation").map_err(unavailable)?,
            None => 0,
        };
        Ok(u64::try_from(generation).unwrap_or(0))
    }

    /// `end_sessions`: one upsert computing [`SubjectEnd::next`] from the row it replaces (an
    /// expired row counts as none), announced with `NOTIFY` on PostgreSQL.
    pub(super) async fn end(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        // What a first end writes; an existing row is updated by the same rules in SQL.
        let first = SubjectEnd::default().next(keep, now);
        let floor = column(u64::try_from(now).unwrap_or(0));
        let upsert = "INSERT INTO authx_ended (subject, generation, keep, expires_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (subject) DO UPDATE SET \
             generation = CASE \
               WHEN authx_ended.expires_at > $5 AND authx_ended.generation + 1 > $6 \
               THEN authx_ended.generation + 1 ELSE $7 END, \
             keep = CASE WHEN $8 = '' THEN NULL \
               WHEN authx_ended.expires_at <= $9 OR authx_ended.generation <= $10 \
                 OR authx_ended.keep = $11 THEN $12 ELSE NULL END, \
             expires_at = CASE WHEN authx_ended.expires_at > $13 \
               THEN authx_ended.expires_at ELSE $14 END \
             RETURNING subject, generation";
        let sql = if self.postgres {
            format!(
                "WITH w AS ({upsert}) SELECT generation, \
                 pg_notify('authx_revoked', 'ended:' || subject)::text AS announced FROM w"
            )
        } else {
            upsert.to_owned()
        };
        let clock = self.now();
        let keep_id = keep.map_or("", |k| k.session);
        // A kept session stays kept when the row is gone or expired, when it is of the row's
        // generation or later, or when the row already keeps it.
        let keep_generation = keep.map_or(0, |k| column(k.generation));
        let row = self
            .with_schema(|| {
                sqlx::query(&sql)
                    .bind(subject)
                    .bind(column(first.generation))
                    .bind(first.keep.clone())
                    .bind(expires_at)
                    .bind(clock)
                    .bind(floor)
                    .bind(floor)
                    .bind(keep_id)
                    .bind(clock)
                    .bind(keep_generation)
                    .bind(keep_id)
                    .bind(keep_id)
                    .bind(expires_at)
                    .bind(expires_at)
                    .fetch_one(&self.pool)
            })
            .await?;
        self.after_write().await;
        let generation: i64 = row.try_get("generation").map_err(unavailable)?;
        Ok(u64::try_from(generation).unwrap_or(0))
    }
}
