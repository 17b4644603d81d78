//! [`ApiKeyStore`]: API keys, by the keyed digest of the key.

use std::time::Duration;

use super::StoreError;
use super::rate::RateDecision;

/// One API key as stored: never the key, only its keyed digest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiKeyRecord {
    /// The public id (`ak_…`): what lists, logs, metrics and revocations name.
    pub id: String,
    /// HMAC-SHA-256 of the key under the server's pepper, in hex. Unique.
    pub digest: String,
    /// Who the key acts for: a user's subject, or a service account's name.
    pub owner: String,
    /// `owner` is a service account, not a user.
    pub service: bool,
    /// A name its owner gave it ("deploy script").
    pub name: String,
    /// Scopes, in the grammar of token scopes.
    pub scopes: Vec<String>,
    /// Created, seconds since the epoch.
    pub created_at: i64,
    /// It stops working at this time (seconds since the epoch); `None`: never.
    pub expires_at: Option<i64>,
    /// Last used (seconds since the epoch, written at most once per touch interval).
    pub last_used_at: Option<i64>,
    /// Its own rate limit (a tier), as a rate spec such as `"1000/60s"`.
    pub rate: Option<String>,
    /// Addresses or CIDR networks it may come from; empty: any.
    pub allowed_ips: Vec<String>,
    /// Revoked at (seconds since the epoch): refused from then on.
    pub revoked_at: Option<i64>,
}

impl ApiKeyRecord {
    /// A record with these parts and nothing optional set (the engine's
    /// [`ApiKeys::create`](crate::ApiKeys::create) fills it).
    pub fn new(id: String, digest: String, owner: String, name: String, created_at: i64) -> Self {
        ApiKeyRecord {
            id,
            digest,
            owner,
            service: false,
            name,
            scopes: Vec::new(),
            created_at,
            expires_at: None,
            last_used_at: None,
            rate: None,
            allowed_ips: Vec::new(),
            revoked_at: None,
        }
    }

    /// Whether it works at `now`: not revoked, not expired.
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

/// API keys, looked up by the keyed digest of the key a client sends.
///
/// # What it stores
///
/// One [`ApiKeyRecord`] per key, unique by `id` and by `digest`; never the key itself. Records
/// are kept after revocation or expiry (lists show them), until
/// [`delete_key`](Self::delete_key).
///
/// # Atomicity
///
/// [`create_key`](Self::create_key) refuses a second record with the same id or digest.
/// The updates (`revoke_key`, `expire_key`, `touch_key`) change one field of one record;
/// `expire_key` only ever moves an expiry earlier, so two rotations at once leave the earlier.
///
/// Implemented by [`MemoryStore`](super::MemoryStore), `SqlStore` (table `authx_api_keys`,
/// lists as JSON) and `RedisStore` (a hash at `<prefix>apikey:<digest>`; `<prefix>apikey-id:<id>`
/// and sorted sets per owner and of all ids; a key request's record, revocation and rate
/// limits in one script, see [`key_within_rate`](Self::key_within_rate)); prove your own with
/// `authx::testing::stores::api_keys` (feature `testing`).
#[async_trait::async_trait]
pub trait ApiKeyStore: Send + Sync + 'static {
    /// Stores a new key; an existing id or digest is an error.
    async fn create_key(&self, record: &ApiKeyRecord) -> Result<(), StoreError>;
    /// The key with this digest, live or not.
    async fn key_by_digest(&self, digest: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// The key with this id, live or not.
    async fn key_by_id(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// Every key of `owner` (every key when `None`), oldest first.
    async fn list_keys(&self, owner: Option<&str>) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// Marks the key revoked at `at`; `false` when there is no such key.
    async fn revoke_key(&self, id: &str, at: i64) -> Result<bool, StoreError>;
    /// Sets the key's expiry to `at` unless it expires earlier already (a rotation's overlap);
    /// `false` when there is no such key.
    async fn expire_key(&self, id: &str, at: i64) -> Result<bool, StoreError>;
    /// Records a use at `at`.
    async fn touch_key(&self, id: &str, at: i64) -> Result<(), StoreError>;
    /// Forgets the key; `false` when there was none.
    async fn delete_key(&self, id: &str) -> Result<bool, StoreError>;

    /// A key request's reads and charges in one round trip, for a store that is also the
    /// engine's revocation store and rate limiter (Redis): the record of `digest`; when it is
    /// live at `now` (seconds) and limited to no addresses, whether its id (or its family key
    /// `sid:<id>`) is revoked; when not, each of `charges` in order as
    /// [`RateLimiter::check`](crate::rate::RateLimiter::check) counts it, up to the first
    /// refusal. `None` (the default) for a store that cannot: the engine then reads the record
    /// with [`key_by_digest`](Self::key_by_digest) and asks its revocation store and rate
    /// limiter in turn, in the same order. The engine calls it only when this store is both.
    async fn key_within_rate(
        &self,
        digest: &str,
        now: i64,
        charges: &[KeyCharge<'_>],
    ) -> Option<Result<KeyTrip, StoreError>> {
        let _ = (digest, now, charges);
        None
    }
}

/// A rate limit counted in [`ApiKeyStore::key_within_rate`]'s round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyCharge<'a> {
    /// The limiter key, to which the key's id is appended when `per_key`.
    pub bucket: &'a str,
    /// The bucket is the key's own: its id follows `bucket`.
    pub per_key: bool,
    /// `count` per `window`; `None`: the record's own [`rate`](ApiKeyRecord::rate) (its
    /// tier), skipped when it has none.
    pub limit: Option<(u32, Duration)>,
}

impl<'a> KeyCharge<'a> {
    /// `count` per `window` on `bucket` (followed by the key's id when `per_key`).
    pub fn new(bucket: &'a str, per_key: bool, count: u32, window: Duration) -> Self {
        KeyCharge {
            bucket,
            per_key,
            limit: Some((count, window)),
        }
    }

    /// The record's own rate, on `bucket` followed by the key's id.
    pub fn tier(bucket: &'a str) -> Self {
        KeyCharge {
            bucket,
            per_key: true,
            limit: None,
        }
    }
}

/// What [`ApiKeyStore::key_within_rate`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyTrip {
    /// No key has this digest.
    Unknown,
    /// The key's record, and how far the round trip went.
    Found(Box<ApiKeyRecord>, KeyChecked),
}

/// How far [`ApiKeyStore::key_within_rate`] went for a record it found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyChecked {
    /// Only read: the record is revoked, expired, limited to addresses, or has a tier that
    /// does not parse. Nothing was counted; the engine decides and charges.
    Read,
    /// Its id or family key is revoked: nothing was counted.
    Revoked,
    /// Live; one decision per charge, in order (`None` for a tier the record does not have),
    /// up to and including the first refusal.
    Counted(Vec<Option<RateDecision>>),
}
