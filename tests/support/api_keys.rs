//! What the API-key tests share: a key store that counts its lookups (and can be slow), and
//! stores on the shared Redis under a fresh prefix.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use authx::Stores;
use authx::store::{ApiKeyRecord, ApiKeyStore, KeyCharge, KeyTrip, StoreError};

/// An API-key store that counts lookups by digest (alone, or in one round trip with the
/// liveness and limits), each taking `delay` first (a store a network hop away).
pub struct CountingKeys {
    inner: Arc<dyn ApiKeyStore>,
    /// Lookups by digest so far.
    pub lookups: Arc<AtomicUsize>,
    delay: Duration,
}

impl CountingKeys {
    /// Counts the lookups of `stores`' key store, in place; returns the count.
    pub fn wrap(stores: &mut Stores, delay: Duration) -> Arc<AtomicUsize> {
        let lookups = Arc::new(AtomicUsize::new(0));
        stores.api_keys = Arc::new(CountingKeys {
            inner: stores.api_keys.clone(),
            lookups: lookups.clone(),
            delay,
        });
        lookups
    }

    async fn count(&self) {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
    }
}

#[async_trait::async_trait]
impl ApiKeyStore for CountingKeys {
    async fn create_key(&self, r: &ApiKeyRecord) -> Result<(), StoreError> {
        self.inner.create_key(r).await
    }
    async fn key_by_digest(&self, d: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.count().await;
        self.inner.key_by_digest(d).await
    }
    async fn key_by_id(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.inner.key_by_id(id).await
    }
    async fn list_keys(&self, o: Option<&str>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.inner.list_keys(o).await
    }
    async fn revoke_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        self.inner.revoke_key(id, at).await
    }
    async fn expire_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        self.inner.expire_key(id, at).await
    }
    async fn touch_key(&self, id: &str, at: i64) -> Result<(), StoreError> {
        self.inner.touch_key(id, at).await
    }
    async fn delete_key(&self, id: &str) -> Result<bool, StoreError> {
        self.inner.delete_key(id).await
    }
    async fn key_within_rate(
        &self,
        digest: &str,
        now: i64,
        charges: &[KeyCharge<'_>],
    ) -> Option<Result<KeyTrip, StoreError>> {
        self.count().await;
        self.inner.key_within_rate(digest, now, charges).await
    }
}

/// The shared Redis's URL: `AUTHX_TEST_REDIS_URL`, else `redis://127.0.0.1:6379`.
pub fn redis_url() -> String {
    std::env::var("AUTHX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Every store on the shared Redis under `prefix`; panics (the test fails, never skips) when
/// Redis cannot be reached.
pub async fn redis_stores(prefix: &str) -> Stores {
    let store = authx::store::RedisStore::with_prefix(&redis_url(), prefix).unwrap();
    let stores = Stores::redis(store);
    let reachable = tokio::time::timeout(
        Duration::from_secs(10),
        stores.revocation.is_revoked("probe"),
    )
    .await;
    assert!(
        matches!(reachable, Ok(Ok(_))),
        "Redis at {} is unreachable: {reachable:?}. Start it (see .ci/run) or set \
         AUTHX_TEST_REDIS_URL.",
        redis_url()
    );
    stores
}
