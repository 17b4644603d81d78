//! Tests of the near-cache: a feed the test drives, a shared memory store.

use super::*;
use crate::store::MemoryStore;

/// A feed the test drives: each subscription gets a fresh channel.
#[derive(Default)]
struct TestFeed {
    tx: std::sync::Mutex<Option<mpsc::Sender<String>>>,
}

#[async_trait::async_trait]
impl RevocationFeed for TestFeed {
    async fn subscribe(&self) -> Result<mpsc::Receiver<String>, StoreError> {
        let (tx, rx) = mpsc::channel(8);
        *self.tx.lock().unwrap() = Some(tx);
        Ok(rx)
    }
}

async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
}

#[tokio::test]
async fn answers_from_memory_until_told_and_forgets_when_the_feed_drops() {
    let shared = Arc::new(MemoryStore::new());
    let feed = Arc::new(TestFeed::default());
    let cached = NearCached::new(
        shared.clone(),
        feed.clone(),
        NearCache {
            enabled: true,
            capacity: 64,
            ttl: Duration::from_secs(60),
        },
        crate::clock::system(),
    );
    let exp = crate::clock::unix_now() + 600;
    assert!(!cached.any_revoked(&["a", "sid:s"]).await.unwrap());
    settle().await;
    assert!(cached.is_live());
    assert!(!cached.any_revoked(&["a", "sid:s"]).await.unwrap());
    assert_eq!(cached.len(), 2);
    let size = cached.size();
    assert!(size.entries == 2 && size.bytes > 2 * 32 && size.capacity == 64);

    // Another instance revokes `a` in the shared store: the cache still says no until the
    // feed tells it.
    shared.revoke("a", exp).await.unwrap();
    assert!(!cached.any_revoked(&["a"]).await.unwrap());
    let tx = feed.tx.lock().unwrap().clone().unwrap();
    tx.send("a".into()).await.unwrap();
    settle().await;
    assert!(cached.any_revoked(&["a"]).await.unwrap());

    // The feed drops: the cache goes dark and empty, and asks the store.
    assert!(!cached.any_revoked(&["b"]).await.unwrap());
    feed.tx.lock().unwrap().take();
    drop(tx);
    settle().await;
    shared.revoke("b", exp).await.unwrap();
    assert!(cached.any_revoked(&["b"]).await.unwrap());
    // ...and comes back live, empty.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(cached.is_live());
    assert!(cached.is_empty());
}

#[test]
fn a_feed_task_lost_with_its_runtime_is_started_again() {
    let cached = NearCached::new(
        Arc::new(MemoryStore::new()),
        Arc::new(TestFeed::default()),
        NearCache {
            enabled: true,
            capacity: 64,
            ttl: Duration::from_secs(60),
        },
        crate::clock::system(),
    );
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let first = runtime();
    first.block_on(async {
        assert!(!cached.any_revoked(&["a"]).await.unwrap());
        settle().await;
    });
    assert!(cached.is_live());
    drop(first);
    assert!(
        !cached.is_live(),
        "its follower gone, the cache answers nothing"
    );
    runtime().block_on(async {
        assert!(!cached.any_revoked(&["a"]).await.unwrap());
        settle().await;
        assert!(cached.is_live(), "followed again from the new runtime");
    });
}

/// A revocation returns once the feed has brought its key back to this instance (so the store
/// delivered it to every subscriber), not when the write alone is done; past the echo limit, or
/// with the feed down, it returns all the same.
#[tokio::test]
async fn a_revocation_returns_once_heard_back_on_the_feed() {
    let feed = Arc::new(TestFeed::default());
    let config = NearCache {
        enabled: true,
        capacity: 64,
        ttl: Duration::from_secs(60),
    };
    let cached = Arc::new(
        NearCached::new(
            Arc::new(MemoryStore::new()),
            feed.clone(),
            config,
            crate::clock::system(),
        )
        .with_echo_limit(Duration::from_secs(30)),
    );
    assert!(!cached.any_revoked(&["a"]).await.unwrap());
    settle().await;
    assert!(cached.is_live());
    let exp = crate::clock::unix_now() + 600;
    let revoking = tokio::spawn({
        let cached = cached.clone();
        async move { cached.revoke("a", exp).await }
    });
    settle().await;
    assert!(
        !revoking.is_finished(),
        "returned before the feed brought it back"
    );
    assert!(
        cached.any_revoked(&["a"]).await.unwrap(),
        "reads its own write"
    );
    // Another key heard does not release it; its own does.
    let tx = feed.tx.lock().unwrap().clone().unwrap();
    tx.send("b".into()).await.unwrap();
    settle().await;
    assert!(!revoking.is_finished());
    tx.send("a".into()).await.unwrap();
    revoking.await.unwrap().unwrap();

    // Never heard back: Ok once the limit has passed.
    let short = NearCached::new(
        Arc::new(MemoryStore::new()),
        Arc::new(TestFeed::default()),
        config,
        crate::clock::system(),
    )
    .with_echo_limit(Duration::from_millis(50));
    assert!(!short.any_revoked(&["c"]).await.unwrap());
    settle().await;
    assert!(short.is_live());
    short.revoke("c", exp).await.unwrap();
    assert!(short.any_revoked(&["c"]).await.unwrap());
}

/// A full near-cache forgets answers to make room (it is a cache: the store still holds every
/// one), stays within its capacity, and never answers "not revoked" for a revoked key.
#[tokio::test]
async fn a_full_near_cache_evicts_and_stays_true() {
    let config = NearCache {
        enabled: true,
        capacity: 16,
        ttl: Duration::from_secs(60),
    };
    let shared = Arc::new(MemoryStore::new());
    let feed = Arc::new(TestFeed::default());
    // Revocations through it do not wait for an echo this feed never sends.
    let cached = NearCached::new(shared, feed, config, crate::clock::system())
        .with_echo_limit(Duration::ZERO);
    assert!(!cached.any_revoked(&["k0"]).await.unwrap());
    settle().await;
    assert!(cached.is_live());
    let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
    for k in &keys {
        assert!(!cached.any_revoked(&[k]).await.unwrap());
    }
    let size = cached.size();
    assert_eq!(size.capacity, 16);
    assert!(size.entries <= 16, "{size:?}");
    for k in &keys {
        cached
            .revoke(k, crate::clock::unix_now() + 60)
            .await
            .unwrap();
        assert!(cached.any_revoked(&[k]).await.unwrap(), "{k}");
    }
}
