//! [`RedisStore`]'s API-key request in one round trip: the record by digest, its revocation
//! and its rate limits in one script ([`KEY_WITHIN_RATE`]).

use std::sync::LazyLock;

use redis::Script;

use super::api_keys::{corrupt, key_from_map};
use super::scripts::GCRA_FN;
use super::{RedisStore, unavailable};
use crate::store::rate::RateDecision;
use crate::store::{KeyCharge, KeyChecked, KeyTrip, StoreError};

/// A key request in one round trip: the record KEYS[1]; when it is live at ARGV[2] (seconds),
/// limited to no addresses and its tier (`rate`) parses, whether its id or family key is
/// revoked (under the prefix ARGV[1]); when not, each charge of ARGV[3..] (`bucket`, `per_key`
/// 1/0, interval and window in microseconds, interval 0 for the record's tier) by
/// [`GCRA_FN`], up to the first refusal. Returns `{}` (no record), `{hash, 0}` (only read),
/// `{hash, -1}` (revoked) or `{hash, 1, decisions}` (`{}` for a tier the record has not).
static KEY_WITHIN_RATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(&format!(
        "{GCRA_FN}{}",
        r"
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {} end
local f = {}
for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
local expires = tonumber(f.expires_at or '')
if f.revoked_at or not f.id or (expires and expires <= tonumber(ARGV[2]))
  or f.allowed_ips ~= '[]' then
  return {h, 0}
end
local tier_interval, tier_window = nil, nil
if f.rate then
  local c, n, unit = string.match(f.rate, '^(%d+)/(%d+)(m?s)$')
  c, n = tonumber(c), tonumber(n)
  if not c or c == 0 or n == 0 then return {h, 0} end
  tier_window = n * (unit == 'ms' and 1000 or 1000000)
  tier_interval = math.max(math.floor(tier_window / c), 1)
end
local p = ARGV[1]
if redis.call('EXISTS', p .. 'revoked:' .. f.id, p .. 'revoked:sid:' .. f.id) > 0 then
  return {h, -1}
end
local out = {}
for i = 3, #ARGV, 4 do
  local bucket, interval, window = ARGV[i], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  if ARGV[i + 1] == '1' then bucket = bucket .. f.id end
  if interval == 0 then interval, window = tier_interval, tier_window end
  if interval then
    local d = gcra(p .. 'rate:' .. bucket, interval, window, true)
    out[#out + 1] = d
    if d[1] == 0 then break end
  else
    out[#out + 1] = {}
  end
end
return {h, 1, out}"
    ))
});

impl RedisStore {
    /// [`KEY_WITHIN_RATE`], its answer read back.
    pub(super) async fn key_trip(
        &self,
        digest: &str,
        now: i64,
        charges: &[KeyCharge<'_>],
    ) -> Result<KeyTrip, StoreError> {
        let mut call = KEY_WITHIN_RATE.prepare_invoke();
        call.key(self.api_key_key(digest))
            .arg(&self.prefix)
            .arg(now);
        let mut limits = Vec::with_capacity(charges.len());
        for c in charges {
            let (interval, window) = match c.limit {
                Some((count, window)) => {
                    let window = i64::try_from(window.as_micros()).unwrap_or(i64::MAX).max(1);
                    ((window / i64::from(count.max(1))).max(1), window)
                }
                None => (0, 0),
            };
            limits.push(c.limit.map(|(count, _)| count));
            call.arg(c.bucket)
                .arg(if c.per_key { "1" } else { "0" })
                .arg(interval)
                .arg(window);
        }
        let reply: Vec<redis::Value> = call
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        let mut reply = reply.into_iter();
        let Some(hash) = reply.next() else {
            return Ok(KeyTrip::Unknown);
        };
        let read = |e: redis::ParsingError| corrupt("reply", e);
        let record = key_from_map(redis::from_redis_value(hash).map_err(read)?)?
            .ok_or_else(|| corrupt("reply", "has an empty record"))?;
        let state: i64 = match reply.next() {
            Some(v) => redis::from_redis_value(v).map_err(read)?,
            None => 0,
        };
        let checked = match state {
            -1 => KeyChecked::Revoked,
            1 => {
                let decisions: Vec<Vec<i64>> = match reply.next() {
                    Some(v) => redis::from_redis_value(v).map_err(read)?,
                    None => Vec::new(),
                };
                let tier = record.rate.as_deref().and_then(tier_count);
                let decisions = decisions
                    .iter()
                    .zip(limits)
                    .map(|(d, count)| decision(d, count.or(tier)?))
                    .collect();
                KeyChecked::Counted(decisions)
            }
            _ => KeyChecked::Read,
        };
        Ok(KeyTrip::Found(Box::new(record), checked))
    }
}

/// A tier's count (`1000/60s` counts 1000).
fn tier_count(rate: &str) -> Option<u32> {
    authx_spec::RateSpec::parse(rate).ok().map(|s| s.count)
}

/// One `{allowed, remaining, reset, retry}` of [`GCRA_FN`] (`{}`: no such limit), of `count`.
fn decision(d: &[i64], count: u32) -> Option<RateDecision> {
    let us = |v: i64| std::time::Duration::from_micros(u64::try_from(v).unwrap_or(0));
    match *d {
        [1, remaining, reset, _] => Some(RateDecision::allowed(
            count,
            u32::try_from(remaining).unwrap_or(0),
            us(reset),
        )),
        [_, _, reset, retry] => Some(RateDecision::refused(count, us(reset), us(retry))),
        _ => None,
    }
}
