use super::*;
use SpecErrorKind::*;

#[test]
fn rate_keys() {
    assert_eq!(RateKey::parse_builtin("ip").unwrap(), RateKey::Ip);
    assert_eq!(RateKey::parse_builtin("subject").unwrap(), RateKey::Subject);
    assert_eq!(RateKey::parse_builtin("api_key").unwrap(), RateKey::ApiKey);
    for (s, guess) in [
        ("", "ip"),
        ("IP", "ip"),
        (" ip", "ip"),
        ("sub", "subject"),
        ("user", "subject"),
        ("apikey", "api_key"),
        ("api-key", "api_key"),
        ("key", "api_key"),
        ("API_KEY", "api_key"),
        ("tenant", "ip"),
        ("crate::keys::by_tenant", "ip"),
    ] {
        let e = RateKey::parse_builtin(s).unwrap_err();
        assert_eq!((e.kind, e.span.clone()), (UnknownRateKey, 0..s.len()));
        assert!(e.message.contains("`ip`"), "{}", e.message);
        assert!(e.message.contains("`subject`"), "{}", e.message);
        assert!(e.message.contains("`api_key`"), "{}", e.message);
        assert!(
            e.message.contains("path of a key function"),
            "{}",
            e.message
        );
        assert!(
            e.message.ends_with(&format!("write e.g. {guess:?}")),
            "{}",
            e.message
        );
    }
    assert_eq!(RateKey::Ip.to_string(), "ip");
    assert_eq!(RateKey::Subject.to_string(), "subject");
    assert_eq!(RateKey::ApiKey.to_string(), "api_key");
    assert_eq!(RateKey::Custom("my::key".into()).to_string(), "my::key");
}
