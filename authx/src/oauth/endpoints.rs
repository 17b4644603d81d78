//! Token introspection (RFC 7662) and revocation (RFC 7009), for the clients of
//! [`OAuthConfig::clients`](crate::config::OAuthConfig::clients).

use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::Engine as _;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;
use serde_json::{Map, Value, json};

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
/// [`OAuthConfig::clients`](crate::config::OAuthConfig::clients) (`AUTHX_OAUTH_CLIENTS`),
/// secrets compared in constant time; a missing or wrong client answers
/// `401 {"error":"invalid_client"}`.
///
/// - Introspection answers `{"active": true, "sub", "scope", "exp", "iat", "jti",
///   "token_type", ...}` for a live token this service issued, and `{"active": false}` (and
///   nothing more) for an expired, revoked, retired, foreign or malformed one.
/// - Revocation answers `200` for any token, as RFC 7009 asks; a refresh token revokes its
///   whole family (the login's access and refresh tokens), an access token itself.
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

fn no_store(res: &mut Response) {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The calling client, authenticated with HTTP Basic (RFC 6749 section 2.3.1: id and secret
/// form-urlencoded, then base64). Every configured secret of the named client is compared in
/// constant time, and an unknown id costs a comparison too.
fn authenticate_client(auth: &Auth, headers: &HeaderMap) -> Option<String> {
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
    let (id, secret) = (form_decode(id), form_decode(secret));
    let clients = &auth.config().oauth.clients;
    let mut matched = false;
    for client in clients.iter().filter(|c| c.id == id) {
        matched |=
            crate::cookies::constant_time_eq(client.secret.expose().as_bytes(), secret.as_bytes());
    }
    if clients.iter().all(|c| c.id != id) {
        // The same work for an unknown client as for a wrong secret.
        let _ = crate::cookies::constant_time_eq(secret.as_bytes(), secret.as_bytes());
    }
    matched.then_some(id)
}

/// A call to either endpoint: its authenticated client and its token, or the refusal.
enum Call {
    Made { client: String, token: String },
    Refused(Response),
}

fn call(
    auth: &Auth,
    headers: &HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Call {
    let Some(client) = authenticate_client(auth, headers) else {
        return Call::Refused(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client"));
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

/// One `application/x-www-form-urlencoded` component, decoded.
fn form_decode(s: &str) -> String {
    form_urlencoded::parse(format!("v={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn introspect<S>(
    State(state): State<S>,
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response
where
    Auth: FromRef<S>,
{
    let auth = Auth::from_ref(&state);
    let (client, token) = match call(&auth, &headers, form) {
        Call::Made { client, token } => (client, token),
        Call::Refused(res) => return res,
    };
    let answer = match live_claims(&auth, &token).await {
        Ok(Some(claims)) => active(&claims),
        Ok(None) => json!({ "active": false }),
        Err(Unavailable) => return unavailable(),
    };
    tracing::debug!(
        target: "authx",
        client = %client,
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

/// The claims of `token` when it is one of ours and live; `None` when it is not.
async fn live_claims(auth: &Auth, token: &str) -> Result<Option<Claims>, Unavailable> {
    let Ok(claims) = auth.verify(token) else {
        return Ok(None);
    };
    // Others act on this answer: a store outage is a 503 even under store_fail_open.
    match Auth::strictly(auth.ensure_live(&claims)).await {
        Ok(()) => Ok(Some(claims)),
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
    headers: HeaderMap,
    form: Result<Form<TokenForm>, axum::extract::rejection::FormRejection>,
) -> Response
where
    Auth: FromRef<S>,
{
    let auth = Auth::from_ref(&state);
    let (client, token) = match call(&auth, &headers, form) {
        Call::Made { client, token } => (client, token),
        Call::Refused(res) => return res,
    };
    // An expired token is still revoked (its family may hold live tokens); a token that is not
    // ours is ignored, and the answer is 200 either way (RFC 7009 section 2.2).
    let now = auth.clock().now();
    let Ok(claims) = auth.codec().verify_allowing_expired(&token, now) else {
        return ok_empty();
    };
    // A token issued to another client is not this client's to revoke (RFC 7009 section 2.1):
    // answered like an invalid token.
    if claims
        .extra
        .get("client_id")
        .and_then(Value::as_str)
        .is_some_and(|owner| owner != client)
    {
        return ok_empty();
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
