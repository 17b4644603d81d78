//! The change feeds on Redis: every revocation is `PUBLISH`ed on `<prefix>revoked`, every policy
//! version on `<prefix>policies`, by the script that writes it; a subscription is one pub/sub
//! connection, pinged so a connection that died silently ends the subscription rather than
//! leaving it deaf.
//!
//! In a cluster the subscription is on the master serving the channel's slot, where the
//! revocations are published (delivery to other nodes rides the cluster bus, which drops
//! messages while a link is down). Each heartbeat also asks that node whether it still serves
//! the slot; once it does not (a failover, a resharding), the subscription ends, the
//! near-cache empties (a policy follower loads the latest set), and the next subscription finds
//! the new master.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::cluster::Target;
use super::{RedisStore, unavailable};
use crate::store::{FEED_BUFFER, RevocationFeed, StoreError};

/// How often a subscription checks its connection, and how long the answer may take.
const HEARTBEAT: Duration = Duration::from_secs(2);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(1);

/// A subscription's connection and, in a cluster, a connection to the same node and the key
/// whose slot it must keep serving.
struct Listener {
    pubsub: redis::aio::PubSub,
    owner: Option<(redis::aio::MultiplexedConnection, String)>,
}

impl RedisStore {
    async fn listener(&self, channel: &str) -> Result<Listener, StoreError> {
        #[cfg(not(feature = "redis-cluster"))]
        let _ = channel;
        match &*self.target {
            Target::Single(client) => Ok(Listener {
                pubsub: client.get_async_pubsub().await.map_err(unavailable)?,
                owner: None,
            }),
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(c) => cluster_listener(c, channel).await.map_err(unavailable),
        }
    }
}

#[async_trait::async_trait]
impl RevocationFeed for RedisStore {
    async fn subscribe(&self) -> Result<mpsc::Receiver<String>, StoreError> {
        self.listen(self.channel(), Some).await
    }
}

impl RedisStore {
    /// Subscribes to `channel` (under this store's prefix, so in a cluster on the node serving
    /// its keys): each message's payload, read by `read`, until the connection is lost, a
    /// payload does not read, or the reader falls [`FEED_BUFFER`] behind (each ends the
    /// subscription: its follower starts over, rather than miss a message).
    pub(super) async fn listen<T: Send + 'static>(
        &self,
        channel: String,
        read: fn(String) -> Option<T>,
    ) -> Result<mpsc::Receiver<T>, StoreError> {
        let Listener {
            mut pubsub,
            mut owner,
        } = self.listener(&channel).await?;
        pubsub.subscribe(&channel).await.map_err(unavailable)?;
        let (mut sink, mut stream) = pubsub.split();
        let (tx, rx) = mpsc::channel(FEED_BUFFER);
        tokio::spawn(async move {
            let mut beat = tokio::time::interval(HEARTBEAT);
            beat.reset();
            loop {
                tokio::select! {
                    () = tx.closed() => return,
                    msg = stream.next() => {
                        let Some(msg) = msg else { return };
                        let Some(item) = msg.get_payload::<String>().ok().and_then(read) else {
                            return;
                        };
                        if tx.try_send(item).is_err() {
                            return;
                        }
                    }
                    _ = beat.tick() => {
                        let pong = tokio::time::timeout(HEARTBEAT_TIMEOUT, sink.ping::<redis::Value>()).await;
                        if !matches!(pong, Ok(Ok(_))) {
                            return;
                        }
                        if let Some((conn, key)) = &mut owner
                            && !serves(conn, key).await
                        {
                            return;
                        }
                    }
                }
            }
        });
        Ok(rx)
    }
}

/// Whether the node behind `conn` serves `key`'s slot (answers a read of it rather than
/// `MOVED`), within the heartbeat timeout.
async fn serves(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> bool {
    let mut exists = redis::cmd("EXISTS");
    exists.arg(key);
    matches!(
        tokio::time::timeout(HEARTBEAT_TIMEOUT, exists.query_async::<i64>(conn)).await,
        Ok(Ok(_))
    )
}

/// A listener on the master serving `channel`'s slot, found through the seed nodes in turn
/// (starting after the one used last): the seed itself, or the node its `MOVED` names.
#[cfg(feature = "redis-cluster")]
async fn cluster_listener(
    cluster: &super::cluster::Cluster,
    channel: &str,
) -> redis::RedisResult<Listener> {
    use std::sync::atomic::Ordering;
    let nodes = &cluster.nodes;
    let start = cluster.next_node.fetch_add(1, Ordering::Relaxed);
    let mut last = None;
    for i in 0..nodes.len() {
        let seed = &nodes[(start + i) % nodes.len()];
        let found = tokio::time::timeout(super::cluster::CONNECT_TIMEOUT, async {
            let (node, conn) = serving(seed, channel).await?;
            Ok::<_, redis::RedisError>(Listener {
                pubsub: node.get_async_pubsub().await?,
                owner: Some((conn, channel.to_owned())),
            })
        })
        .await;
        match found {
            Ok(Ok(listener)) => return Ok(listener),
            Ok(Err(e)) => last = Some(e),
            Err(_) => {
                last = Some(redis::RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "a cluster node did not answer",
                )));
            }
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no cluster node").into()))
}

/// The node serving `key`'s slot, and a connection to it that has just read `key`: `seed`
/// itself, or the node its `MOVED` answer names (reached the way `seed` is, with its user and
/// password).
#[cfg(feature = "redis-cluster")]
async fn serving(
    seed: &redis::Client,
    key: &str,
) -> redis::RedisResult<(redis::Client, redis::aio::MultiplexedConnection)> {
    let mut conn = seed.get_multiplexed_async_connection().await?;
    let asked = redis::cmd("EXISTS")
        .arg(key)
        .query_async::<i64>(&mut conn)
        .await;
    let Err(e) = asked else {
        return Ok((seed.clone(), conn));
    };
    let redis::ConnectionAddr::Tcp(seed_host, _) = seed.get_connection_info().addr() else {
        return Err(e);
    };
    let Some((host, port)) = moved_to(&e, seed_host) else {
        return Err(e);
    };
    let node = redis::Client::open(
        seed.get_connection_info()
            .clone()
            .set_addr(redis::ConnectionAddr::Tcp(host, port)),
    )?;
    let mut conn = node.get_multiplexed_async_connection().await?;
    redis::cmd("EXISTS")
        .arg(key)
        .query_async::<i64>(&mut conn)
        .await?;
    Ok((node, conn))
}

/// Where a `MOVED` answer sends a client: its `host:port` (`[v6]:port` for IPv6; a node that
/// does not know its own address gives an empty host or `?`, which means the seed's host).
/// `ASK` (a slot in migration) is not followed: the feed's next try finds the slot settled.
#[cfg(feature = "redis-cluster")]
fn moved_to(e: &redis::RedisError, seed_host: &str) -> Option<(String, u16)> {
    if e.kind() != redis::ErrorKind::Server(redis::ServerErrorKind::Moved) {
        return None;
    }
    let (addr, _slot) = e.redirect_node()?;
    let (host, port) = addr.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = if host.is_empty() || host == "?" {
        seed_host
    } else {
        host
    };
    Some((host.to_owned(), port.parse().ok()?))
}

#[cfg(all(test, feature = "redis-cluster"))]
mod tests {
    use super::moved_to;

    fn moved(detail: &str) -> redis::RedisError {
        redis::RedisError::from((
            redis::ErrorKind::Server(redis::ServerErrorKind::Moved),
            "moved",
            detail.to_owned(),
        ))
    }

    #[test]
    fn moved_answers_name_the_node_to_ask() {
        let to = |d: &str| moved_to(&moved(d), "seed.example");
        assert_eq!(to("2254 10.0.0.7:7001"), Some(("10.0.0.7".into(), 7001)));
        assert_eq!(to("2254 [::1]:7001"), Some(("::1".into(), 7001)));
        assert_eq!(to("2254 :7001"), Some(("seed.example".into(), 7001)));
        assert_eq!(to("2254 10.0.0.7"), None);
        assert_eq!(to("2254 10.0.0.7:port"), None);
    }
}
