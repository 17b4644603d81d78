//! Tokens already verified: a bounded map from a token's exact bytes to the claims it verified
//! to, each kept until the token expires. A token seen before skips the work that only depends
//! on its bytes (base64, the signature, the JSON of its claims); what depends on the time
//! (`exp`, `nbf`, `iat`) is checked again on every hit, and liveness (revocation) is a later
//! step of every request. A hit needs the whole token equal, compared in constant time: a
//! tampered token has other bytes, so it is never found here and is verified (and refused) in
//! full. Entries are placed by a hash with a random per-process key, so which tokens share a
//! slot cannot be chosen from outside.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::claims::Claims;
use crate::CacheSize;

const SHARDS: usize = 16;

/// A hasher for keys that already are hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys come here (`write_u64`); anything else still hashes.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

struct Entry {
    token: Box<str>,
    claims: Arc<Claims>,
    until: i64,
    bytes: usize,
}

/// One shard: its entries and their bytes, and when its expired entries may next be swept (at
/// most once a second, so a shard full of live entries does not scan itself on every insert).
#[derive(Default)]
struct Shard {
    map: HashMap<u64, Entry, BuildHasherDefault<Prehashed>>,
    bytes: usize,
    next_sweep: i64,
}

impl Shard {
    fn remove(&mut self, slot: u64) {
        if let Some(old) = self.map.remove(&slot) {
            self.bytes -= old.bytes;
        }
    }
}

/// The verified tokens; bounded by entries.
pub(crate) struct VerifiedCache {
    shards: Box<[RwLock<Shard>]>,
    per_shard: usize,
    hasher: foldhash::quality::RandomState,
    /// The slots of HMAC tokens verified once, one per place (a token's slot picks its place,
    /// a newer token overwrites an older): a cheap token is kept from its second verification,
    /// so tokens seen once cost no copy and evict nothing. Lock-free: a slot is one word.
    seen_once: Box<[AtomicU64]>,
}

impl std::fmt::Debug for VerifiedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedCache")
            .field("len", &self.len())
            .field("capacity", &(self.per_shard * SHARDS))
            .finish()
    }
}

impl VerifiedCache {
    /// A cache of at most `capacity` tokens (at least one per shard).
    pub fn new(capacity: usize) -> Self {
        VerifiedCache {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: foldhash::quality::RandomState::default(),
            seen_once: (0..capacity.max(1)).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The cache `config` asks for: `None` when it is off.
    pub fn for_config(config: &crate::config::VerifyCache) -> Option<Self> {
        (config.mode != crate::config::VerifyCacheMode::Off && config.capacity > 0)
            .then(|| Self::new(config.capacity))
    }

    fn slot(&self, token: &str) -> (u64, &RwLock<Shard>) {
        let slot = self.hasher.hash_one(token);
        // The shard from bits the shard's table uses for neither: it places by the low bits
        // and tags by the top seven.
        (slot, &self.shards[(slot >> 50) as usize % SHARDS])
    }

    /// The claims `token` verified to, if it did before and has not expired at `now`.
    pub fn get(&self, token: &str, now: i64) -> Option<Arc<Claims>> {
        let (slot, shard) = self.slot(token);
        let shard = shard
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = shard.map.get(&slot)?;
        (entry.until > now
            && crate::crypto::constant_time_eq(entry.token.as_bytes(), token.as_bytes()))
        .then(|| entry.claims.clone())
    }

    /// Records that `token` verified to `claims`; kept until `until` (its expiry with the
    /// leeway). A token whose verification was `cheap` (HMAC) is kept from the second time in
    /// a row its place in `seen_once` sees it: the first only notes its slot there, so tokens
    /// seen once cost no copy and evict nothing. A full shard first drops its expired entries
    /// (at most once a second), then, if still full, any one. Another token in the same slot
    /// is replaced.
    pub fn insert(&self, token: &str, claims: Arc<Claims>, until: i64, now: i64, cheap: bool) {
        if until <= now {
            return;
        }
        let (slot, shard) = self.slot(token);
        if cheap {
            // The low bits place it (the high ones picked the shard).
            let place = &self.seen_once[(slot % self.seen_once.len() as u64) as usize];
            if place.swap(slot, Ordering::Relaxed) != slot {
                return;
            }
        }
        let mut shard = shard
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let shard = &mut *shard;
        shard.remove(slot);
        if shard.map.len() >= self.per_shard {
            if now >= shard.next_sweep {
                let mut freed = 0;
                shard.map.retain(|_, e| {
                    let keep = e.until > now;
                    if !keep {
                        freed += e.bytes;
                    }
                    keep
                });
                shard.bytes -= freed;
                shard.next_sweep = now + 1;
            }
            if shard.map.len() >= self.per_shard
                && let Some(victim) = shard.map.keys().next().copied()
            {
                shard.remove(victim);
            }
        }
        let bytes = entry_bytes(token, &claims);
        shard.bytes += bytes;
        shard.map.insert(
            slot,
            Entry {
                token: token.into(),
                claims,
                until,
                bytes,
            },
        );
    }

    fn read_all<T>(&self, f: impl Fn(&Shard) -> T) -> impl Iterator<Item = T> {
        self.shards
            .iter()
            .map(move |s| f(&s.read().unwrap_or_else(std::sync::PoisonError::into_inner)))
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.read_all(|s| s.map.len()).sum()
    }

    /// Bytes held: the tables' capacity times the size of a slot, plus each entry's token and
    /// claims (the latter estimated from the token's size, which bounds their strings).
    pub fn bytes(&self) -> usize {
        self.read_all(|s| s.map.capacity() * SLOT_BYTES + s.bytes)
            .sum::<usize>()
            + self.seen_once.len() * 8
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.per_shard * SHARDS
    }

    /// Entries, bytes and capacity.
    pub fn size(&self) -> CacheSize {
        CacheSize {
            entries: self.len(),
            bytes: self.bytes(),
            capacity: self.capacity(),
        }
    }
}

/// What a slot of a table costs: the key, the entry and the control byte.
const SLOT_BYTES: usize = std::mem::size_of::<(u64, Entry)>() + 1;

/// The heap an entry holds beyond its slot: its copy of the token, and the claims, estimated
/// as their struct with the `Arc`'s counts, a quarter of the token's size for their strings
/// (which all come from its base64 payload), and a node for every JSON value of their extra
/// data (a provider's claims may hold many small ones).
fn entry_bytes(token: &str, claims: &Claims) -> usize {
    std::mem::size_of::<Claims>()
        + 16
        + token.len()
        + token.len() / 4
        + claims.extra.values().map(json_nodes).sum::<usize>() * JSON_NODE_BYTES
}

/// What one JSON value costs beyond its text: the value and its place in a map or a vector.
const JSON_NODE_BYTES: usize = 64;

fn json_nodes(value: &serde_json::Value) -> usize {
    1 + match value {
        serde_json::Value::Array(items) => items.iter().map(json_nodes).sum(),
        serde_json::Value::Object(map) => map.values().map(json_nodes).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::TokenType;

    fn claims(exp: i64) -> Arc<Claims> {
        Arc::new(Claims::new("alice", "j", TokenType::Access, exp))
    }

    #[test]
    fn holds_until_expiry_and_stays_bounded() {
        let c = VerifiedCache::new(32);
        assert!(c.get("a.b.c", 0).is_none());
        c.insert("a.b.c", claims(10), 10, 0, true);
        assert!(c.get("a.b.c", 0).is_none(), "kept from the second time");
        c.insert("a.b.c", claims(10), 10, 0, true);
        assert_eq!(c.get("a.b.c", 9).map(|c| c.exp), Some(10));
        assert!(c.get("a.b.c", 10).is_none());
        assert!(c.get("a.b.d", 0).is_none());
        c.insert("expired", claims(5), 5, 5, true);
        c.insert("expired", claims(5), 5, 5, true);
        assert_eq!(c.len(), 1);
        for i in 0..10_000 {
            c.insert(&i.to_string(), claims(100), 100, 0, true);
            c.insert(&i.to_string(), claims(100), 100, 0, true);
        }
        assert!(c.len() <= c.capacity() && c.capacity() == 32);
        assert!(c.bytes() >= c.len() * SLOT_BYTES);
        let before = c.bytes();
        for i in 0..10_000 {
            c.insert(&i.to_string(), claims(300), 300, 200, true);
            c.insert(&i.to_string(), claims(300), 300, 200, true);
        }
        assert!(
            c.bytes() <= before + 32 * 16,
            "replaced entries give their bytes back"
        );
    }
}
