//! A subject's sessions together, at any count: listed a page at a time, capped per subject
//! (the oldest end first), and all ended at once in a few store calls.
//!
//! Ending them all does not visit each session: it moves the subject's session generation on
//! ([`RevocationStore::end_sessions`](crate::RevocationStore::end_sessions), see
//! [`SubjectEnd`](crate::store::SubjectEnd)), and every token whose session (`sid`, which carries the generation it began
//! in) is of an earlier generation is refused, in the same store round trip as the token's own
//! revocation. A login after the end begins in the new generation and is accepted, whatever
//! the clock says.

use super::Auth;
use crate::error::AuthError;
use crate::store::{Session, SessionCursor, SessionMark};
use crate::token::{Claims, valid_id};

/// The most sessions one page holds ([`Sessions::page`](crate::Sessions::page)).
pub const MAX_SESSION_PAGE: usize = 100;

/// One page of a subject's live sessions, oldest first.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct SessionPage {
    /// The sessions of this page.
    pub sessions: Vec<Session>,
    /// Where the next page starts ([`SessionCursor::parse`] reads it back); `None` on the last.
    pub next: Option<String>,
}

/// The generation a session id carries (`<uuid>.<generation>`, as
/// [`Sessions::create`](crate::Sessions::create) makes them); `None` for ids of other shapes (token pairs' own
/// families, sessions of an earlier authx), which a subject's end does not reach.
fn generation_of(sid: &str) -> Option<u64> {
    let (_, generation) = sid.rsplit_once('.')?;
    generation.parse().ok()
}

/// A token's session as a subject's end sees it, when its `sid` carries a generation.
pub(crate) fn session_mark<E>(claims: &Claims<E>) -> Option<SessionMark<'_>> {
    let sid = claims.sid.as_deref()?;
    Some(SessionMark {
        subject: &claims.sub,
        session: sid,
        generation: generation_of(sid)?,
    })
}

impl Auth {
    /// The first page of a subject's live sessions, oldest first: at most
    /// [`MAX_SESSION_PAGE`]. [`Sessions::page`](crate::Sessions::page) reads the rest.
    pub(crate) async fn list_sessions(&self, subject: &str) -> Result<Vec<Session>, AuthError> {
        Ok(self
            .sessions_page(subject, None, MAX_SESSION_PAGE)
            .await?
            .sessions)
    }

    /// A page of a subject's live sessions, oldest first: at most `limit` (1 to
    /// [`MAX_SESSION_PAGE`]) after `after` (the previous page's
    /// [`next`](SessionPage::next), read with [`SessionCursor::parse`]). A page costs its own
    /// sessions, however many the subject has.
    pub(crate) async fn sessions_page(
        &self,
        subject: &str,
        after: Option<&SessionCursor>,
        limit: usize,
    ) -> Result<SessionPage, AuthError> {
        let limit = limit.clamp(1, MAX_SESSION_PAGE);
        // One more than asked: whether there is a next page.
        let page = self.session_store().list_sessions_page(
            subject,
            self.now(),
            after,
            limit.saturating_add(1),
        );
        let mut sessions = self.store_call(page).await?;
        let next = if sessions.len() > limit {
            sessions.truncate(limit);
            sessions.last().map(|s| SessionCursor::after(s).to_string())
        } else {
            None
        };
        Ok(SessionPage { sessions, next })
    }

    /// Ends every live session of `subject`, except `keep` when given ("log out my other
    /// devices"): their tokens are refused from now on, on every instance sharing the store,
    /// and a login after this call is not. A few store calls whatever the number of sessions:
    /// the subject's session generation moves on ([`SubjectEnd`](crate::store::SubjectEnd))
    /// and each token's session is checked against it with the token's own revocation. Sessions stored by an earlier authx, which carry no
    /// generation, are revoked one by one. Returns how many were ended.
    pub(crate) async fn revoke_all_sessions(
        &self,
        subject: &str,
        keep: Option<&str>,
    ) -> Result<usize, AuthError> {
        let kept = match keep {
            Some(id) => self.session(id).await?,
            None => None,
        }
        .filter(|s| s.subject == subject && !s.revoked);
        let keep = kept.as_ref().map(|s| s.id.as_str());
        let mark = kept.as_ref().and_then(|s| {
            Some(SessionMark {
                subject,
                session: &s.id,
                generation: s.generation?,
            })
        });
        let now = self.now();
        let end = self.revocation_store().end_sessions(
            subject,
            mark.as_ref(),
            now,
            self.family_horizon(),
        );
        let generation = self.store_call(end).await?;
        let ended = self
            .session_store()
            .end_subject_sessions(subject, keep, generation, now);
        let ended = self.store_call(ended).await?;
        for id in &ended.unstamped {
            self.revoke_family_until(id, 0).await?;
        }
        Ok(ended.count)
    }

    /// Stamps a new session of `subject` with its generation (in its id too) and, once it is
    /// stored, ends the subject's oldest sessions beyond
    /// [`max_sessions_per_subject`](crate::AuthConfig::max_sessions_per_subject).
    pub(crate) async fn stamp_session(&self, session: &mut Session) -> Result<(), AuthError> {
        let generation = self.revocation_store().session_generation(&session.subject);
        let generation = self.store_call(generation).await?;
        session.id = format!("{}.{generation}", session.id);
        session.generation = Some(generation);
        Ok(())
    }

    /// Ends the oldest sessions of `subject` beyond the cap, never `created` (the session this
    /// login just began). Sessions begun in the same second are ordered by id, which is
    /// time-ordered (UUIDv7): the oldest of them end first, not a concurrent login's; should the
    /// new one still sort among the oldest (two logins in one millisecond on instances whose
    /// clocks differ), one more is taken and it is left out.
    pub(crate) async fn enforce_session_cap(
        &self,
        subject: &str,
        created: &str,
    ) -> Result<(), AuthError> {
        let cap = self.config().max_sessions_per_subject.max(1);
        let store = self.session_store();
        let mut beyond = self
            .store_call(store.sessions_beyond(subject, self.now(), cap))
            .await?;
        if beyond.iter().any(|s| s.id == created) {
            beyond = self
                .store_call(store.sessions_beyond(subject, self.now(), cap - 1))
                .await?;
            beyond.retain(|s| s.id != created);
        }
        for old in beyond {
            if valid_id(&old.id) {
                self.revoke_family_until(&old.id, old.expires_at).await?;
                self.store_call(self.session_store().mark_session_revoked(&old.id))
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_session_ids_carry_a_generation() {
        assert_eq!(
            generation_of("0b4a3c4e-8a1f-4c1e-9d1b-2f0e5b7c9a11.42"),
            Some(42)
        );
        assert_eq!(generation_of("0b4a3c4e-8a1f-4c1e-9d1b-2f0e5b7c9a11"), None);
        assert_eq!(generation_of("a.b"), None);
        let cursor = SessionCursor {
            created_at: 17,
            id: "x.3".into(),
        };
        assert_eq!(SessionCursor::parse(&cursor.to_string()), Some(cursor));
        for bad in [
            "",
            "17",
            "x.y",
            "17.",
            "17.a b",
            &format!("1.{}", "x".repeat(200)),
        ] {
            assert_eq!(SessionCursor::parse(bad), None, "{bad:?}");
        }
    }
}
