//! [`RedisStore`]'s API keys, under the store's (hash-tagged) prefix:
//!
//! - `apikey:<digest>`: the record, a hash (`scopes` and `allowed_ips` JSON arrays; an optional
//!   field is absent when unset). No TTL: kept after revocation or expiry until deleted.
//! - `apikey-id:<id>`: the digest of key `<id>`.
//! - `apikeys-owner:<owner>` and `apikeys-all`: sorted sets of ids scored by `created_at`, so
//!   a listing is oldest first (then by id).
//!
//! A lookup by digest is one `HGETALL`, and a key request's lookup, revocation and rate limits
//! are one script (`api_key_trip.rs`); every other call is one script (atomic, one round
//! trip). In a cluster every key shares the prefix's hash tag, so one slot.

use std::collections::HashMap;
use std::sync::LazyLock;

use redis::Script;

use super::{RedisStore, unavailable};
use crate::store::{ApiKeyRecord, ApiKeyStore, KeyCharge, KeyTrip, StoreError};

/// Creates a key unless its record KEYS[1] or its id index KEYS[2] exists: the hash (fields and
/// values from ARGV[5] on, with `call` ARGV[1]), the index (ARGV[3], the digest), and id
/// ARGV[2] scored ARGV[4] in the owner's set KEYS[3] and the set of all KEYS[4]. 1 when
/// created, 0 when refused. ARGV[1] is this call's own value, so the same call run again (the
/// connection retrying after a lost reply) still counts as created.
static CREATE_KEY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  if redis.call('HGET', KEYS[1], 'call') == ARGV[1] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], 'call', ARGV[1], unpack(ARGV, 5))
redis.call('SET', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2])
return 1",
    )
});

/// `record()`: the record key of the id index KEYS[1] (under the prefix ARGV[1]) when both
/// exist, else `nil`.
const RECORD_FN: &str = r"
local function record()
  local digest = redis.call('GET', KEYS[1])
  if not digest then return nil end
  local key = ARGV[1] .. 'apikey:' .. digest
  if redis.call('EXISTS', key) == 0 then return nil end
  return key
end
";

/// A script: [`RECORD_FN`], then `body`.
fn with_record(body: &str) -> Script {
    Script::new(&format!("{RECORD_FN}{body}"))
}

/// The record (`HGETALL`, empty when none) of the id index KEYS[1].
static KEY_BY_ID: LazyLock<Script> = LazyLock::new(|| {
    with_record(
        r"
local key = record()
if not key then return {} end
return redis.call('HGETALL', key)",
    )
});

/// Sets field ARGV[2] of the record of id index KEYS[1] to ARGV[3]: always (`set`), only when
/// unset (`first`), or only when unset or later (`earlier`, for an expiry). 1 when there is
/// such a record, else 0.
static UPDATE_KEY: LazyLock<Script> = LazyLock::new(|| {
    with_record(
        r"
local key = record()
if not key then return 0 end
local mode, field, value = ARGV[4], ARGV[2], ARGV[3]
if mode == 'first' then
  redis.call('HSETNX', key, field, value)
elseif mode == 'earlier' then
  local was = tonumber(redis.call('HGET', key, field) or '')
  if was == nil or was > tonumber(value) then redis.call('HSET', key, field, value) end
else
  redis.call('HSET', key, field, value)
end
return 1",
    )
});

/// Deletes the key of id index KEYS[1] (id ARGV[2]): its record, the index, and its entries in
/// its owner's set and the set of all. 1 when there was a record, else 0.
static DELETE_KEY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local digest = redis.call('GET', KEYS[1])
if not digest then return 0 end
local key = ARGV[1] .. 'apikey:' .. digest
local owner = redis.call('HGET', key, 'owner')
local n = redis.call('DEL', key)
redis.call('DEL', KEYS[1])
if owner then redis.call('ZREM', ARGV[1] .. 'apikeys-owner:' .. owner, ARGV[2]) end
redis.call('ZREM', ARGV[1] .. 'apikeys-all', ARGV[2])
return n",
    )
});

/// The records of the ids in the sorted set KEYS[1], oldest first, under the prefix ARGV[1];
/// ids whose record is gone are dropped from the set on the way.
static LIST_KEYS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local digest = redis.call('GET', ARGV[1] .. 'apikey-id:' .. id)
  local h = {}
  if digest then h = redis.call('HGETALL', ARGV[1] .. 'apikey:' .. digest) end
  if #h > 0 then out[#out + 1] = h else redis.call('ZREM', KEYS[1], id) end
end
return out",
    )
});

impl RedisStore {
    pub(super) fn api_key_key(&self, digest: &str) -> String {
        format!("{}apikey:{digest}", self.prefix)
    }

    fn api_key_id_key(&self, id: &str) -> String {
        format!("{}apikey-id:{id}", self.prefix)
    }

    fn api_keys_of_key(&self, owner: Option<&str>) -> String {
        match owner {
            Some(owner) => format!("{}apikeys-owner:{owner}", self.prefix),
            None => format!("{}apikeys-all", self.prefix),
        }
    }

    /// Sets `field` of key `id` to `value` (see [`UPDATE_KEY`] for `mode`); whether there is
    /// such a key. With `durable`, waits for replicas as a revocation does.
    async fn update_key(
        &self,
        id: &str,
        field: &str,
        value: i64,
        mode: &str,
        durable: bool,
    ) -> Result<bool, StoreError> {
        let index = self.api_key_id_key(id);
        let mut call = UPDATE_KEY.prepare_invoke();
        call.key(&index)
            .arg(&self.prefix)
            .arg(field)
            .arg(value)
            .arg(mode);
        let n: i64 = if durable {
            self.durable(&index, async |conn| call.invoke_async(conn).await)
                .await?
        } else {
            call.invoke_async(&mut self.conn().await?)
                .await
                .map_err(unavailable)?
        };
        Ok(n == 1)
    }
}

/// The hash fields and values of `r` (an unset optional field has none).
fn key_fields(r: &ApiKeyRecord) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("id", r.id.clone()),
        ("digest", r.digest.clone()),
        ("owner", r.owner.clone()),
        ("service", if r.service { "1" } else { "0" }.to_owned()),
        ("name", r.name.clone()),
        (
            "scopes",
            serde_json::Value::from(r.scopes.as_slice()).to_string(),
        ),
        (
            "allowed_ips",
            serde_json::Value::from(r.allowed_ips.as_slice()).to_string(),
        ),
        ("created_at", r.created_at.to_string()),
    ];
    let times = [
        ("expires_at", r.expires_at),
        ("last_used_at", r.last_used_at),
        ("revoked_at", r.revoked_at),
    ];
    fields.extend(
        times
            .into_iter()
            .filter_map(|(f, t)| Some((f, t?.to_string()))),
    );
    fields.extend(r.rate.clone().map(|rate| ("rate", rate)));
    fields
}

pub(super) fn corrupt(field: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::unavailable(format!("API key record: field {field} {why}"))
}

/// A record read back (`None` for an empty hash). A field missing or not parsing is an error,
/// never a default (an empty `allowed_ips` lets any address in).
pub(super) fn key_from_map(
    mut m: HashMap<String, String>,
) -> Result<Option<ApiKeyRecord>, StoreError> {
    if m.is_empty() {
        return Ok(None);
    }
    let mut take = |f: &str| m.remove(f).ok_or_else(|| corrupt(f, "is missing"));
    let (id, digest, owner, name) = (take("id")?, take("digest")?, take("owner")?, take("name")?);
    let (service, scopes, ips) = (take("service")?, take("scopes")?, take("allowed_ips")?);
    let created_at = take("created_at")?;
    let int = |f: &str, v: &str| v.parse::<i64>().map_err(|e| corrupt(f, e));
    let list = |f: &str, v: &str| serde_json::from_str(v).map_err(|e| corrupt(f, e));
    let mut r = ApiKeyRecord::new(id, digest, owner, name, int("created_at", &created_at)?);
    r.service = service == "1";
    r.scopes = list("scopes", &scopes)?;
    r.allowed_ips = list("allowed_ips", &ips)?;
    let mut time = |f: &str| m.remove(f).map(|v| int(f, &v)).transpose();
    r.expires_at = time("expires_at")?;
    r.last_used_at = time("last_used_at")?;
    r.revoked_at = time("revoked_at")?;
    r.rate = m.remove("rate");
    Ok(Some(r))
}

#[async_trait::async_trait]
impl ApiKeyStore for RedisStore {
    async fn create_key(&self, r: &ApiKeyRecord) -> Result<(), StoreError> {
        let mut call = CREATE_KEY.prepare_invoke();
        call.key(self.api_key_key(&r.digest))
            .key(self.api_key_id_key(&r.id))
            .key(self.api_keys_of_key(Some(&r.owner)))
            .key(self.api_keys_of_key(None))
            .arg(uuid::Uuid::new_v4().simple().to_string())
            .arg(&r.id)
            .arg(&r.digest)
            .arg(r.created_at);
        for (field, value) in key_fields(r) {
            call.arg(field).arg(value);
        }
        let created: i64 = call
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        if created != 1 {
            return Err(StoreError::Config(format!(
                "API key {} exists already",
                r.id
            )));
        }
        Ok(())
    }

    /// One round trip: `HGETALL` of the record.
    async fn key_by_digest(&self, digest: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let m: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.api_key_key(digest))
            .query_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        key_from_map(m)
    }

    async fn key_by_id(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let m: HashMap<String, String> = KEY_BY_ID
            .key(self.api_key_id_key(id))
            .arg(&self.prefix)
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        key_from_map(m)
    }

    async fn list_keys(&self, owner: Option<&str>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let maps: Vec<HashMap<String, String>> = LIST_KEYS
            .key(self.api_keys_of_key(owner))
            .arg(&self.prefix)
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        let mut keys = Vec::with_capacity(maps.len());
        for m in maps {
            keys.extend(key_from_map(m)?);
        }
        Ok(keys)
    }

    /// The first revocation's time stands; waits for replicas (`wait_replicas`) as a token's
    /// revocation does.
    async fn revoke_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        self.update_key(id, "revoked_at", at, "first", true).await
    }

    /// One script, so of two rotations at once the earlier expiry stands; waits for replicas
    /// (`wait_replicas`).
    async fn expire_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        self.update_key(id, "expires_at", at, "earlier", true).await
    }

    async fn touch_key(&self, id: &str, at: i64) -> Result<(), StoreError> {
        self.update_key(id, "last_used_at", at, "set", false)
            .await
            .map(|_| ())
    }

    /// One script (`api_key_trip.rs`).
    async fn key_within_rate(
        &self,
        digest: &str,
        now: i64,
        charges: &[KeyCharge<'_>],
    ) -> Option<Result<KeyTrip, StoreError>> {
        Some(self.key_trip(digest, now, charges).await)
    }

    /// Waits for replicas (`wait_replicas`) as a revocation does.
    async fn delete_key(&self, id: &str) -> Result<bool, StoreError> {
        let index = self.api_key_id_key(id);
        let n: i64 = self
            .durable(&index, async |conn| {
                DELETE_KEY
                    .key(&index)
                    .arg(&self.prefix)
                    .arg(id)
                    .invoke_async(conn)
                    .await
            })
            .await?;
        Ok(n == 1)
    }
}
