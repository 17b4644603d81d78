//! [`RedisStore`]'s factor records: one hash per subject and kind,
//! `<prefix>factors:<kind>:<subject>` (field the id, value the bytes as given), under the
//! store's (hash-tagged) prefix. No TTL: a record goes when authx removes it.
//!
//! Every write is one script, so with `wait_replicas` it waits for replicas as a revocation
//! does: a recovery code used, or a factor removed or replaced, stays so when a master fails
//! over. Reads are one `HGET` or `HGETALL`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use redis::Script;

use super::{RedisStore, unavailable};
use crate::store::{FactorStore, StoreError};

/// Sets field ARGV[1] of the hash KEYS[1] to ARGV[2].
static PUT: LazyLock<Script> =
    LazyLock::new(|| Script::new("return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])"));

/// Deletes field ARGV[1] of the hash KEYS[1]: 1 when this call deleted it, else 0 (`HDEL` is
/// atomic, so of concurrent calls one sees 1).
static REMOVE: LazyLock<Script> =
    LazyLock::new(|| Script::new("return redis.call('HDEL', KEYS[1], ARGV[1])"));

/// Deletes the hash KEYS[1]; how many fields it had.
static REMOVE_ALL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = redis.call('HLEN', KEYS[1])
redis.call('DEL', KEYS[1])
return n",
    )
});

impl RedisStore {
    /// The hash of `subject`'s factors of `kind`: `<prefix>factors:<kind>:<subject>`, with `%`
    /// and `:` of the kind written `%25` and `%3A`. The kind then ends at the first `:` after
    /// `factors:`, so no two pairs share a hash: subject `b:c` of kind `a` is
    /// `factors:a:b:c`, subject `c` of kind `a:b` is `factors:a%3Ab:c`. The subject, last,
    /// needs no escape (as in every other key); braces in it do not matter in a cluster,
    /// where the prefix holds the key's first hash tag.
    fn factors_key(&self, subject: &str, kind: &str) -> String {
        let kind = kind.replace('%', "%25").replace(':', "%3A");
        format!("{}factors:{kind}:{subject}", self.prefix)
    }

    /// Runs the write `script` on the hash `key` with `args`, waiting for replicas when the
    /// cluster URL asks for it (`wait_replicas`).
    async fn write_factors(
        &self,
        script: &Script,
        key: &str,
        args: &[&[u8]],
    ) -> Result<i64, StoreError> {
        self.durable(key, async |conn| {
            let mut call = script.key(key);
            for arg in args {
                call.arg(*arg);
            }
            call.invoke_async(conn).await
        })
        .await
    }
}

#[async_trait::async_trait]
impl FactorStore for RedisStore {
    async fn put_factor(
        &self,
        subject: &str,
        kind: &str,
        id: &str,
        value: &[u8],
    ) -> Result<(), StoreError> {
        let key = self.factors_key(subject, kind);
        self.write_factors(&PUT, &key, &[id.as_bytes(), value])
            .await
            .map(|_| ())
    }

    async fn get_factor(
        &self,
        subject: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        redis::cmd("HGET")
            .arg(self.factors_key(subject, kind))
            .arg(id)
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)
    }

    /// One `HGETALL`, sorted here by id.
    async fn list_factors(
        &self,
        subject: &str,
        kind: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let factors: BTreeMap<String, Vec<u8>> = redis::cmd("HGETALL")
            .arg(self.factors_key(subject, kind))
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(factors.into_iter().collect())
    }

    /// One `HDEL`, in a script (so that it waits for replicas when configured).
    async fn remove_factor(&self, subject: &str, kind: &str, id: &str) -> Result<bool, StoreError> {
        let key = self.factors_key(subject, kind);
        let removed = self.write_factors(&REMOVE, &key, &[id.as_bytes()]).await?;
        Ok(removed == 1)
    }

    /// `HLEN` and `DEL` in one script.
    async fn remove_factors(&self, subject: &str, kind: &str) -> Result<usize, StoreError> {
        let key = self.factors_key(subject, kind);
        let removed = self.write_factors(&REMOVE_ALL, &key, &[]).await?;
        usize::try_from(removed).map_err(StoreError::unavailable)
    }
}
