//! Signatures already verified: a bounded set of SHA-256 digests of whole tokens, each kept until
//! its token expires. A token whose exact bytes verified before skips the signature check (the
//! expensive part of RS256, ES256 and friends); its claims, expiry and revocation are still
//! checked on every request. A tampered token has other bytes, so another digest: it is never
//! found here, and is verified (and refused) in full.

use std::collections::HashMap;
use std::sync::RwLock;

use sha2::{Digest, Sha256};

use crate::CacheSize;

/// The digest a token is known by.
pub(crate) type TokenDigest = [u8; 32];

const SHARDS: usize = 16;

/// What one entry costs: the digest, its expiry and the hash table's control byte. Tables keep
/// up to 1/8 of their slots free and grow by doubling, so the memory in use is between this
/// and twice this per entry; [`bytes`](VerifiedCache::bytes) reports what is allocated.
const ENTRY_BYTES: usize = std::mem::size_of::<(TokenDigest, i64)>() + 1;

/// One shard, and when its expired entries may next be swept (at most once a second, so a
/// shard full of live entries does not scan itself on every insert).
#[derive(Default)]
struct Shard {
    map: HashMap<TokenDigest, i64>,
    next_sweep: i64,
}

/// The set of verified signatures; bounded by entries, and so by bytes.
pub(crate) struct VerifiedCache {
    shards: Box<[RwLock<Shard>]>,
    per_shard: usize,
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
    /// A cache of at most `capacity` signatures (at least one per shard).
    pub fn new(capacity: usize) -> Self {
        VerifiedCache {
            shards: (0..SHARDS).map(|_| RwLock::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    /// The cache `config` asks for: `None` when it is off.
    pub fn for_config(config: &crate::config::VerifyCache) -> Option<Self> {
        (config.mode != crate::config::VerifyCacheMode::Off).then(|| Self::new(config.capacity))
    }

    /// The digest of `token`.
    pub fn digest(token: &str) -> TokenDigest {
        Sha256::digest(token.as_bytes()).into()
    }

    fn shard(&self, digest: &TokenDigest) -> &RwLock<Shard> {
        &self.shards[usize::from(digest[0]) % SHARDS]
    }

    /// Whether the token of `digest` verified before and has not expired at `now`.
    pub fn contains(&self, digest: &TokenDigest, now: i64) -> bool {
        let shard = self
            .shard(digest)
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        shard.map.get(digest).is_some_and(|until| *until > now)
    }

    /// Records that the token of `digest` verified; kept until `until` (its expiry with the
    /// leeway). A full shard first drops its expired entries (at most once a second), then, if
    /// still full, any one.
    pub fn insert(&self, digest: TokenDigest, until: i64, now: i64) {
        if until <= now {
            return;
        }
        let mut shard = self
            .shard(&digest)
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let shard = &mut *shard;
        if shard.map.len() >= self.per_shard && !shard.map.contains_key(&digest) {
            if now >= shard.next_sweep {
                shard.map.retain(|_, exp| *exp > now);
                shard.next_sweep = now + 1;
            }
            if shard.map.len() >= self.per_shard
                && let Some(victim) = shard.map.keys().next().copied()
            {
                shard.map.remove(&victim);
            }
        }
        shard.map.insert(digest, until);
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .map
                    .len()
            })
            .sum()
    }

    /// Bytes the tables have allocated (their capacity times the size of an entry).
    pub fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .map
                    .capacity()
                    * ENTRY_BYTES
            })
            .sum()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_until_expiry_and_stays_bounded() {
        let c = VerifiedCache::new(32);
        let d = VerifiedCache::digest("a.b.c");
        assert!(!c.contains(&d, 0));
        c.insert(d, 10, 0);
        assert!(c.contains(&d, 9));
        assert!(!c.contains(&d, 10));
        assert!(!c.contains(&VerifiedCache::digest("a.b.d"), 0));
        c.insert(VerifiedCache::digest("expired"), 5, 5);
        assert_eq!(c.len(), 1);
        for i in 0..10_000 {
            c.insert(VerifiedCache::digest(&i.to_string()), 100, 0);
        }
        assert!(c.len() <= c.capacity() && c.capacity() == 32);
        assert!(c.bytes() >= c.len() * ENTRY_BYTES);
    }
}
