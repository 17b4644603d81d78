//! [`SqlStore`]'s record of a subject's ended sessions: one row per subject in
//! `authx_session_ends` (the generation below which its sessions are ended, and the one kept),
//! written once when all of a subject's sessions end, instead of marking each session row.
//! Every query that lists or reads sessions reads it ([`ENDED`]).
//!
//! The session store keeps this record of its own rather than reading the revocation store's
//! `authx_ended`: the two may be different backends (`AuthBuilder::revocation_store`), and the
//! record an end replaces tells which sessions that end reached (its count).

use sqlx::Row;

use super::{SqlStore, unavailable};
use crate::store::{EndedSessions, StoreError};

/// Whether the `authx_sessions` row in scope is ended by its subject's record: of an earlier
/// generation, and not the kept session. A session without a generation (stored by an earlier
/// authx) is not: those are marked revoked one by one. For a query of one row (by id).
pub(super) const ENDED: &str = "EXISTS (SELECT 1 FROM authx_session_ends e \
     WHERE e.subject = authx_sessions.subject AND authx_sessions.generation < e.generation \
     AND (e.keep IS NULL OR e.keep <> authx_sessions.id))";

/// The negation of [`ENDED`] for a query of one subject's rows, the subject bound at
/// parameters `$a` and `$b`: the record is read once per query, not once per row.
pub(super) fn not_ended(a: usize, b: usize) -> String {
    format!(
        "(generation IS NULL OR generation >= COALESCE((SELECT e.generation \
         FROM authx_session_ends e WHERE e.subject = ${a}), 0) \
         OR id = (SELECT e.keep FROM authx_session_ends e WHERE e.subject = ${b}))"
    )
}

/// A generation as the `BIGINT` column holds it.
fn column(generation: u64) -> i64 {
    i64::try_from(generation).unwrap_or(i64::MAX)
}

impl SqlStore {
    /// `end_subject_sessions`: three statements whatever the count. Counts the live sessions
    /// this end reaches (before the record moves on), moves the record on, and marks revoked
    /// the sessions without a generation (naming them, for their tokens).
    pub(super) async fn end_subject(
        &self,
        subject: &str,
        keep: Option<&str>,
        generation: u64,
        now: i64,
    ) -> Result<EndedSessions, StoreError> {
        // Ids are never empty: '' keeps nothing.
        let keep_id = keep.unwrap_or("");
        let generation = column(generation);
        let reached = format!(
            "SELECT COUNT(*) AS n, MAX(expires_at) AS until FROM authx_sessions \
             WHERE subject = $1 AND revoked = 0 AND expires_at > $2 AND id <> $3 \
             AND (generation IS NULL OR generation < $4) AND {}",
            not_ended(5, 6)
        );
        let row = self
            .with_schema(|| {
                sqlx::query(&reached)
                    .bind(subject)
                    .bind(now)
                    .bind(keep_id)
                    .bind(generation)
                    .bind(subject)
                    .bind(subject)
                    .fetch_one(&self.pool)
            })
            .await?;
        let count: i64 = row.try_get("n").map_err(unavailable)?;
        // The record lasts as long as the last session it ends (an earlier record's sessions
        // included).
        let until: Option<i64> = row.try_get("until").map_err(unavailable)?;
        // A later end already recorded wins; a kept session that the record it replaces had
        // ended is not brought back.
        self.with_schema(|| {
            sqlx::query(
                "INSERT INTO authx_session_ends (subject, generation, keep, expires_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (subject) DO UPDATE SET \
                 generation = excluded.generation, \
                 keep = CASE WHEN EXISTS (SELECT 1 FROM authx_sessions k WHERE k.id = $5 \
                   AND k.generation < authx_session_ends.generation \
                   AND (authx_session_ends.keep IS NULL OR authx_session_ends.keep <> k.id)) \
                   THEN NULL ELSE excluded.keep END, \
                 expires_at = CASE WHEN authx_session_ends.expires_at > excluded.expires_at \
                   THEN authx_session_ends.expires_at ELSE excluded.expires_at END \
                 WHERE authx_session_ends.generation < excluded.generation",
            )
            .bind(subject)
            .bind(generation)
            .bind(keep)
            .bind(until.unwrap_or(now))
            .bind(keep_id)
            .execute(&self.pool)
        })
        .await?;
        // Sessions stored before generations: their tokens are revoked one by one.
        let unstamped = self
            .with_schema(|| {
                sqlx::query(
                    "UPDATE authx_sessions SET revoked = 1 WHERE subject = $1 AND revoked = 0 \
                     AND expires_at > $2 AND id <> $3 AND generation IS NULL RETURNING id",
                )
                .bind(subject)
                .bind(now)
                .bind(keep_id)
                .fetch_all(&self.pool)
            })
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("id"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(unavailable)?;
        self.after_write().await;
        let count = usize::try_from(count).unwrap_or(0);
        Ok(EndedSessions::new(count, unstamped))
    }
}
