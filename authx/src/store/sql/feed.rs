//! The change feeds on PostgreSQL: every revocation is announced with
//! `pg_notify('authx_revoked', key)` in the statement that writes it, every policy set with
//! `pg_notify('authx_policies', version)` in its transaction (delivered on commit); a
//! subscription is one `LISTEN` connection, probed so a connection that died silently ends the
//! subscription rather than leaving it deaf.

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::mpsc;

use super::{SqlStore, unavailable};
use crate::store::{FEED_BUFFER, RevocationFeed, StoreError};

/// The notification channel.
pub(super) const CHANNEL: &str = "authx_revoked";

/// How often a subscription checks its connection, and how long the answer may take.
const HEARTBEAT: Duration = Duration::from_secs(2);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(1);

#[async_trait::async_trait]
impl RevocationFeed for SqlStore {
    async fn subscribe(&self) -> Result<mpsc::Receiver<String>, StoreError> {
        if !self.postgres {
            return Err(StoreError::Config("SQLite has no revocation feed".into()));
        }
        self.listen(CHANNEL, |key| Some(key.to_owned())).await
    }
}

impl SqlStore {
    /// Listens on `channel` over a connection of its own: each notification's payload, read
    /// by `read`, until the connection is lost, a payload does not read, or the reader falls
    /// [`FEED_BUFFER`] behind (each ends the subscription: its follower starts over).
    pub(super) async fn listen<T: Send + 'static>(
        &self,
        channel: &str,
        read: fn(&str) -> Option<T>,
    ) -> Result<mpsc::Receiver<T>, StoreError> {
        let mut listener = PgListener::connect(&self.url).await.map_err(unavailable)?;
        listener.listen(channel).await.map_err(unavailable)?;
        let (tx, rx) = mpsc::channel(FEED_BUFFER);
        tokio::spawn(async move {
            let mut beat = tokio::time::interval(HEARTBEAT);
            beat.reset();
            loop {
                tokio::select! {
                    () = tx.closed() => return,
                    // `None`: the connection was lost (the next call would reconnect, having
                    // missed what was sent meanwhile): end the subscription instead.
                    n = listener.try_recv() => {
                        let Ok(Some(n)) = n else { return };
                        let Some(item) = read(n.payload()) else { return };
                        if tx.try_send(item).is_err() {
                            return;
                        }
                    }
                    _ = beat.tick() => {
                        let probe = sqlx::query("SELECT 1").execute(&mut listener);
                        if !matches!(tokio::time::timeout(HEARTBEAT_TIMEOUT, probe).await, Ok(Ok(_))) {
                            return;
                        }
                    }
                }
            }
        });
        Ok(rx)
    }
}
