//! The revocation feed on Redis: every revocation is `PUBLISH`ed on `<prefix>revoked` in the
//! same transaction as its write; a subscription is one pub/sub connection, pinged so a
//! connection that died silently ends the subscription rather than leaving it deaf.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::{RedisStore, unavailable};
use crate::store::{FEED_BUFFER, RevocationFeed, StoreError};

/// How often a subscription checks its connection, and how long the answer may take.
const HEARTBEAT: Duration = Duration::from_secs(2);
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(1);

#[async_trait::async_trait]
impl RevocationFeed for RedisStore {
    async fn subscribe(&self) -> Result<mpsc::Receiver<String>, StoreError> {
        let mut pubsub = self.target.pubsub(&self.channel()).await?;
        pubsub
            .subscribe(self.channel())
            .await
            .map_err(unavailable)?;
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
                        // A message that does not read as a key ends the subscription (the
                        // cache clears) rather than lose a revocation.
                        let Ok(key) = msg.get_payload::<String>() else { return };
                        // A reader too slow to keep up ends the subscription (its cache clears)
                        // rather than miss a revocation.
                        if tx.try_send(key).is_err() {
                            return;
                        }
                    }
                    _ = beat.tick() => {
                        let pong = tokio::time::timeout(HEARTBEAT_TIMEOUT, sink.ping::<redis::Value>()).await;
                        if !matches!(pong, Ok(Ok(_))) {
                            return;
                        }
                    }
                }
            }
        });
        Ok(rx)
    }
}
