//! The revocation feed on PostgreSQL: every revocation is announced with
//! `pg_notify('authx_revoked', key)` in the statement that writes it (delivered on commit); a
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
        let mut listener = PgListener::connect(&self.url).await.map_err(unavailable)?;
        listener.listen(CHANNEL).await.map_err(unavailable)?;
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
                        if tx.try_send(n.payload().to_owned()).is_err() {
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
