//! Tests of the memory store.

use super::*;
use crate::clock::unix_now as now;

#[tokio::test]
async fn revoke_then_refuse() {
    let s = MemoryStore::new();
    assert!(!s.is_revoked("a").await.unwrap());
    s.revoke("a", now() + 60).await.unwrap();
    assert!(s.is_revoked("a").await.unwrap());
    assert!(!s.is_revoked("b").await.unwrap());
    assert!(s.any_revoked(&["b", "a"]).await.unwrap());
    assert!(s.revoke_once("c", now() + 60).await.unwrap());
    assert!(!s.revoke_once("c", now() + 60).await.unwrap());
}

#[tokio::test]
async fn expired_entries_are_purged_and_full_store_fails_closed() {
    let s = MemoryStore::with_capacity(4);
    let t = now();
    for i in 0..4 {
        s.insert(&format!("old{i}"), t - 1, t, false).unwrap();
    }
    // The next insert purges the four expired entries instead of failing.
    for i in 0..4 {
        s.revoke(&format!("new{i}"), t + 60).await.unwrap();
    }
    assert_eq!(s.len(), 4);
    assert!(matches!(
        s.revoke("one-too-many", t + 60).await,
        Err(StoreError::Full(4))
    ));
    // Nothing live was forgotten.
    for i in 0..4 {
        assert!(s.is_revoked(&format!("new{i}")).await.unwrap());
    }
}

/// Replay records have a bound of their own: a flood of them never fills the revocations; when
/// they are full, expired ones are swept and then the store refuses, never forgetting a live
/// one (which would let its replay through).
#[tokio::test]
async fn replay_records_are_bounded_apart_and_never_evict_a_live_one() {
    use crate::clock::ManualClock;
    use crate::store::ReplayStore;
    let clock = ManualClock::at(1_000_000);
    let s = MemoryStore {
        clock: std::sync::Arc::new(clock.clone()),
        ..MemoryStore::with_capacity(2)
    }
    .with_replay_capacity(4);
    for i in 0..4 {
        assert!(s.first_use(&format!("p{i}"), 1_000_010).await.unwrap());
    }
    assert!(matches!(
        s.first_use("one-too-many", 1_000_010).await,
        Err(StoreError::Full(4))
    ));
    for i in 0..4 {
        assert!(
            !s.first_use(&format!("p{i}"), 1_000_010).await.unwrap(),
            "a live record is never forgotten"
        );
    }
    // The revocations are untouched: both of their places are free.
    s.revoke("a", 1_000_100).await.unwrap();
    s.revoke("b", 1_000_100).await.unwrap();
    assert_eq!((s.len(), s.replay_len()), (2, 4));
    // Once the records have expired, they are swept to make room.
    clock.set(1_000_011);
    assert!(s.first_use("next", 1_000_020).await.unwrap());
    assert_eq!(s.replay_len(), 1);
    assert!(
        s.first_use("p0", 1_000_020).await.unwrap(),
        "an expired record is a first use again"
    );
}
