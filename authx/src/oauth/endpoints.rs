//! Token introspection (RFC 7662) and revocation (RFC 7009), for the clients of
//! [`OAuthConfig::clients`](crate::config::OAuthConfig::clients).

use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::client_auth::{self, Client, Refused};
use crate::auth::{Dpop, Live, Verification};
use crate::token::{Claims, TokenType};
use crate::{Auth, AuthError};

/// The introspection endpoint's path.
pub const INTROSPECT_PATH: &str = "/oauth/introspect";
/// The revocation endpoint's path.
pub const REVOKE_PATH: &str = "/oauth/revoke";

/// A router with `POST /oauth/introspect` (RFC 7662) and `POST /oauth/revoke` (RFC 7009).
///
/// Both take a form body (`token=...`, an optional `token_type_hint` that is not needed: a
/// token says its own type) and authenticate the calling client with HTTP Basic against
/// [`OAuthConfig::clients`](crate::config::OAuthConfig::clients) (`AUTHX_OAUTH_CLIENTS`):
///
/// - secrets are at least [`MIN_CLIENT_SECRET_LEN`](crate::config::MIN_CLIENT_SECRET_LEN)
///   bytes (checked when the engine is built) and compared as SHA-256 digests in constant time,
///   so neither a secret's bytes nor its length leak; a missing or wrong client answers
///   `401 {"error":"invalid_client"}`;
/// - failed authentications are limited per client IP and per configured client id
///   ([`CLIENT_AUTH_FAILURES`](super::CLIENT_AUTH_FAILURES) per
///   [`CLIENT_AUTH_FAILURE_WINDOW`](super::CLIENT_AUTH_FAILURE_WINDOW), GCRA on the engine's
///   rate limiter: exact across instances on Redis). Past the limit every call from that IP,
///   or for that client, right secret included, answers
///   `429 {"error":"temporarily_unavailable", "error_description"}` with `Retry-After`
///   (seconds) until the bucket refills. Client ids are not secrets: anyone who can fail
///   enough attempts for a client id can hold it at `429`.
///
/// A client touches only its own tokens, those issued to it with `client_id`
/// ([`TokenBuilder::client_id`](crate::token::TokenBuilder::client_id),
/// [`PairBuilder::client_id`](crate::token::PairBuilder::client_id), or the configured
/// [`OAuthConfig::client_id`](crate::config::OAuthConfig::client_id) under the RFC 9068
/// profile):
///
/// - Introspection answers `{"active": true, "sub", "scope", "exp", "iat", "jti",
///   "token_type", "client_id", ...}` for a live token this service issued to the calling
///   client, and `{"active": false}` (and nothing more) for an expired, revoked, retired,
///   foreign or malformed one, and for a token issued to another client or to none, unless the
///   caller [`introspects_all`](crate::config::OAuthClient::introspects_all)
///   (`AUTHX_OAUTH_INTROSPECTORS`: a resource server that validates every token). Asking about
///   a retired refresh token answers `active: false` and revokes nothing: only presenting it
///   again (to refresh) is reuse.
/// - Revocation answers `200` for an invalid token (RFC 7009 section 2.2) and for one of the
///   caller's own tokens, which it revokes: a refresh token its whole family (the login's
///   access and refresh tokens), an access token itself. A token this service issued to
///   another client, or to none, is not revoked: RFC 7009 section 2.1 has the server verify
///   that the token was issued to the caller and refuse the request otherwise, so it answers
///   `400 {"error":"unauthorized_client"}` (RFC 6749 section 5.2), as Keycloak and ORY
///   Hydra do.
///
/// A store that does not answer makes either endpoint answer
/// `503 {"error":"temporarily_unavailable"}`: never `active: true` by default.
pub fn router<S>() -> Router<S>
where
    Auth: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(INTROSPECT_PATH, post(introspect::<S>))
        .route(REVOKE_PATH, post(revoke::<S>))
}

/// The form both endpoints take.
#[derive(Debug, Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: Option<String>,
}

/// An OAuth error body (RFC 6749 section 5.2), never cached.
fn oauth_error(status: StatusCode, error: &'static str) -> Response {
    let mut res = (status, Json(json!({ "error": error }))).into_response();
    no_store(&mut res);
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"authx\""),
        );
    }
    res
}

/// `429` for a client IP or client id past its failed authentications, with `Retry-After`.
fn too_many_failures(retry_after: Duration) -> Response {
    let body = json!({
        "error": "temporarily_unavailable",
        "error_description": "too many failed client authentications; retry later",
    });
    let mut res = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    no_store(&mut res);
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(crate::clock::ceil_secs(retry_after).max(1)),
    );
    res
}

fn no_store(res: &mut Response) {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A call to either endpoint: its authenticated client and its token, or the refusal.
enum Call {
    Made { client: Client, token: String },
    Refused(Response),
}

async fn call(
    auth: &Auth,
    parts: &Parts,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Call {
    let client = match client_auth::authenticate(auth, parts).await {
        Ok(client) => client,
        Err(Refused::Invalid) => {
            return Call::Refused(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client"));
        }
        Err(Refused::Limited(retry_after)) => {
            return Call::Refused(too_many_failures(retry_after));
        }
        Err(Refused::Unavailable) => return Call::Refused(unavailable()),
    };
    match form
        .ok()
        .and_then(|Form(f)| f.token)
        .filter(|t| !t.is_empty())
    {
        Some(token) => Call::Made { client, token },
        None => Call::Refused(oauth_error(StatusCode::BAD_REQUEST, "invalid_request")),
    }
}

/// Whether `claims` were issued to `client` (their `client_id`).
fn issued_to(claims: &Claims, client: &Client) -> bool {
    claims.client_id() == Some(client.id.as_str())
}

async fn introspect<S>(
    State(state): State<S>,
    parts: Parts,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response
where
    Auth: FromRef<S>,
{
    let auth = Auth::from_ref(&state);
    let (client, token) = match call(&auth, &parts, form).await {
        Call::Made { client, token } => (client, token),
        Call::Refused(res) => return res,
    };
    let answer = match live_claims(&auth, &token, &client).await {
        Ok(Some(claims)) => active(&claims),
        Ok(None) => json!({ "active": false }),
        Err(Unavailable) => return unavailable(),
    };
    tracing::debug!(
        target: "authx",
        client = %client.id,
        active = answer["active"].as_bool().unwrap_or(false),
        "token introspection"
    );
    let mut res = Json(answer).into_response();
    no_store(&mut res);
    res
}

/// The stores could not say whether a token is live.
struct Unavailable;

fn unavailable() -> Response {
    oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
}

/// The claims of `token` when it is one of ours, live, and `client`'s to see; `None` when it
/// is not. A read: nothing is revoked, a retired refresh token's family included.
async fn live_claims(
    auth: &Auth,
    token: &str,
    client: &Client,
) -> Result<Option<Claims>, Unavailable> {
    let Ok(claims) = auth.verify(token) else {
        return Ok(None);
    };
    if !client.introspects_all && !issued_to(&claims, client) {
        return Ok(None);
    }
    // Others act on this answer: a store outage is a 503 even under store_fail_open.
    // A question about a token, not its holder presenting it: liveness as a read (nothing is
    // revoked), and its DPoP binding reported (`cnf`), not checked.
    let question = Verification {
        live: Live::ReadOnly,
        dpop: Dpop::NotChecked,
        ..Verification::decoded(&claims)
    };
    match Auth::strictly(auth.run_detached(question)).await {
        Ok(_) => Ok(Some(claims)),
        Err(AuthError::StoreUnavailable(_)) => Err(Unavailable),
        Err(_) => Ok(None),
    }
}

/// The RFC 7662 answer for a live token: the registered claims, `scope` space-separated,
/// `token_type` the OAuth token type (`Bearer`) and `type` authx's (`access` / `refresh`).
fn active(claims: &Claims) -> Value {
    let mut out = Map::new();
    out.insert("active".into(), true.into());
    out.insert("sub".into(), claims.sub.clone().into());
    out.insert("jti".into(), claims.jti.clone().into());
    out.insert("exp".into(), claims.exp.into());
    if let Some(iat) = claims.iat {
        out.insert("iat".into(), iat.into());
    }
    if let Some(nbf) = claims.nbf {
        out.insert("nbf".into(), nbf.into());
    }
    if !claims.scopes().is_empty() {
        out.insert("scope".into(), claims.scopes().join(" ").into());
    }
    // A DPoP-bound token says so (RFC 9449 section 6.2), so no resource server takes it as a
    // bearer token.
    let bound = claims.dpop_jkt().is_some();
    out.insert(
        "token_type".into(),
        if bound { "DPoP" } else { "Bearer" }.into(),
    );
    if let Some(cnf) = claims.extra.get(crate::token::CNF_CLAIM).filter(|_| bound) {
        out.insert(crate::token::CNF_CLAIM.into(), cnf.clone());
    }
    out.insert("type".into(), claims.token_type.as_str().into());
    if let Some(iss) = &claims.iss {
        out.insert("iss".into(), iss.clone().into());
    }
    match claims.aud.as_slice() {
        [] => {}
        [one] => {
            out.insert("aud".into(), one.clone().into());
        }
        many => {
            out.insert("aud".into(), json!(many));
        }
    }
    if let Some(t) = claims.auth_time {
        out.insert("auth_time".into(), t.into());
    }
    for name in ["client_id", "acr", "amr", crate::token::KIND_CLAIM] {
        if let Some(v) = claims.extra.get(name) {
            out.insert(name.into(), v.clone());
        }
    }
    Value::Object(out)
}

async fn revoke<S>(
    State(state): State<S>,
    parts: Parts,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response
where
    Auth: FromRef<S>,
{
    let auth = Auth::from_ref(&state);
    let (client, token) = match call(&auth, &parts, form).await {
        Call::Made { client, token } => (client, token),
        Call::Refused(res) => return res,
    };
    // An expired token is still revoked (its family may hold live tokens); a token that is not
    // ours is ignored, and the answer is 200 (RFC 7009 section 2.2).
    let now = auth.clock().now();
    let Ok(claims) = auth.codec().verify_allowing_expired(&token, now) else {
        return ok_empty();
    };
    // RFC 7009 section 2.1: the server verifies that the token was issued to the caller, and
    // refuses the request when it was not. A token of another client, or of none, is left
    // alone.
    if !issued_to(&claims, &client) {
        tracing::debug!(target: "authx", client = %client.id, "revocation of a token issued to another client refused");
        return oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client");
    }
    let result = match claims.token_type {
        TokenType::Refresh => auth.logout(&claims).await,
        TokenType::Access => auth.revoke(&claims).await,
    };
    match result {
        Ok(()) => ok_empty(),
        Err(e) => {
            tracing::warn!(target: "authx", error = %e, "token revocation failed");
            unavailable()
        }
    }
}

fn ok_empty() -> Response {
    let mut res = StatusCode::OK.into_response();
    no_store(&mut res);
    res
}
