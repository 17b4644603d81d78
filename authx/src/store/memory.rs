//! The in-process store: the default, for one instance.

use std::collections::HashMap;
use std::sync::RwLock;

use super::{AllowlistStore, RevocationStore, Session, SessionStore, StoreError};
use crate::clock::SharedClock;

/// Revocations and sessions in process memory: the default store, for one instance.
///
/// Bounded: past `capacity` live revocations, `revoke` first purges expired ones and then, if
/// the store is still full, fails (`503` on logout) rather than forgetting a revocation, since a
/// forgotten revocation would let a stolen token back in. Entries expire with their token.
/// Nothing survives a restart; use a durable store ([`connect`](super::connect)) for that.
#[derive(Debug)]
pub struct MemoryStore {
    revoked: RwLock<Revoked>,
    sessions: RwLock<HashMap<String, Session>>,
    allowed: RwLock<HashMap<String, Allowed>>,
    families: RwLock<HashMap<String, Head>>,
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

    /// A store holding at most `capacity` live revocations and `capacity` sessions.
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryStore {
            revoked: RwLock::new(Revoked {
                entries: HashMap::new(),
                purge_at: 1024.min(capacity),
            }),
            sessions: RwLock::new(HashMap::new()),
            allowed: RwLock::new(HashMap::new()),
            families: RwLock::new(HashMap::new()),
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

#[async_trait::async_trait]
impl AllowlistStore for MemoryStore {
    async fn allow(&self, jti: &str, subject: &str, expires_at: i64) -> Result<(), StoreError> {
        let now = self.clock.now();
        let mut allowed = self.allowed_mut();
        if allowed.len() >= self.capacity {
            allowed.retain(|_, a| a.expires_at > now);
            if allowed.len() >= self.capacity {
                return Err(StoreError::Full(allowed.len()));
            }
        }
        allowed.insert(
            jti.to_owned(),
            Allowed {
                subject: subject.to_owned(),
                expires_at,
            },
        );
        Ok(())
    }

    async fn is_allowed(&self, jti: &str, subject: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let allowed = self.allowed.read().unwrap_or_else(|p| p.into_inner());
        Ok(allowed
            .get(jti)
            .is_some_and(|a| a.subject == subject && a.expires_at > now))
    }

    async fn withdraw(&self, jti: &str) -> Result<bool, StoreError> {
        let now = self.clock.now();
        Ok(self
            .allowed_mut()
            .remove(jti)
            .is_some_and(|a| a.expires_at > now))
    }

    async fn withdraw_subject(&self, subject: &str) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let mut live = 0;
        self.allowed_mut().retain(|_, a| {
            let mine = a.subject == subject;
            live += usize::from(mine && a.expires_at > now);
            !mine
        });
        Ok(live)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::unix_now as now;

    #[tokio::test]
    async fn revoke_then_refuse() {
        let s = MemoryStore::new();
        assert!(!s.is_revoked("a").await.unwrap());
        s.revoke("a", now() + 60).await.unwrap();
        assert!(s.is_revoked("a").await.unwrap());
        assert!(!s.is_revoked("b").await.unwrap());
        assert!(s.any_revoked(&["b", "a"]).await.unwrap());
        assert!(s.revoke_once("c", now() + 60).await.unwrap());
        assert!(!s.revoke_once("c", now() + 60).await.unwrap());
    }

    #[tokio::test]
    async fn expired_entries_are_purged_and_full_store_fails_closed() {
        let s = MemoryStore::with_capacity(4);
        let t = now();
        for i in 0..4 {
            s.insert(&format!("old{i}"), t - 1, t, false).unwrap();
        }
        // The next insert purges the four expired entries instead of failing.
        for i in 0..4 {
            s.revoke(&format!("new{i}"), t + 60).await.unwrap();
        }
        assert_eq!(s.len(), 4);
        assert!(matches!(
            s.revoke("one-too-many", t + 60).await,
            Err(StoreError::Full(4))
        ));
        // Nothing live was forgotten.
        for i in 0..4 {
            assert!(s.is_revoked(&format!("new{i}")).await.unwrap());
        }
    }
}
