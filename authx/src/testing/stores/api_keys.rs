//! Conformance for API keys ([`ApiKeyStore`](crate::store::ApiKeyStore)).

use super::{concurrent_winners, unique};
use crate::clock::unix_now as now;
use crate::store::{ApiKeyRecord, Stores};

fn key(owner: &str, created_at: i64) -> ApiKeyRecord {
    ApiKeyRecord::new(
        unique("ak"),
        unique("digest"),
        owner.into(),
        "deploy script".into(),
        created_at,
    )
}

fn ids(keys: &[ApiKeyRecord]) -> Vec<&str> {
    keys.iter().map(|k| k.id.as_str()).collect()
}

/// API keys: created and found by digest and by id exactly as stored (every optional field
/// too); a second key with an id or a digest already taken is refused, of 16 concurrent
/// creates of one id exactly one succeeds; listed per owner and all, oldest first; revoked
/// once (the first time stands); an expiry only ever moves earlier, also under 16 concurrent
/// rotations; touched; deleted; and unknown ids answer `false` or `None`.
pub async fn api_keys(stores: &Stores) {
    let s = &stores.api_keys;
    let (owner, other) = (unique("owner"), unique("owner"));
    let t = now();
    let (a, b, c) = (
        key(&owner, t - 30),
        key(&owner, t - 10),
        key(&other, t - 20),
    );
    for k in [&b, &c, &a] {
        s.create_key(k).await.unwrap();
    }
    assert_eq!(s.key_by_digest(&a.digest).await.unwrap().as_ref(), Some(&a));
    assert_eq!(
        s.key_by_id(&a.id).await.unwrap().as_ref(),
        Some(&a),
        "api keys: a key reads back by id as stored"
    );
    assert_eq!(s.key_by_digest(&unique("digest")).await.unwrap(), None);
    assert_eq!(s.key_by_id(&unique("ak")).await.unwrap(), None);

    let mut same_id = key(&owner, t);
    same_id.id.clone_from(&a.id);
    let mut same_digest = key(&owner, t);
    same_digest.digest.clone_from(&a.digest);
    assert!(
        s.create_key(&same_id).await.is_err(),
        "api keys: a second key with the same id is refused"
    );
    assert!(
        s.create_key(&same_digest).await.is_err(),
        "api keys: a second key with the same digest is refused"
    );
    assert_eq!(
        s.key_by_digest(&same_id.digest).await.unwrap(),
        None,
        "api keys: a refused key leaves nothing behind"
    );
    assert_eq!(s.key_by_id(&same_digest.id).await.unwrap(), None);
    assert_eq!(s.key_by_id(&a.id).await.unwrap().as_ref(), Some(&a));

    assert_eq!(
        ids(&s.list_keys(Some(&owner)).await.unwrap()),
        [a.id.as_str(), &b.id],
        "api keys: an owner's keys are listed oldest first"
    );
    let ours = [a.id.as_str(), &b.id, &c.id];
    let all = s.list_keys(None).await.unwrap();
    let listed: Vec<&str> = ids(&all)
        .into_iter()
        .filter(|id| ours.contains(id))
        .collect();
    assert_eq!(
        listed,
        [a.id.as_str(), &c.id, &b.id],
        "api keys: every key is listed, oldest first"
    );
    assert!(
        s.list_keys(Some(&unique("owner")))
            .await
            .unwrap()
            .is_empty()
    );

    lifecycle(stores, &a, &b).await;
    full_record(stores).await;
    races(stores, &owner).await;

    for k in [&a, &b] {
        assert!(s.delete_key(&k.id).await.unwrap());
    }
    assert!(s.delete_key(&c.id).await.unwrap());
    assert!(
        !s.delete_key(&c.id).await.unwrap(),
        "api keys: a key is deleted once"
    );
    assert_eq!(s.key_by_id(&c.id).await.unwrap(), None);
    assert_eq!(
        s.key_by_digest(&c.digest).await.unwrap(),
        None,
        "api keys: a deleted key is gone"
    );
    assert!(s.list_keys(Some(&other)).await.unwrap().is_empty());
    let all = s.list_keys(None).await.unwrap();
    assert!(
        ids(&all).iter().all(|id| !ours.contains(id)),
        "api keys: deleted keys are no longer listed"
    );
    assert!(!s.delete_key(&unique("ak")).await.unwrap());
}

/// Revocation, expiry and use of two live keys.
async fn lifecycle(stores: &Stores, a: &ApiKeyRecord, b: &ApiKeyRecord) {
    let s = &stores.api_keys;
    let t = now();
    assert!(s.revoke_key(&a.id, t).await.unwrap());
    let revoked = s.key_by_id(&a.id).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(t));
    assert!(!revoked.is_live(t), "api keys: a revoked key is not live");
    assert!(s.revoke_key(&a.id, t + 5).await.unwrap());
    assert_eq!(
        s.key_by_digest(&a.digest)
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(t),
        "api keys: the first revocation's time stands"
    );
    assert!(!s.revoke_key(&unique("ak"), t).await.unwrap());

    let expiry = async |id: &str| s.key_by_id(id).await.unwrap().unwrap().expires_at;
    assert!(s.expire_key(&b.id, t + 100).await.unwrap());
    assert_eq!(
        expiry(&b.id).await,
        Some(t + 100),
        "api keys: an expiry is set"
    );
    assert!(s.key_by_id(&b.id).await.unwrap().unwrap().is_live(t));
    assert!(s.expire_key(&b.id, t + 200).await.unwrap());
    assert_eq!(
        expiry(&b.id).await,
        Some(t + 100),
        "api keys: an expiry never moves later"
    );
    assert!(s.expire_key(&b.id, t + 50).await.unwrap());
    assert_eq!(
        expiry(&b.id).await,
        Some(t + 50),
        "api keys: it moves earlier"
    );
    assert!(s.expire_key(&b.id, t - 1).await.unwrap());
    assert!(
        !s.key_by_id(&b.id).await.unwrap().unwrap().is_live(t),
        "api keys: an expired key is not live"
    );
    assert!(!s.expire_key(&unique("ak"), t).await.unwrap());

    assert_eq!(
        s.key_by_id(&b.id).await.unwrap().unwrap().last_used_at,
        None
    );
    s.touch_key(&b.id, t + 3).await.unwrap();
    s.touch_key(&b.id, t + 7).await.unwrap();
    let touched = s.key_by_digest(&b.digest).await.unwrap().unwrap();
    assert_eq!(
        touched.last_used_at,
        Some(t + 7),
        "api keys: a touch records the last use"
    );
    assert_eq!(
        (touched.revoked_at, touched.expires_at),
        (None, Some(t - 1))
    );
    let nobody = unique("ak");
    s.touch_key(&nobody, t).await.unwrap();
    assert_eq!(
        s.key_by_id(&nobody).await.unwrap(),
        None,
        "api keys: touching an unknown id creates nothing"
    );
}

/// A record with every optional field set reads back exactly, by digest, by id and listed.
async fn full_record(stores: &Stores) {
    let s = &stores.api_keys;
    let owner = unique("service");
    let mut full = key(&owner, now() - 5);
    full.service = true;
    full.name = "ci: \"deploy\" ü {x}".into();
    full.scopes = vec!["read:*".into(), "write:orders".into(), String::new()];
    full.allowed_ips = vec!["10.0.0.0/8".into(), "2001:db8::1".into()];
    full.rate = Some("1000/60s".into());
    full.expires_at = Some(now() + 86_400);
    full.last_used_at = Some(now() - 1);
    full.revoked_at = Some(now() - 2);
    s.create_key(&full).await.unwrap();
    assert_eq!(
        s.key_by_digest(&full.digest).await.unwrap().as_ref(),
        Some(&full),
        "api keys: every optional field round-trips by digest"
    );
    assert_eq!(s.key_by_id(&full.id).await.unwrap().as_ref(), Some(&full));
    assert_eq!(s.list_keys(Some(&owner)).await.unwrap(), [full.clone()]);
    assert!(s.delete_key(&full.id).await.unwrap());
    assert!(s.list_keys(Some(&owner)).await.unwrap().is_empty());
}

/// Concurrent creates of one id, and of one digest; concurrent rotations of one key.
async fn races(stores: &Stores, owner: &str) {
    let s = &stores.api_keys;
    let t = now();
    let id = unique("ak");
    let winners = concurrent_winners(|| {
        let (s, mut k) = (stores.api_keys.clone(), key(owner, t));
        k.id.clone_from(&id);
        async move { s.create_key(&k).await.is_ok() }
    })
    .await;
    assert_eq!(
        winners, 1,
        "api keys: exactly one of 16 concurrent creates of one id succeeds"
    );
    let digest = unique("digest");
    let winners = concurrent_winners(|| {
        let (s, mut k) = (stores.api_keys.clone(), key(owner, t));
        k.digest.clone_from(&digest);
        async move { s.create_key(&k).await.is_ok() }
    })
    .await;
    assert_eq!(
        winners, 1,
        "api keys: exactly one of 16 concurrent creates of one digest succeeds"
    );
    let raced = s.key_by_digest(&digest).await.unwrap().unwrap();

    let mut at = t + 1000;
    let rotations = concurrent_winners(|| {
        let (s, id) = (stores.api_keys.clone(), id.clone());
        at -= 7;
        let at = at;
        async move { s.expire_key(&id, at).await.unwrap() }
    })
    .await;
    assert_eq!(rotations, 16);
    assert_eq!(
        s.key_by_id(&id).await.unwrap().unwrap().expires_at,
        Some(t + 1000 - 7 * 16),
        "api keys: of concurrent rotations the earliest expiry stands"
    );
    assert!(s.delete_key(&id).await.unwrap());
    assert!(s.delete_key(&raced.id).await.unwrap());
}
