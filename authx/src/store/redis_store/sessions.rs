//! [`RedisStore`]'s sessions.

use super::scripts::{CREATE_SESSION, MARK_REVOKED, TOUCH};
use super::{RedisStore, unavailable};
use crate::clock::unix_now as now;
use crate::store::{Session, SessionStore, StoreError};

#[async_trait::async_trait]
impl SessionStore for RedisStore {
    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let key = self.session_key(&s.id);
        let set = self.subject_key(&s.subject);
        let fields: [(&str, String); 10] = [
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
        ];
        let mut create = CREATE_SESSION.prepare_invoke();
        create.key(&key).key(&set).arg(s.expires_at).arg(&s.id);
        for (field, value) in &fields {
            create.arg(*field).arg(value);
        }
        create
            .invoke_async::<i64>(&mut self.conn().await?)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let now = now();
        Ok(self
            .load_sessions(&[id.to_owned()])
            .await?
            .into_iter()
            .find(|s| s.expires_at > now))
    }

    async fn list_sessions(&self, subject: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let ids: Vec<String> = redis::cmd("SMEMBERS")
            .arg(self.subject_key(subject))
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
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
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(n == 1)
    }
}
