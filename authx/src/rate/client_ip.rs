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

    /// The client address of a request (see the [module docs](crate::rate)). `None` without
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
#[path = "client_ip_tests.rs"]
mod tests;
