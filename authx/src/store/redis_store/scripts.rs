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
    /// ARGV[1], and its id ARGV[2] in its subject's set KEYS[2].
    CREATE_SESSION = &format!(
        "redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIREAT', KEYS[1], ARGV[1])
{ADD_TO_SET}"
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
    /// Every session hash named in KEYS, in order (empty for a session that is gone).
    LOAD_SESSIONS = r"
local found = {}
for i, key in ipairs(KEYS) do
  found[i] = redis.call('HGETALL', key)
end
return found"
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
    /// Records KEYS[1] until ARGV[2] unless it is recorded: 1 for the first use, 0 for a
    /// replay. ARGV[1] is this call's own value, so the same call run again (a client retrying
    /// after a lost reply) still counts as the first.
    REVOKE_ONCE = r"
local held = redis.call('GET', KEYS[1])
if held == false then
  redis.call('SET', KEYS[1], ARGV[1], 'EXAT', ARGV[2])
  return 1
end
if held == ARGV[1] then return 1 end
return 0"
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
    /// Marks the session KEYS[1] revoked, once.
    MARK_REVOKED = r"
if redis.call('HGET', KEYS[1], 'revoked') == '0' then
  redis.call('HSET', KEYS[1], 'revoked', '1')
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

/// GCRA on Redis's own clock: one atomic script per decision, one round trip.
const GCRA_SRC: &str = r"
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

script! {
    /// A rate decision for KEYS[1] (interval ARGV[1] and window ARGV[2], microseconds):
    /// `{allowed, remaining, reset, retry}`.
    GCRA = GCRA_SRC
}

script! {
    /// [`GCRA`] on the last key, unless one of the other keys (revocations) exists: then
    /// `{-1, 0, 0, 0}` and nothing is counted. A token's revocation and its rate limit in one
    /// round trip.
    GCRA_UNLESS_REVOKED = &format!(
        "local rate = table.remove(KEYS)
if #KEYS > 0 and redis.call('EXISTS', unpack(KEYS)) > 0 then
  return {{-1, 0, 0, 0}}
end
KEYS[1] = rate
{GCRA_SRC}"
    )
}
