//! The memory store's sessions.

use super::MemoryStore;
use crate::store::{EndedSessions, Entry, Session, SessionCursor, SessionStore, StoreError};

#[async_trait::async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        self.sessions.upsert(&session.id, self.now(), |_| {
            (Some(Entry::new(session.clone(), session.expires_at)), ())
        })
    }

    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        Ok(self.sessions.read(id, self.now(), |e| e.value.clone()))
    }

    async fn list_sessions(&self, subject: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let mut v = Vec::new();
        self.sessions.for_each(now, |_, e| {
            let s = &e.value;
            if s.subject == subject && !s.revoked {
                v.push(s.clone());
            }
        });
        v.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(v)
    }

    async fn list_sessions_page(
        &self,
        subject: &str,
        now: i64,
        after: Option<&SessionCursor>,
        limit: usize,
    ) -> Result<Vec<Session>, StoreError> {
        let mut v = self.list_sessions(subject, now).await?;
        let start = after.map_or(0, |c| v.partition_point(|s| !c.precedes(s)));
        v.drain(..start);
        v.truncate(limit);
        Ok(v)
    }

    async fn end_subject_sessions(
        &self,
        subject: &str,
        keep: Option<&str>,
        generation: u64,
        now: i64,
    ) -> Result<EndedSessions, StoreError> {
        let mut ended = EndedSessions::default();
        self.sessions.retain(|_, e| {
            let s = &mut e.value;
            if s.subject == subject
                && !s.revoked
                && s.expires_at > now
                && Some(s.id.as_str()) != keep
                && s.generation.is_none_or(|g| g < generation)
            {
                s.revoked = true;
                ended.count += 1;
                if s.generation.is_none() {
                    ended.unstamped.push(s.id.clone());
                }
            }
            true
        });
        Ok(ended)
    }

    async fn touch_session(
        &self,
        id: &str,
        now: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.sessions.modify(id, self.now(), |e| {
            e.value.last_seen = e.value.last_seen.max(now);
            if let Some(exp) = expires_at {
                e.value.expires_at = e.value.expires_at.max(exp);
                e.expires_at = e.value.expires_at;
            }
        });
        Ok(())
    }

    async fn mark_session_revoked(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .sessions
            .modify(id, self.now(), |e| {
                !std::mem::replace(&mut e.value.revoked, true)
            })
            .unwrap_or(false))
    }
}
