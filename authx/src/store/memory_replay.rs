//! The memory store's replay records: a bounded map of their own, apart from revocations.

use std::collections::HashMap;

use super::MemoryStore;
use crate::store::{ReplayStore, StoreError};

/// Replay records (key -> until when), bounded by their own capacity.
#[derive(Debug)]
pub(super) struct Replays {
    entries: HashMap<Box<str>, i64>,
    /// Expired records are swept when the map reaches this size.
    sweep_at: usize,
    capacity: usize,
}

/// Below this many records, a full map is swept at every insert.
const SWEEP_FLOOR: usize = 1024;

impl Replays {
    pub(super) fn new(capacity: usize) -> Self {
        Replays {
            entries: HashMap::new(),
            sweep_at: SWEEP_FLOOR.min(capacity),
            capacity,
        }
    }

    /// Records `key` unless a live record of it exists. When full, sweeps expired records,
    /// then refuses: a live record is never evicted (that would let its replay through).
    fn first_use(&mut self, key: &str, expires_at: i64, now: i64) -> Result<bool, StoreError> {
        if let Some(exp) = self.entries.get_mut(key) {
            if *exp > now {
                return Ok(false);
            }
            *exp = expires_at;
            return Ok(true);
        }
        if self.entries.len() >= self.sweep_at {
            self.entries.retain(|_, exp| *exp > now);
            // Amortised: sweep again only after the live set has doubled.
            self.sweep_at =
                (self.entries.len() * 2).clamp(SWEEP_FLOOR.min(self.capacity), self.capacity);
            if self.entries.len() >= self.capacity {
                return Err(StoreError::Full(self.entries.len()));
            }
        }
        self.entries.insert(key.into(), expires_at);
        Ok(true)
    }
}

impl MemoryStore {
    /// Default capacity of the replay records: one million live DPoP proofs.
    pub const DEFAULT_REPLAY_CAPACITY: usize = 1_000_000;

    /// This store, holding at most `capacity` live replay records (DPoP proofs; default
    /// [`DEFAULT_REPLAY_CAPACITY`](Self::DEFAULT_REPLAY_CAPACITY)). They have a map and a
    /// bound of their own: when it is full of live records, new proofs are refused (`503`),
    /// while revocations, sessions and everything else go on as before.
    pub fn with_replay_capacity(self, capacity: usize) -> Self {
        *self.replays() = Replays::new(capacity);
        self
    }

    /// Replay records not yet swept.
    pub fn replay_len(&self) -> usize {
        self.replays().entries.len()
    }

    // A panic while holding the lock cannot leave the map inconsistent (single inserts and
    // updates), so a poisoned lock is still safe to use.
    fn replays(&self) -> std::sync::MutexGuard<'_, Replays> {
        self.replays.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl ReplayStore for MemoryStore {
    async fn first_use(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        // Even an already-expired record is kept briefly, so a second use is still caught.
        let now = self.clock.now();
        self.replays().first_use(key, expires_at.max(now + 1), now)
    }
}
