//! `redis+cluster://[user[:password]@]host[:port][,host[:port]...][/][?options]`: the seed
//! nodes of a Redis Cluster, one user and password for all of them, and the options
//! `wait_replicas=N` and `wait_timeout_ms=M`. Errors never repeat any part of the URL (it may
//! hold a password).

use std::time::Duration;

use crate::store::StoreError;

/// The longest `wait_timeout_ms`: well below the client's reply timeout (2 s), which would cut
/// the `WAIT` short anyway.
const MAX_WAIT: Duration = Duration::from_millis(1500);

/// A parsed cluster URL.
pub(super) struct ClusterUrl {
    /// One client per seed node, with the user and password.
    pub(super) nodes: Vec<redis::Client>,
    /// How many replicas must hold a revocation before it is acknowledged, and how long to
    /// wait for them; `None` for no waiting.
    pub(super) wait: Option<(u32, Duration)>,
}

fn bad(why: &str) -> StoreError {
    StoreError::Config(format!("bad Redis cluster URL: {why}"))
}

pub(super) fn parse(url: &str) -> Result<ClusterUrl, StoreError> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    if scheme.eq_ignore_ascii_case("rediss+cluster") {
        // The nodes' addresses come from the cluster itself, as plain host and port; TLS to
        // them is not supported yet.
        return Err(bad(
            "TLS (rediss+cluster://) is not supported yet: use redis+cluster:// on a private network",
        ));
    }
    if rest.contains('#') {
        return Err(bad("remove the fragment (#...)"));
    }
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains('/') {
        return Err(bad(
            "a cluster has no database number: remove the path after the hosts",
        ));
    }
    let (userinfo, hosts) = match rest.split_once('@') {
        Some(_) if rest.matches('@').count() > 1 => {
            return Err(bad(
                "give one user and password, before the first host: redis+cluster://:password@host1,host2",
            ));
        }
        Some((user, hosts)) => (format!("{user}@"), hosts),
        None => (String::new(), rest),
    };
    let nodes = hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| redis::Client::open(format!("redis://{userinfo}{h}")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&format!("a node does not parse ({})", e.category())))?;
    if nodes.is_empty() {
        return Err(bad(
            "name at least one node: redis+cluster://host1:6379,host2:6379",
        ));
    }
    let mut replicas = 0;
    let mut timeout = Duration::from_millis(200);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let number = |v: &str, what: &str| {
            v.parse::<u32>()
                .map_err(|_| bad(&format!("{what} must be a whole number")))
        };
        match &*name {
            "wait_replicas" => replicas = number(&value, "wait_replicas")?,
            "wait_timeout_ms" => {
                timeout = Duration::from_millis(number(&value, "wait_timeout_ms")?.into());
                if timeout.is_zero() || timeout > MAX_WAIT {
                    return Err(bad("wait_timeout_ms must be between 1 and 1500"));
                }
            }
            _ => {
                return Err(bad(
                    "an option is not known (known: wait_replicas, wait_timeout_ms)",
                ));
            }
        }
    }
    Ok(ClusterUrl {
        nodes,
        wait: (replicas > 0).then_some((replicas, timeout)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_urls_parse() {
        let u = parse("redis+cluster://:s3cret@127.0.0.1:7000, 127.0.0.1:7001/?wait_replicas=1")
            .unwrap();
        let addrs: Vec<String> = u
            .nodes
            .iter()
            .map(|n| n.get_connection_info().addr().to_string())
            .collect();
        assert_eq!(addrs, ["127.0.0.1:7000", "127.0.0.1:7001"]);
        for n in &u.nodes {
            assert_eq!(
                n.get_connection_info().redis_settings().password(),
                Some("s3cret")
            );
        }
        assert_eq!(u.wait, Some((1, Duration::from_millis(200))));
        let u = parse("redis+cluster://[::1]:7000?wait_replicas=2&wait_timeout_ms=50").unwrap();
        assert_eq!(
            u.nodes[0].get_connection_info().addr().to_string(),
            "::1:7000"
        );
        assert_eq!(u.wait, Some((2, Duration::from_millis(50))));
        assert_eq!(parse("redis+cluster://h1,h2").unwrap().wait, None);
    }

    #[test]
    fn bad_cluster_urls_are_refused_without_repeating_them() {
        for (url, why) in [
            ("redis+cluster://:s3cret@", "at least one node"),
            ("redis+cluster://:s3cret@h1:7000/2", "no database number"),
            (
                "redis+cluster://:s3cret@h1:7000?wait_replica=1",
                "not known",
            ),
            ("redis+cluster://user:1234?s3cret@h1:7000", "not known"),
            (
                "redis+cluster://:s3cret@h1:7000?wait_replicas=x",
                "whole number",
            ),
            ("redis+cluster://:s3cret@h1?wait_timeout_ms=0", "between"),
            ("redis+cluster://:s3cret@h1?wait_timeout_ms=1501", "between"),
            ("redis+cluster://:s3cret@h1,:q@h2", "one user and password"),
            ("redis+cluster://:s3cret@h1#x", "fragment"),
            ("rediss+cluster://:s3cret@h1", "TLS"),
        ] {
            let Err(StoreError::Config(msg)) = parse(url) else {
                panic!("{url} was accepted")
            };
            assert!(msg.contains(why), "{url}: {msg}");
            assert!(!msg.contains("s3cret") && !msg.contains("1234"), "{msg}");
        }
    }
}
