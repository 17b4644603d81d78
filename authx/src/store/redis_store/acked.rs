//! Writes that wait for replicas in a Redis Cluster (`?wait_replicas=N`): each write to the
//! key's slot goes out with `WAIT N timeout` right behind it, in one request to the node
//! serving that slot, over one connection.
//!
//! `WAIT` counts only the writes made on its own connection (the server remembers, per client,
//! the replication offset of its last write). Sent apart from its write, after a reconnection
//! in between (a node restarted, a timeout) it runs on a connection that wrote nothing, and
//! answers at once with every replica still attached, whether or not they hold the write;
//! after a failover it runs on another node altogether. Pipelined, a retry resends both, so
//! the answer is always about the write it follows.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use redis::aio::ConnectionLike;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{Route, SingleNodeRoutingInfo, SlotAddr};
use redis::{Cmd, RedisFuture, ServerErrorKind, Value};

use crate::store::StoreError;

/// A cluster connection whose writes (scripts) each carry their `WAIT`; what the `WAIT`s
/// answered is kept for [`replicated`](Self::replicated).
#[derive(Clone)]
pub(in crate::store) struct Acked {
    conn: ClusterConnection,
    /// The master of the key's slot, where a write to that key is routed.
    route: Route,
    replicas: u32,
    timeout: Duration,
    /// The fewest replicas a `WAIT` reported so far; `None` before the first write.
    acked: Arc<Mutex<Option<i64>>>,
}

impl Acked {
    /// `conn`, waiting for `replicas` (up to `timeout`) behind each write to `key`'s slot.
    pub(super) fn new(
        conn: ClusterConnection,
        key: &str,
        replicas: u32,
        timeout: Duration,
    ) -> Self {
        Acked {
            conn,
            route: Route::with_key(key, SlotAddr::Master),
            replicas,
            timeout,
            acked: Arc::default(),
        }
    }

    /// Whether every write made so far was acknowledged by the configured number of replicas.
    pub(super) fn replicated(&self) -> Result<(), StoreError> {
        match *self.acked.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(n) if n >= i64::from(self.replicas) => Ok(()),
            Some(n) => Err(StoreError::unavailable(format!(
                "the revocation reached {n} of {} replicas within {:?}",
                self.replicas, self.timeout
            ))),
            None => Err(StoreError::unavailable("no write was waited for")),
        }
    }

    /// `cmd` and its `WAIT`, in one request to the master of this slot: the answer to `cmd`
    /// (an error answer as it came) and the number of replicas `WAIT` reported.
    async fn with_wait(&mut self, cmd: &Cmd) -> redis::RedisResult<(Value, i64)> {
        let mut pipe = redis::pipe();
        pipe.add_command(cmd.clone())
            .cmd("WAIT")
            .arg(self.replicas)
            .arg(u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX));
        let route = SingleNodeRoutingInfo::SpecificNode(self.route);
        let mut answers = self.conn.route_pipeline(pipe, 0, 2, route).await?;
        let (Some(waited), Some(written), None) = (answers.pop(), answers.pop(), answers.pop())
        else {
            return Err(std::io::Error::other("a pipeline of two answered otherwise").into());
        };
        let waited: i64 = redis::FromRedisValue::from_redis_value(waited.extract_error()?)?;
        Ok((written, waited))
    }

    /// Whether `cmd` is a write that waits: a script (every write here is one, on the key's
    /// slot); the rest, such as the `SCRIPT LOAD` of a script the node lacks, goes as is.
    fn waits(cmd: &Cmd) -> bool {
        matches!(
            cmd.args_iter().next(),
            Some(redis::Arg::Simple(name))
                if name.eq_ignore_ascii_case(b"EVALSHA") || name.eq_ignore_ascii_case(b"EVAL")
        )
    }

    async fn request(&mut self, cmd: &Cmd) -> redis::RedisResult<Value> {
        if !Self::waits(cmd) {
            return self.conn.req_packed_command(cmd).await;
        }
        let (mut written, mut waited) = self.with_wait(cmd).await?;
        if let Value::ServerError(e) = &written
            && matches!(
                e.kind(),
                Some(ServerErrorKind::Moved | ServerErrorKind::Ask)
            )
        {
            // The slot moved: the write alone, which the cluster client follows (and learns
            // the slot's new home from), then the pair again where the slot now is.
            self.conn.req_packed_command(cmd).await?;
            (written, waited) = self.with_wait(cmd).await?;
        }
        let mut acked = self.acked.lock().unwrap_or_else(PoisonError::into_inner);
        *acked = Some(acked.map_or(waited, |n| n.min(waited)));
        Ok(written)
    }
}

impl ConnectionLike for Acked {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.request(cmd).boxed()
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        // Not used by the writes that wait (each is one script); sent as is, never acknowledged.
        self.conn.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}
