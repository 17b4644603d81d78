//! Unit tests of `client_ip`.

use super::*;

fn parts(peer: &str, headers: &[(&str, &str)]) -> Parts {
    let mut b = http::Request::builder();
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let (mut p, ()) = b.body(()).unwrap().into_parts();
    p.extensions
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    p
}

fn fwd(proxies: &[&str], header: &str) -> Forwarding {
    Forwarding::new(TrustedProxies::parse(proxies).unwrap(), header, 64).unwrap()
}

fn client(f: &Forwarding, peer: &str, headers: &[(&str, &str)]) -> String {
    f.client_ip(&parts(peer, headers)).to_string()
}

#[test]
fn forwarded_headers_only_from_trusted_proxies() {
    let none = fwd(&[], "x-forwarded-for");
    let lb = fwd(&["10.0.0.0/8"], "x-forwarded-for");
    let spoof = [("x-forwarded-for", "1.1.1.1")];
    assert_eq!(client(&none, "203.0.113.9:5000", &spoof), "203.0.113.9");
    assert_eq!(
        client(&lb, "203.0.113.9:5000", &spoof),
        "203.0.113.9",
        "the peer is not a trusted proxy"
    );
    let chain = [("x-forwarded-for", "6.6.6.6, 198.51.100.4, 10.9.9.9")];
    assert_eq!(
        client(&lb, "10.1.2.3:5000", &chain),
        "198.51.100.4",
        "right-most untrusted hop"
    );
    let mapped = [("x-forwarded-for", "198.51.100.4")];
    assert_eq!(
        client(&lb, "[::ffff:10.1.2.3]:5000", &mapped),
        "198.51.100.4"
    );
    // Several header lines: the last one is the nearest hop's.
    let lines = [
        ("x-forwarded-for", "6.6.6.6"),
        ("x-forwarded-for", "198.51.100.4, 10.0.0.2"),
    ];
    assert_eq!(client(&lb, "10.1.2.3:5000", &lines), "198.51.100.4");
}

/// The review's finding: an entry that does not parse used to be skipped, so the walk went
/// on into what the client wrote.
#[test]
fn the_walk_stops_at_an_entry_that_is_not_an_address() {
    let lb = fwd(&["10.0.0.0/8"], "x-forwarded-for");
    for spoof in [
        "6.6.6.6, unknown",
        "6.6.6.6, _proxy",
        "6.6.6.6, 10.0.0.7:zz",
    ] {
        let got = client(&lb, "10.1.2.3:5000", &[("x-forwarded-for", spoof)]);
        assert_eq!(
            got, "10.1.2.3",
            "{spoof}: the walk stops at the last trusted hop"
        );
    }
    // A valid address with a port is an address.
    let got = client(
        &lb,
        "10.1.2.3:5000",
        &[("x-forwarded-for", "6.6.6.6, 198.51.100.4:4711")],
    );
    assert_eq!(got, "198.51.100.4");
    let got = client(
        &lb,
        "10.1.2.3:5000",
        &[("x-forwarded-for", "6.6.6.6, [2001:db8::1]:443")],
    );
    assert_eq!(got, "2001:db8::1");
    // Behind two proxies, the second one's entry is trusted and the walk goes on.
    let got = client(
        &lb,
        "10.1.2.3:5000",
        &[("x-forwarded-for", "6.6.6.6, 198.51.100.4, 10.0.0.5:80")],
    );
    assert_eq!(got, "198.51.100.4");
}

/// The review's finding: a client-written X-Forwarded-For beat the proxy's `Forwarded`.
#[test]
fn exactly_one_header_is_read() {
    let xff = fwd(&["10.0.0.0/8"], "x-forwarded-for");
    let forwarded = fwd(&["10.0.0.0/8"], "forwarded");
    let both = [
        ("x-forwarded-for", "6.6.6.6"),
        ("forwarded", "for=\"[2001:db8::1]:443\";proto=https"),
    ];
    assert_eq!(client(&xff, "10.1.2.3:5000", &both), "6.6.6.6");
    assert_eq!(client(&forwarded, "10.1.2.3:5000", &both), "2001:db8::1");
    let chain = [(
        "forwarded",
        "for=6.6.6.6, for=198.51.100.4;proto=https, for=10.0.0.9",
    )];
    assert_eq!(client(&forwarded, "10.1.2.3:5000", &chain), "198.51.100.4");
    let hidden = [("forwarded", "for=6.6.6.6, for=_hidden")];
    assert_eq!(client(&forwarded, "10.1.2.3:5000", &hidden), "10.1.2.3");
    let real_ip = fwd(&["10.0.0.0/8"], "x-real-ip");
    let spoof = [
        ("x-forwarded-for", "6.6.6.6"),
        ("x-real-ip", "198.51.100.4"),
    ];
    assert_eq!(client(&real_ip, "10.1.2.3:5000", &spoof), "198.51.100.4");
}

#[test]
fn ipv6_clients_share_a_bucket_per_prefix() {
    let f = fwd(&[], "x-forwarded-for");
    let a = f.client_ip(&parts("[2001:db8:1:2:aaaa::1]:1", &[])).key();
    let b = f.client_ip(&parts("[2001:db8:1:2:bbbb::9]:1", &[])).key();
    let other = f.client_ip(&parts("[2001:db8:1:3::1]:1", &[])).key();
    assert_eq!(a, "2001:db8:1:2::/64");
    assert_eq!(a, b);
    assert_ne!(a, other);
    assert_eq!(f.client_ip(&parts("192.0.2.1:1", &[])).key(), "192.0.2.1");
    let exact = Forwarding::new(TrustedProxies::default(), "x-forwarded-for", 128).unwrap();
    assert_eq!(
        exact.client_ip(&parts("[2001:db8::1]:1", &[])).key(),
        "2001:db8::1"
    );
    let all = Forwarding::new(TrustedProxies::default(), "x-forwarded-for", 0).unwrap();
    assert_eq!(all.client_ip(&parts("[2001:db8::1]:1", &[])).key(), "::/0");
    assert!(Forwarding::new(TrustedProxies::default(), "x", 129).is_err());
    assert!(Forwarding::new(TrustedProxies::default(), "bad header", 64).is_err());
}

#[test]
fn no_peer_address_is_unknown() {
    let f = fwd(&[], "x-forwarded-for");
    let (p, ()) = http::Request::builder().body(()).unwrap().into_parts();
    let ip = f.client_ip(&p);
    assert_eq!((ip.addr(), ip.key()), (None, "unknown".to_owned()));
}

/// The review's findings: a non-UTF-8 byte in the client's entry made the whole line
/// unreadable (the client became the proxy), and an IPv4-mapped trusted proxy panicked.
#[test]
fn odd_bytes_and_mapped_proxies() {
    let lb = fwd(&["10.0.0.0/8"], "x-forwarded-for");
    let mut p = parts("10.1.2.3:5000", &[]);
    p.headers.insert(
        "x-forwarded-for",
        http::HeaderValue::from_bytes(b"\xff\xfe, 198.51.100.4").unwrap(),
    );
    assert_eq!(lb.client_ip(&p).to_string(), "198.51.100.4");
    let mapped = fwd(
        &["::ffff:10.0.0.1", "::ffff:10.1.0.0/112"],
        "x-forwarded-for",
    );
    let chain = [("x-forwarded-for", "198.51.100.4")];
    assert_eq!(client(&mapped, "10.0.0.1:5000", &chain), "198.51.100.4");
    assert_eq!(client(&mapped, "10.1.9.9:5000", &chain), "198.51.100.4");
    assert_eq!(client(&mapped, "10.2.0.1:5000", &chain), "10.2.0.1");
    assert_eq!(
        client(&mapped, "[::ffff:10.0.0.1]:5000", &chain),
        "198.51.100.4"
    );
    assert!(TrustedProxies::parse(&["::ffff:10.0.0.1/64"]).is_err());
}

#[test]
fn cidr_parsing() {
    assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
    assert!(TrustedProxies::parse(&["nope"]).is_err());
    let t = TrustedProxies::parse(&["192.168.1.0/24", "::1"]).unwrap();
    assert!(t.contains("192.168.1.200".parse().unwrap()));
    assert!(!t.contains("192.168.2.1".parse().unwrap()));
    assert!(t.contains("::1".parse().unwrap()));
}
