//! Conformance for family heads ([`FamilyStore`](crate::store::FamilyStore)).

use super::{concurrent_winners, unique};
use crate::clock::unix_now as now;
use crate::store::Stores;

/// Token families: the live refresh token is recorded on the first rotation, advanced only from
/// the live one (exactly one of 16 concurrent rotations of one token wins), never from a
/// retired one, and forgotten when its record expires.
pub async fn families(stores: &Stores) {
    let r = &stores.families;
    let family = unique("family");
    let (j0, j1, j2) = (unique("jti"), unique("jti"), unique("jti"));
    assert_eq!(
        r.head(&family).await.unwrap(),
        None,
        "a new family has no head"
    );
    assert!(
        r.advance(&family, &j0, &j1, now() + 600).await.unwrap(),
        "the first rotation records the family"
    );
    assert_eq!(r.head(&family).await.unwrap().as_deref(), Some(j1.as_str()));
    assert!(
        !r.advance(&family, &j0, &j2, now() + 600).await.unwrap(),
        "a retired token never advances its family"
    );
    assert!(r.advance(&family, &j1, &j2, now() + 600).await.unwrap());
    assert_eq!(r.head(&family).await.unwrap().as_deref(), Some(j2.as_str()));

    let raced = unique("family");
    let mut next = 0;
    let winners = concurrent_winners(|| {
        let r = stores.families.clone();
        let raced = raced.clone();
        next += 1;
        let next = format!("next-{next}");
        async move { r.advance(&raced, "j0", &next, now() + 600).await.unwrap() }
    })
    .await;
    assert_eq!(
        winners, 1,
        "exactly one concurrent rotation of a refresh token wins"
    );

    let gone = unique("family");
    r.advance(&gone, "a", "b", now() - 5).await.unwrap();
    assert_eq!(
        r.head(&gone).await.unwrap(),
        None,
        "an expired record is no head"
    );
    assert!(
        r.advance(&gone, "x", "y", now() + 600).await.unwrap(),
        "an expired record is no obstacle"
    );
}
