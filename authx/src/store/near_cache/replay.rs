//! Replay records through a near-cache: passed through to the store, never cached. A record is
//! only ever created, never asked about, so there is no answer to cache, and nothing is
//! announced on the feed.

use std::sync::Arc;

use super::NearCached;
use crate::store::{ReplayStore, StoreError};

impl NearCached {
    /// This near-cache, passing replay records ([`ReplayStore`]) through to `store`, usually
    /// the same backend as its revocations. [`Auth`](crate::Auth) sets it; without it,
    /// [`first_use`](ReplayStore::first_use) fails with [`StoreError::Config`].
    pub fn with_replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = Some(store);
        self
    }
}

#[async_trait::async_trait]
impl ReplayStore for NearCached {
    async fn first_use(&self, key: &str, expires_at: i64) -> Result<bool, StoreError> {
        match &self.replay {
            Some(store) => store.first_use(key, expires_at).await,
            None => Err(StoreError::Config(
                "this near-cache has no replay store: see NearCached::with_replay_store".into(),
            )),
        }
    }
}
