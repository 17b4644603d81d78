//! Tests of the memory store.

use std::sync::Arc;

use super::*;
use crate::clock::ManualClock;
use crate::store::{FactorStore, ReplayStore};

const T: i64 = 1_000_000;

fn on_clock(capacity: usize) -> (MemoryStore, ManualClock) {
    let clock = ManualClock::at(T);
    let store = MemoryStore {
        clock: Arc::new(clock.clone()),
        ..MemoryStore::with_capacity(capacity)
    };
    (store, clock)
}

#[tokio::test]
async fn revoke_then_refuse() {
    let (s, _) = on_clock(8);
    assert!(!s.is_revoked("a").await.unwrap());
    s.revoke("a", T + 60).await.unwrap();
    assert!(s.is_revoked("a").await.unwrap());
    assert!(!s.is_revoked("b").await.unwrap());
    assert!(s.any_revoked(&["b", "a"]).await.unwrap());
    assert!(s.record_once("c", T + 60).await.unwrap());
    assert!(!s.record_once("c", T + 60).await.unwrap());
    assert!(
        !s.is_revoked("c").await.unwrap(),
        "a replay record is no revocation"
    );
}

#[tokio::test]
async fn expired_entries_are_purged_and_full_store_fails_closed() {
    let (s, clock) = on_clock(4);
    for i in 0..4 {
        s.revoke(&format!("old{i}"), T + 10).await.unwrap();
    }
    clock.set(T + 10);
    // The next revocations purge the four expired entries instead of failing.
    for i in 0..4 {
        s.revoke(&format!("new{i}"), T + 60).await.unwrap();
    }
    assert_eq!(s.len(), 4);
    assert!(matches!(
        s.revoke("one-too-many", T + 60).await,
        Err(StoreError::Full(4))
    ));
    // Nothing live was forgotten.
    for i in 0..4 {
        assert!(s.is_revoked(&format!("new{i}")).await.unwrap());
    }
}

/// Family heads are bounded too, and refuse rather than forget a live head.
#[tokio::test]
async fn family_heads_refuse_when_full() {
    let (s, clock) = on_clock(2);
    assert!(s.advance("f1", "a", "b", T + 10).await.unwrap());
    assert!(s.advance("f2", "a", "b", T + 60).await.unwrap());
    assert!(matches!(
        s.advance("f3", "a", "b", T + 60).await,
        Err(StoreError::Full(2))
    ));
    assert_eq!(s.head("f1").await.unwrap().as_deref(), Some("b"));
    clock.set(T + 10);
    assert!(s.advance("f3", "a", "b", T + 60).await.unwrap());
    assert_eq!(s.head("f1").await.unwrap(), None);
}

/// Replay records have a bound of their own: a flood of them never fills the revocations; when
/// they are full, expired ones are swept and then the store refuses, never forgetting a live
/// one (which would let its replay through).
#[tokio::test]
async fn replay_records_are_bounded_apart_and_never_evict_a_live_one() {
    let (s, clock) = on_clock(2);
    let s = s.with_replay_capacity(4);
    for i in 0..4 {
        assert!(s.record_once(&format!("p{i}"), T + 10).await.unwrap());
    }
    assert!(matches!(
        s.record_once("one-too-many", T + 10).await,
        Err(StoreError::Full(4))
    ));
    for i in 0..4 {
        assert!(
            !s.record_once(&format!("p{i}"), T + 10).await.unwrap(),
            "a live record is never forgotten"
        );
    }
    // The revocations are untouched: both of their places are free.
    s.revoke("a", T + 100).await.unwrap();
    s.revoke("b", T + 100).await.unwrap();
    assert_eq!((s.len(), s.replay_len()), (2, 4));
    // Once the records have expired, they are swept to make room.
    clock.set(T + 11);
    assert!(s.record_once("next", T + 20).await.unwrap());
    assert_eq!(s.replay_len(), 1);
    assert!(
        s.record_once("p0", T + 20).await.unwrap(),
        "an expired record is a first use again"
    );
}

/// Factor records are bounded apart, and a full store refuses a new record rather than
/// forget one (that would take a user's factor away); replacing one takes no room, and
/// removing frees it.
#[tokio::test]
async fn factor_records_are_bounded_and_never_evicted() {
    let s = MemoryStore::new().with_factor_capacity(2);
    s.put_factor("u", "recovery", "a", b"1").await.unwrap();
    s.put_factor("u", "totp", "primary", b"2").await.unwrap();
    assert!(matches!(
        s.put_factor("v", "recovery", "a", b"3").await,
        Err(StoreError::Full(2))
    ));
    assert!(matches!(
        s.put_factor("u", "recovery", "b", b"3").await,
        Err(StoreError::Full(2))
    ));
    assert!(s.list_factors("v", "recovery").await.unwrap().is_empty());
    s.put_factor("u", "recovery", "a", b"replaced")
        .await
        .unwrap();
    assert_eq!(
        s.list_factors("u", "recovery").await.unwrap(),
        [("a".to_owned(), b"replaced".to_vec())],
        "a refused record leaves nothing behind, and a replaced one is still there"
    );
    assert_eq!(
        s.get_factor("u", "totp", "primary").await.unwrap(),
        Some(b"2".to_vec()),
        "nothing is evicted"
    );
    assert!(s.remove_factor("u", "recovery", "a").await.unwrap());
    s.put_factor("v", "recovery", "a", b"3").await.unwrap();
    assert!(matches!(
        s.put_factor("v", "recovery", "b", b"4").await,
        Err(StoreError::Full(2))
    ));
    assert_eq!(s.remove_factors("u", "totp").await.unwrap(), 1);
    s.put_factor("v", "recovery", "b", b"4").await.unwrap();
    assert_eq!(s.list_factors("v", "recovery").await.unwrap().len(), 2);
}
