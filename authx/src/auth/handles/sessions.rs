//! [`Sessions`]: login sessions, token families, logout and rotation.

use crate::Auth;
use crate::auth::SessionPage;
use crate::error::AuthError;
use crate::request::SessionMeta;
use crate::store::{Session, SessionCursor};
use crate::token::{Claims, RefreshClaims, TokenPair};

/// Login sessions and token families, from [`Auth::sessions`].
///
/// Every token pair belongs to a **family**, named by its `sid` claim: the login session when
/// the pair was issued with `.session(..)`, else a random id of its own. Revoking the family
/// refuses every token of it at once, refresh tokens included: that is what
/// [`logout`](Self::logout), [`revoke`](Self::revoke) and reuse detection do.
/// [`rotate`](Self::rotate) exchanges a refresh token for a new pair in its family; with
/// [`refresh_rotation`](crate::AuthConfig::refresh_rotation), presenting the old one again
/// revokes the family.
///
/// ```
/// use authx::{Auth, AuthConfig, AuthError, SessionMeta};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
///
/// // On login (in a handler, `auth.sessions().meta(&parts)` reads IP and user agent).
/// let session = auth.sessions().create("user-1", SessionMeta::default()).await.unwrap();
/// let pair = auth.tokens().pair("user-1").session(&session.id).issue().unwrap();
/// assert_eq!(auth.sessions().list("user-1").await.unwrap().len(), 1);
///
/// // "Log out this device": every token of the session is refused from now on.
/// assert!(auth.sessions().revoke(&session.id).await.unwrap());
/// let refused = auth.verify_unrevoked(&pair.access_token).await;
/// assert!(matches!(refused, Err(AuthError::Revoked)));
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    pub(super) auth: &'a Auth,
}

impl std::fmt::Debug for Sessions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

impl Sessions<'_> {
    /// What a login request says about the client, for [`create`](Self::create): its IP
    /// (found as [`Auth::client_ip`] finds it, so a trusted proxy's forwarding header is
    /// honoured and a client's is not) and its user agent.
    pub fn meta(&self, parts: &http::request::Parts) -> SessionMeta {
        SessionMeta::new(self.auth.client_ip(parts).addr(), parts)
    }

    /// Starts a login session for `subject` (IP, user agent and device from `meta`, see
    /// [`meta`](Self::meta)). Bind tokens to it with `.session(&session.id)` on a token
    /// builder. The id carries the subject's session generation (`<uuid>.<generation>`), which
    /// [`revoke_all`](Self::revoke_all) ends. Past
    /// [`max_sessions_per_subject`](crate::AuthConfig::max_sessions_per_subject) live sessions,
    /// the subject's oldest end (their tokens are refused). A `device_info` over 4 KiB
    /// serialized is refused before any store call:
    /// [`AuthError::InvalidSessionMeta`](crate::AuthError::InvalidSessionMeta), a
    /// `400 InvalidSessionMetaError`.
    pub async fn create(&self, subject: &str, meta: SessionMeta) -> Result<Session, AuthError> {
        self.auth.create_session(subject, meta).await
    }

    /// One session (revoked ones included until they expire). An id that cannot name a
    /// session (empty, over 128 bytes, a control character...) is `None` without a store call.
    pub async fn get(&self, id: &str) -> Result<Option<Session>, AuthError> {
        self.auth.session(id).await
    }

    /// The first page of a subject's live sessions, oldest first: at most
    /// [`MAX_SESSION_PAGE`](crate::MAX_SESSION_PAGE). [`page`](Self::page) reads the rest.
    pub async fn list(&self, subject: &str) -> Result<Vec<Session>, AuthError> {
        self.auth.list_sessions(subject).await
    }

    /// A page of a subject's live sessions, oldest first: at most `limit` (1 to
    /// [`MAX_SESSION_PAGE`](crate::MAX_SESSION_PAGE)) after `after` (the previous page's
    /// [`next`](SessionPage::next), read with [`SessionCursor::parse`]). A page costs its own
    /// sessions, however many the subject has.
    pub async fn page(
        &self,
        subject: &str,
        after: Option<&SessionCursor>,
        limit: usize,
    ) -> Result<SessionPage, AuthError> {
        self.auth.sessions_page(subject, after, limit).await
    }

    /// Revokes a session: every token carrying its id is refused from now on, on every
    /// instance sharing the store. `false` when there was no live session with that id.
    pub async fn revoke(&self, id: &str) -> Result<bool, AuthError> {
        self.auth.revoke_session(id).await
    }

    /// Ends every live session of `subject`, except `keep` when given ("log out my other
    /// devices"): their tokens are refused from now on, on every instance sharing the store,
    /// and a login after this call is not. A few store calls whatever the number of sessions
    /// (the subject's session generation moves on, see
    /// [`SubjectEnd`](crate::store::SubjectEnd)). Returns how many were ended.
    pub async fn revoke_all(&self, subject: &str, keep: Option<&str>) -> Result<usize, AuthError> {
        self.auth.revoke_all_sessions(subject, keep).await
    }

    /// Logs out: revokes this token and its whole family (the session or pair it was issued
    /// with, its refresh token included, and every token re-issued from it) on every instance
    /// sharing the store, and withdraws it from the allowlist in allowlist mode. A token issued
    /// without a family (alone, or by Python AuthX) founds one named by its own id, so its
    /// logout ends the tokens implicit refresh re-issued from it too.
    pub async fn logout<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        self.auth.logout(claims).await
    }

    /// Exchanges a verified refresh token for a new pair in the same family (same subject,
    /// scopes, extra data and session; the access token is not fresh). With
    /// [`refresh_rotation`](crate::AuthConfig::refresh_rotation) on, the new refresh token
    /// becomes the family's live one and the presented one is retired: presenting it again is
    /// theft or a replay, so the whole family is revoked and the call fails with
    /// [`AuthError::RefreshTokenReused`]. With rotation off, the old refresh token stays valid
    /// until it expires.
    pub async fn rotate(&self, claims: &RefreshClaims) -> Result<TokenPair, AuthError> {
        self.auth.rotate(claims).await
    }
}
