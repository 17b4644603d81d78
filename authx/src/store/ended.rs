//! Ending every session of a subject at once, whatever their count.
//!
//! Each subject has a **session generation**, a number kept by the revocation store (0 until
//! its sessions are first ended). A new session is stamped with the generation current when it
//! begins ([`Session::generation`](super::Session::generation), and in its id, so every token
//! of the session carries it in `sid`). Ending the subject's sessions
//! ([`RevocationStore::end_sessions`](super::RevocationStore::end_sessions)) moves the
//! generation on, in one write: a token whose session is of an earlier generation is refused,
//! checked in the same round trip as the token's own revocation
//! ([`RevocationStore::any_revoked_or_ended`](super::RevocationStore::any_revoked_or_ended)).
//!
//! Why a generation and not a time: a session that begins after the end reads the new
//! generation, so it is never refused, even within the same second (or millisecond) as the
//! end, and no two instances' clocks are compared. A session whose stamp was read before the
//! end is refused, even if it was stored after: a login racing "log out everywhere" loses.
//!
//! The next generation is the larger of the current one plus one and the current time in
//! seconds, so the record may expire with the last token it refuses: a generation that was
//! forgotten and begins again at 0 is overtaken by the next end, which lands past every stamp
//! handed out before.
//!
//! One session may be kept ("log out my other devices"): the record names it, and its tokens
//! stay good. A kept session that an earlier end had already ended is not brought back.

/// A session as a subject-wide end sees it: its subject, id and generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionMark<'a> {
    /// The subject (`sub`).
    pub subject: &'a str,
    /// The session id (`sid`).
    pub session: &'a str,
    /// The generation the session began in.
    pub generation: u64,
}

/// A subject's end record: sessions of generations before `generation` are ended, except
/// `keep`. What every backend stores under the subject, and how it decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectEnd {
    /// The current generation: a session of an earlier one is ended.
    pub generation: u64,
    /// The one earlier session that was kept, if any.
    pub keep: Option<String>,
}

impl SubjectEnd {
    /// Has this record ended `session`?
    pub fn ends(&self, session: &SessionMark<'_>) -> bool {
        session.generation < self.generation && self.keep.as_deref() != Some(session.session)
    }

    /// The record after one more end at `now` (seconds), keeping `keep` when it is still live.
    pub fn next(&self, keep: Option<&SessionMark<'_>>, now: i64) -> SubjectEnd {
        let now = u64::try_from(now).unwrap_or(0);
        SubjectEnd {
            generation: self.generation.saturating_add(1).max(now),
            keep: keep.filter(|k| !self.ends(k)).map(|k| k.session.to_owned()),
        }
    }

    /// The record as one string: `<generation>` or `<generation> <kept id>`.
    pub fn encode(&self) -> String {
        match &self.keep {
            Some(keep) => format!("{} {keep}", self.generation),
            None => self.generation.to_string(),
        }
    }

    /// A record read back from [`encode`](Self::encode); nothing recorded is generation 0.
    pub fn decode(stored: Option<&str>) -> SubjectEnd {
        let Some(stored) = stored else {
            return SubjectEnd::default();
        };
        let (generation, keep) = match stored.split_once(' ') {
            Some((g, k)) => (g, Some(k.to_owned())),
            None => (stored, None),
        };
        SubjectEnd {
            // A record that does not parse ends every session: fail closed.
            generation: generation.parse().unwrap_or(u64::MAX),
            keep,
        }
    }
}

/// What an end of `subject`'s sessions is announced as to near-caches (`ended:<subject>`).
pub(crate) fn register(subject: &str) -> String {
    format!("ended:{subject}")
}

/// A near-cache's key for "`session` is not ended": its subject's [`register`] (what an end
/// announces), a NUL, its generation, a NUL, its id.
pub(crate) fn answer_key(session: &SessionMark<'_>) -> String {
    format!(
        "{}\0{}\0{}",
        register(session.subject),
        session.generation,
        session.session
    )
}

/// Is `key` an [`answer_key`] of the subject whose end was announced as `ended`?
pub(crate) fn answers_to(key: &str, ended: &str) -> bool {
    key.strip_prefix(ended)
        .is_some_and(|rest| rest.starts_with('\0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(session: &str, generation: u64) -> SessionMark<'_> {
        SessionMark {
            subject: "u",
            session,
            generation,
        }
    }

    #[test]
    fn later_sessions_live_and_a_kept_one_is_never_brought_back() {
        let none = SubjectEnd::default();
        assert!(!none.ends(&mark("a", 0)));
        let first = none.next(Some(&mark("k", 0)), 100);
        assert_eq!(first.generation, 100);
        assert!(first.ends(&mark("a", 0)));
        assert!(!first.ends(&mark("k", 0)), "the kept session lives");
        assert!(
            !first.ends(&mark("new", 100)),
            "a session of the new generation lives"
        );
        // Within the same second: still one more, never the same.
        let second = first.next(Some(&mark("a", 0)), 100);
        assert_eq!(second.generation, 101);
        assert!(
            second.ends(&mark("a", 0)),
            "an ended session cannot be kept again"
        );
        assert!(
            second.ends(&mark("k", 0)),
            "the earlier kept session is not kept now"
        );
        let kept_again = first.next(Some(&mark("k", 0)), 100);
        assert!(!kept_again.ends(&mark("k", 0)));
        for r in [none, first, second] {
            assert_eq!(SubjectEnd::decode(Some(&r.encode())), r);
        }
        assert_eq!(SubjectEnd::decode(Some("garbage")).generation, u64::MAX);
    }
}
