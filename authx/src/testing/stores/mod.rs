//! The store conformance suite (cargo feature `testing`): what every backend must do, as
//! authx's own backends do. Run it against a store of your own to prove it:
//!
//! ```
//! use authx::store::{MemoryStore, Stores};
//! use authx::testing::stores as testing;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // Your backend, wrapped as `Stores` (`Stores::single` for one type doing it all).
//! let stores = Stores::single(MemoryStore::new(), "memory");
//! testing::conformance(&stores).await;
//! # }
//! ```
//!
//! One section per kind of record, each a function of its own, so a store implementing only
//! some of the traits runs only theirs: [`revocations`] ([`RevocationStore`](crate::store::RevocationStore)),
//! [`families`] ([`FamilyStore`](crate::store::FamilyStore)), [`replay`]
//! ([`ReplayStore`](crate::store::ReplayStore)), [`session_store`]
//! ([`SessionStore`](crate::store::SessionStore)), [`allowlist`]
//! ([`AllowlistStore`](crate::store::AllowlistStore)), [`api_keys`] with
//! [`key_within_rate`] ([`ApiKeyStore`](crate::store::ApiKeyStore)) and [`factors`]
//! ([`FactorStore`](crate::store::FactorStore)); [`conformance`] runs them all, then the
//! engine on these stores.
//!
//! Each check panics with a message naming what the store got wrong. Keys and subjects are
//! random, so the suite can run against a shared database or Redis. [`conformance`] takes a
//! few seconds: [`expiry`] and [`replay`] wait for an entry to expire.

mod api_key_trip;
mod api_keys;
mod ends;
mod engine;
mod factors;
mod families;
mod replay;

pub use api_key_trip::key_within_rate;
pub use api_keys::api_keys;
pub use ends::{session_cap, session_ends, session_pages, stale_ends};
pub use factors::factors;
pub use families::families;
pub use replay::replay;

use std::time::Duration;

use crate::clock::unix_now as now;
use crate::store::{Session, Stores};

fn unique(what: &str) -> String {
    format!("{what}-{}", uuid::Uuid::new_v4())
}

/// Every section below, in order: one per kind of record, then the engine on these stores.
pub async fn conformance(stores: &Stores) {
    revocations(stores).await;
    families(stores).await;
    replay(stores).await;
    session_store(stores).await;
    allowlist(stores).await;
    api_keys(stores).await;
    key_within_rate(stores).await;
    factors(stores).await;
    engine::engine(stores.clone()).await;
}

/// The [`RevocationStore`](crate::store::RevocationStore) section: revoked keys
/// ([`revocation`], [`expiry`]) and subject-wide session ends ([`session_ends`],
/// [`stale_ends`]).
pub async fn revocations(stores: &Stores) {
    revocation(stores).await;
    session_ends(stores).await;
    stale_ends(stores).await;
    expiry(stores).await;
}

/// The [`SessionStore`](crate::store::SessionStore) section: [`sessions`], [`session_pages`]
/// and [`session_cap`].
pub async fn session_store(stores: &Stores) {
    sessions(stores).await;
    session_pages(stores).await;
    session_cap(stores.clone()).await;
}

/// Revocations: recorded, found alone and among others (one round trip for a token, its
/// family and its retirement), idempotent, and not recorded for what has already expired.
pub async fn revocation(stores: &Stores) {
    let (a, b, c) = (unique("jti"), unique("jti"), unique("jti"));
    let r = &stores.revocation;
    assert!(!r.is_revoked(&a).await.unwrap(), "a new key is not revoked");
    r.revoke(&a, now() + 600).await.unwrap();
    assert!(r.is_revoked(&a).await.unwrap(), "a revoked key is revoked");
    assert!(!r.is_revoked(&b).await.unwrap(), "other keys are not");
    assert!(
        r.any_revoked(&[&b, &a]).await.unwrap(),
        "any_revoked finds the revoked key among two"
    );
    assert!(
        r.any_revoked(&[&b, &c, &a]).await.unwrap(),
        "any_revoked finds the revoked key among three"
    );
    assert!(!r.any_revoked(&[&b, &c]).await.unwrap());
    assert!(!r.any_revoked(&[]).await.unwrap());
    r.revoke(&a, now() + 600).await.unwrap();
    assert!(r.is_revoked(&a).await.unwrap(), "revoking twice is fine");
    let gone = unique("jti");
    r.revoke(&gone, now() - 5).await.unwrap();
    assert!(
        !r.is_revoked(&gone).await.unwrap(),
        "an already expired entry refuses nothing"
    );
}

/// Runs 16 calls of `call` at once; how many returned `true`.
async fn concurrent_winners<F, Fut>(mut call: F) -> usize
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let tasks: Vec<_> = (0..16).map(|_| tokio::spawn(call())).collect();
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.unwrap());
    }
    winners
}

fn session(subject: &str, created_at: i64) -> Session {
    Session {
        id: unique("sid"),
        subject: subject.into(),
        created_at,
        last_seen: created_at,
        expires_at: now() + 3600,
        ip: Some("10.0.0.1".into()),
        user_agent: Some("curl/8".into()),
        device: None,
        device_info: None,
        revoked: false,
        generation: Some(0),
    }
}

/// Sessions: stored and read back whole, listed per subject oldest first, touched (last seen
/// and a later expiry), revoked once, and no longer listed once revoked.
pub async fn sessions(stores: &Stores) {
    let s = &stores.sessions;
    let subject = unique("user");
    // Device info is any JSON, returned as given (AuthX's `device_info` dict).
    let info = serde_json::json!({"platform": "ios", "app": {"version": "7.2", "build": 41}, "tags": ["a", 1, null, true, 2.5]});
    let one = session(&subject, now() - 10).with_device_info(Some(info));
    let two = session(&subject, now());
    s.create_session(&two).await.unwrap();
    s.create_session(&one).await.unwrap();
    assert_eq!(
        s.get_session(&one.id).await.unwrap().as_ref(),
        Some(&one),
        "a session reads back as stored, device info included"
    );
    assert_eq!(s.get_session(&unique("none")).await.unwrap(), None);
    let listed = s.list_sessions(&subject, now()).await.unwrap();
    assert_eq!(
        listed.iter().map(|x| &x.id).collect::<Vec<_>>(),
        [&one.id, &two.id],
        "sessions are listed oldest first"
    );
    assert!(
        s.list_sessions(&unique("other"), now())
            .await
            .unwrap()
            .is_empty()
    );
    // One reading of the clock: a second boundary between two would fail the comparison.
    let t = now();
    s.touch_session(&one.id, t + 5, Some(t + 7200))
        .await
        .unwrap();
    let touched = s.get_session(&one.id).await.unwrap().unwrap();
    assert_eq!(touched.last_seen, t + 5, "touch records the last use");
    assert!(touched.expires_at >= t + 7199, "touch extends the expiry");
    s.touch_session(&unique("none"), now(), None).await.unwrap();
    assert!(s.mark_session_revoked(&one.id).await.unwrap());
    assert!(
        !s.mark_session_revoked(&one.id).await.unwrap(),
        "a session is revoked only once"
    );
    assert!(s.get_session(&one.id).await.unwrap().unwrap().revoked);
    let listed = s.list_sessions(&subject, now()).await.unwrap();
    assert_eq!(
        listed.iter().map(|x| &x.id).collect::<Vec<_>>(),
        [&two.id],
        "a revoked session is no longer listed"
    );
}

/// The allowlist: a token is allowed for its subject only, withdrawn one by one or all of a
/// subject's at once, and kept apart from sessions.
pub async fn allowlist(stores: &Stores) {
    let a = &stores.allowlist;
    let (subject, other) = (unique("user"), unique("user"));
    let (j1, j2, j3) = (unique("jti"), unique("jti"), unique("jti"));
    a.allow(&j1, &subject, now() + 600).await.unwrap();
    a.allow(&j2, &subject, now() + 600).await.unwrap();
    a.allow(&j3, &other, now() + 600).await.unwrap();
    assert!(a.is_allowed(&j1, &subject).await.unwrap());
    assert!(
        !a.is_allowed(&j1, &other).await.unwrap(),
        "an allowlisted id is good for its own subject only"
    );
    assert!(!a.is_allowed(&unique("jti"), &subject).await.unwrap());
    assert!(
        stores
            .sessions
            .list_sessions(&subject, now())
            .await
            .unwrap()
            .is_empty()
            && stores.sessions.get_session(&j1).await.unwrap().is_none(),
        "allowlist entries are not sessions"
    );
    assert!(a.withdraw(&j1).await.unwrap());
    assert!(!a.withdraw(&j1).await.unwrap(), "withdrawn once");
    assert!(!a.is_allowed(&j1, &subject).await.unwrap());
    assert_eq!(a.withdraw_subject(&subject).await.unwrap(), 1);
    assert!(!a.is_allowed(&j2, &subject).await.unwrap());
    assert!(
        a.is_allowed(&j3, &other).await.unwrap(),
        "another subject's tokens stay"
    );
}

/// An entry lives as long as its token, and no longer (waits about three seconds).
pub async fn expiry(stores: &Stores) {
    let key = unique("short");
    // Three seconds of life, so a slow machine still sees the entry before it expires.
    let expires_at = now() + 3;
    stores.revocation.revoke(&key, expires_at).await.unwrap();
    assert!(stores.revocation.is_revoked(&key).await.unwrap());
    // Wait until the expiry second has passed (a wait for a deadline, not a timing assertion).
    while now() <= expires_at {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !stores.revocation.is_revoked(&key).await.unwrap(),
        "an entry lives as long as its token"
    );
}
