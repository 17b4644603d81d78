//! Login sessions.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// A login session: one device's sign-in, the family of every token issued from it.
///
/// Tokens issued for a session carry its id in the `sid` claim; revoking the session refuses
/// all of them at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Revoked sessions are kept until they expire, so a reused token can be recognised.
    pub revoked: bool,
}

/// What a login request says about the client. An extractor that never fails.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionMeta {
    /// The peer address (needs `into_make_service_with_connect_info::<SocketAddr>()`).
    pub ip: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// A coarse device description.
    pub device: Option<String>,
}

impl SessionMeta {
    /// Reads the peer address and `User-Agent` of a request.
    pub fn from_parts(parts: &Parts) -> Self {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect::<String>());
        let device = user_agent.as_deref().map(describe_device);
        SessionMeta {
            ip,
            user_agent,
            device,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionMeta {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(SessionMeta::from_parts(parts))
    }
}

/// `Firefox on Linux`, `Safari on iOS`, `curl`... Good enough for a "your devices" page; not a
/// security signal.
fn describe_device(ua: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(o)) => o.to_owned(),
        (None, None) => "unknown".to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices() {
        let ff = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";
        assert_eq!(describe_device(ff), "Firefox on Linux");
        let ios = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(ios), "Safari on iOS");
        assert_eq!(describe_device("curl/8.5.0"), "curl");
        assert_eq!(describe_device(""), "unknown");
    }
}
