//! Login sessions.

use serde::{Deserialize, Serialize};

use super::StoreError;

/// A login session: one device's sign-in, the family of every token issued from it.
///
/// Tokens issued for a session carry its id in the `sid` claim; revoking the session refuses
/// all of them at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// Random id (UUID v4).
    pub id: String,
    /// The subject (user id).
    pub subject: String,
    /// Creation, seconds since the epoch.
    pub created_at: i64,
    /// Last use, seconds since the epoch (updated at most once a minute).
    pub last_seen: i64,
    /// When the session ends unless a refresh extends it.
    pub expires_at: i64,
    /// Client IP at login.
    pub ip: Option<String>,
    /// `User-Agent` at login.
    pub user_agent: Option<String>,
    /// A coarse device description derived from the user agent (`Firefox on Linux`).
    pub device: Option<String>,
    /// What the app says about the device, as JSON (AuthX's `device_info` dict): anything,
    /// stored and returned as given by every store; at most 4 KiB serialized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_info: Option<serde_json::Value>,
    /// Revoked sessions are kept until they expire, so a reused token can be recognised.
    pub revoked: bool,
    /// The subject's session generation when the session began
    /// ([`RevocationStore::session_generation`](super::RevocationStore::session_generation)):
    /// ending all of a subject's sessions ends those of earlier generations. `None` for a
    /// session stored by an earlier authx, which ended sessions one by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
}

impl Session {
    /// A live session, created and last seen at `created_at`, without client details (a store
    /// rebuilding a session from its row sets the rest with the `with_*` methods).
    pub fn new(
        id: impl Into<String>,
        subject: impl Into<String>,
        created_at: i64,
        expires_at: i64,
    ) -> Self {
        Session {
            id: id.into(),
            subject: subject.into(),
            created_at,
            last_seen: created_at,
            expires_at,
            ip: None,
            user_agent: None,
            device: None,
            device_info: None,
            revoked: false,
            generation: None,
        }
    }

    /// Sets the last use.
    pub fn with_last_seen(mut self, last_seen: i64) -> Self {
        self.last_seen = last_seen;
        self
    }

    /// Sets the client details.
    pub fn with_client(
        mut self,
        ip: Option<String>,
        user_agent: Option<String>,
        device: Option<String>,
    ) -> Self {
        self.ip = ip;
        self.user_agent = user_agent;
        self.device = device;
        self
    }

    /// Sets the app's device information.
    pub fn with_device_info(mut self, device_info: Option<serde_json::Value>) -> Self {
        self.device_info = device_info;
        self
    }

    /// Sets the session generation it began in.
    pub fn with_generation(mut self, generation: Option<u64>) -> Self {
        self.generation = generation;
        self
    }

    /// Marks the session revoked (or not).
    pub fn with_revoked(mut self, revoked: bool) -> Self {
        self.revoked = revoked;
        self
    }
}

/// Where a page of a subject's sessions starts: after the session created at `created_at` with
/// id `id` (sessions are ordered by creation, then id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCursor {
    /// Creation of the last session of the previous page.
    pub created_at: i64,
    /// Its id.
    pub id: String,
}

impl SessionCursor {
    /// The cursor after `session`.
    pub fn after(session: &Session) -> Self {
        SessionCursor {
            created_at: session.created_at,
            id: session.id.clone(),
        }
    }

    /// Is `session` after this cursor?
    pub fn precedes(&self, session: &Session) -> bool {
        (self.created_at, self.id.as_str()) < (session.created_at, session.id.as_str())
    }

    /// A cursor from its [`Display`](std::fmt::Display) form (`<created_at>.<id>`, as a client
    /// sends it back); `None` when it cannot be one (too long, not a number, a bad id).
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > 160 {
            return None;
        }
        let (created_at, id) = text.split_once('.')?;
        let id_ok = (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic());
        Some(SessionCursor {
            created_at: created_at.parse().ok()?,
            id: id.to_owned(),
        })
        .filter(|_| id_ok)
    }
}

impl std::fmt::Display for SessionCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.created_at, self.id)
    }
}

/// What [`SessionStore::end_subject_sessions`] ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndedSessions {
    /// How many live sessions it marked revoked.
    pub count: usize,
    /// The ids of those without a generation (stored by an earlier authx): their tokens are
    /// not reached by the subject's end, so the caller revokes them one by one.
    pub unstamped: Vec<String>,
}

impl EndedSessions {
    /// `count` sessions ended, `unstamped` of them without a generation.
    pub fn new(count: usize, unstamped: Vec<String>) -> Self {
        EndedSessions { count, unstamped }
    }
}

/// Where sessions live. Implemented by every backend authx ships.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;
    /// One session by id (revoked ones included, expired ones not).
    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError>;
    /// A subject's live sessions (not revoked, not expired), oldest first.
    async fn list_sessions(&self, subject: &str, now: i64) -> Result<Vec<Session>, StoreError>;
    /// Updates `last_seen`, and `expires_at` when given.
    async fn touch_session(
        &self,
        id: &str,
        now: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError>;
    /// Marks a session revoked; `true` when it existed and was live.
    async fn mark_session_revoked(&self, id: &str) -> Result<bool, StoreError>;

    /// At most `limit` of a subject's live sessions, oldest first, after `after` when given:
    /// one page of [`list_sessions`](Self::list_sessions). The default filters
    /// `list_sessions`; the built-in backends read only the page.
    async fn list_sessions_page(
        &self,
        subject: &str,
        now: i64,
        after: Option<&SessionCursor>,
        limit: usize,
    ) -> Result<Vec<Session>, StoreError> {
        let all = self.list_sessions(subject, now).await?;
        Ok(all
            .into_iter()
            .filter(|s| after.is_none_or(|c| c.precedes(s)))
            .take(limit)
            .collect())
    }

    /// The subject's live sessions other than its `newest` newest, oldest first: those a cap of
    /// `newest` sessions ends. Sessions gone or revoked are not counted (a backend may drop
    /// what it finds of them from its index).
    async fn sessions_beyond(
        &self,
        subject: &str,
        now: i64,
        newest: usize,
    ) -> Result<Vec<Session>, StoreError> {
        let mut all = self.list_sessions(subject, now).await?;
        let over = all.len().saturating_sub(newest);
        all.truncate(over);
        Ok(all)
    }

    /// Marks revoked every live session of `subject` of a generation before `generation`
    /// (and every one without a generation), except `keep`: the record of
    /// [`RevocationStore::end_sessions`](super::RevocationStore::end_sessions), which is what
    /// refuses their tokens. A few statements whatever the count in the built-in backends,
    /// which record the end once and read it back wherever they list or read sessions (a
    /// session it ended reads as revoked); the default marks them one by one.
    async fn end_subject_sessions(
        &self,
        subject: &str,
        keep: Option<&str>,
        generation: u64,
        now: i64,
    ) -> Result<EndedSessions, StoreError> {
        let mut ended = EndedSessions::default();
        for s in self.list_sessions(subject, now).await? {
            if Some(s.id.as_str()) == keep || s.generation.is_some_and(|g| g >= generation) {
                continue;
            }
            if self.mark_session_revoked(&s.id).await? {
                ended.count += 1;
                if s.generation.is_none() {
                    ended.unstamped.push(s.id);
                }
            }
        }
        Ok(ended)
    }
}
