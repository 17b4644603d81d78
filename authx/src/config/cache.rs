//! Caches in the configuration: the [`VerifyCache`] of verified tokens and the
//! [`NearCache`] of revocation answers.

use std::time::Duration;

use serde::Deserialize;

/// Which verified tokens are remembered ([`VerifyCache`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum VerifyCacheMode {
    /// Every token is verified in full on every request.
    Off,
    /// Tokens signed with RSA, ECDSA or EdDSA only (where the check costs tens of
    /// microseconds or more: identity-provider tokens, key files).
    Asymmetric,
    /// Every token, HMAC ones too: a remembered HS256 token skips its base64, HMAC and claims
    /// JSON, about two thirds of what verifying it costs. The default.
    #[default]
    All,
}

impl std::str::FromStr for VerifyCacheMode {
    type Err = &'static str;

    /// `off`, `asymmetric` or `all`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(VerifyCacheMode::Off),
            "asymmetric" => Ok(VerifyCacheMode::Asymmetric),
            "all" => Ok(VerifyCacheMode::All),
            _ => Err("use off, asymmetric or all"),
        }
    }
}

/// The verified-token cache: a bounded map from the exact bytes of tokens that verified to
/// their claims, each kept until its token expires. A token seen before skips its base64, its
/// signature and its claims JSON; its time claims (`exp`, `nbf`, `iat`) and its liveness
/// (revocation) are still checked on every request. A hit needs the whole token equal
/// (compared in constant time), so a tampered token is always verified in full. An HMAC token
/// is kept from its second verification (tokens seen once evict nothing), an asymmetric one
/// from its first. Reloaded or rotated keys start an empty cache. About 660 bytes per entry for a 250-byte token (the
/// token, its claims and the slot): the default 16,384 entries take about 11 MiB;
/// [`Keys::verify_cache_size`](crate::Keys::verify_cache_size) reports what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct VerifyCache {
    /// Which tokens are cached. Default [`VerifyCacheMode::All`].
    pub mode: VerifyCacheMode,
    /// The most tokens held (per key set and per identity provider), split evenly over 16
    /// shards (so at least 16); a full shard drops its expired entries first, then any. `0`
    /// turns the cache off, as [`VerifyCacheMode::Off`] does. Default 16,384.
    pub capacity: usize,
}

impl Default for VerifyCache {
    fn default() -> Self {
        VerifyCache {
            mode: VerifyCacheMode::All,
            capacity: 16_384,
        }
    }
}

/// The revocation near-cache (Redis and PostgreSQL stores): "not revoked" answers kept in the
/// instance and dropped the moment any instance revokes the key, through the store's own feed
/// (Redis pub/sub, PostgreSQL `LISTEN`/`NOTIFY`). While the feed is down, nothing is cached and
/// every request asks the store. Every instance that revokes must run an authx that publishes
/// (this one and later); [`ttl`](Self::ttl) bounds what a silent writer could leave stale.
/// A connection that dies silently is noticed by a ping every 2 s (within 3 s). On
/// PostgreSQL, `LISTEN` needs a session: behind PgBouncer in transaction pooling, point the
/// store at the database directly, or leave the near-cache off. Keys longer than 256 bytes are
/// never cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct NearCache {
    /// On or off. Default off: every check asks the store.
    pub enabled: bool,
    /// The most keys held (a token and its session are two), split over 16 shards. Default
    /// 100,000.
    pub capacity: usize,
    /// The longest a "not revoked" answer is kept, seconds in serde. Default 60 s.
    #[serde(deserialize_with = "crate::wire::de_secs")]
    pub ttl: Duration,
}

impl Default for NearCache {
    fn default() -> Self {
        NearCache {
            enabled: false,
            capacity: 100_000,
            ttl: Duration::from_secs(60),
        }
    }
}
