//! The client's IP: the socket peer, or what trusted proxies say in the one header they write.
//!
//! A forwarding header is written by whoever sent the request, so it is only evidence when
//! the peer is a proxy of yours, and only for the hops your proxies appended. The walk starts
//! at the right (the nearest hop) and goes left while the hops are trusted proxies; the first
//! address that is not one of them is the client. It stops early, at the last hop reached, on
//! an entry that is not an address (`unknown`, a name, garbage): past it every entry was
//! written by someone the proxies did not vouch for. Exactly one header is read (configured,
//! `X-Forwarded-For` by default): a client-written `Forwarded` cannot outrank the proxy's
//! `X-Forwarded-For`, or the reverse.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::ConnectInfo;
use http::HeaderName;
use http::request::Parts;

use crate::error::ConfigError;

/// Networks whose forwarding header is believed (your load balancers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses addresses and CIDR networks (`10.0.0.0/8`, `::1`, `192.168.1.7`).
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, ConfigError> {
        items
            .iter()
            .map(|s| {
                let s = s.as_ref().trim();
                let bad = || ConfigError::Invalid {
                    field: "trusted_proxies",
                    reason: format!("{s:?} is not an IP address or CIDR network"),
                };
                let (addr, len) = match s.split_once('/') {
                    Some((a, l)) => (
                        a.parse::<IpAddr>().map_err(|_| bad())?,
                        l.parse::<u8>().map_err(|_| bad())?,
                    ),
                    None => {
                        let a = s.parse::<IpAddr>().map_err(|_| bad())?;
                        (a, if a.is_ipv4() { 32 } else { 128 })
                    }
                };
                let max = if addr.is_ipv4() { 32 } else { 128 };
                if len > max {
                    return Err(bad());
                }
                // `::ffff:10.0.0.1/128` is the IPv4 network `10.0.0.1/32`, as peers are compared
                // in their IPv4 form; a shorter prefix reaches outside the mapped range.
                match addr {
                    IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                        Some(v4) if len >= 96 => Ok((IpAddr::V4(v4), len - 96)),
                        Some(_) => Err(bad()),
                        None => Ok((addr, len)),
                    },
                    IpAddr::V4(_) => Ok((addr, len)),
                }
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    /// Is `ip` inside one of the networks?
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(net, len)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), len),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), len),
            _ => false,
        })
    }

    /// No proxy trusted?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How a request's client IP is found: which peers are trusted proxies, the one header they
/// write, and how IPv6 clients are grouped into rate-limit buckets. Built from
/// [`AuthConfig`](crate::AuthConfig) (`trusted_proxies`, `forwarded_header`, `ipv6_prefix`).
#[derive(Debug, Clone)]
pub struct Forwarding {
    proxies: TrustedProxies,
    header: HeaderName,
    ipv6_prefix: u8,
}

impl Forwarding {
    /// Trusts `proxies`, reads `header` (`Forwarded` is parsed as RFC 7239, any other header as
    /// a comma list of addresses), and keys IPv6 clients by their `/ipv6_prefix` network.
    pub fn new(
        proxies: TrustedProxies,
        header: &str,
        ipv6_prefix: u8,
    ) -> Result<Self, ConfigError> {
        let header = header
            .trim()
            .parse::<HeaderName>()
            .map_err(|_| ConfigError::Invalid {
                field: "forwarded_header",
                reason: format!("{header:?} is not a valid header name"),
            })?;
        if ipv6_prefix > 128 {
            return Err(ConfigError::Invalid {
                field: "ipv6_prefix",
                reason: format!("{ipv6_prefix} is not a prefix length (0 to 128)"),
            });
        }
        Ok(Forwarding {
            proxies,
            header,
            ipv6_prefix,
        })
    }

    /// The trusted proxies.
    pub fn proxies(&self) -> &TrustedProxies {
        &self.proxies
    }

    /// The client address of a request (see the [module docs](self)). `None` without
    /// `into_make_service_with_connect_info::<SocketAddr>()`; a warning says so once.
    pub fn client_ip(&self, parts: &Parts) -> ClientIp {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| canonical(c.0.ip()))
        else {
            warn_no_peer_once();
            return ClientIp {
                ip: None,
                ipv6_prefix: self.ipv6_prefix,
            };
        };
        let mut client = peer;
        if self.proxies.contains(peer) {
            let rfc7239 = self.header == http::header::FORWARDED;
            // Later header lines were appended by nearer hops: read the lines in order and
            // walk every entry from the right. Entries are split as bytes and decoded one by
            // one, so a byte that is not UTF-8 in a client-written entry cannot hide the
            // entries the proxies appended after it.
            let lines: Vec<&[u8]> = parts
                .headers
                .get_all(&self.header)
                .iter()
                .map(|v| v.as_bytes())
                .collect();
            'walk: for line in lines.iter().rev() {
                for entry in line.split(|b| *b == b',').rev() {
                    let entry = std::str::from_utf8(entry).ok();
                    let hop = entry.and_then(|e| {
                        if rfc7239 {
                            forwarded_for(e)
                        } else {
                            parse_hop(e)
                        }
                    });
                    let Some(hop) = hop else {
                        break 'walk;
                    };
                    client = canonical(hop);
                    if !self.proxies.contains(client) {
                        break 'walk;
                    }
                }
            }
        }
        ClientIp {
            ip: Some(client),
            ipv6_prefix: self.ipv6_prefix,
        }
    }
}

/// Says once per process that rate limits keyed by IP and session IPs see no peer address.
fn warn_no_peer_once() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "authx: requests carry no peer address (serve with \
             `into_make_service_with_connect_info::<SocketAddr>()`): every client shares one \
             IP rate-limit bucket and sessions record no IP"
        );
    }
}

/// One hop of a comma-list header: an address, `v4:port` or `[v6]:port`, else `None`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim().trim_matches('"');
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = entry.strip_prefix('[') {
        let (addr, port) = rest.split_once(']')?;
        let ok_port = port.is_empty() || port.strip_prefix(':').is_some_and(is_port);
        return ok_port
            .then(|| addr.parse::<Ipv6Addr>().ok().map(IpAddr::V6))
            .flatten();
    }
    let (addr, port) = entry.split_once(':')?;
    if !is_port(port) {
        return None;
    }
    addr.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The `for=` of one RFC 7239 element (`for=192.0.2.60;proto=http;by=203.0.113.43`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("for").then(|| parse_hop(v))?
    })
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], len: u8) -> bool {
    // `parse` keeps lengths within the address size; a longer one matches nothing.
    if usize::from(len) > a.len() * 8 {
        return false;
    }
    let full = usize::from(len / 8);
    let rest = len % 8;
    a[..full] == b[..full] && (rest == 0 || (a[full] ^ b[full]) >> (8 - rest) == 0)
}

/// The client address a request came from, as [`Forwarding::client_ip`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp {
    ip: Option<IpAddr>,
    ipv6_prefix: u8,
}

impl ClientIp {
    /// The address; `None` when the server gives no peer address.
    pub fn addr(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The rate-limit bucket: the IPv4 address, or the IPv6 network of the configured prefix
    /// (`2001:db8:1:2::/64`); `unknown` when there is no address.
    pub fn key(&self) -> String {
        match self.ip {
            None => "unknown".into(),
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) if self.ipv6_prefix >= 128 => v6.to_string(),
            Some(IpAddr::V6(v6)) => {
                let bits = u128::from(v6);
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.ipv6_prefix))
                    .unwrap_or(0);
                format!("{}/{}", Ipv6Addr::from(bits & mask), self.ipv6_prefix)
            }
        }
    }
}

impl std::fmt::Display for ClientIp {
    /// The address, or `unknown`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ip {
            Some(ip) => ip.fmt(f),
            None => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
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
}
