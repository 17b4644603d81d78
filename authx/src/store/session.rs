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

    /// Marks the session revoked (or not).
    pub fn with_revoked(mut self, revoked: bool) -> Self {
        self.revoked = revoked;
        self
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
}
