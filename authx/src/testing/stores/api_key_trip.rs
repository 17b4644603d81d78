//! Conformance for a key request in one round trip
//! ([`ApiKeyStore::key_within_rate`](crate::store::ApiKeyStore::key_within_rate)), for a
//! store that offers it.

use std::time::Duration;

use super::unique;
use crate::clock::unix_now as now;
use crate::store::{ApiKeyRecord, KeyCharge, KeyChecked, KeyTrip, Stores};

const MINUTE: Duration = Duration::from_secs(60);

/// Where `key_within_rate` answers (the store is also the revocation store and the rate
/// limiter): an unknown digest is `Unknown`; a live key's record comes back as stored with
/// its tier and a route's limit counted in order, up to the first refusal, in the very
/// buckets [`RateLimiter::check`](crate::rate::RateLimiter::check) counts (the key's id after
/// a per-key bucket); a key without a tier counts `None` for it; a key whose id or family key
/// `sid:<id>` is in the revocation store is `Revoked` and counts nothing; a revoked, expired
/// or address-limited record is only `Read`. A store that does not offer it passes.
pub async fn key_within_rate(stores: &Stores) {
    let s = &stores.api_keys;
    let t = now();
    let Some(unknown) = s.key_within_rate(&unique("digest"), t, &[]).await else {
        return;
    };
    assert_eq!(
        unknown.unwrap(),
        KeyTrip::Unknown,
        "key trip: no record for an unknown digest"
    );
    let owner = unique("owner");
    let record = |rate: Option<&str>| {
        let mut r = ApiKeyRecord::new(
            unique("ak"),
            unique("digest"),
            owner.clone(),
            "ci".into(),
            t - 5,
        );
        r.rate = rate.map(Into::into);
        r
    };
    let tiered = record(Some("2/60s"));
    s.create_key(&tiered).await.unwrap();
    let (tier, route) = (unique("tier|key:"), unique("route|key:"));
    let charges = [
        KeyCharge::tier(&tier),
        KeyCharge::new(&route, true, 3, MINUTE),
    ];
    let mut counted = Vec::new();
    for _ in 0..3 {
        match s.key_within_rate(&tiered.digest, t, &charges).await {
            Some(Ok(KeyTrip::Found(r, KeyChecked::Counted(d)))) => {
                assert_eq!(*r, tiered, "key trip: the record comes back as stored");
                counted.push(
                    d.iter()
                        .map(|d| d.map(|d| (d.allowed, d.limit, d.remaining)))
                        .collect::<Vec<_>>(),
                );
            }
            other => panic!("key trip: a live key is counted, not {other:?}"),
        }
    }
    assert_eq!(
        counted,
        [
            vec![Some((true, 2, 1)), Some((true, 3, 2))],
            vec![Some((true, 2, 0)), Some((true, 3, 1))],
            vec![Some((false, 2, 0))],
        ],
        "key trip: the tier (2/60s) then the route (3/60s), up to the first refusal"
    );
    let bucket = format!("{route}{}", tiered.id);
    let peek = stores.rate.peek(&bucket, 3, MINUTE).await.unwrap();
    assert_eq!(
        peek.remaining, 0,
        "key trip: a per-key bucket is the limiter's `<bucket><id>` (two counted of three)"
    );

    let plain = record(None);
    s.create_key(&plain).await.unwrap();
    let shared = unique("route|ip:");
    let per_address = [
        KeyCharge::tier(&tier),
        KeyCharge::new(&shared, false, 3, MINUTE),
    ];
    match s.key_within_rate(&plain.digest, t, &per_address).await {
        Some(Ok(KeyTrip::Found(_, KeyChecked::Counted(d)))) => assert_eq!(
            d.iter().map(|d| d.map(|d| d.remaining)).collect::<Vec<_>>(),
            [None, Some(2)],
            "key trip: no tier counts nothing; a bucket not per key is used as is"
        ),
        other => panic!("key trip: a live key is counted, not {other:?}"),
    }
    let peek = stores.rate.peek(&shared, 3, MINUTE).await.unwrap();
    assert_eq!(peek.remaining, 1, "key trip: the shared bucket counted one");

    revoked(stores, &plain, &per_address, &shared).await;
    only_read(stores, &owner, t).await;
    for k in [&tiered, &plain] {
        s.delete_key(&k.id).await.unwrap();
    }
}

/// A key revoked in the revocation store (by id, or by its family key) is `Revoked`, and
/// nothing is counted.
async fn revoked(stores: &Stores, key: &ApiKeyRecord, charges: &[KeyCharge<'_>], bucket: &str) {
    let s = &stores.api_keys;
    let t = now();
    for revoked_as in [format!("sid:{}", key.id), key.id.clone()] {
        let mut k = key.clone();
        k.id = unique("ak");
        k.digest = unique("digest");
        s.create_key(&k).await.unwrap();
        let entry = revoked_as.replace(&key.id, &k.id);
        stores.revocation.revoke(&entry, t + 60).await.unwrap();
        match s.key_within_rate(&k.digest, t, charges).await {
            Some(Ok(KeyTrip::Found(_, KeyChecked::Revoked))) => {}
            other => panic!("key trip: a key revoked as {entry} is Revoked, not {other:?}"),
        }
        s.delete_key(&k.id).await.unwrap();
    }
    let peek = stores.rate.peek(bucket, 3, MINUTE).await.unwrap();
    assert_eq!(peek.remaining, 1, "key trip: a revoked key counts nothing");
}

/// Records the engine must judge itself are only read.
async fn only_read(stores: &Stores, owner: &str, t: i64) {
    let s = &stores.api_keys;
    let base = || {
        ApiKeyRecord::new(
            unique("ak"),
            unique("digest"),
            owner.into(),
            "ci".into(),
            t - 5,
        )
    };
    let mut expired = base();
    expired.expires_at = Some(t);
    let mut revoked = base();
    revoked.revoked_at = Some(t - 1);
    let mut limited = base();
    limited.allowed_ips = vec!["192.0.2.0/24".into()];
    let route = unique("route|key:");
    let charges = [KeyCharge::new(&route, true, 3, MINUTE)];
    for (what, r) in [
        ("expired", expired),
        ("revoked", revoked),
        ("address-limited", limited),
    ] {
        s.create_key(&r).await.unwrap();
        match s.key_within_rate(&r.digest, t, &charges).await {
            Some(Ok(KeyTrip::Found(found, KeyChecked::Read))) => assert_eq!(*found, r),
            other => panic!("key trip: an {what} key is only read, not {other:?}"),
        }
        let bucket = format!("{route}{}", r.id);
        let peek = stores.rate.peek(&bucket, 3, MINUTE).await.unwrap();
        assert_eq!(peek.remaining, 2, "key trip: {what}: nothing counted");
        s.delete_key(&r.id).await.unwrap();
    }
}
