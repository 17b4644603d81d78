//! One clock: a SQL store and the vault read the engine's clock, so moving a
//! [`ManualClock`] expires their entries, with no sleeping.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{ManualClock, SharedClock};
use crate::store::{
    AllowlistStore, FamilyStore, ReplayStore, RevocationStore, SqlStore, connect_with_clock,
};
use crate::vault::{Vault, VaultConfig};
use crate::{AuthError, Session, SessionStore};

const T: i64 = 1_700_000_000;

/// A private in-memory SQLite database, shared by the pool's connections.
fn memory_url() -> String {
    format!(
        "sqlite:file:authx-clock-{}?mode=memory&cache=shared",
        uuid::Uuid::new_v4().simple()
    )
}

#[tokio::test]
async fn sql_store_and_vault_follow_a_manual_clock() {
    let clock = ManualClock::at(T);
    let shared: SharedClock = Arc::new(clock.clone());
    let sql = SqlStore::connect(&memory_url())
        .await
        .unwrap()
        .with_clock(shared.clone());

    // Every kind of record lives until its expiry by the manual clock, then is gone.
    sql.revoke("jti", T + 60).await.unwrap();
    assert!(sql.advance("family", "a", "b", T + 60).await.unwrap());
    sql.allow("allowed", "u", T + 60).await.unwrap();
    assert!(sql.record_once("proof", T + 60).await.unwrap());
    sql.create_session(&Session::new("sid", "u", T, T + 60))
        .await
        .unwrap();
    assert!(sql.is_revoked("jti").await.unwrap());
    assert_eq!(sql.head("family").await.unwrap().as_deref(), Some("b"));
    assert!(sql.is_allowed("allowed", "u").await.unwrap());
    assert!(!sql.record_once("proof", T + 60).await.unwrap());
    assert!(sql.get_session("sid").await.unwrap().is_some());
    // A revocation already expired by the manual clock (not by the system's) is not written.
    sql.revoke("past", T - 1).await.unwrap();
    assert!(!sql.is_revoked("past").await.unwrap());

    clock.advance(Duration::from_secs(60));
    assert!(
        !sql.is_revoked("jti").await.unwrap(),
        "expired by the clock"
    );
    assert_eq!(sql.head("family").await.unwrap(), None);
    assert!(!sql.is_allowed("allowed", "u").await.unwrap());
    assert!(sql.record_once("proof", T + 120).await.unwrap());
    assert!(sql.get_session("sid").await.unwrap().is_none());
    assert!(
        sql.purge_expired().await.unwrap() >= 4,
        "and purged by the clock"
    );

    // The vault stamps and expires its tokens by the same clock, and its deactivations (kept
    // in the SQL store) expire with them.
    let vault = Vault::with_store(
        VaultConfig::builder()
            .key(Vault::generate_key())
            .ttl(Duration::from_secs(600))
            .build(),
        Arc::new(sql.clone()),
    )
    .unwrap()
    .with_clock(shared);
    let token = vault.seal(&"payload").unwrap();
    let opened = vault.open_payload::<String>(&token).await.unwrap();
    assert_eq!(opened.exp, T + 60 + 600, "stamped by the manual clock");
    vault.disable(&token).await.unwrap();
    assert!(matches!(
        vault.open::<String>(&token).await,
        Err(AuthError::Revoked)
    ));
    assert!(
        sql.is_revoked(&format!("vault:{}", opened.jti))
            .await
            .unwrap()
    );
    clock.advance(Duration::from_secs(601));
    assert!(matches!(
        vault.open::<String>(&token).await,
        Err(AuthError::Expired)
    ));
    assert!(
        !sql.is_revoked(&format!("vault:{}", opened.jti))
            .await
            .unwrap(),
        "the deactivation expired with the token, by the clock"
    );
}

/// `connect_with_clock` hands the clock to the stores it opens.
#[tokio::test]
async fn connect_hands_its_clock_to_the_stores() {
    let clock = ManualClock::at(T);
    let stores = connect_with_clock(&memory_url(), Arc::new(clock.clone()))
        .await
        .unwrap();
    stores.revocation.revoke("k", T + 10).await.unwrap();
    assert!(stores.revocation.is_revoked("k").await.unwrap());
    clock.set(T + 10);
    assert!(!stores.revocation.is_revoked("k").await.unwrap());
}
