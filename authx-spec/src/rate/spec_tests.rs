use super::*;

#[test]
fn valid_specs() {
    let table: &[(&str, u32, u64)] = &[
        ("10/60s", 10, 60_000),
        ("5/1m", 5, 60_000),
        ("100/h", 100, 3_600_000),
        ("3/1s", 3, 1_000),
        ("1000/day", 1000, 86_400_000),
        ("50/500ms", 50, 500),
        ("1/sec", 1, 1_000),
        ("1/2min", 1, 120_000),
        ("1/3hour", 1, 10_800_000),
        ("7/2d", 7, 172_800_000),
        ("010/060s", 10, 60_000),
        ("4294967295/1ms", u32::MAX, 1),
        ("1/18446744073709551615ms", 1, u64::MAX),
    ];
    for &(s, count, millis) in table {
        let r = RateSpec::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert_eq!((r.count, r.window_millis()), (count, millis), "{s:?}");
        assert_eq!(r.window, Duration::from_millis(millis));
        let again: RateSpec = r.to_string().parse().unwrap();
        assert_eq!(again, r, "{s:?} -> {r}");
    }
}

#[test]
fn display_is_canonical() {
    assert_eq!(RateSpec::parse("5/1m").unwrap().to_string(), "5/60s");
    assert_eq!(RateSpec::parse("50/500ms").unwrap().to_string(), "50/500ms");
    assert_eq!(RateSpec::parse("1/1500ms").unwrap().to_string(), "1/1500ms");
    assert_eq!(RateSpec::parse("1/2000ms").unwrap().to_string(), "1/2s");
    assert_eq!(
        RateSpec::parse("1000/day").unwrap().to_string(),
        "1000/86400s"
    );
}

#[test]
fn new_and_window_millis() {
    let r = RateSpec::new(10, Duration::from_secs(60)).unwrap();
    assert_eq!(r, RateSpec::parse("10/60s").unwrap());
    assert_eq!(r.window_millis(), 60_000);
    assert!(RateSpec::new(0, Duration::from_secs(1)).is_none());
    assert!(RateSpec::new(1, Duration::ZERO).is_none());
    assert!(RateSpec::new(1, Duration::from_micros(1500)).is_none());
    assert!(RateSpec::new(1, Duration::MAX).is_none());
    assert!(RateSpec::new(1, Duration::from_millis(u64::MAX)).is_some());
    // Hand-built values saturate rather than panic.
    let weird = RateSpec {
        count: 0,
        window: Duration::MAX,
    };
    assert_eq!(weird.window_millis(), u64::MAX);
    assert!(!weird.to_string().is_empty());
}
