//! [`RedisStore`](super::RedisStore)'s Lua scripts. Every write touching more than one key is
//! one script: atomic, one round trip, and one command, which a cluster connection routes (and
//! follows when the slot has moved) like any other; every key a script names shares the
//! store's prefix, so in a cluster they share one slot.

use std::sync::LazyLock;

use redis::Script;

/// A script, hashed once.
macro_rules! script {
    ($(#[$doc:meta])* $name:ident = $src:expr) => {
        $(#[$doc])*
        pub(super) static $name: LazyLock<Script> = LazyLock::new(|| Script::new($src));
    };
}

script! {
    /// Records a revocation (KEYS[1], until ARGV[1]) and announces its key (ARGV[3]) on the
    /// feed's channel (ARGV[2]).
    REVOKE = r"
redis.call('SET', KEYS[1], 1, 'EXAT', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1"
}

/// Adds ARGV[2] to the set KEYS[2] and makes the set live at least until ARGV[1] (a new set has
/// no TTL, and `GT` never sets one on a key without a TTL).
const ADD_TO_SET: &str = r"
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('EXPIREAT', KEYS[2], ARGV[1], 'GT')
redis.call('EXPIREAT', KEYS[2], ARGV[1], 'NX')
return 1";

script! {
    /// Creates a session: the hash KEYS[1] (fields and values from ARGV[3] on) expiring at
    /// ARGV[1], and its index member ARGV[2] (`<created_at, 20 digits>:<id>`) in its
    /// subject's sorted set KEYS[2] (all scores 0: ordered by member, oldest first).
    CREATE_SESSION = r"
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIREAT', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
redis.call('EXPIREAT', KEYS[2], ARGV[1], 'GT')
redis.call('EXPIREAT', KEYS[2], ARGV[1], 'NX')
return 1"
}

/// `ended(key, generation, sid)`: whether the subject end record at `key` (`<generation>` or
/// `<generation> <kept id>`) ends a session of `generation` with id `sid`. A record that does
/// not parse ends every session.
const ENDED_FN: &str = r"
local function ended(key, generation, sid)
  local rec = redis.call('GET', key)
  if not rec then return false end
  local space = string.find(rec, ' ', 1, true)
  local g, keep = tonumber(rec), nil
  if space then
    g = tonumber(string.sub(rec, 1, space - 1))
    keep = string.sub(rec, space + 1)
  end
  if g == nil then return true end
  return tonumber(generation) < g and keep ~= sid
end
";

script! {
    /// Whether any of KEYS but the last (revocations) exists, or the last (a subject's end
    /// record) ends the session of generation ARGV[1] with id ARGV[2]: 1 or 0.
    ANY_REVOKED_OR_ENDED = &format!(
        "{ENDED_FN}
local record = table.remove(KEYS)
if #KEYS > 0 and redis.call('EXISTS', unpack(KEYS)) > 0 then return 1 end
if ended(record, ARGV[1], ARGV[2]) then return 1 end
return 0"
    )
}

script! {
    /// Ends a subject's sessions: replaces its end record KEYS[1] with the next one (see
    /// `SubjectEnd::next`) at ARGV[1] (seconds), kept until ARGV[2], keeping session ARGV[3]
    /// (`''`: none) of generation ARGV[4] when it is still live; announces ARGV[6] on the
    /// channel ARGV[5]. Returns the new generation.
    END_SESSIONS = &format!(
        "{ENDED_FN}
local rec = redis.call('GET', KEYS[1])
local g = 0
if rec then
  g = tonumber(string.match(rec, '^%d+')) or 0
end
local next = math.max(g + 1, tonumber(ARGV[1]))
local value = string.format('%d', next)
if ARGV[3] ~= '' and not ended(KEYS[1], ARGV[4], ARGV[3]) then
  value = value .. ' ' .. ARGV[3]
end
redis.call('SET', KEYS[1], value, 'EXAT', ARGV[2])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return next"
    )
}

/// `live(id)`: the session hash of `id` (under the store prefix ARGV[1]) as a flat list when
/// it is live (not revoked, not expired at ARGV[2], not ended by its subject's end record),
/// else `nil`. Follows [`ENDED_FN`].
const LIVE_FN: &str = r"
local function live(id)
  local h = redis.call('HGETALL', ARGV[1] .. 'session:' .. id)
  local f = {}
  for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
  local expires = tonumber(f.expires_at or '')
  if f.revoked ~= '0' or expires == nil or expires <= tonumber(ARGV[2]) then return nil end
  if tonumber(f.generation or '') ~= nil
    and ended(ARGV[1] .. 'ended:' .. (f.subject or ''), f.generation, id) then
    return nil
  end
  return h
end
";

script! {
    /// One page of a subject's live sessions: at most ARGV[4] hashes from its index KEYS[1],
    /// from member bound ARGV[3] (`-`, or `(` and the last member of the previous page), oldest
    /// first; members of sessions that are gone, revoked or expired are dropped on the way.
    SESSION_PAGE = &format!(
        "{ENDED_FN}{LIVE_FN}
local out, start, limit = {{}}, ARGV[3], tonumber(ARGV[4])
while #out < limit do
  local batch = redis.call('ZRANGE', KEYS[1], start, '+', 'BYLEX', 'LIMIT', 0, limit - #out)
  if #batch == 0 then break end
  for _, m in ipairs(batch) do
    local h = live(string.sub(m, 22))
    if h then out[#out + 1] = h else redis.call('ZREM', KEYS[1], m) end
  end
  start = '(' .. batch[#batch]
end
return out"
    )
}

script! {
    /// The live sessions of index KEYS[1] beyond its ARGV[3] newest, oldest first (at most
    /// ARGV[4] of them); dead members met on the way are dropped (they were counted).
    SESSIONS_BEYOND = &format!(
        "{ENDED_FN}{LIVE_FN}
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
local out, start, most = {{}}, '-', tonumber(ARGV[4])
while over > 0 and #out < most do
  local batch = redis.call('ZRANGE', KEYS[1], start, '+', 'BYLEX', 'LIMIT', 0, over)
  if #batch == 0 then break end
  for _, m in ipairs(batch) do
    local h = live(string.sub(m, 22))
    if h then out[#out + 1] = h else redis.call('ZREM', KEYS[1], m) end
    over = over - 1
  end
  start = '(' .. batch[#batch]
end
return out"
    )
}

script! {
    /// Ends a subject's sessions in its session store, once its end record moved on (what
    /// refuses their tokens and hides them from pages, see [`LIVE_FN`]): drops the index
    /// KEYS[1] at once (`UNLINK`), but for the kept session ARGV[3]; marks revoked every live
    /// session of the set KEYS[2] an earlier authx kept (they have no generation), but ARGV[3].
    /// Returns `{index entries dropped, ids from the earlier set}`.
    END_SUBJECT_SESSIONS = &format!(
        "{ENDED_FN}{LIVE_FN}
local count, unstamped, kept = redis.call('ZCARD', KEYS[1]), {{}}, nil
if ARGV[3] ~= '' then
  local c = redis.call('HGET', ARGV[1] .. 'session:' .. ARGV[3], 'created_at')
  if c then
    local m = string.format('%020d', tonumber(c) or 0) .. ':' .. ARGV[3]
    if redis.call('ZSCORE', KEYS[1], m) then kept = m end
  end
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if id ~= ARGV[3] then
    local h = live(id)
    if h then
      redis.call('HSET', ARGV[1] .. 'session:' .. id, 'revoked', '1')
      unstamped[#unstamped + 1] = id
      local c = redis.call('HGET', ARGV[1] .. 'session:' .. id, 'created_at')
      local m = string.format('%020d', tonumber(c) or 0) .. ':' .. id
      if not redis.call('ZSCORE', KEYS[1], m) then count = count + 1 end
    end
    redis.call('SREM', KEYS[2], id)
  end
end
local ttl = redis.call('EXPIRETIME', KEYS[1])
redis.call('UNLINK', KEYS[1])
if kept then
  count = count - 1
  redis.call('ZADD', KEYS[1], 0, kept)
  if ttl > 0 then redis.call('EXPIREAT', KEYS[1], ttl) end
end
return {{count, unstamped}}"
    )
}

script! {
    /// Allowlists a token: KEYS[1] holds its subject (ARGV[3]) until ARGV[1], and its jti
    /// (ARGV[2]) joins the subject's set KEYS[2].
    ALLOW = &format!(
        "redis.call('SET', KEYS[1], ARGV[3], 'EXAT', ARGV[1])
{ADD_TO_SET}"
    )
}

script! {
    /// Every session hash named in KEYS, in order (empty for a session that is gone), with
    /// `revoked` 1 for one its subject's end record (under the prefix ARGV[1]) ended.
    LOAD_SESSIONS = &format!(
        "{ENDED_FN}
local found = {{}}
for i, key in ipairs(KEYS) do
  local h = redis.call('HGETALL', key)
  local f = {{}}
  for j = 1, #h, 2 do f[h[j]] = j end
  if f.generation and tonumber(h[f.generation + 1]) ~= nil and f.revoked and f.subject and f.id
    and ended(ARGV[1] .. 'ended:' .. h[f.subject + 1], h[f.generation + 1], h[f.id + 1]) then
    h[f.revoked + 1] = '1'
  end
  found[i] = h
end
return found"
    )
}

script! {
    /// Marks a session seen at ARGV[1], and extends it (and its subject's set KEYS[2]) to
    /// ARGV[2] when that is later.
    TOUCH = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
local exp = tonumber(ARGV[2])
if exp > tonumber(redis.call('HGET', KEYS[1], 'expires_at') or '0') then
  redis.call('HSET', KEYS[1], 'expires_at', ARGV[2])
  redis.call('EXPIREAT', KEYS[1], exp)
  redis.call('EXPIREAT', KEYS[2], exp, 'GT')
end
return 1"
}

script! {
    /// Advances a token family's live refresh token from ARGV[1] to ARGV[2] (until ARGV[3]),
    /// when ARGV[1] is live or nothing is recorded. Already at ARGV[2] (a fresh id, so this
    /// very call, run again by a client retrying after a lost reply) counts as done.
    ADVANCE_FAMILY = r"
local head = redis.call('GET', KEYS[1])
if head == false or head == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
  return 1
end
if head == ARGV[2] then return 1 end
return 0"
}

script! {
    /// Marks the session KEYS[1] revoked, once, and drops it from its subject's index (under
    /// the prefix ARGV[1]).
    MARK_REVOKED = r"
local f = redis.call('HMGET', KEYS[1], 'revoked', 'subject', 'created_at', 'id')
if f[1] == '0' then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  local member = string.format('%020d', tonumber(f[3]) or 0) .. ':' .. (f[4] or '')
  redis.call('ZREM', ARGV[1] .. (f[2] or ''), member)
  return 1
end
return 0"
}

script! {
    /// Withdraws one allowlisted token: `GETDEL` its key and drop it from its subject's set.
    WITHDRAW = r"
local subject = redis.call('GETDEL', KEYS[1])
if not subject then return 0 end
redis.call('SREM', ARGV[1] .. subject, ARGV[2])
return 1"
}

script! {
    /// Withdraws every allowlisted token of a subject.
    WITHDRAW_SUBJECT = r"
local n = 0
for _, jti in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  n = n + redis.call('DEL', ARGV[1] .. jti)
end
redis.call('DEL', KEYS[1])
return n"
}

/// `gcra(key, interval, window, write)`: GCRA's decision for `key` on Redis's own clock
/// (interval and window in microseconds), `{allowed, remaining, reset, retry}`, recorded when
/// allowed and `write`. What every rate script shares, so a peek, a check and a check folded
/// into another round trip cannot disagree.
pub(super) const GCRA_FN: &str = r"
local function gcra(key, interval, window, write)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local ahead = new_tat - now
  if ahead > window then
    return {0, 0, tat - now, ahead - window}
  end
  if write then
    redis.call('SET', key, string.format('%d', new_tat), 'PX', math.ceil(ahead / 1000) + 1)
  end
  return {1, math.floor((window - ahead) / interval), ahead, 0}
end
";

script! {
    /// A rate decision for KEYS[1] (interval ARGV[1] and window ARGV[2], microseconds):
    /// `{allowed, remaining, reset, retry}`. One atomic script, one round trip.
    GCRA = &format!(
        "{GCRA_FN}
return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), true)"
    )
}

script! {
    /// [`GCRA`]'s decision for KEYS[1] now, with its arithmetic, and nothing written: a
    /// [`RateLimiter::peek`](crate::store::rate::RateLimiter::peek).
    GCRA_PEEK = &format!(
        "{GCRA_FN}
return gcra(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), false)"
    )
}

script! {
    /// [`GCRA`] on the last key, unless one of the other keys (revocations) exists, or, with
    /// ARGV[3] and ARGV[4] (a session's generation and id), the key before the last (its
    /// subject's end record) ends the session: then `{-1, 0, 0, 0}` and nothing is counted. A
    /// token's revocation, its session's end and its rate limit in one round trip.
    GCRA_UNLESS_REVOKED = &format!(
        "{ENDED_FN}{GCRA_FN}
local rate = table.remove(KEYS)
if #ARGV > 2 and ended(table.remove(KEYS), ARGV[3], ARGV[4]) then
  return {{-1, 0, 0, 0}}
end
if #KEYS > 0 and redis.call('EXISTS', unpack(KEYS)) > 0 then
  return {{-1, 0, 0, 0}}
end
return gcra(rate, tonumber(ARGV[1]), tonumber(ARGV[2]), true)"
    )
}
