//! Sessions, token families, refresh rotation and logout.
//!
//! Every token pair belongs to a **family**, named by its `sid` claim: the login session when
//! the pair was issued with `.session(..)`, else a random id of its own. Revoking the family
//! (the revocation key `sid:<id>`) refuses every token of it at once, refresh tokens included:
//! that is what [`logout`](crate::Sessions::logout), [`revoke`](crate::Sessions::revoke) and reuse
//! detection do. Rotation advances the family's live refresh token (one record per family,
//! [`FamilyStore::advance`](crate::store::FamilyStore::advance)); any other
//! refresh token of the family is retired, and presenting it anywhere (the refresh route, a
//! `RefreshClaims` extractor, [`verify_unrevoked`](Auth::verify_unrevoked), implicit refresh)
//! revokes the family. A family has one live refresh token: issuing a second one into the same
//! session retires the first at the next rotation.

use super::Auth;
use super::verification::{Dpop, Verification};
use crate::error::AuthError;
use crate::request::SessionMeta;
use crate::store::Session;
use crate::token::RefreshClaims;
use crate::token::{Claims, TokenPair, TokenType, valid_id};

/// `last_seen` is written at most this often per session.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// How much longer than the longest token lifetime a family's revocation is kept.
const FAMILY_MARGIN_SECS: i64 = 60;

/// The largest `device_info` a session keeps, serialized.
const MAX_DEVICE_INFO: usize = 4096;

/// Slots (sessions, API keys) the touch throttle remembers at most, each until its interval
/// has passed; past this some are forgotten (touched again early), never refused.
pub(super) const TOUCH_MEMORY: usize = 100_000;

/// The revocation key of a token family (a login session, or a pair's own family).
pub(crate) fn family_key(sid: &str) -> String {
    format!("sid:{sid}")
}

/// The family a token belongs to: its `sid`, or, for a refresh token issued without one, its own
/// id (the family rotation founds for its successors).
pub(crate) fn family_of<E>(claims: &Claims<E>) -> &str {
    claims.sid.as_deref().unwrap_or(&claims.jti)
}

/// Sessions, families and refresh rotation.
impl Auth {
    /// Starts a login session for `subject` (IP, user agent and device from `meta`). Bind
    /// tokens to it with `.session(&session.id)` on a token builder. The id carries the
    /// subject's session generation (`<uuid>.<generation>`), which
    /// [`Sessions::revoke_all`](crate::Sessions::revoke_all) ends. Past
    /// [`max_sessions_per_subject`](crate::AuthConfig::max_sessions_per_subject) live sessions,
    /// the subject's oldest end (their tokens are refused).
    pub(crate) async fn create_session(
        &self,
        subject: &str,
        meta: SessionMeta,
    ) -> Result<Session, AuthError> {
        if let Some(info) = &meta.device_info
            && info.to_string().len() > MAX_DEVICE_INFO
        {
            return Err(AuthError::InvalidSessionMeta {
                reason: "device_info is over 4 KiB serialized",
            });
        }
        let now = self.now();
        let mut session = Session {
            // Time-ordered (UUIDv7, milliseconds): sessions begun in the same second sort by
            // when they began, so the session cap ends the oldest, not a concurrent login's.
            id: uuid::Uuid::now_v7().to_string(),
            subject: subject.to_owned(),
            created_at: now,
            last_seen: now,
            expires_at: now.saturating_add(self.refresh_lifetime()),
            ip: meta.ip,
            user_agent: meta.user_agent,
            device: meta.device,
            device_info: meta.device_info,
            revoked: false,
            generation: None,
        };
        self.stamp_session(&mut session).await?;
        self.store_call(self.session_store().create_session(&session))
            .await?;
        self.enforce_session_cap(subject, &session.id).await?;
        Ok(session)
    }

    /// One session (revoked ones included until they expire). An id that cannot name a
    /// session (empty, over 128 bytes, a control character...) is `None` without a store call.
    pub(crate) async fn session(&self, id: &str) -> Result<Option<Session>, AuthError> {
        if !valid_id(id) {
            return Ok(None);
        }
        self.store_call(self.session_store().get_session(id)).await
    }

    /// Revokes a session: every token carrying its id is refused from now on, on every
    /// instance sharing the store. `false` when there was no live session with that id.
    pub(crate) async fn revoke_session(&self, id: &str) -> Result<bool, AuthError> {
        let Some(session) = self.session(id).await? else {
            return Ok(false);
        };
        if session.revoked {
            return Ok(false);
        }
        self.revoke_family_until(id, session.expires_at).await?;
        self.store_call(self.session_store().mark_session_revoked(id))
            .await
    }

    /// Logs out: revokes this token and its whole family (the session or pair it was issued
    /// with, its refresh token included, and every token re-issued from it) on every instance
    /// sharing the store, and withdraws it from the allowlist in allowlist mode. A token issued
    /// without a family (alone, or by Python AuthX) founds one named by its own id: the tokens
    /// implicit refresh re-issues from it carry that family, so its logout ends them too.
    pub(crate) async fn logout<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        self.revoke(claims).await?;
        let family = family_of(claims);
        if valid_id(family) {
            self.revoke_family(family).await?;
        }
        if self.config().allowlist {
            self.store_call(self.allowlist_store().withdraw(&claims.jti))
                .await?;
        }
        Ok(())
    }

    /// Revokes family `sid`: its login session when there is one, else the pair's family,
    /// until the newest token it could still hold has expired.
    pub(crate) async fn revoke_family(&self, sid: &str) -> Result<(), AuthError> {
        let session = self.session(sid).await?;
        let until = session.as_ref().map_or(0, |s| s.expires_at);
        self.revoke_family_until(sid, until).await?;
        if session.is_some_and(|s| !s.revoked) {
            self.store_call(self.session_store().mark_session_revoked(sid))
                .await?;
        }
        Ok(())
    }

    /// Records the family's revocation until `until`, and at least as long as a token issued
    /// into the family now could live (a rotation may just have minted one).
    pub(super) async fn revoke_family_until(&self, sid: &str, until: i64) -> Result<(), AuthError> {
        self.revoke_key(&family_key(sid), until.max(self.family_horizon()))
            .await
    }

    /// Until when a family's (or a subject's) revocation must be kept, leeway aside: a minute
    /// more than the longest lifetime, since a rotation racing the revocation mints tokens that
    /// expire a moment after it started.
    pub(super) fn family_horizon(&self) -> i64 {
        let longest = self.refresh_lifetime().max(self.access_lifetime());
        self.now()
            .saturating_add(longest)
            .saturating_add(FAMILY_MARGIN_SECS)
    }

    /// A retired refresh token was presented: theft or a replay. Revokes the token and its
    /// family (for a token without a `sid`, the family rotation gave its successors, named by
    /// its `jti`) and returns the error to answer with: [`AuthError::RefreshTokenReused`], or
    /// the store error when the family could not be revoked.
    pub(crate) async fn refuse_reuse(&self, claims: &Claims) -> AuthError {
        tracing::warn!(subject = %claims.sub, "authx: retired refresh token presented again; revoking its family");
        let family = family_of(claims);
        let revoked = match self.revoke(claims).await {
            Ok(()) if valid_id(family) => self.revoke_family(family).await,
            other => other,
        };
        match revoked {
            Ok(()) => AuthError::RefreshTokenReused,
            Err(e) => e,
        }
    }

    /// Exchanges a verified refresh token for a new pair in the same family (same subject,
    /// scopes, extra data and session; the access token is not fresh). With
    /// [`refresh_rotation`](crate::AuthConfig::refresh_rotation) on, the new refresh token becomes
    /// the family's live one and the presented one is retired: presenting it again is theft or
    /// a replay, so the whole family is revoked and the call fails with
    /// [`AuthError::RefreshTokenReused`]. With rotation off, a new pair is issued and the old
    /// refresh token stays valid until it expires.
    pub(crate) async fn rotate(&self, claims: &RefreshClaims) -> Result<TokenPair, AuthError> {
        let claims = &claims.0;
        // The token may come from anywhere (a plain `verify`): it must be a live refresh token
        // here too. Its DPoP binding is not checked but carried: the new pair is bound to the
        // same key, so a bound family stays bound (RFC 9449 section 5).
        self.run_detached(Verification {
            expect: Some(TokenType::Refresh),
            dpop: Dpop::NotChecked,
            ..Verification::decoded(claims)
        })
        .await?;
        // A refresh token issued without a family founds one, named by its id: its successors
        // carry it, so a reuse of this token revokes them too.
        let family = family_of(claims).to_owned();
        let next = uuid::Uuid::new_v4().to_string();
        let access = self
            .access_token(&claims.sub)
            .scopes(claims.scopes())
            .carry_extra(&claims.extra)
            .session(&family);
        let refresh = self
            .refresh_token(&claims.sub)
            .scopes(claims.scopes())
            .carry_extra(&claims.extra)
            .session(&family)
            .jti(&next);
        // The login's time travels with the family (implicit refresh bounds chains by it).
        let (access, refresh) = match claims.auth_time {
            Some(t) => (access.auth_time(t), refresh.auth_time(t)),
            None => (access, refresh),
        };
        let (access, refresh) = match claims.dpop_jkt() {
            Some(jkt) => (access.dpop_jkt(jkt), refresh.dpop_jkt(jkt)),
            None => (access, refresh),
        };
        // Minted (and allowlisted) before the family advances, so no store hiccup after the
        // advance can leave the client without its new pair and with a retired token.
        let pair = if self.config().allowlist {
            TokenPair::new(self.register(access).await?, self.register(refresh).await?)
        } else {
            TokenPair::new(access.issue()?, refresh.issue()?)
        };
        if self.config().refresh_rotation {
            let until = self
                .now()
                .saturating_add(self.refresh_lifetime())
                .saturating_add(self.leeway_secs());
            let advance = self
                .inner
                .stores
                .families
                .advance(&family, &claims.jti, &next, until);
            if !self.store_call(advance).await? {
                return Err(self.refuse_reuse(claims).await);
            }
        }
        if claims.sid.is_some() {
            // Best effort: a session whose expiry could not be extended still works until then.
            let extend = self.now().saturating_add(self.refresh_lifetime());
            let touch = self
                .session_store()
                .touch_session(&family, self.now(), Some(extend));
            if let Err(e) = self.store_call(touch).await {
                tracing::debug!(error = %e, "authx: could not extend the session on refresh");
            }
        }
        Ok(pair)
    }

    /// Whether `slot` (a session id, `apikey:<id>`) is to be touched now: `false` when this
    /// process touched it within `interval` seconds. Remembers at most
    /// [`TOUCH_MEMORY`] slots, each until its interval has passed.
    pub(super) fn first_touch(&self, slot: &str, now: i64, interval: i64) -> bool {
        let until = now.saturating_add(interval);
        self.inner
            .touched
            .upsert(slot, now, |live| match live {
                Some(_) => (None, false),
                None => (Some(crate::store::Entry::new((), until)), true),
            })
            // A cache that evicts to make room never refuses.
            .unwrap_or(true)
    }

    /// Records use of a session, at most once a minute, off the request path.
    pub(crate) fn touch_later(&self, sid: &str) {
        let now = self.now();
        if !self.first_touch(sid, now, TOUCH_INTERVAL_SECS) {
            return;
        }
        let auth = self.clone();
        let sid = sid.to_owned();
        tokio::spawn(async move {
            if let Err(e) = auth
                .store_call(auth.session_store().touch_session(&sid, now, None))
                .await
            {
                tracing::debug!(error = %e, "authx: could not record session use");
            }
        });
    }

    fn refresh_lifetime(&self) -> i64 {
        i64::try_from(self.config().refresh_token_expires.as_secs()).unwrap_or(i64::MAX)
    }

    fn access_lifetime(&self) -> i64 {
        i64::try_from(self.config().access_token_expires.as_secs()).unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IssueError;
    use crate::{Auth, AuthConfig};

    #[test]
    fn family_tokens_cannot_outlive_their_revocation_and_ids_are_checked() {
        let auth = Auth::new(
            AuthConfig::builder()
                .secret_key("session-unit-test-secret-0123456789")
                .build(),
        )
        .unwrap();
        let far = auth.now() + 400 * 86_400;
        let err = auth
            .refresh_token("u")
            .session("family-1")
            .expires_at(far)
            .issue()
            .unwrap_err();
        assert!(matches!(err, IssueError::Invalid(_)), "{err}");
        assert!(auth.refresh_token("u").expires_at(far).issue().is_ok());
        for bad in ["", "a b", "a\0b"] {
            assert!(
                auth.access_token("u").session(bad).issue().is_err(),
                "{bad:?}"
            );
            assert!(auth.access_token("u").jti(bad).issue().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ids_that_name_nothing() {
        assert!(valid_id("0b4a3c4e-8a1f-4c1e-9d1b-2f0e5b7c9a11"));
        for bad in ["", "a\0b", "a b", "é", &"x".repeat(129)] {
            assert!(!valid_id(bad), "{bad:?}");
        }
        assert!(valid_id(&"x".repeat(128)));
    }
}
