//! Redis: revocations and sessions shared by every instance behind a load balancer.

#[cfg(feature = "redis-cluster")]
mod acked;
mod allowlist;
mod api_key_trip;
mod api_keys;
mod cluster;
#[cfg(feature = "redis-cluster")]
mod cluster_url;
mod ended;
mod factors;
mod family;
mod feed;
mod policies;
mod rate;
mod replay;
mod scripts;
mod sessions;

use std::collections::HashMap;
use std::sync::Arc;

use cluster::{Conn, Lazy, Target};

use super::{RevocationStore, Session, SessionMark, StoreError};
use crate::clock::SharedClock;

/// Revocations and sessions in Redis.
///
/// Keys (prefix `authx:` by default): `revoked:<key>` (expires with the token it refuses, via
/// `EXAT`), `session:<id>` (a hash, expiring with the session), `sessions-by-age:<subject>` (a
/// sorted set of `<created_at>:<id>`, read a page at a time), `ended:<subject>` (the subject's
/// session generation, see [`SubjectEnd`](crate::store::SubjectEnd)), `replay:<key>` (a DPoP
/// proof's replay record, [`ReplayStore`](crate::store::ReplayStore), expiring via `EXAT`),
/// `apikey:<digest>` (an API key's record, a hash, looked up in one `HGETALL`) with
/// `apikey-id:<id>` (its digest) and the sorted sets `apikeys-owner:<owner>` and
/// `apikeys-all` (ids by creation time; see [`ApiKeyStore`](crate::store::ApiKeyStore)),
/// `policies` (a hash of policy sources) with `policies-version` (see
/// [`PolicyStore`](crate::store::PolicyStore)), `factors:<kind>:<subject>` (a subject's
/// factor records of a kind, a hash of id to value, see
/// [`FactorStore`](crate::store::FactorStore)). One
/// multiplexed connection, reconnecting by itself; opened on first use, so a
/// Redis that is down at start-up answers `503` until it is back. A token and its session are
/// checked in one `EXISTS` round trip; a refresh-token rotation is one script on its family's
/// `family:<sid>` record.
///
/// A Redis Cluster (`redis+cluster://host1:6379,host2:6379`, cargo feature `redis-cluster`)
/// keeps every key in one hash slot (the prefix in braces: `{authx:}revoked:<key>`), so each of
/// these stays one round trip; `?wait_replicas=1` makes a revocation wait until a replica holds
/// it, so none is lost when a master fails over.
#[derive(Clone)]
pub struct RedisStore {
    target: Arc<Target>,
    conn: Arc<Lazy>,
    /// Where revocations that wait for replicas are written (Redis holds a connection in
    /// `WAIT`, so not the one the checks use).
    writes: Arc<Lazy>,
    prefix: String,
    /// Where "now" comes from for what this store decides itself (an expiry already past);
    /// Redis expires keys (`EXAT`) and counts rate windows (`TIME`) by its own clock.
    clock: SharedClock,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("cluster", &self.target.is_cluster())
            .finish_non_exhaustive()
    }
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::unavailable(e)
}

impl RedisStore {
    /// A store at `url` with key prefix `authx:`: `redis://host:port/db` (or `rediss://`) for
    /// one server, `redis+cluster://[:password@]host1:port,host2:port[?wait_replicas=N]` for a
    /// cluster (cargo feature `redis-cluster`). Does not connect yet.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        Self::with_prefix(url, "authx:")
    }

    /// Like [`new`](Self::new) with another key prefix (to share a Redis between apps). In a
    /// cluster the prefix is put in braces, a hash tag, unless it holds one already (an empty
    /// one is refused): a prefix such as `{authx}:` names the same keys on one server and on a
    /// cluster.
    pub fn with_prefix(url: &str, prefix: &str) -> Result<Self, StoreError> {
        let target = Target::open(url)?;
        Ok(RedisStore {
            prefix: target.prefix(prefix)?,
            target: Arc::new(target),
            conn: Arc::default(),
            writes: Arc::default(),
            clock: crate::clock::system(),
        })
    }

    /// This store, reading time from `clock` (the engine's: [`connect`](crate::store::connect)
    /// and [`AuthBuilder::connect`](crate::AuthBuilder::connect) hand it over) where it decides
    /// itself: whether an expiry is already past, and the least expiry of a replay record.
    /// Redis still expires keys and counts rate windows by its own clock.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Now, in seconds, on this store's clock.
    fn now(&self) -> i64 {
        self.clock.now()
    }

    async fn conn(&self) -> Result<Conn, StoreError> {
        self.conn.get(&self.target).await
    }

    /// Writes `key` (a revocation) with `write` and, in a cluster with `wait_replicas`, waits
    /// until replicas hold it, over a connection of its own.
    async fn durable<T, F>(&self, key: &str, write: F) -> Result<T, StoreError>
    where
        F: AsyncFnOnce(&mut Conn) -> redis::RedisResult<T>,
    {
        if !self.target.waits_for_replicas() {
            return write(&mut self.conn().await?).await.map_err(unavailable);
        }
        let mut conn = self.target.acked(self.writes.get(&self.target).await?, key);
        let written = write(&mut conn).await.map_err(unavailable)?;
        self.target.replicated(&conn)?;
        Ok(written)
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

    /// A subject's session index (a sorted set).
    fn subject_key(&self, subject: &str) -> String {
        format!("{}{}{subject}", self.prefix, Self::INDEX)
    }

    /// Where each subject's session index is (the prefix of [`subject_key`](Self::subject_key)).
    const INDEX: &str = "sessions-by-age:";

    /// The set of session ids an earlier authx kept per subject.
    fn legacy_subject_key(&self, subject: &str) -> String {
        format!("{}sessions:{subject}", self.prefix)
    }

    fn ended_key(&self, subject: &str) -> String {
        format!("{}ended:{subject}", self.prefix)
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
        let mut load = scripts::LOAD_SESSIONS.prepare_invoke();
        for id in ids {
            load.key(self.session_key(id));
        }
        load.arg(&self.prefix);
        let maps: Vec<HashMap<String, String>> = load
            .invoke_async(&mut self.conn().await?)
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
        generation: m.get("generation").and_then(|v| v.parse().ok()),
    })
}

#[async_trait::async_trait]
impl RevocationStore for RedisStore {
    async fn revoke(&self, key: &str, expires_at: i64) -> Result<(), StoreError> {
        if expires_at <= self.now() {
            return Ok(());
        }
        // Written and announced in one script, for the near-caches of every instance.
        let revoked = self.revoked_key(key);
        self.durable(&revoked, async |conn| {
            scripts::REVOKE
                .key(&revoked)
                .arg(expires_at)
                .arg(self.channel())
                .arg(key)
                .invoke_async::<i64>(conn)
                .await
        })
        .await
        .map(|_| ())
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

    async fn any_revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        match session {
            Some(session) => self.revoked_or_ended(keys, session).await,
            None => self.any_revoked(keys).await,
        }
    }

    async fn session_generation(&self, subject: &str) -> Result<u64, StoreError> {
        self.generation(subject).await
    }

    async fn end_sessions(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        self.end(subject, keep, now, expires_at).await
    }

    async fn live_within_rate(
        &self,
        keys: &[&str],
        session: Option<&crate::store::SessionMark<'_>>,
        rate_key: &str,
        count: u32,
        window: std::time::Duration,
    ) -> Option<Result<crate::store::rate::Unrevoked, StoreError>> {
        let found = self
            .gcra(
                &scripts::GCRA_UNLESS_REVOKED,
                keys,
                session,
                rate_key,
                count,
                window,
            )
            .await;
        Some(found.map(|d| {
            d.map_or(
                crate::store::rate::Unrevoked::Revoked,
                crate::store::rate::Unrevoked::Rate,
            )
        }))
    }
}
