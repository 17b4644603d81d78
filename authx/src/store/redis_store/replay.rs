//! [`RedisStore`]'s replay records: `<prefix>replay:<key>`, a key space apart from revocations
//! (`<prefix>revoked:`), under the same (hash-tagged) prefix.

use std::sync::LazyLock;

use redis::Script;

use super::{RedisStore, unavailable};
use crate::store::{ReplayStore, StoreError};

/// Records KEYS[1] until ARGV[2] unless it exists (`SET NX EXAT`): 1 for the first use, 0 for a
/// replay. ARGV[1] is this call's own value, so the same call run again (the connection retrying
/// after a lost reply) still counts as the first.
static FIRST_USE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EXAT', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0",
    )
});

impl RedisStore {
    fn replay_key(&self, key: &str) -> String {
        format!("{}replay:{key}", self.prefix)
    }
}

#[async_trait::async_trait]
impl ReplayStore for RedisStore {
    /// Never announced to near-caches, and not waited for with `wait_replicas` (a retry of a
    /// proof whose record was written would be refused as its own replay).
    async fn record_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        let exp = expires_at.max(self.now() + 1);
        let first: i64 = FIRST_USE
            .key(self.replay_key(key))
            .arg(uuid::Uuid::new_v4().simple().to_string())
            .arg(exp)
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(first == 1)
    }
}
