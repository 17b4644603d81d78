//! Client authentication at the introspection and revocation endpoints: HTTP Basic against
//! [`OAuthConfig::clients`](crate::config::OAuthConfig::clients), secrets compared as
//! fixed-length digests, and failed attempts rate-limited per client IP and per client id.

use std::time::Duration;

use base64::Engine as _;
use http::request::Parts;
use http::{HeaderMap, header};
use sha2::{Digest, Sha256};

use crate::config::OAuthClient;
use crate::{Auth, AuthError};

/// Failed client authentications allowed per [`CLIENT_AUTH_FAILURE_WINDOW`], from one client IP
/// and, separately, for one configured client id: a burst of 10, then one more every 6 s.
pub const CLIENT_AUTH_FAILURES: u32 = 10;
/// The window of [`CLIENT_AUTH_FAILURES`]: 60 s.
pub const CLIENT_AUTH_FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// The limiter keys' route part: its own buckets, apart from every route's.
const ROUTE: &str = "oauth:client-auth";

/// The client a call authenticated as.
pub(super) struct Client {
    /// Its id.
    pub(super) id: String,
    /// Whether it may introspect every token, not only its own.
    pub(super) introspects_all: bool,
}

/// Why a call's client was not accepted.
pub(super) enum Refused {
    /// Missing or wrong credentials: `401 invalid_client`.
    Invalid,
    /// Too many failed attempts from this IP or for this client: `429`, retry after this long.
    Limited(Duration),
    /// The rate limiter did not answer: `503`.
    Unavailable,
}

/// The calling client, authenticated with HTTP Basic (RFC 6749 section 2.3.1: id and secret
/// form-urlencoded, then base64).
///
/// Before any secret is compared, the failure buckets of the client IP and of the named client
/// (a configured id only, so made-up ids cannot fill the limiter) are read with
/// [`RateLimiter::peek`](crate::rate::RateLimiter::peek), which records nothing: an exhausted
/// one refuses the call, a right secret included, so guessing stops at
/// [`CLIENT_AUTH_FAILURES`] per window. Only a failed attempt is then counted, in both; a
/// successful one leaves the buckets as they were. The secret is compared as a SHA-256
/// digest in constant time against every configured secret of the named client, and an
/// unknown id costs a comparison too: neither the secret's bytes nor its length leak through
/// timing.
pub(super) async fn authenticate(auth: &Auth, parts: &Parts) -> Result<Client, Refused> {
    let credentials = basic_credentials(&parts.headers);
    let clients = &auth.config().oauth.clients;
    let known = credentials
        .as_ref()
        .is_some_and(|(id, _)| clients.iter().any(|c| &c.id == id));
    let ip_key = format!("{ROUTE}|ip:{}", auth.client_ip(parts).key());
    let id_key = credentials
        .as_ref()
        .filter(|_| known)
        .map(|(id, _)| format!("{ROUTE}|id:{id}"));
    let keys: Vec<&str> = std::iter::once(ip_key.as_str())
        .chain(id_key.as_deref())
        .collect();
    for key in &keys {
        if let Some(retry) = exhausted(auth, key).await? {
            return Err(Refused::Limited(retry));
        }
    }
    if let Some((id, secret)) = &credentials
        && let Some(client) = matching(clients, id, secret)
    {
        return Ok(client);
    }
    let mut limited = None;
    for key in &keys {
        if let Some(retry) = charge(auth, key).await? {
            limited = Some(limited.map_or(retry, |r: Duration| r.max(retry)));
        }
    }
    Err(limited.map_or(Refused::Invalid, Refused::Limited))
}

/// The configured client named `id` whose secret is `secret`, if any. Every configured secret
/// of that id is compared (digests, constant time); an unknown id compares against a digest
/// of nothing, so it takes as long.
fn matching(clients: &[OAuthClient], id: &str, secret: &str) -> Option<Client> {
    let presented = Sha256::digest(secret.as_bytes());
    let mut found: Option<Client> = None;
    let mut compared = false;
    for client in clients.iter().filter(|c| c.id == id) {
        compared = true;
        let expected = Sha256::digest(client.secret.expose().as_bytes());
        if crate::crypto::constant_time_eq(&expected, &presented) {
            let introspects_all =
                client.introspects_all || found.as_ref().is_some_and(|f| f.introspects_all);
            found = Some(Client {
                id: client.id.clone(),
                introspects_all,
            });
        }
    }
    if !compared {
        let _ = crate::crypto::constant_time_eq(&Sha256::digest(b""), &presented);
    }
    found
}

/// Id and secret of an `Authorization: Basic` header, decoded; `None` without a well-formed
/// one.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

/// One `application/x-www-form-urlencoded` component, decoded.
fn form_decode(s: &str) -> String {
    form_urlencoded::parse(format!("v={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Charges one failure to `key`: `Some(retry_after)` when it was one too many.
async fn charge(auth: &Auth, key: &str) -> Result<Option<Duration>, Refused> {
    let limiter = auth.rate_limiter();
    let decided = auth
        .store_call(limiter.check(key, CLIENT_AUTH_FAILURES, CLIENT_AUTH_FAILURE_WINDOW))
        .await;
    decision(decided)
}

/// Whether `key`'s failures are exhausted, without charging one: `Some(retry_after)` when a
/// failure now would be refused.
async fn exhausted(auth: &Auth, key: &str) -> Result<Option<Duration>, Refused> {
    let limiter = auth.rate_limiter();
    let decided = auth
        .store_call(limiter.peek(key, CLIENT_AUTH_FAILURES, CLIENT_AUTH_FAILURE_WINDOW))
        .await;
    decision(decided)
}

/// A limiter's answer for a failure bucket: `Some(retry_after)` when refused; a limiter that
/// did not answer refuses the call.
fn decision(
    decided: Result<crate::rate::RateDecision, AuthError>,
) -> Result<Option<Duration>, Refused> {
    match decided {
        Ok(d) if d.allowed => Ok(None),
        Ok(d) => Ok(Some(d.retry_after)),
        // Others act on these answers, and an unanswered limit would leave guessing unlimited:
        // a limiter failure refuses, whatever `store_fail_open` says.
        Err(e) => {
            tracing::warn!(target: "authx", error = %e, "client authentication limiter unavailable");
            Err(Refused::Unavailable)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_of_any_length_are_compared_as_digests() {
        let clients = [
            OAuthClient::new("a", "s".repeat(32)),
            OAuthClient::new("b", "t".repeat(40)).introspecting_all(),
        ];
        assert!(matching(&clients, "a", &"s".repeat(32)).is_some());
        assert!(matching(&clients, "a", &"s".repeat(31)).is_none());
        assert!(matching(&clients, "a", &"s".repeat(33)).is_none());
        assert!(matching(&clients, "a", "").is_none());
        assert!(matching(&clients, "b", &"s".repeat(32)).is_none());
        assert!(matching(&clients, "c", &"s".repeat(32)).is_none());
        let b = matching(&clients, "b", &"t".repeat(40)).unwrap();
        assert!(b.introspects_all && b.id == "b");
    }
}
