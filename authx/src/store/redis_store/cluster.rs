//! What a [`RedisStore`](super::RedisStore) talks to: one Redis server (`redis://`), or a Redis
//! Cluster (`redis+cluster://host1:6379,host2:6379`, cargo feature `redis-cluster`).
//!
//! In a cluster every authx key carries one hash tag (the key prefix in braces, `{authx:}`),
//! so they share one slot: a token's revocation, its session's and its route's rate limit stay
//! one atomic script in one round trip, and the multi-key writes (a session and its subject's
//! set) stay transactions. The cluster gives authx failover to a replica; authx's own load
//! lands on the master of that slot (with the near-cache, revocation reads mostly stay in
//! memory), and apps sharing the cluster under other prefixes land on other slots.
//!
//! Replication is asynchronous, so a master that dies may take its last writes with it. With
//! `?wait_replicas=N` every revocation (and refresh-token retirement, session revocation,
//! allowlist withdrawal) is acknowledged only once `N` replicas hold it (`WAIT`), within
//! `wait_timeout_ms` (default 500): then no acknowledged revocation is lost when a replica
//! takes over; a revocation the replicas did not confirm in time fails with
//! [`StoreError::Unavailable`] (the write stands; revoking again is harmless).

use std::time::Duration;

use redis::aio::ConnectionManager;

use crate::store::StoreError;

/// A Redis server, or a cluster.
pub(super) enum Target {
    Single(redis::Client),
    #[cfg(feature = "redis-cluster")]
    Cluster(Box<Cluster>),
}

/// A cluster: its client, its seed nodes (where the revocation feed subscribes), and how many
/// replicas must acknowledge a revocation.
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
}

/// How long a connection attempt and a reply may take, and how often a command is retried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
const RETRIES: u32 = 1;

impl Target {
    /// The target `url` names: `redis://` and `rediss://` one server, `redis+cluster://` and
    /// `rediss+cluster://` a cluster.
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
    pub(super) fn prefix(&self, prefix: &str) -> String {
        match self {
            Target::Single(_) => prefix.to_owned(),
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(_) if has_hash_tag(prefix) => prefix.to_owned(),
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(_) => format!("{{{prefix}}}"),
        }
    }

    pub(super) fn is_cluster(&self) -> bool {
        !matches!(self, Target::Single(_))
    }

    pub(super) async fn connect(&self) -> Result<Conn, StoreError> {
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

    /// A pub/sub connection for `channel`: to the server, or in a cluster to the master that
    /// serves the channel's slot (where revocations are published, so delivery does not hang
    /// on the cluster bus), found through the seed nodes in turn.
    pub(super) async fn pubsub(&self, channel: &str) -> Result<redis::aio::PubSub, StoreError> {
        #[cfg(not(feature = "redis-cluster"))]
        let _ = channel;
        match self {
            Target::Single(client) => client.get_async_pubsub().await,
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(c) => c.pubsub(channel).await,
        }
        .map_err(StoreError::unavailable)
    }

    /// After a revocation written to `key` on `conn`: waits until the configured number of
    /// replicas hold it (a cluster with `wait_replicas`), else returns at once.
    pub(super) async fn replicated(&self, conn: &mut Conn, key: &str) -> Result<(), StoreError> {
        #[cfg(feature = "redis-cluster")]
        if let (Target::Cluster(c), Conn::Cluster(conn)) = (self, conn)
            && let Some((replicas, timeout)) = c.wait
        {
            return wait(conn, key, replicas, timeout).await;
        }
        #[cfg(not(feature = "redis-cluster"))]
        let _ = (conn, key);
        Ok(())
    }
}

#[cfg(feature = "redis-cluster")]
impl Cluster {
    async fn pubsub(&self, channel: &str) -> redis::RedisResult<redis::aio::PubSub> {
        use std::sync::atomic::Ordering;
        let start = self.next_node.fetch_add(1, Ordering::Relaxed);
        let mut last = None;
        for i in 0..self.nodes.len() {
            let node = &self.nodes[(start + i) % self.nodes.len()];
            match tokio::time::timeout(CONNECT_TIMEOUT, serving(node, channel)).await {
                Ok(Ok(client)) => return client.get_async_pubsub().await,
                Ok(Err(e)) => last = Some(e),
                Err(_) => {
                    last = Some(redis::RedisError::from(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "a cluster node did not answer",
                    )));
                }
            }
        }
        Err(last
            .unwrap_or_else(|| redis::RedisError::from(std::io::Error::other("no cluster node"))))
    }
}

/// The client of the node that serves `key`'s slot, asking `node`: itself, or the node its
/// `MOVED` answer names.
#[cfg(feature = "redis-cluster")]
async fn serving(node: &redis::Client, key: &str) -> redis::RedisResult<redis::Client> {
    let mut conn = node.get_multiplexed_async_connection().await?;
    let asked: redis::RedisResult<i64> = redis::cmd("EXISTS").arg(key).query_async(&mut conn).await;
    match asked {
        Ok(_) => Ok(node.clone()),
        Err(e) => {
            let Some((host, port)) = e.redirect_node() else {
                return Err(e);
            };
            let info = node
                .get_connection_info()
                .clone()
                .set_addr(redis::ConnectionAddr::Tcp(host.to_owned(), port));
            redis::Client::open(info)
        }
    }
}

/// `WAIT` on the master holding `key`, over the connection that wrote it.
#[cfg(feature = "redis-cluster")]
async fn wait(
    conn: &mut redis::cluster_async::ClusterConnection,
    key: &str,
    replicas: u32,
    timeout: Duration,
) -> Result<(), StoreError> {
    use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, Slot, SlotAddr};
    let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(Route::with_slot(
        Slot::for_key(key),
        SlotAddr::Master,
    )));
    let mut cmd = redis::cmd("WAIT");
    cmd.arg(replicas)
        .arg(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
    let acked = conn
        .route_command(cmd, route)
        .await
        .map_err(StoreError::unavailable)?;
    let acked: i64 = redis::FromRedisValue::from_redis_value(acked)
        .map_err(|e| StoreError::unavailable(format!("WAIT answered oddly: {e}")))?;
    if acked < i64::from(replicas) {
        return Err(StoreError::unavailable(format!(
            "the write reached {acked} of {replicas} replicas within {timeout:?}"
        )));
    }
    Ok(())
}

/// Whether `key` holds a Redis hash tag: a `{`, then a `}` later with something between.
#[cfg(feature = "redis-cluster")]
fn has_hash_tag(key: &str) -> bool {
    key.split_once('{')
        .and_then(|(_, rest)| rest.split_once('}'))
        .is_some_and(|(tag, _)| !tag.is_empty())
}

/// Parses `redis+cluster://[user[:password]@]host[:port][,host[:port]...][/][?options]`;
/// options: `wait_replicas=N`, `wait_timeout_ms=M`. Errors never repeat the URL (it may hold
/// a password).
#[cfg(feature = "redis-cluster")]
fn cluster(url: &str) -> Result<Target, StoreError> {
    let bad = |why: &str| StoreError::Config(format!("bad Redis cluster URL: {why}"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let node_scheme = if scheme.eq_ignore_ascii_case("rediss+cluster") {
        "rediss"
    } else {
        "redis"
    };
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') {
        return Err(bad(
            "a cluster has no database number: remove the path after the hosts",
        ));
    }
    let (userinfo, hosts) = match rest.rsplit_once('@') {
        Some((user, hosts)) => (format!("{user}@"), hosts),
        None => (String::new(), rest),
    };
    let urls: Vec<String> = hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| format!("{node_scheme}://{userinfo}{h}"))
        .collect();
    if urls.is_empty() {
        return Err(bad(
            "name at least one node: redis+cluster://host1:6379,host2:6379",
        ));
    }
    let nodes = urls
        .iter()
        .map(|u| redis::Client::open(u.as_str()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&format!("a node does not parse ({})", e.category())))?;
    let mut replicas = 0;
    let mut timeout = Duration::from_millis(500);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let number = |v: &str| {
            v.parse::<u32>()
                .map_err(|_| bad(&format!("{name} must be a whole number")))
        };
        match &*name {
            "wait_replicas" => replicas = number(&value)?,
            "wait_timeout_ms" => timeout = Duration::from_millis(number(&value)?.max(1).into()),
            other => {
                return Err(bad(&format!(
                    "unknown option {other:?} (known: wait_replicas, wait_timeout_ms)"
                )));
            }
        }
    }
    let client = redis::cluster::ClusterClient::builder(urls)
        .connection_timeout(CONNECT_TIMEOUT)
        .response_timeout(RESPONSE_TIMEOUT)
        .retries(RETRIES)
        .build()
        .map_err(|e| bad(e.category()))?;
    Ok(Target::Cluster(Box::new(Cluster {
        client,
        nodes,
        next_node: std::sync::atomic::AtomicUsize::new(0),
        wait: (replicas > 0).then_some((replicas, timeout)),
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
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            #[cfg(feature = "redis-cluster")]
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

#[cfg(all(test, feature = "redis-cluster"))]
mod tests {
    use super::*;

    #[test]
    fn cluster_urls_parse_and_errors_hide_passwords() {
        let t =
            Target::open("redis+cluster://:s3cret@127.0.0.1:7000,127.0.0.1:7001/?wait_replicas=1")
                .unwrap();
        let Target::Cluster(c) = &t else {
            panic!("not a cluster")
        };
        assert_eq!(c.nodes.len(), 2);
        assert_eq!(c.wait, Some((1, Duration::from_millis(500))));
        assert_eq!(t.prefix("authx:"), "{authx:}");
        assert_eq!(t.prefix("{app}:authx:"), "{app}:authx:");
        assert_eq!(t.prefix("a{}b:"), "{a{}b:}");
        for bad in [
            "redis+cluster://:s3cret@",
            "redis+cluster://:s3cret@h1:7000/2",
            "redis+cluster://:s3cret@h1:7000?wait_replica=1",
            "redis+cluster://:s3cret@h1:7000?wait_replicas=x",
        ] {
            let Err(StoreError::Config(msg)) = Target::open(bad) else {
                panic!("{bad} was accepted")
            };
            assert!(!msg.contains("s3cret"), "{msg}");
        }
        let single = Target::open("redis://127.0.0.1:6379").unwrap();
        assert_eq!(single.prefix("authx:"), "authx:");
        assert!(!single.is_cluster());
    }
}
