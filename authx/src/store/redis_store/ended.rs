//! [`RedisStore`]'s subject-wide session ends: the record `ended:<subject>` (see
//! [`SubjectEnd`]), written by one script and read in the script that checks a token.

use super::scripts::{ANY_REVOKED_OR_ENDED, END_SESSIONS};
use super::{RedisStore, unavailable};
use crate::store::{SessionMark, StoreError, SubjectEnd};

impl RedisStore {
    /// `any_revoked_or_ended` with a session: one script.
    pub(super) async fn revoked_or_ended(
        &self,
        keys: &[&str],
        session: &SessionMark<'_>,
    ) -> Result<bool, StoreError> {
        let mut check = ANY_REVOKED_OR_ENDED.prepare_invoke();
        for k in keys {
            check.key(self.revoked_key(k));
        }
        let n: i64 = check
            .key(self.ended_key(session.subject))
            .arg(session.generation)
            .arg(session.session)
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(n == 1)
    }

    /// The keys and arguments [`GCRA_UNLESS_REVOKED`](super::scripts::GCRA_UNLESS_REVOKED)
    /// takes for a session: its subject's record (a key) and its generation and id.
    pub(super) fn end_check(&self, session: &SessionMark<'_>) -> (String, u64, String) {
        (
            self.ended_key(session.subject),
            session.generation,
            session.session.to_owned(),
        )
    }

    /// `session_generation`: one `GET`.
    pub(super) async fn generation(&self, subject: &str) -> Result<u64, StoreError> {
        let record: Option<String> = redis::cmd("GET")
            .arg(self.ended_key(subject))
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(SubjectEnd::decode(record.as_deref()).generation)
    }

    /// `end_sessions`: one script, announced to near-caches, waited for by replicas when
    /// configured (like a revocation).
    pub(super) async fn end(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        let key = self.ended_key(subject);
        let generation: i64 = self
            .durable(&key, async |conn| {
                END_SESSIONS
                    .key(&key)
                    .arg(now)
                    // EXAT in the past expires the record at once (0 is refused).
                    .arg(expires_at.max(1))
                    .arg(keep.map_or("", |k| k.session))
                    .arg(keep.map_or(0, |k| k.generation))
                    .arg(self.channel())
                    .arg(format!("ended:{subject}"))
                    .invoke_async(conn)
                    .await
            })
            .await?;
        Ok(u64::try_from(generation).unwrap_or(0))
    }
}
