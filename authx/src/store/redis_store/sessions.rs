//! [`RedisStore`]'s sessions.

use std::collections::HashMap;

use super::scripts::{
    CREATE_SESSION, END_SUBJECT_SESSIONS, MARK_REVOKED, SESSION_PAGE, SESSIONS_BEYOND, TOUCH,
};
use super::{RedisStore, session_from_map, unavailable};
use crate::store::{EndedSessions, Session, SessionCursor, SessionStore, StoreError};

/// At most this many sessions are ended by one login over the cap.
const MAX_BEYOND: usize = 1000;

/// A session's member in its subject's index: creation (20 digits, so members sort by it),
/// then id.
fn member(created_at: i64, id: &str) -> String {
    format!("{:020}:{id}", created_at.max(0))
}

impl RedisStore {
    /// The session prefix and `now`, the first two arguments of the index scripts.
    fn index_script<'a>(
        &self,
        script: &'a redis::Script,
        subject: &str,
        now: i64,
    ) -> redis::ScriptInvocation<'a> {
        let mut invocation = script.prepare_invoke();
        invocation
            .key(self.subject_key(subject))
            .arg(&self.prefix)
            .arg(now);
        invocation
    }

    async fn sessions_of(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<Vec<Session>, StoreError> {
        let maps: Vec<HashMap<String, String>> = invocation
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(maps.into_iter().filter_map(session_from_map).collect())
    }
}

#[async_trait::async_trait]
impl SessionStore for RedisStore {
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let key = self.session_key(&s.id);
        let set = self.subject_key(&s.subject);
        let generation = s.generation.map(|g| g.to_string()).unwrap_or_default();
        let fields: [(&str, String); 11] = [
            ("id", s.id.clone()),
            ("subject", s.subject.clone()),
            ("created_at", s.created_at.to_string()),
            ("last_seen", s.last_seen.to_string()),
            ("expires_at", s.expires_at.to_string()),
            ("ip", s.ip.clone().unwrap_or_default()),
            ("user_agent", s.user_agent.clone().unwrap_or_default()),
            ("device", s.device.clone().unwrap_or_default()),
            (
                "device_info",
                s.device_info
                    .as_ref()
                    .map(serde_json::Value::to_string)
                    .unwrap_or_default(),
            ),
            ("revoked", if s.revoked { "1".into() } else { "0".into() }),
            ("generation", generation),
        ];
        let mut create = CREATE_SESSION.prepare_invoke();
        create
            .key(&key)
            .key(&set)
            .arg(s.expires_at)
            .arg(member(s.created_at, &s.id));
        for (field, value) in &fields {
            create.arg(*field).arg(value);
        }
        create
            .invoke_async::<i64>(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        if s.generation.is_none() {
            // Without a generation (restored from elsewhere): ended one by one, like the
            // sessions an earlier authx kept in this set.
            redis::cmd("SADD")
                .arg(self.legacy_subject_key(&s.subject))
                .arg(&s.id)
                .query_async::<i64>(&mut self.conn().await?)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let now = self.now();
        Ok(self
            .load_sessions(&[id.to_owned()])
            .await?
            .into_iter()
            .find(|s| s.expires_at > now))
    }

    async fn list_sessions(&self, subject: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let members: Vec<String> = redis::cmd("ZRANGE")
            .arg(self.subject_key(subject))
            .arg(0)
            .arg(-1)
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        let ids: Vec<String> = members
            .iter()
            .filter_map(|m| m.get(21..).map(str::to_owned))
            .collect();
        let mut sessions: Vec<Session> = self
            .load_sessions(&ids)
            .await?
            .into_iter()
            .filter(|s| s.subject == subject && !s.revoked && s.expires_at > now)
            .collect();
        sessions.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(sessions)
    }

    async fn touch_session(
        &self,
        id: &str,
        now: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let Some(session) = self.get_session(id).await? else {
            return Ok(());
        };
        TOUCH
            .key(self.session_key(id))
            .key(self.subject_key(&session.subject))
            .arg(now)
            .arg(expires_at.unwrap_or(0))
            .invoke_async::<i64>(&mut self.conn().await?)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn mark_session_revoked(&self, id: &str) -> Result<bool, StoreError> {
        // The session's tokens are refused through its family's revocation, which waits for
        // replicas (`revoke`); this flag is its record in the session list.
        let n: i64 = MARK_REVOKED
            .key(self.session_key(id))
            .arg(format!("{}{}", self.prefix, Self::INDEX))
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(n == 1)
    }

    async fn list_sessions_page(
        &self,
        subject: &str,
        now: i64,
        after: Option<&SessionCursor>,
        limit: usize,
    ) -> Result<Vec<Session>, StoreError> {
        let start = after.map_or_else(
            || "-".to_owned(),
            |c| format!("({}", member(c.created_at, &c.id)),
        );
        let mut page = self.index_script(&SESSION_PAGE, subject, now);
        page.arg(start).arg(limit);
        let mut sessions = self.sessions_of(page).await?;
        sessions.retain(|s| s.subject == subject);
        Ok(sessions)
    }

    async fn sessions_beyond(
        &self,
        subject: &str,
        now: i64,
        newest: usize,
    ) -> Result<Vec<Session>, StoreError> {
        let mut beyond = self.index_script(&SESSIONS_BEYOND, subject, now);
        beyond.arg(newest).arg(MAX_BEYOND);
        self.sessions_of(beyond).await
    }

    async fn end_subject_sessions(
        &self,
        subject: &str,
        keep: Option<&str>,
        generation: u64,
        now: i64,
    ) -> Result<EndedSessions, StoreError> {
        let mut end = self.index_script(&END_SUBJECT_SESSIONS, subject, now);
        end.key(self.legacy_subject_key(subject))
            .arg(keep.unwrap_or(""))
            .arg(generation);
        let (count, unstamped): (usize, Vec<String>) = end
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(EndedSessions::new(count, unstamped))
    }
}
