//! [`BoundedMap`]: the one bounded, sharded map of the in-process stores (the memory store's
//! revocations, replay records, family heads, subject ends, allowlist and sessions, the memory
//! rate limiter's buckets, the near-cache's answers).
//!
//! Every entry has an expiry (`expires_at`, in the caller's unit: seconds, or microseconds for
//! rate buckets); an entry is live while `expires_at > now` and invisible once it is not. Keys
//! are spread over 16 shards, each behind its own lock, so concurrent requests rarely wait on
//! one another. When the map is full, expired entries are swept first (all shards for
//! [`Overflow::Refuse`], the key's shard for [`Overflow::Evict`]), and only if it is still full
//! does the [`Overflow`] policy apply. A full map of live entries is not swept again until the
//! first of them can have expired, so a flood against it costs a comparison per call, not a
//! walk of the map.
//!
//! Expired entries are also swept as new keys arrive, before the map is full: a new key in a
//! shard that has doubled since its last sweep, or that has taken a quarter of its size in new
//! keys since, sweeps it (when something in it can have expired), and a sweep that leaves its
//! table mostly empty shrinks it. So under a steady flow of keys a map holds about twice what
//! is live, not its capacity of expired keys, at an amortized constant cost per insert. (With
//! no new keys nothing is swept: what an idle map holds stays until keys come again.)

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::StoreError;

/// What a full map does with a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// Refuse it with [`StoreError::Full`] (the request gets `503`): the bound is the whole
    /// map's. For records whose loss would let something through: a revocation, a replay
    /// record, a family head, a busy rate bucket, a session, an allowlisted token.
    Refuse,
    /// Forget an entry of the key's shard to make room: each shard holds its share of the
    /// capacity. Only for caches, whose every answer the store behind them still holds.
    Evict,
}

/// An entry: its value, and until when it is live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry<V> {
    pub(crate) value: V,
    pub(crate) expires_at: i64,
}

impl<V> Entry<V> {
    pub(crate) fn new(value: V, expires_at: i64) -> Self {
        Entry { value, expires_at }
    }
}

const SHARDS: usize = 16;

/// Below this many entries a shard is not swept as it grows, nor its table shrunk.
const SWEEP_MIN: usize = 64;

#[derive(Debug)]
struct Shard<V, S> {
    map: HashMap<Box<str>, Entry<V>, S>,
    /// No entry of this shard expires before this (`i64::MAX` when it is empty).
    earliest: i64,
    /// A new key when the shard holds this many sweeps it first: twice what its last sweep
    /// left.
    sweep_at: usize,
    /// New keys since the last sweep: a quarter of the shard's size in new keys sweeps it too
    /// (once something can have expired), so a burst that has expired goes as new keys come,
    /// even when the shard is not growing.
    new_keys: usize,
}

/// A bounded map of expiring entries, in shards. See the [module docs](self).
///
/// Keys are hashed with `S`: SipHash (the default) for keys a client can choose (rate-limit
/// keys, DPoP proof ids); [`Fast`] where every key comes from a token authx verified or from
/// the app (revocations, families, subject ends, the near-cache), read on every request.
#[derive(Debug)]
pub(crate) struct BoundedMap<V, S = RandomState> {
    shards: Box<[Mutex<Shard<V, S>>]>,
    /// Picks a key's shard (an instance of its own: its hashes are independent of the
    /// shards' tables').
    hasher: S,
    capacity: usize,
    overflow: Overflow,
    /// Entries held, live or not yet swept.
    len: AtomicUsize,
    /// No entry expires before this: a full map is not swept until then.
    earliest: AtomicI64,
    /// The part of a key that picks its shard (all of it unless told otherwise).
    shard_key: fn(&str) -> &str,
    sweeps: AtomicU64,
}

/// The hasher of maps whose keys no client chooses: foldhash, seeded at random per process
/// and per map.
pub(crate) type Fast = foldhash::quality::RandomState;

impl<V> BoundedMap<V> {
    /// A map of at most `capacity` entries (at least one), `overflow` deciding what a full
    /// one does; keys hashed with SipHash.
    pub(crate) fn new(capacity: usize, overflow: Overflow) -> Self {
        Self::with_hasher(capacity, overflow)
    }
}

impl<V, S: BuildHasher + Default> BoundedMap<V, S> {
    /// [`new`](BoundedMap::new), keys hashed with `S`.
    pub(crate) fn with_hasher(capacity: usize, overflow: Overflow) -> Self {
        BoundedMap {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        map: HashMap::with_hasher(S::default()),
                        earliest: i64::MAX,
                        sweep_at: SWEEP_MIN,
                        new_keys: 0,
                    })
                })
                .collect(),
            hasher: S::default(),
            capacity: capacity.max(1),
            overflow,
            len: AtomicUsize::new(0),
            earliest: AtomicI64::new(i64::MAX),
            shard_key: |k| k,
            sweeps: AtomicU64::new(0),
        }
    }

    /// Keys that share `shard_key(key)` share a shard (so one lock covers all of them, see
    /// [`retain_in_shard_of`](Self::retain_in_shard_of)).
    pub(crate) fn with_shard_key(mut self, shard_key: fn(&str) -> &str) -> Self {
        self.shard_key = shard_key;
        self
    }

    /// The most entries it holds (for [`Overflow::Evict`], its shards' shares together).
    pub(crate) fn capacity(&self) -> usize {
        match self.overflow {
            Overflow::Refuse => self.capacity,
            Overflow::Evict => self.per_shard() * SHARDS,
        }
    }

    /// Entries held, including expired ones not yet swept.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::SeqCst)
    }

    /// Full sweeps so far (for tests of the sweep's cost).
    #[cfg(test)]
    pub(crate) fn sweeps(&self) -> u64 {
        self.sweeps.load(Ordering::SeqCst)
    }

    fn per_shard(&self) -> usize {
        self.capacity.div_ceil(SHARDS).max(1)
    }

    fn lock(&self, key: &str) -> MutexGuard<'_, Shard<V, S>> {
        let h = self.hasher.hash_one((self.shard_key)(key));
        // A panic while holding a lock cannot leave a shard inconsistent (single inserts,
        // updates and removals), so a poisoned lock is still safe to use.
        self.shards[(h % SHARDS as u64) as usize]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn shards(&self) -> impl Iterator<Item = MutexGuard<'_, Shard<V, S>>> {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// `f` of the live entry of `key`, if any.
    pub(crate) fn read<R>(&self, key: &str, now: i64, f: impl FnOnce(&Entry<V>) -> R) -> Option<R> {
        self.lock(key)
            .map
            .get(key)
            .filter(|e| e.expires_at > now)
            .map(f)
    }

    /// Inserts or updates `key`: `f` sees its live entry (and may change it in place), or
    /// `None`; an entry it returns replaces or creates the key's. A new key in a full map is
    /// refused ([`Overflow::Refuse`], `f` not called) or makes room by evicting
    /// ([`Overflow::Evict`]), once expired entries are swept.
    pub(crate) fn upsert<R>(
        &self,
        key: &str,
        now: i64,
        f: impl FnOnce(Option<&mut Entry<V>>) -> (Option<Entry<V>>, R),
    ) -> Result<R, StoreError> {
        let mut shard = self.lock(key);
        if !shard.map.contains_key(key) {
            shard.new_keys += 1;
            let len = shard.map.len();
            let churned = shard.new_keys >= (len / 4).max(SWEEP_MIN) && now >= shard.earliest;
            if len >= shard.sweep_at || churned {
                if now >= shard.earliest {
                    self.sweep_shard(&mut shard, now);
                }
                shard.sweep_at = (shard.map.len() * 2).max(SWEEP_MIN);
            }
            match self.overflow {
                Overflow::Refuse if self.len() >= self.capacity => {
                    if now >= self.earliest.load(Ordering::SeqCst) {
                        drop(shard);
                        self.sweep(now);
                        shard = self.lock(key);
                    }
                    if !shard.map.contains_key(key) && self.len() >= self.capacity {
                        return Err(StoreError::Full(self.len()));
                    }
                }
                Overflow::Evict if shard.map.len() >= self.per_shard() => {
                    if now >= shard.earliest {
                        self.sweep_shard(&mut shard, now);
                    }
                    if shard.map.len() >= self.per_shard()
                        && let Some(victim) = shard.map.keys().next().cloned()
                    {
                        shard.map.remove(&victim);
                        self.len.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                _ => {}
            }
        }
        let live = shard.map.get_mut(key).filter(|e| e.expires_at > now);
        let (entry, result) = f(live);
        if let Some(entry) = entry {
            shard.earliest = shard.earliest.min(entry.expires_at);
            self.earliest.fetch_min(entry.expires_at, Ordering::SeqCst);
            if shard.map.insert(key.into(), entry).is_none() {
                self.len.fetch_add(1, Ordering::SeqCst);
            }
        }
        Ok(result)
    }

    /// `f` on the live entry of `key`, in place; `None` when there is none. An expiry it
    /// moves earlier is still swept in time (a sweep finds nothing to do at worst).
    pub(crate) fn modify<R>(
        &self,
        key: &str,
        now: i64,
        f: impl FnOnce(&mut Entry<V>) -> R,
    ) -> Option<R> {
        let mut shard = self.lock(key);
        let result = shard.map.get_mut(key).filter(|e| e.expires_at > now).map(f);
        let expires_at = shard.map.get(key).map(|e| e.expires_at);
        if let Some(expires_at) = expires_at {
            shard.earliest = shard.earliest.min(expires_at);
        }
        result
    }

    /// Removes `key`, returning its entry, live or not.
    pub(crate) fn remove(&self, key: &str) -> Option<Entry<V>> {
        let removed = self.lock(key).map.remove(key);
        if removed.is_some() {
            self.len.fetch_sub(1, Ordering::SeqCst);
        }
        removed
    }

    /// Keeps the entries (live or not) for which `f` is true; `f` may change them.
    pub(crate) fn retain(&self, mut f: impl FnMut(&str, &mut Entry<V>) -> bool) {
        for mut shard in self.shards() {
            let before = shard.map.len();
            shard.map.retain(|k, e| f(k, e));
            self.len
                .fetch_sub(before - shard.map.len(), Ordering::SeqCst);
        }
    }

    /// [`retain`](Self::retain) within the one shard of `key`, where every key with the same
    /// [`with_shard_key`](Self::with_shard_key) part is.
    pub(crate) fn retain_in_shard_of(&self, key: &str, mut f: impl FnMut(&str, &Entry<V>) -> bool) {
        let mut shard = self.lock(key);
        let before = shard.map.len();
        shard.map.retain(|k, e| f(k, e));
        self.len
            .fetch_sub(before - shard.map.len(), Ordering::SeqCst);
    }

    /// `f` on every live entry, shard by shard.
    pub(crate) fn for_each(&self, now: i64, mut f: impl FnMut(&str, &Entry<V>)) {
        for shard in self.shards() {
            for (k, e) in shard.map.iter().filter(|(_, e)| e.expires_at > now) {
                f(k, e);
            }
        }
    }

    /// Forgets every entry.
    pub(crate) fn clear(&self) {
        self.retain(|_, _| false);
    }

    /// Bytes held: the tables and the keys.
    pub(crate) fn bytes(&self) -> usize {
        let slot = std::mem::size_of::<(Box<str>, Entry<V>)>() + 1;
        self.shards()
            .map(|s| s.map.capacity() * slot + s.map.keys().map(|k| k.len()).sum::<usize>())
            .sum()
    }

    /// Removes every expired entry; how many went.
    pub(crate) fn sweep(&self, now: i64) -> usize {
        let before = self.len();
        // Raised first, then lowered shard by shard, as inserts meanwhile lower it too: it
        // ends at most the earliest expiry left.
        self.earliest.store(i64::MAX, Ordering::SeqCst);
        for mut shard in self.shards() {
            self.sweep_shard(&mut shard, now);
            self.earliest.fetch_min(shard.earliest, Ordering::SeqCst);
        }
        self.sweeps.fetch_add(1, Ordering::SeqCst);
        before.saturating_sub(self.len())
    }

    fn sweep_shard(&self, shard: &mut Shard<V, S>, now: i64) {
        let before = shard.map.len();
        let mut earliest = i64::MAX;
        shard.map.retain(|_, e| {
            let live = e.expires_at > now;
            if live {
                earliest = earliest.min(e.expires_at);
            }
            live
        });
        shard.earliest = earliest;
        shard.new_keys = 0;
        let len = shard.map.len();
        self.len.fetch_sub(before - len, Ordering::SeqCst);
        // A table sized for a burst long gone gives its memory back.
        if shard.map.capacity() > 4 * len.max(SWEEP_MIN) {
            shard.map.shrink_to(2 * len.max(SWEEP_MIN));
        }
    }
}

#[cfg(test)]
#[path = "bounded_map_tests.rs"]
mod tests;
