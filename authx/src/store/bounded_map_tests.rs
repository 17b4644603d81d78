//! Tests of [`BoundedMap`]: both policies, and expiry.

use super::*;

fn put(
    map: &BoundedMap<u32>,
    key: &str,
    value: u32,
    until: i64,
    now: i64,
) -> Result<(), StoreError> {
    map.upsert(key, now, |_| (Some(Entry::new(value, until)), ()))
}

fn get(map: &BoundedMap<u32>, key: &str, now: i64) -> Option<u32> {
    map.read(key, now, |e| e.value)
}

/// An entry is live until its expiry, then invisible; an update sees the live entry only.
#[test]
fn entries_live_until_their_expiry() {
    let map = BoundedMap::new(8, Overflow::Refuse);
    put(&map, "a", 1, 110, 100).unwrap();
    assert_eq!(get(&map, "a", 109), Some(1));
    assert_eq!(get(&map, "a", 110), None, "expired at its expiry");
    let seen = map.upsert("a", 110, |live| (None, live.is_some())).unwrap();
    assert!(!seen, "an expired entry is not shown to an update");
    assert_eq!(map.modify("a", 110, |e| e.value = 7), None);
    assert_eq!(map.len(), 1, "held until swept");
    assert_eq!(map.sweep(110), 1);
    assert_eq!(map.len(), 0);
}

/// Refuse: a map full of live entries refuses a new key (its live entries all kept) and
/// still takes updates of the keys it holds; expired entries are swept before refusing.
#[test]
fn refuse_keeps_every_live_entry_and_sweeps_expired_ones_first() {
    let map = BoundedMap::new(4, Overflow::Refuse);
    for (i, until) in [(0, 110), (1, 120), (2, 130), (3, 140)] {
        put(&map, &format!("k{i}"), i, until, 100).unwrap();
    }
    assert!(matches!(
        put(&map, "new", 9, 200, 105),
        Err(StoreError::Full(4))
    ));
    for i in 0..4 {
        assert_eq!(
            get(&map, &format!("k{i}"), 105),
            Some(i),
            "live entries kept"
        );
    }
    put(&map, "k1", 11, 125, 105).unwrap();
    assert_eq!(
        get(&map, "k1", 105),
        Some(11),
        "a held key is updated when full"
    );
    // t=110: k0 expired, a sweep makes room for one, and one only.
    put(&map, "new", 9, 200, 110).unwrap();
    assert_eq!(map.len(), 4);
    assert!(matches!(
        put(&map, "more", 9, 200, 111),
        Err(StoreError::Full(4))
    ));
}

/// Refuse: the bound is the whole map's, whatever shards the keys fall in.
#[test]
fn refuse_bounds_the_whole_map_not_a_shard() {
    let map = BoundedMap::new(40, Overflow::Refuse);
    for i in 0..40 {
        put(&map, &format!("k{i}"), i, 200, 100).unwrap();
    }
    assert!(put(&map, "k40", 40, 200, 100).is_err());
    assert_eq!(map.len(), 40);
}

/// A full map of live entries refuses at once, without sweeping again, until the first of
/// them can have expired.
#[test]
fn a_full_map_is_swept_only_once_something_can_have_expired() {
    let map = BoundedMap::new(4, Overflow::Refuse);
    for (i, until) in [(0, 110), (1, 120), (2, 130), (3, 140)] {
        put(&map, &format!("k{i}"), i, until, 100).unwrap();
    }
    let sweeps = map.sweeps();
    for i in 0..1_000 {
        assert!(put(&map, &format!("flood{i}"), 0, 200, 105).is_err());
    }
    assert_eq!(
        map.sweeps(),
        sweeps,
        "nothing can have expired before t=110"
    );
    // At t=110 the first entry has expired: the new key gets in, by the full sweep or, when
    // the flood's new keys had already due its own shard a sweep, by that shard's (which one
    // depends on where the keys hash, seeded per process).
    put(&map, "new", 0, 200, 110).unwrap();
    assert!(map.sweeps() <= sweeps + 1, "one full sweep at most");
    assert_eq!(get(&map, "k0", 110), None);
    assert_eq!(get(&map, "new", 110), Some(0));
    assert!(map.len() <= 4, "{}", map.len());
}

/// Evict: a full shard forgets an entry to make room, sweeping expired ones first; each
/// shard holds its share of the capacity, so the map never grows past it.
#[test]
fn evict_makes_room_and_stays_bounded() {
    let map = BoundedMap::new(32, Overflow::Evict);
    for i in 0..1_000 {
        put(&map, &format!("k{i}"), i, 200, 100).unwrap();
    }
    assert!(map.len() <= map.capacity());
    assert_eq!(map.capacity(), 32);
    assert_eq!(get(&map, "k999", 100), Some(999), "the newest entry is in");
    // Expired entries go before live ones: once all expired, a new key evicts no live one.
    map.sweep(200);
    assert_eq!(map.len(), 0);
}

/// Retain, remove, per-shard retain (keys sharing a shard key), clear and iteration.
#[test]
fn retain_remove_and_iterate() {
    let map =
        BoundedMap::new(64, Overflow::Evict).with_shard_key(|k| k.split('\0').next().unwrap_or(k));
    for k in ["s\0a", "s\0b", "t\0a", "u"] {
        put(&map, k, 1, 200, 100).unwrap();
    }
    map.retain_in_shard_of("s", |k, _| !k.starts_with("s\0"));
    assert_eq!(get(&map, "s\0a", 100), None);
    assert_eq!(get(&map, "t\0a", 100), Some(1));
    assert_eq!(map.remove("u").map(|e| e.value), Some(1));
    let mut seen = Vec::new();
    map.for_each(100, |k, _| seen.push(k.to_owned()));
    assert_eq!(seen, ["t\0a"]);
    assert!(map.bytes() > 0);
    map.clear();
    assert_eq!(map.len(), 0);
}

/// A map on the fast hasher holds and finds what the SipHash one does, its keys spread over
/// every shard (its shard hash and its tables' hashes are seeded apart).
#[test]
fn the_fast_hasher_spreads_keys_over_every_shard_and_finds_them() {
    let map: BoundedMap<u32, Fast> = BoundedMap::with_hasher(20_000, Overflow::Refuse);
    for i in 0..10_000 {
        map.upsert(&format!("jti-{i}"), 100, |_| (Some(Entry::new(i, 200)), ()))
            .unwrap();
    }
    for i in 0..10_000 {
        assert_eq!(map.read(&format!("jti-{i}"), 150, |e| e.value), Some(i));
    }
    assert_eq!(map.read("jti-10000", 150, |e| e.value), None);
    for shard in map.shards() {
        let n = shard.map.len();
        assert!(
            (400..900).contains(&n),
            "{n} of 10,000 keys in one shard of 16"
        );
    }
}

/// Keys that expire soon after they arrive (rate buckets of one-off client addresses, say) do
/// not pile up until the map is full: as shards grow they are swept, so a map of a million
/// keys' capacity that saw 200,000 keys, at most ~1,000 of them live at a time, holds a few
/// thousand, and its tables stay sized for that.
#[test]
fn expired_keys_are_swept_as_shards_grow_long_before_the_map_is_full() {
    for overflow in [Overflow::Refuse, Overflow::Evict] {
        let map = BoundedMap::new(1_000_000, overflow);
        for i in 0..200_000i64 {
            // Key i lives 1,000 ticks from its arrival at tick i.
            put(&map, &format!("ip{i}"), 0, i + 1_000, i).unwrap();
            assert!(
                map.len() <= 2 * 1_000 + 16 * 2 * SWEEP_MIN,
                "{overflow:?}: {} entries held at tick {i}",
                map.len()
            );
        }
        // Later, a trickle of new keys sweeps every shard's expired ones.
        for i in 0..2_000i64 {
            put(&map, &format!("late{i}"), 0, 1_000_000, 500_000).unwrap();
        }
        assert!(map.len() <= 2_000 + 16 * SWEEP_MIN, "{}", map.len());
        // Tables for a few thousand keys (under 256 KiB), not for 200,000 (about 6 MiB).
        assert!(map.bytes() < 256 * 1024, "{} bytes", map.bytes());
        assert!(get(&map, "late0", 500_000).is_some());
    }
}

/// A burst that has expired goes as new keys trickle in, though the shard is not growing: the
/// review's case of a million-key burst kept for hours at low traffic.
#[test]
fn an_expired_burst_goes_as_a_trickle_of_new_keys_comes() {
    let map = BoundedMap::new(1_000_000, Overflow::Refuse);
    // 50,000 keys at once, all live until t=100.
    for i in 0..50_000 {
        put(&map, &format!("burst{i}"), 0, 100, 0).unwrap();
    }
    // Later, a trickle: a quarter of each shard's size in new keys sweeps it.
    for i in 0..16_000 {
        put(&map, &format!("trickle{i}"), 0, 1_000_000, 200).unwrap();
    }
    assert!(
        map.len() <= 16_000 + 16 * 2 * SWEEP_MIN,
        "{} held",
        map.len()
    );
}
