//! Redis: revocations and sessions shared by every instance behind a load balancer.

mod allowlist;
mod feed;
mod sessions;

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::{RevocationStore, Session, StoreError};
use crate::clock::unix_now as now;

/// Revocations and sessions in Redis.
///
/// Keys (prefix `authx:` by default): `revoked:<key>` (expires with the token it refuses, via
/// `EXAT`), `session:<id>` (a hash, expiring with the session), `sessions:<subject>` (a set of
/// session ids). One multiplexed connection, reconnecting by itself; opened on first use, so a
/// Redis that is down at start-up answers `503` until it is back. A token and its session are
/// checked in one `EXISTS` round trip; refresh-token retirement is one `SET NX`.
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    conn: std::sync::Arc<OnceCell<ConnectionManager>>,
    prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::unavailable(e)
}

const TOUCH: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
local exp = tonumber(ARGV[2])
if exp > tonumber(redis.call('HGET', KEYS[1], 'expires_at') or '0') then
  redis.call('HSET', KEYS[1], 'expires_at', ARGV[2])
  redis.call('EXPIREAT', KEYS[1], exp)
  redis.call('EXPIREAT', KEYS[2], exp, 'GT')
end
return 1";

/// Advances a token family's live refresh token from ARGV[1] to ARGV[2] (until ARGV[3]), when
/// ARGV[1] is live or nothing is recorded.
const ADVANCE_FAMILY: &str = r"
local head = redis.call('GET', KEYS[1])
if head == false or head == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
  return 1
end
return 0";

const MARK_REVOKED: &str = r"
if redis.call('HGET', KEYS[1], 'revoked') == '0' then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return 1
end
return 0";

impl RedisStore {
    /// A store at `url` (`redis://host:port/db`) with key prefix `authx:`. Does not connect yet.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        Self::with_prefix(url, "authx:")
    }

    /// Like [`new`](Self::new) with another key prefix (to share a Redis between apps).
    pub fn with_prefix(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)
            .map_err(|e| StoreError::Config(format!("bad Redis URL: {e}")))?;
        Ok(RedisStore {
            client,
            conn: std::sync::Arc::new(OnceCell::new()),
            prefix: prefix.to_owned(),
        })
    }

    async fn conn(&self) -> Result<ConnectionManager, StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(1);
        self.conn
            .get_or_try_init(|| self.client.get_connection_manager_with_config(config))
            .await
            .cloned()
            .map_err(unavailable)
    }

    /// Where revocations are published, for the near-caches of every instance.
    fn channel(&self) -> String {
        format!("{}revoked", self.prefix)
    }

    fn revoked_key(&self, key: &str) -> String {
        format!("{}revoked:{key}", self.prefix)
    }

    fn session_key(&self, id: &str) -> String {
        format!("{}session:{id}", self.prefix)
    }

    fn subject_key(&self, subject: &str) -> String {
        format!("{}sessions:{subject}", self.prefix)
    }

    fn family_key(&self, family: &str) -> String {
        format!("{}family:{family}", self.prefix)
    }

    fn allowed_key(&self, jti: &str) -> String {
        format!("{}allow:{jti}", self.prefix)
    }

    fn allowed_subject_key(&self, subject: &str) -> String {
        format!("{}allowed:{subject}", self.prefix)
    }

    async fn load_sessions(&self, ids: &[String]) -> Result<Vec<Session>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for id in ids {
            pipe.hgetall(self.session_key(id));
        }
        let maps: Vec<HashMap<String, String>> = pipe
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(maps.into_iter().filter_map(session_from_map).collect())
    }
}

fn session_from_map(m: HashMap<String, String>) -> Option<Session> {
    let num = |k: &str| m.get(k).and_then(|v| v.parse::<i64>().ok());
    let opt = |k: &str| m.get(k).filter(|v| !v.is_empty()).cloned();
    Some(Session {
        id: m.get("id")?.clone(),
        subject: m.get("subject")?.clone(),
        created_at: num("created_at")?,
        last_seen: num("last_seen")?,
        expires_at: num("expires_at")?,
        ip: opt("ip"),
        user_agent: opt("user_agent"),
        device: opt("device"),
        device_info: opt("device_info").and_then(|s| serde_json::from_str(&s).ok()),
        revoked: m.get("revoked").is_some_and(|v| v == "1"),
    })
}

#[async_trait::async_trait]
impl RevocationStore for RedisStore {
    async fn revoke(&self, key: &str, expires_at: i64) -> Result<(), StoreError> {
        if expires_at <= now() {
            return Ok(());
        }
        // Written and announced in one transaction, for the near-caches of every instance.
        redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(self.revoked_key(key))
            .arg(1)
            .arg("EXAT")
            .arg(expires_at)
            .ignore()
            .cmd("PUBLISH")
            .arg(self.channel())
            .arg(key)
            .ignore()
            .query_async::<()>(&mut self.conn().await?)
            .await
            .map_err(unavailable)
    }

    async fn is_revoked(&self, key: &str) -> Result<bool, StoreError> {
        self.any_revoked(&[key]).await
    }

    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        if keys.is_empty() {
            return Ok(false);
        }
        let mut cmd = redis::cmd("EXISTS");
        for k in keys {
            cmd.arg(self.revoked_key(k));
        }
        let n: i64 = cmd
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(n > 0)
    }

    async fn revoke_once(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        let exp = expires_at.max(now() + 1);
        // A replay record (DPoP proof): never asked about through `any_revoked`, so never
        // announced to near-caches.
        let set: Option<String> = redis::cmd("SET")
            .arg(self.revoked_key(key))
            .arg(1)
            .arg("NX")
            .arg("EXAT")
            .arg(exp)
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(set.is_some())
    }

    async fn family_head(&self, family: &str) -> Result<Option<String>, StoreError> {
        redis::cmd("GET")
            .arg(self.family_key(family))
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)
    }

    async fn advance_family(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let n: i64 = redis::Script::new(ADVANCE_FAMILY)
            .key(self.family_key(family))
            .arg(current)
            .arg(next)
            // EXAT in the past expires the record at once (0 is refused).
            .arg(expires_at.max(1))
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        Ok(n == 1)
    }
}

/// Withdraws one allowlisted token: `GETDEL` its key and drop it from its subject's set.
const WITHDRAW: &str = r"
local subject = redis.call('GETDEL', KEYS[1])
if not subject then return 0 end
redis.call('SREM', ARGV[1] .. subject, ARGV[2])
return 1";

/// Withdraws every allowlisted token of a subject.
const WITHDRAW_SUBJECT: &str = r"
local n = 0
for _, jti in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  n = n + redis.call('DEL', ARGV[1] .. jti)
end
redis.call('DEL', KEYS[1])
return n";

/// GCRA on Redis's own clock: one atomic script per decision, one round trip.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local ahead = new_tat - now
if ahead > window then
  return {0, 0, tat - now, ahead - window}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil(ahead / 1000) + 1)
return {1, math.floor((window - ahead) / interval), ahead, 0}";

/// [`GCRA`] on the last key, unless one of the other keys (revocations) exists: then
/// `{-1, 0, 0, 0}` and nothing is counted. A token's revocation and its rate limit in one round
/// trip.
const GCRA_UNLESS_REVOKED: &str = r"
local rate = table.remove(KEYS)
if #KEYS > 0 and redis.call('EXISTS', unpack(KEYS)) > 0 then
  return {-1, 0, 0, 0}
end
KEYS[1] = rate
";

impl RedisStore {
    /// Runs `script` ([`GCRA`], or [`GCRA_UNLESS_REVOKED`] before it) with `revoked` keys
    /// first and the rate key of `key` last; `None` when a revoked key was found.
    async fn gcra(
        &self,
        script: &redis::Script,
        revoked: &[&str],
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<Option<crate::rate::RateDecision>, StoreError> {
        let window_us = i64::try_from(window.as_micros()).unwrap_or(i64::MAX).max(1);
        let interval = (window_us / i64::from(count.max(1))).max(1);
        let mut invocation = script.prepare_invoke();
        for k in revoked {
            invocation.key(self.revoked_key(k));
        }
        let (allowed, remaining, reset, retry): (i64, i64, i64, i64) = invocation
            .key(format!("{}rate:{key}", self.prefix))
            .arg(interval)
            .arg(window_us)
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        let us = |v: i64| Duration::from_micros(u64::try_from(v).unwrap_or(0));
        Ok(match allowed {
            -1 => None,
            1 => Some(crate::rate::RateDecision::allowed(
                count,
                u32::try_from(remaining).unwrap_or(0),
                us(reset),
            )),
            _ => Some(crate::rate::RateDecision::refused(
                count,
                us(reset),
                us(retry),
            )),
        })
    }
}

#[async_trait::async_trait]
impl crate::rate::RateLimiter for RedisStore {
    async fn check(
        &self,
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<crate::rate::RateDecision, StoreError> {
        static SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(GCRA));
        self.gcra(&SCRIPT, &[], key, count, window)
            .await?
            .ok_or_else(|| StoreError::unavailable("the rate script answered for no key"))
    }

    async fn check_unless_revoked(
        &self,
        revoked: &[&str],
        key: &str,
        count: u32,
        window: Duration,
    ) -> Option<Result<crate::rate::Unrevoked, StoreError>> {
        static SCRIPT: LazyLock<redis::Script> =
            LazyLock::new(|| redis::Script::new(&format!("{GCRA_UNLESS_REVOKED}{GCRA}")));
        let found = self.gcra(&SCRIPT, revoked, key, count, window).await;
        Some(found.map(|d| {
            d.map_or(
                crate::rate::Unrevoked::Revoked,
                crate::rate::Unrevoked::Rate,
            )
        }))
    }
}
