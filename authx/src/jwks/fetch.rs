//! Fetching discovery documents and key sets: hyper's client over rustls (ring provider).
//!
//! Not reqwest: reqwest's rustls-without-provider feature makes *every* reqwest client of the
//! program panic unless a process-wide crypto provider is installed, and features unify
//! across a workspace. This client picks its provider explicitly and touches nothing global.

use std::sync::Arc;

use bytes::Bytes;
use http::Uri;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::ConfigError;

/// Largest discovery document or key set read (real ones are a few KiB).
const MAX_BODY: usize = 512 * 1024;

/// An HTTP(S) client for one issuer. Connections are not pooled: fetches are minutes apart,
/// and a fresh connection notices a provider that went away.
#[derive(Clone)]
pub(crate) struct Fetcher {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    allow_insecure_http: bool,
}

impl Fetcher {
    pub fn new(allow_insecure_http: bool) -> Result<Self, ConfigError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        // The system's roots when it has any (private CAs work), else Mozilla's.
        let builder = match HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider.clone())
        {
            Ok(b) => b,
            Err(e) => {
                tracing::debug!(error = %e, "authx jwks: no system CA roots; using the bundled Mozilla roots");
                HttpsConnectorBuilder::new()
                    .with_provider_and_webpki_roots(provider)
                    .map_err(|e| ConfigError::Invalid {
                        field: "issuers",
                        reason: format!("TLS client: {e}"),
                    })?
            }
        };
        let connector = builder.https_or_http().enable_http1().build();
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(connector);
        Ok(Fetcher {
            client,
            allow_insecure_http,
        })
    }

    /// GETs `url` and parses its JSON body. The caller bounds the time.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let body = self.get(url).await?;
        serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not the expected JSON: {e}"))
    }

    /// GETs `url`: its body when the status is a success. The caller bounds the time.
    pub async fn get(&self, url: &str) -> Result<Bytes, String> {
        let uri = check_url(url, self.allow_insecure_http)?;
        let req = http::Request::get(uri)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::USER_AGENT, "authx-jwks")
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("request: {e}"))?;
        let res = self
            .client
            .request(req)
            .await
            .map_err(|e| format!("GET {url}: {}", error_chain(&e)))?;
        let status = res.status();
        if !status.is_success() {
            return Err(format!("GET {url}: status {status}"));
        }
        Ok(Limited::new(res.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| format!("GET {url}: body: {e}"))?
            .to_bytes())
    }
}

/// `url` as a URI, refused unless HTTPS, or plain HTTP on a loopback host (or when allowed).
pub(crate) fn check_url(url: &str, allow_insecure_http: bool) -> Result<Uri, String> {
    let uri: Uri = url.parse().map_err(|_| format!("{url:?} is not a URL"))?;
    let host = uri.host().ok_or_else(|| format!("{url:?} has no host"))?;
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if allow_insecure_http || is_loopback(host) => Ok(uri),
        Some("http") => Err(format!(
            "{url:?} is plain HTTP: use HTTPS (or `allow_insecure_http` on a trusted network)"
        )),
        _ => Err(format!("{url:?} is not an http(s) URL")),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(check_url("https://idp.example.com/jwks", false).is_ok());
        assert!(check_url("http://127.0.0.1:8080/jwks", false).is_ok());
        assert!(check_url("http://localhost/jwks", false).is_ok());
        assert!(check_url("http://[::1]:9/jwks", false).is_ok());
        assert!(check_url("http://idp.example.com/jwks", false).is_err());
        assert!(check_url("http://idp.example.com/jwks", true).is_ok());
        assert!(check_url("ftp://idp.example.com/jwks", true).is_err());
        assert!(check_url("/jwks", true).is_err());
    }
}
