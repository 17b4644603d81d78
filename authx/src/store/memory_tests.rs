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
