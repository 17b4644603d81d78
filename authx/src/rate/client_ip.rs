//! The client's IP, honouring forwarding headers only from trusted proxies.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::request::Parts;

use crate::error::ConfigError;

/// Networks whose `X-Forwarded-For` / `Forwarded` headers are believed (your load balancers).
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
                Ok((addr, len))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    /// Is `ip` inside one of the networks?
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(net, len)| match (canonical(net), ip) {
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

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], len: u8) -> bool {
    let full = usize::from(len / 8);
    let rest = len % 8;
    a[..full] == b[..full] && (rest == 0 || (a[full] ^ b[full]) >> (8 - rest) == 0)
}

/// The client address a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The socket peer, or, when the peer is a trusted proxy, the right-most untrusted address
    /// of `X-Forwarded-For` (or `Forwarded: for=`). `None` without
    /// `into_make_service_with_connect_info::<SocketAddr>()`.
    pub fn of(parts: &Parts, trusted: &TrustedProxies) -> Self {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return ClientIp(None);
        };
        if trusted.is_empty() || !trusted.contains(peer) {
            return ClientIp(Some(peer));
        }
        // Walk the chain from the nearest hop back; the first address we do not trust is the
        // client (addresses further left were written by the client itself and prove nothing).
        let mut chain: Vec<IpAddr> = Vec::new();
        for v in parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            chain.extend(v.split(',').filter_map(|s| s.trim().parse::<IpAddr>().ok()));
        }
        if chain.is_empty() {
            for v in parts
                .headers
                .get_all("forwarded")
                .iter()
                .filter_map(|v| v.to_str().ok())
            {
                chain.extend(v.split([',', ';']).filter_map(|kv| {
                    let (k, v) = kv.trim().split_once('=')?;
                    if !k.trim().eq_ignore_ascii_case("for") {
                        return None;
                    }
                    let v = v.trim().trim_matches('"');
                    let v = v
                        .strip_prefix('[')
                        .and_then(|v| v.split_once(']'))
                        .map(|(a, _)| a)
                        .unwrap_or_else(|| {
                            // "1.2.3.4:5678" → the address
                            if v.matches(':').count() == 1 {
                                v.split(':').next().unwrap_or(v)
                            } else {
                                v
                            }
                        });
                    v.parse::<IpAddr>().ok()
                }));
            }
        }
        let client = chain
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(*ip))
            .unwrap_or(peer);
        ClientIp(Some(client))
    }

    /// The address as a key (`unknown` when there is none).
    pub fn key(&self) -> String {
        self.0
            .map(|ip| canonical(ip).to_string())
            .unwrap_or_else(|| "unknown".into())
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

    #[test]
    fn forwarded_headers_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        let lb = TrustedProxies::parse(&["10.0.0.0/8"]).unwrap();
        let spoof = parts("203.0.113.9:5000", &[("x-forwarded-for", "1.1.1.1")]);
        assert_eq!(ClientIp::of(&spoof, &none).key(), "203.0.113.9");
        assert_eq!(
            ClientIp::of(&spoof, &lb).key(),
            "203.0.113.9",
            "the peer is not a trusted proxy"
        );
        let via_lb = parts(
            "10.1.2.3:5000",
            &[("x-forwarded-for", "6.6.6.6, 198.51.100.4, 10.9.9.9")],
        );
        assert_eq!(
            ClientIp::of(&via_lb, &lb).key(),
            "198.51.100.4",
            "right-most untrusted hop"
        );
        let fwd = parts(
            "10.1.2.3:5000",
            &[("forwarded", "for=\"[2001:db8::1]:443\";proto=https")],
        );
        assert_eq!(ClientIp::of(&fwd, &lb).key(), "2001:db8::1");
        let mapped = parts(
            "[::ffff:10.1.2.3]:5000",
            &[("x-forwarded-for", "198.51.100.4")],
        );
        assert_eq!(ClientIp::of(&mapped, &lb).key(), "198.51.100.4");
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
