//! The in-process store: the default, for one instance.

use std::collections::HashMap;
use std::sync::RwLock;

use super::{
    EndedSessions, RevocationStore, Session, SessionCursor, SessionMark, SessionStore, StoreError,
    SubjectEnd,
};
use crate::clock::SharedClock;

/// Revocations and sessions in process memory: the default store, for one instance.
///
/// Bounded: past `capacity` live revocations, `revoke` first purges expired ones and then, if
/// the store is still full, fails (`503` on logout) rather than forgetting a revocation, since a
/// forgotten revocation would let a stolen token back in. Entries expire with their token.
/// Replay records (DPoP proofs, [`ReplayStore`](super::ReplayStore)) have a map and a bound
/// of their own ([`with_replay_capacity`](Self::with_replay_capacity)), so they never fill it.
/// Nothing survives a restart; use a durable store ([`connect`](super::connect)) for that.
#[derive(Debug)]
pub struct MemoryStore {
    revoked: RwLock<Revoked>,
    sessions: RwLock<HashMap<String, Session>>,
    allowed: RwLock<HashMap<String, Allowed>>,
    families: RwLock<HashMap<String, Head>>,
    /// Each subject's end record ([`SubjectEnd`]) and when it may go.
    ended: RwLock<HashMap<String, (SubjectEnd, i64)>>,
    replays: std::sync::Mutex<replay::Replays>,
    capacity: usize,
    clock: SharedClock,
}

/// A token family's live refresh token and when the record may go.
#[derive(Debug)]
struct Head {
    jti: String,
    expires_at: i64,
}

/// An allowlisted token: its subject and expiry.
#[derive(Debug)]
struct Allowed {
    subject: String,
    expires_at: i64,
}

#[derive(Debug)]
struct Revoked {
    entries: HashMap<Box<str>, i64>,
    purge_at: usize,
}

impl MemoryStore {
    /// Default capacity: one million live revocations (and as many sessions).
    pub const DEFAULT_CAPACITY: usize = 1_000_000;

    /// A store with [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY).
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A store on `clock` (a [`ManualClock`](crate::clock::ManualClock) in tests): entries
    /// expire by its time.
    pub fn with_clock(clock: SharedClock) -> Self {
        MemoryStore {
            clock,
            ..Self::new()
        }
    }

    /// A store holding at most `capacity` live revocations and `capacity` sessions (replay
    /// records keep their own bound).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryStore {
            revoked: RwLock::new(Revoked {
                entries: HashMap::new(),
                purge_at: 1024.min(capacity),
            }),
            sessions: RwLock::new(HashMap::new()),
            allowed: RwLock::new(HashMap::new()),
            families: RwLock::new(HashMap::new()),
            ended: RwLock::new(HashMap::new()),
            replays: std::sync::Mutex::new(replay::Replays::new(Self::DEFAULT_REPLAY_CAPACITY)),
            capacity,
            clock: crate::clock::system(),
        }
    }

    /// Revocation entries not yet purged.
    pub fn len(&self) -> usize {
        self.read().entries.len()
    }

    /// No revocation entries at all?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // A panic while holding a lock cannot leave these maps inconsistent (single inserts and
    // removals), so a poisoned lock is still safe to use.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Revoked> {
        self.revoked.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Revoked> {
        self.revoked.write().unwrap_or_else(|p| p.into_inner())
    }

    fn sessions_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Session>> {
        self.sessions.write().unwrap_or_else(|p| p.into_inner())
    }

    fn allowed_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Allowed>> {
        self.allowed.write().unwrap_or_else(|p| p.into_inner())
    }

    fn sessions_ref(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Session>> {
        self.sessions.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Inserts `key` (keeping the later expiry); with `only_if_absent`, leaves an existing key
    /// alone and returns `false`.
    fn insert(
        &self,
        key: &str,
        expires_at: i64,
        now: i64,
        only_if_absent: bool,
    ) -> Result<bool, StoreError> {
        let mut inner = self.write();
        if let Some(exp) = inner.entries.get_mut(key) {
            if only_if_absent && *exp > now {
                return Ok(false);
            }
            *exp = if only_if_absent {
                expires_at
            } else {
                (*exp).max(expires_at)
            };
            return Ok(true);
        }
        if inner.entries.len() >= inner.purge_at {
            inner.entries.retain(|_, exp| *exp > now);
            // Amortised: purge again only after the live set has doubled.
            inner.purge_at =
                (inner.entries.len() * 2).clamp(1024.min(self.capacity), self.capacity);
            if inner.entries.len() >= self.capacity {
                return Err(StoreError::Full(inner.entries.len()));
            }
        }
        inner.entries.insert(key.into(), expires_at);
        Ok(true)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait::async_trait]
impl RevocationStore for MemoryStore {
    async fn revoke(&self, key: &str, expires_at: i64) -> Result<(), StoreError> {
        let now = self.clock.now();
        if expires_at <= now {
            return Ok(()); // already refused for being expired
        }
        self.insert(key, expires_at, now, false).map(|_| ())
    }

    async fn is_revoked(&self, key: &str) -> Result<bool, StoreError> {
        self.any_revoked(&[key]).await
    }

    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let inner = self.read();
        Ok(keys
            .iter()
            .any(|k| inner.entries.get(*k).is_some_and(|exp| *exp > now)))
    }

    async fn revoke_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        // Even an already-expired key is recorded briefly, so a second use is still caught.
        let now = self.clock.now();
        self.insert(key, expires_at.max(now + 1), now, true)
    }

    async fn family_head(&self, family: &str) -> Result<Option<String>, StoreError> {
        let now = self.clock.now();
        let families = self.families.read().unwrap_or_else(|p| p.into_inner());
        Ok(families
            .get(family)
            .filter(|h| h.expires_at > now)
            .map(|h| h.jti.clone()))
    }

    async fn advance_family(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let mut families = self.families.write().unwrap_or_else(|p| p.into_inner());
        match families.get_mut(family) {
            Some(head) if head.expires_at > now && head.jti != current => return Ok(false),
            Some(head) => {
                head.jti = next.to_owned();
                head.expires_at = expires_at;
                return Ok(true);
            }
            None => {}
        }
        if families.len() >= self.capacity {
            families.retain(|_, h| h.expires_at > now);
            if families.len() >= self.capacity {
                return Err(StoreError::Full(families.len()));
            }
        }
        families.insert(
            family.to_owned(),
            Head {
                jti: next.to_owned(),
                expires_at,
            },
        );
        Ok(true)
    }

    async fn any_revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let ended = session.is_some_and(|m| {
            let ended = self.ended.read().unwrap_or_else(|p| p.into_inner());
            ended
                .get(m.subject)
                .is_some_and(|(end, exp)| *exp > now && end.ends(m))
        });
        Ok(ended || self.any_revoked(keys).await?)
    }

    async fn session_generation(&self, subject: &str) -> Result<u64, StoreError> {
        let now = self.clock.now();
        let ended = self.ended.read().unwrap_or_else(|p| p.into_inner());
        Ok(ended
            .get(subject)
            .filter(|(_, exp)| *exp > now)
            .map_or(0, |(end, _)| end.generation))
    }

    async fn end_sessions(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        let clock = self.clock.now();
        let mut ended = self.ended.write().unwrap_or_else(|p| p.into_inner());
        if !ended.contains_key(subject) && ended.len() >= self.capacity {
            ended.retain(|_, (_, exp)| *exp > clock);
            if ended.len() >= self.capacity {
                return Err(StoreError::Full(ended.len()));
            }
        }
        let entry = ended
            .entry(subject.to_owned())
            .or_insert((SubjectEnd::default(), 0));
        if entry.1 <= clock {
            entry.0 = SubjectEnd::default();
        }
        let next = entry.0.next(keep, now);
        *entry = (next, expires_at.max(entry.1));
        Ok(entry.0.generation)
    }
}

#[async_trait::async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let now = self.clock.now();
        let mut sessions = self.sessions_mut();
        if sessions.len() >= self.capacity {
            sessions.retain(|_, s| s.expires_at > now);
            if sessions.len() >= self.capacity {
                return Err(StoreError::Full(sessions.len()));
            }
        }
        sessions.insert(session.id.clone(), session.clone());
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let now = self.clock.now();
        Ok(self
            .sessions_ref()
            .get(id)
            .filter(|s| s.expires_at > now)
            .cloned())
    }

    async fn list_sessions(&self, subject: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        let mut v: Vec<Session> = self
            .sessions_ref()
            .values()
            .filter(|s| s.subject == subject && !s.revoked && s.expires_at > now)
            .cloned()
            .collect();
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
        for s in self.sessions_mut().values_mut() {
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
        }
        Ok(ended)
    }

    async fn touch_session(
        &self,
        id: &str,
        now: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        if let Some(s) = self.sessions_mut().get_mut(id) {
            s.last_seen = s.last_seen.max(now);
            if let Some(exp) = expires_at {
                s.expires_at = s.expires_at.max(exp);
            }
        }
        Ok(())
    }

    async fn mark_session_revoked(&self, id: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        Ok(match self.sessions_mut().get_mut(id) {
            Some(s) if !s.revoked && s.expires_at > now => {
                s.revoked = true;
                true
            }
            _ => false,
        })
    }
}

#[path = "memory_allowlist.rs"]
mod allowlist;

#[path = "memory_replay.rs"]
mod replay;

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
