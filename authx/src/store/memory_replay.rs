//! The memory store's replay records: a bounded map of their own, apart from revocations.

use super::MemoryStore;
use crate::store::{BoundedMap, Entry, Overflow, ReplayStore, StoreError};

impl MemoryStore {
    /// Default capacity of the replay records: one million live DPoP proofs.
    pub const DEFAULT_REPLAY_CAPACITY: usize = 1_000_000;

    /// This store, holding at most `capacity` live replay records (DPoP proofs; default
    /// [`DEFAULT_REPLAY_CAPACITY`](Self::DEFAULT_REPLAY_CAPACITY)). They have a map and a
    /// bound of their own: when it is full of live records, new proofs are refused (`503`),
    /// while revocations, sessions and everything else go on as before.
    pub fn with_replay_capacity(mut self, capacity: usize) -> Self {
        self.replays = BoundedMap::new(capacity, Overflow::Refuse);
        self
    }

    /// Replay records not yet swept.
    pub fn replay_len(&self) -> usize {
        self.replays.len()
    }
}

#[async_trait::async_trait]
impl ReplayStore for MemoryStore {
    /// When full, expired records are swept, then the call is refused: a live record is never
    /// evicted (that would let its replay through).
    async fn record_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        // Even an already-expired record is kept briefly, so a second use is still caught.
        let now = self.now();
        self.replays.upsert(key, now, |live| match live {
            Some(_) => (None, false),
            None => (Some(Entry::new((), expires_at.max(now + 1))), true),
        })
    }
}
