//! Conformance for replay records ([`ReplayStore`](crate::store::ReplayStore)).

use std::time::Duration;

use super::{concurrent_winners, unique};
use crate::clock::unix_now as now;
use crate::store::Stores;

/// Replay records: a key's first use is `true`, its second `false`; of 16 concurrent first uses
/// of one key exactly one is `true`; after its expiry the key is new again (waits about three
/// seconds, on the store's own time, as [`expiry`](super::expiry) does); and a replay record is
/// not a revocation.
pub async fn replay(stores: &Stores) {
    let r = &stores.replay;
    // Three seconds of life, so a slow machine still sees the record before it expires; the
    // other checks run meanwhile.
    let (short, expires_at) = (unique("proof"), now() + 3);
    assert!(
        r.record_once(&short, expires_at).await.unwrap(),
        "replay: a key's first use is true"
    );
    assert!(
        !r.record_once(&short, expires_at).await.unwrap(),
        "replay: a key's second use is false"
    );

    let key = unique("proof");
    let winners = concurrent_winners(|| {
        let r = stores.replay.clone();
        let key = key.clone();
        async move { r.record_once(&key, now() + 600).await.unwrap() }
    })
    .await;
    assert_eq!(
        winners, 1,
        "replay: exactly one of 16 concurrent first uses is true"
    );
    assert!(
        !r.record_once(&key, now() + 600).await.unwrap(),
        "replay: and every later use is false"
    );
    assert!(
        !stores.revocation.is_revoked(&key).await.unwrap(),
        "replay: a replay record is not a revocation"
    );
    let late = unique("proof");
    assert!(r.record_once(&late, now() - 5).await.unwrap());
    assert!(
        !r.record_once(&late, now() - 5).await.unwrap(),
        "replay: a second use right after the first is caught, even past the expiry"
    );

    // Wait until the expiry second has passed (a wait for a deadline, not a timing assertion).
    while now() <= expires_at {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        r.record_once(&short, now() + 600).await.unwrap(),
        "replay: after its expiry a key's use is a first use again"
    );
    assert!(
        !r.record_once(&short, now() + 600).await.unwrap(),
        "replay: and is recorded again"
    );
}
