//! The in-process store: the default, for one instance.

use super::{
    BoundedMap, Entry, FamilyStore, Fast, Overflow, RevocationStore, Session, SessionMark,
    StoreError, SubjectEnd,
};
use crate::clock::SharedClock;

/// Every kind of record in process memory: the default store, for one instance.
///
/// Each kind (revocations, subject ends, family heads, sessions, the allowlist, replay
/// records) has a bounded map of its own. Bounded: past `capacity` live
/// entries of one kind, a write first purges expired ones and then, if still full, fails
/// (`503`) rather than forgetting a live record, since a forgotten revocation or family head
/// would let a stolen token back in. Entries expire with their token, by the store's clock.
/// Replay records (DPoP proofs, [`ReplayStore`](super::ReplayStore)) have a bound of their
/// own ([`with_replay_capacity`](Self::with_replay_capacity)). Nothing survives a restart;
/// use a durable store ([`connect`](super::connect)) for that.
#[derive(Debug)]
pub struct MemoryStore {
    // Keyed by what authx issued or verified (token and session ids, subjects): the fast
    // hasher. Replay records are keyed by ids clients choose: SipHash.
    revoked: BoundedMap<(), Fast>,
    /// Each subject's end record ([`SubjectEnd`]).
    ended: BoundedMap<SubjectEnd, Fast>,
    /// Each token family's live refresh token.
    families: BoundedMap<String, Fast>,
    sessions: BoundedMap<Session, Fast>,
    /// Allowlisted token ids, and their subject.
    allowed: BoundedMap<String, Fast>,
    replays: BoundedMap<()>,
    pub(super) api_keys: api_keys::ApiKeyLock,
    /// Factor records (TOTP secrets, recovery codes, passkeys).
    factors: factors::Factors,
    clock: SharedClock,
}

impl MemoryStore {
    /// Default capacity: one million live revocations (and as many of every other kind).
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

    /// A store holding at most `capacity` live revocations, and as many sessions, family heads,
    /// subject ends and allowlisted tokens (replay records keep their own bound).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryStore {
            revoked: BoundedMap::with_hasher(capacity, Overflow::Refuse),
            ended: BoundedMap::with_hasher(capacity, Overflow::Refuse),
            families: BoundedMap::with_hasher(capacity, Overflow::Refuse),
            sessions: BoundedMap::with_hasher(capacity, Overflow::Refuse),
            allowed: BoundedMap::with_hasher(capacity, Overflow::Refuse),
            replays: BoundedMap::new(Self::DEFAULT_REPLAY_CAPACITY, Overflow::Refuse),
            api_keys: Default::default(),
            factors: factors::Factors::default(),
            clock: crate::clock::system(),
        }
    }

    /// The most records of each kind it holds.
    pub(super) fn capacity(&self) -> usize {
        self.revoked.capacity()
    }

    /// Revocation entries not yet purged.
    pub fn len(&self) -> usize {
        self.revoked.len()
    }

    /// No revocation entries at all?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn now(&self) -> i64 {
        self.clock.now()
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
        let now = self.now();
        if expires_at <= now {
            return Ok(()); // already refused for being expired
        }
        self.revoked.upsert(key, now, |live| match live {
            Some(entry) => {
                entry.expires_at = entry.expires_at.max(expires_at);
                (None, ())
            }
            None => (Some(Entry::new((), expires_at)), ()),
        })
    }

    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        let now = self.now();
        Ok(keys
            .iter()
            .any(|k| self.revoked.read(k, now, |_| ()).is_some()))
    }

    async fn any_revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let ended = session.is_some_and(|m| {
            self.ended
                .read(m.subject, now, |e| e.value.ends(m))
                .unwrap_or(false)
        });
        // Read here, not through `any_revoked`: a second boxed future per check for nothing.
        Ok(ended
            || keys
                .iter()
                .any(|k| self.revoked.read(k, now, |_| ()).is_some()))
    }

    async fn session_generation(&self, subject: &str) -> Result<u64, StoreError> {
        Ok(self
            .ended
            .read(subject, self.now(), |e| e.value.generation)
            .unwrap_or(0))
    }

    async fn end_sessions(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        // `now` is the end's time (it floors the generation); the record expires by the clock.
        self.ended.upsert(subject, self.now(), |live| {
            let (current, until) = live.map_or((SubjectEnd::default(), expires_at), |e| {
                (e.value.clone(), e.expires_at.max(expires_at))
            });
            let next = current.next(keep, now);
            let generation = next.generation;
            (Some(Entry::new(next, until)), generation)
        })
    }
}

#[async_trait::async_trait]
impl FamilyStore for MemoryStore {
    async fn head(&self, family: &str) -> Result<Option<String>, StoreError> {
        Ok(self.families.read(family, self.now(), |e| e.value.clone()))
    }

    async fn advance(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        self.families.upsert(family, self.now(), |live| match live {
            Some(head) if head.value != current => (None, false),
            _ => (Some(Entry::new(next.to_owned(), expires_at)), true),
        })
    }
}

#[path = "memory_allowlist.rs"]
mod allowlist;

#[path = "memory_replay.rs"]
mod replay;

#[path = "memory_factors.rs"]
mod factors;

#[path = "memory_api_keys.rs"]
pub(super) mod api_keys;

#[path = "memory_sessions.rs"]
mod sessions;

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
