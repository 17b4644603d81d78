//! [`RedisStore`]'s policy sets: the hash `<prefix>policies` (source name -> text) and the
//! counter `<prefix>policies-version`, replaced and bumped by one script that also `PUBLISH`es
//! the new version on `<prefix>policies`. Under the store's (hash-tagged) prefix, so in a
//! cluster both keys and the channel share one slot.

use std::collections::HashMap;
use std::sync::LazyLock;

use redis::Script;
use tokio::sync::mpsc;

use super::{RedisStore, unavailable};
use crate::store::policies::distinct_names;
use crate::store::{PolicyStore, StoreError, StoredPolicies};

/// Replaces the hash KEYS[1] with the fields and values from ARGV[2] on, bumps the counter
/// KEYS[2] and announces its new value on the channel ARGV[1]; returns it.
static PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
local version = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], version)
return version",
    )
});

/// The counter KEYS[2] and the hash KEYS[1], read together (one script, one snapshot).
static LOAD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
return {redis.call('GET', KEYS[2]), redis.call('HGETALL', KEYS[1])}",
    )
});

impl RedisStore {
    fn policies_key(&self) -> String {
        format!("{}policies", self.prefix)
    }

    fn policy_version_key(&self) -> String {
        format!("{}policies-version", self.prefix)
    }
}

#[async_trait::async_trait]
impl PolicyStore for RedisStore {
    async fn load(&self) -> Result<Option<StoredPolicies>, StoreError> {
        let (version, sources): (Option<u64>, HashMap<String, String>) = LOAD
            .key(self.policies_key())
            .key(self.policy_version_key())
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        let Some(version) = version else {
            return Ok(None);
        };
        Ok(Some(StoredPolicies::sorted(
            version,
            sources.into_iter().collect(),
        )))
    }

    /// Waits for replicas like a revocation when the cluster URL asks for it
    /// (`wait_replicas`).
    async fn publish(&self, sources: &[(String, String)]) -> Result<u64, StoreError> {
        distinct_names(sources)?;
        let key = self.policies_key();
        self.durable(&key, async |conn| {
            let mut publish = PUBLISH.key(&key);
            publish.key(self.policy_version_key()).arg(&key);
            for (name, body) in sources {
                publish.arg(name).arg(body);
            }
            publish.invoke_async::<u64>(conn).await
        })
        .await
    }

    async fn subscribe(&self) -> Result<mpsc::Receiver<u64>, StoreError> {
        self.listen(self.policies_key(), |v| v.parse().ok()).await
    }
}
