//! authx as an OAuth 2 resource server and token service: protected-resource metadata
//! (RFC 9728) built from the route registry, challenges that point clients at it, and token
//! introspection (RFC 7662) and revocation (RFC 7009) endpoints ([`router`]).
//!
//! Set [`OAuthConfig::resource`](crate::config::OAuthConfig::resource) (`AUTHX_RESOURCE`) to this
//! API's identifier (an `https` URL; plain `http` only for a loopback resource, `localhost`,
//! `127.0.0.1` or `[::1]`, for development), optionally
//! [`resource_name`](crate::config::OAuthConfig::resource_name) (`AUTHX_RESOURCE_NAME`), and [`authorization_servers`](crate::config::OAuthConfig::authorization_servers)
//! (`AUTHX_AUTHORIZATION_SERVERS`) to the issuers it trusts, and merge [`metadata_router`]:
//!
//! - `GET /.well-known/oauth-protected-resource` answers the metadata document: `resource`,
//!   `authorization_servers`, `scopes_supported` (every scope a `#[protect]` route requires,
//!   read from the registry), `bearer_methods_supported` (from the configured token
//!   locations) and `resource_name` (the configured name, else the config's `issuer`);
//! - every `WWW-Authenticate` challenge of a guarded route carries
//!   `resource_metadata="<that URL>"`, which is how clients (MCP clients among them) discover
//!   where to get a token.
//!
//! ```
//! use authx::{Auth, AuthConfig, Claims, oauth, protect, routes};
//! use axum::Router;
//!
//! #[protect(max_age = "5m", acr = "mfa", scopes = "billing:write", route = "POST /payouts")]
//! async fn payout(claims: Claims) -> String {
//!     format!("payout by {}", claims.sub)
//! }
//!
//! let auth = Auth::new(
//!     AuthConfig::builder()
//!         .secret_key("k".repeat(32))
//!         .resource("https://api.example.com")
//!         .authorization_server("https://login.example.com")
//!         .oauth_client("demo-client", "demo-secret-of-32-bytes-or-more!")
//!         .build(),
//! )
//! .unwrap();
//! let doc = oauth::protected_resource_metadata(&auth).unwrap();
//! assert_eq!(doc.resource, "https://api.example.com");
//! assert_eq!(
//!     oauth::metadata_url(&auth).as_deref(),
//!     Some("https://api.example.com/.well-known/oauth-protected-resource")
//! );
//! let app: Router = routes![payout]
//!     .merge(oauth::metadata_router())
//!     .merge(oauth::router())
//!     .with_state(auth);
//! ```

mod client_auth;
mod endpoints;

pub use client_auth::{CLIENT_AUTH_FAILURE_WINDOW, CLIENT_AUTH_FAILURES};
pub use endpoints::{INTROSPECT_PATH, REVOKE_PATH, router};

use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};

use crate::config::split_resource;
use crate::registry::{self, Decision};
use crate::{Auth, AuthError, TokenLocation};

/// The well-known path of the metadata (RFC 9728 section 3).
pub const WELL_KNOWN_PATH: &str = crate::config::WELL_KNOWN_PATH;

/// The protected-resource metadata document (RFC 9728 section 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProtectedResourceMetadata {
    /// This API's resource identifier.
    pub resource: String,
    /// The authorization servers (issuer URLs) whose tokens the API accepts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_servers: Vec<String>,
    /// Every scope some `#[protect]` route requires (patterns as written, such as `admin:*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    /// How a bearer token may be sent: `header`, `body`, `query` (RFC 6750 section 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bearer_methods_supported: Vec<String>,
    /// A name for people: [`OAuthConfig::resource_name`](crate::config::OAuthConfig::resource_name),
    /// else the config's `issuer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    /// The DPoP proof algorithms accepted, when some route requires DPoP (RFC 9449).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dpop_signing_alg_values_supported: Vec<String>,
    /// Whether every token must be DPoP-bound: `true` when every `#[protect]` route requires
    /// DPoP.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dpop_bound_access_tokens_required: bool,
}

/// The metadata of `auth`'s API, or `None` when no
/// [`resource`](crate::config::OAuthConfig::resource)
/// is configured.
pub fn protected_resource_metadata(auth: &Auth) -> Option<ProtectedResourceMetadata> {
    let config = auth.config();
    let resource = config.oauth.resource.clone()?;
    let protected: Vec<_> = registry::entries()
        .into_iter()
        .filter_map(|e| match e.decision {
            Decision::Protected(rules) => Some(rules),
            Decision::Public { .. } => None,
        })
        .collect();
    let mut scopes: Vec<String> = protected
        .iter()
        .flat_map(|r| r.scopes.iter())
        .map(|s| (*s).to_owned())
        .collect();
    let any_dpop = protected.iter().any(|r| r.dpop);
    let all_dpop = !protected.is_empty() && protected.iter().all(|r| r.dpop);
    scopes.sort_unstable();
    scopes.dedup();
    let bearer_methods_supported = config
        .token_locations
        .iter()
        .filter_map(|l| match l {
            TokenLocation::Headers => Some("header"),
            TokenLocation::Json => Some("body"),
            TokenLocation::Query => Some("query"),
            // A cookie is not an RFC 6750 bearer method.
            TokenLocation::Cookies => None,
        })
        .map(str::to_owned)
        .collect();
    Some(ProtectedResourceMetadata {
        resource,
        authorization_servers: config.oauth.authorization_servers.clone(),
        scopes_supported: scopes,
        bearer_methods_supported,
        resource_name: config
            .oauth
            .resource_name
            .clone()
            .or_else(|| config.issuer.clone()),
        dpop_signing_alg_values_supported: if any_dpop {
            crate::token::DPOP_ALGORITHMS
                .iter()
                .map(|a| (*a).to_owned())
                .collect()
        } else {
            Vec::new()
        },
        dpop_bound_access_tokens_required: all_dpop,
    })
}

/// Where the metadata of `auth`'s API is served: the resource's origin, the well-known path,
/// then the resource's own path (RFC 9728 section 3.1). `None` without a configured resource.
pub fn metadata_url(auth: &Auth) -> Option<String> {
    crate::config::metadata_url(auth.config().oauth.resource.as_deref()?)
}

/// A router serving the metadata at [`WELL_KNOWN_PATH`] (and at the path-suffixed URL when the
/// resource has a path). Answers `404` when no resource is configured.
pub fn metadata_router<S>() -> Router<S>
where
    Auth: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(WELL_KNOWN_PATH, get(metadata::<S>))
        .route(&format!("{WELL_KNOWN_PATH}/{{*path}}"), get(metadata::<S>))
}

async fn metadata<S>(State(state): State<S>, uri: http::Uri) -> Response
where
    Auth: FromRef<S>,
{
    let auth = Auth::from_ref(&state);
    let served_at = metadata_url(&auth)
        .as_deref()
        .and_then(split_resource)
        .map(|(_, path)| path.to_owned());
    match (protected_resource_metadata(&auth), served_at) {
        (Some(doc), Some(path)) if uri.path() == path => {
            let mut res = Json(doc).into_response();
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            res
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Where [`jwks_router`] serves the public keys.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// A router serving [`Keys::jwks`](crate::Keys::jwks) at [`JWKS_PATH`] (`Cache-Control: max-age=300`, so a
/// verifier that caches it sees a rotation's next key well before it signs).
pub fn jwks_router<S>() -> Router<S>
where
    Auth: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(JWKS_PATH, get(jwks::<S>))
}

async fn jwks<S>(State(state): State<S>) -> Response
where
    Auth: FromRef<S>,
{
    let mut res = Json(Auth::from_ref(&state).jwks()).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

/// `error` as the engine answers it: with `resource_metadata="<url>"` in its challenge when
/// `auth` has a resource (RFC 9728 section 5.1), through the app's
/// [refusal hook](crate::AuthBuilder::on_refusal). The guards, layers and extractors answer
/// through the same path; call it from handlers that refuse with an [`AuthError`] of their own.
pub fn refusal(auth: &Auth, error: AuthError) -> Response {
    crate::extract::Rejection::new(auth, error).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_urls_insert_the_well_known_path_before_the_resource_path() {
        let url = |resource: &str| {
            split_resource(resource).map(|(o, p)| format!("{o}{WELL_KNOWN_PATH}{p}"))
        };
        assert_eq!(
            url("https://api.example.com").as_deref(),
            Some("https://api.example.com/.well-known/oauth-protected-resource")
        );
        assert_eq!(
            url("https://api.example.com/").as_deref(),
            Some("https://api.example.com/.well-known/oauth-protected-resource")
        );
        assert_eq!(
            url("https://example.com:8443/api/v1").as_deref(),
            Some("https://example.com:8443/.well-known/oauth-protected-resource/api/v1")
        );
    }
}
