//! What a [`RedisStore`](super::RedisStore) talks to: one Redis server (`redis://`), or a Redis
//! Cluster (`redis+cluster://host1:6379,host2:6379`, cargo feature `redis-cluster`).
//!
//! In a cluster every authx key carries one hash tag (the key prefix in braces, `{authx:}`),
//! so they share one slot: a token's revocation, its session's and its route's rate limit stay
//! one atomic script in one round trip, and the multi-key writes (a session and its subject's
//! set) stay atomic. The cluster gives authx failover to a replica; authx's own load lands on
//! the master of that slot (with the near-cache, revocation reads mostly stay in memory), and
//! apps sharing the cluster under other prefixes land on other slots.
//!
//! Replication is asynchronous, so a master that dies may take its last writes with it. With
//! `?wait_replicas=N` every revocation (and allowlist withdrawal) is acknowledged only once `N`
//! replicas hold it (`WAIT`), within `wait_timeout_ms` (default 200): then no acknowledged
//! revocation is lost when a replica takes over; a revocation the replicas did not confirm in
//! time fails with [`StoreError::Unavailable`] (the write stands; revoking again is harmless).
//! Redis holds a connection in `WAIT` until it ends, so these writes go over a connection of
//! their own and never delay the checks (concurrent revocations do queue behind one another's
//! `WAIT` there, which only shows while replicas lag). `WAIT` counts only the writes made on
//! its own connection, so each write goes out with its `WAIT` right behind it, in one request
//! to the node serving the key's slot (a retry resends both): a `WAIT` on a connection opened
//! after the write would find nothing to wait for and report every replica at once.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use redis::aio::ConnectionManager;

use crate::store::StoreError;

/// A Redis server, or a cluster.
pub(super) enum Target {
    Single(redis::Client),
    #[cfg(feature = "redis-cluster")]
    Cluster(Box<Cluster>),
}

/// A cluster: its client, its seed nodes (where the revocation feed looks for the slot's
/// master), and how many replicas must acknowledge a revocation.
#[cfg(feature = "redis-cluster")]
pub(super) struct Cluster {
    client: redis::cluster::ClusterClient,
    pub(super) nodes: Vec<redis::Client>,
    pub(super) next_node: std::sync::atomic::AtomicUsize,
    wait: Option<(u32, Duration)>,
}

/// An open connection to either, reconnecting by itself.
#[derive(Clone)]
pub(super) enum Conn {
    Single(ConnectionManager),
    #[cfg(feature = "redis-cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
    /// A cluster connection whose writes each carry their `WAIT` (see `acked.rs`).
    #[cfg(feature = "redis-cluster")]
    Acked(Box<super::acked::Acked>),
}

/// How long a connection attempt and a reply may take, and how often a command is retried.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const RETRIES: u32 = 1;
#[cfg(feature = "redis-cluster")]
const CLUSTER_RETRIES: u32 = 3;

impl Target {
    /// The target `url` names: `redis://` and `rediss://` one server, `redis+cluster://` a
    /// cluster.
    pub(super) fn open(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split_once("://").map_or("", |(s, _)| s);
        if scheme.eq_ignore_ascii_case("redis+cluster")
            || scheme.eq_ignore_ascii_case("rediss+cluster")
        {
            return cluster(url);
        }
        redis::Client::open(url)
            .map(Target::Single)
            .map_err(|e| StoreError::Config(format!("bad Redis URL: {e}")))
    }

    /// The key prefix to use for `prefix`: as given for one server; in a cluster, in braces
    /// (a hash tag) unless it holds one already, so every key lands in one slot.
    pub(super) fn prefix(&self, prefix: &str) -> Result<String, StoreError> {
        match self {
            Target::Single(_) => Ok(prefix.to_owned()),
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(_) if prefix.is_empty() => Err(StoreError::Config(
                "a cluster needs a key prefix (its hash tag keeps authx's keys in one slot)".into(),
            )),
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(_) if has_hash_tag(prefix) => Ok(prefix.to_owned()),
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(_) => {
                let tagged = format!("{{{prefix}}}");
                if has_hash_tag(&tagged) {
                    Ok(tagged)
                } else {
                    Err(StoreError::Config(format!(
                        "the key prefix {prefix:?} makes no hash tag in braces: give one, such as \"{{authx}}:\""
                    )))
                }
            }
        }
    }

    pub(super) fn is_cluster(&self) -> bool {
        !matches!(self, Target::Single(_))
    }

    /// Whether revocations wait for replicas, and so need a connection of their own.
    pub(super) fn waits_for_replicas(&self) -> bool {
        match self {
            Target::Single(_) => false,
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(c) => c.wait.is_some(),
        }
    }

    async fn connect(&self) -> Result<Conn, StoreError> {
        match self {
            Target::Single(client) => {
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_number_of_retries(RETRIES as usize);
                client
                    .get_connection_manager_with_config(config)
                    .await
                    .map(Conn::Single)
            }
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(c) => c.client.get_async_connection().await.map(Conn::Cluster),
        }
        .map_err(StoreError::unavailable)
    }

    /// `conn`, made to send a `WAIT` for the configured replicas behind each write to `key`'s
    /// slot (a cluster with `wait_replicas`); else `conn` as it is.
    pub(super) fn acked(&self, conn: Conn, key: &str) -> Conn {
        #[cfg(feature = "redis-cluster")]
        if let (Target::Cluster(c), Conn::Cluster(conn)) = (self, &conn)
            && let Some((replicas, timeout)) = c.wait
        {
            let acked = super::acked::Acked::new(conn.clone(), key, replicas, timeout);
            return Conn::Acked(Box::new(acked));
        }
        #[cfg(not(feature = "redis-cluster"))]
        let _ = key;
        conn
    }

    /// After a write through [`acked`](Self::acked): whether the configured number of
    /// replicas acknowledged it (known at once: the `WAIT` answered with the write).
    pub(super) fn replicated(&self, conn: &Conn) -> Result<(), StoreError> {
        match conn {
            #[cfg(feature = "redis-cluster")]
            Conn::Acked(acked) => acked.replicated(),
            _ => Ok(()),
        }
    }
}

/// A connection opened on first use, by one attempt at a time. The attempt runs in a task of
/// its own, so a caller that gives up (its store timeout) does not abandon it: a cluster client
/// waits for every seed node, and a slow one would otherwise keep each caller from ever
/// connecting. Callers that come meanwhile wait for that same attempt; the first caller after
/// a failed one starts the next.
#[derive(Default)]
pub(super) struct Lazy {
    conn: OnceLock<Conn>,
    attempt: Mutex<Option<Attempt>>,
}

type Attempt = Shared<BoxFuture<'static, Result<Conn, StoreError>>>;

impl Lazy {
    pub(super) async fn get(self: &Arc<Self>, target: &Arc<Target>) -> Result<Conn, StoreError> {
        if let Some(conn) = self.conn.get() {
            return Ok(conn.clone());
        }
        let attempt = {
            let mut slot = self.attempt.lock().unwrap_or_else(PoisonError::into_inner);
            match &*slot {
                Some(attempt) if !matches!(attempt.peek(), Some(Err(_))) => attempt.clone(),
                _ => {
                    let attempt = self.attempt(target.clone());
                    *slot = Some(attempt.clone());
                    attempt
                }
            }
        };
        attempt.await
    }

    /// One connection attempt, in its own task; on success the connection is kept.
    fn attempt(self: &Arc<Self>, target: Arc<Target>) -> Attempt {
        let lazy = self.clone();
        let task = tokio::spawn(async move {
            let conn = target.connect().await.inspect_err(|e| {
                tracing::debug!(error = %e, "authx: cannot connect to Redis");
            })?;
            let _ = lazy.conn.set(conn.clone());
            Ok(conn)
        });
        async move {
            match task.await {
                Ok(connected) => connected,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => Err(StoreError::unavailable(e)),
            }
        }
        .boxed()
        .shared()
    }
}

/// Whether `key` holds a Redis hash tag: a `{`, then a `}` later with something between.
#[cfg(feature = "redis-cluster")]
fn has_hash_tag(key: &str) -> bool {
    key.split_once('{')
        .and_then(|(_, rest)| rest.split_once('}'))
        .is_some_and(|(tag, _)| !tag.is_empty())
}

#[cfg(feature = "redis-cluster")]
fn cluster(url: &str) -> Result<Target, StoreError> {
    let url = super::cluster_url::parse(url)?;
    let seeds = url.nodes.iter().map(|n| n.get_connection_info().clone());
    // More tries than one server gets: following a slot that moved (`MOVED`) takes one.
    let client = redis::cluster::ClusterClient::builder(seeds)
        .connection_timeout(CONNECT_TIMEOUT)
        .response_timeout(RESPONSE_TIMEOUT)
        .retries(CLUSTER_RETRIES)
        .min_retry_wait(10)
        .max_retry_wait(200)
        .build()
        .map_err(|e| StoreError::Config(format!("bad Redis cluster URL: {}", e.category())))?;
    Ok(Target::Cluster(Box::new(Cluster {
        client,
        nodes: url.nodes,
        next_node: std::sync::atomic::AtomicUsize::new(0),
        wait: url.wait,
    })))
}

#[cfg(not(feature = "redis-cluster"))]
fn cluster(_url: &str) -> Result<Target, StoreError> {
    Err(StoreError::Config(
        "this build of authx has no Redis Cluster support: enable the `redis-cluster` cargo feature"
            .into(),
    ))
}

impl redis::aio::ConnectionLike for Conn {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            #[cfg(feature = "redis-cluster")]
            Conn::Cluster(c) => c.req_packed_command(cmd),
            #[cfg(feature = "redis-cluster")]
            Conn::Acked(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            #[cfg(feature = "redis-cluster")]
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
            #[cfg(feature = "redis-cluster")]
            Conn::Acked(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            #[cfg(feature = "redis-cluster")]
            Conn::Cluster(c) => c.get_db(),
            #[cfg(feature = "redis-cluster")]
            Conn::Acked(c) => c.get_db(),
        }
    }
}

#[cfg(all(test, feature = "redis-cluster"))]
mod tests {
    use super::*;

    #[test]
    fn cluster_keys_share_one_hash_tag() {
        let t = Target::open("redis+cluster://:s3cret@127.0.0.1:7000?wait_replicas=1").unwrap();
        assert!(t.is_cluster() && t.waits_for_replicas());
        assert_eq!(t.prefix("authx:").unwrap(), "{authx:}");
        assert_eq!(t.prefix("{app}:authx:").unwrap(), "{app}:authx:");
        assert_eq!(t.prefix("a{}b:").unwrap(), "{a{}b:}");
        assert!(t.prefix("").is_err(), "an empty tag hashes every key apart");
        let single = Target::open("redis://127.0.0.1:6379").unwrap();
        assert_eq!(single.prefix("authx:").unwrap(), "authx:");
        assert!(!single.is_cluster() && !single.waits_for_replicas());
    }
}
