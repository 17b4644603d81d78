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
    /// No record expires before this (`i64::MAX` when there is none): a map full of live
    /// records is not swept again until then, so a flood of proofs against a full map costs
    /// one comparison per proof, not a walk of the whole map.
    earliest: i64,
    /// Sweeps so far.
    sweeps: u64,
}

/// Below this many records, a full map is swept at every insert.
const SWEEP_FLOOR: usize = 1024;

impl Replays {
    pub(super) fn new(capacity: usize) -> Self {
        Replays {
            entries: HashMap::new(),
            sweep_at: SWEEP_FLOOR.min(capacity),
            capacity,
            earliest: i64::MAX,
            sweeps: 0,
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
            self.earliest = self.earliest.min(expires_at);
            return Ok(true);
        }
        if self.entries.len() >= self.sweep_at {
            if now >= self.earliest {
                let mut earliest = i64::MAX;
                self.entries.retain(|_, exp| {
                    let live = *exp > now;
                    if live {
                        earliest = earliest.min(*exp);
                    }
                    live
                });
                self.earliest = earliest;
                self.sweeps += 1;
                // Amortised: sweep again only after the live set has doubled.
                self.sweep_at =
                    (self.entries.len() * 2).clamp(SWEEP_FLOOR.min(self.capacity), self.capacity);
            }
            if self.entries.len() >= self.capacity {
                return Err(StoreError::Full(self.entries.len()));
            }
        }
        self.entries.insert(key.into(), expires_at);
        self.earliest = self.earliest.min(expires_at);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A map full of live records refuses at once, without walking the map again, until the
    /// first of them expires; then one sweep makes room.
    #[test]
    fn a_full_map_is_swept_only_once_something_can_have_expired() {
        let mut r = Replays::new(4);
        for (i, until) in [(0, 110), (1, 120), (2, 130), (3, 140)] {
            assert!(r.first_use(&format!("k{i}"), until, 100).unwrap());
        }
        let sweeps = r.sweeps;
        for i in 0..1_000 {
            assert!(matches!(
                r.first_use(&format!("flood{i}"), 200, 105),
                Err(StoreError::Full(4))
            ));
        }
        assert_eq!(
            r.sweeps, sweeps,
            "nothing can have expired before t=110: no sweep"
        );
        assert!(!r.first_use("k1", 120, 105).unwrap(), "live records kept");
        // t=110: k0 expired, a sweep makes room for one.
        assert!(r.first_use("new", 200, 110).unwrap());
        assert_eq!(r.sweeps, sweeps + 1);
        assert!(matches!(
            r.first_use("more", 200, 111),
            Err(StoreError::Full(4))
        ));
        assert!(!r.first_use("k3", 140, 111).unwrap());
    }
}
