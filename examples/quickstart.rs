//! The authx quickstart: a small service whose auth rules live in attributes.
//!
//! ```sh
//! cargo run --example quickstart              # http://127.0.0.1:3000 (PORT to change)
//! cargo run --example quickstart -- --routes  # print the audit table and exit
//! ```
//!
//! Every handler carries a decision: `#[protect(...)]` (checked before it runs) or `#[public]`;
//! `routes![...]` mounts them by their `route = "..."`, and refuses a handler with neither.

#[path = "quickstart/api_keys.rs"]
mod api_keys;
#[path = "quickstart/cookies.rs"]
mod cookies;
#[path = "quickstart/state.rs"]
mod state;

use authx::mfa::{Mfa, MfaConfig};
use authx::vault::Vault;
use authx::{
    Auth, AuthError, Claims, ConfigError, ErrorBody, RefreshClaims, SessionMeta, protect, public,
    routes,
};
use authx_examples::demo::{self, LoginBody, Users, bad_credentials};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use state::{AppState, User};

/// The whole service, its TOTP secrets sealed with a key of its own (enrolments then last as
/// long as the process).
pub fn app(auth: Auth, users: Users) -> Router {
    app_with(auth, users, Vault::generate_key()).expect("a generated vault key is valid")
}

/// The second factors: TOTP codes (and recovery codes) reach `acr` "mfa", which
/// `GET /cookie/sensitive` requires.
pub fn mfa_config(key: String) -> MfaConfig {
    MfaConfig::new("authx quickstart", key).acr("mfa", ["otp"])
}

/// The whole service, TOTP secrets sealed with `key` (a vault key: keep it with a durable store,
/// or enrolled apps stop working at the next start).
pub fn app_with(auth: Auth, users: Users, key: String) -> Result<Router, ConfigError> {
    // Before any request: what the recorder does not see, /metrics cannot show.
    demo::metrics();
    let mfa = Mfa::new(auth.clone(), mfa_config(key))?;
    let routes = routes![
        home,
        openapi_json,
        metrics,
        login,
        limited,
        ws,
        refresh,
        protected,
        profile,
        fresh,
        admin,
        logout,
        me,
        delete_me,
        list_sessions,
        revoke_session,
        revoke_all_sessions,
        cookies::cookie_login,
        cookies::cookie_protected,
        cookies::cookie_protected_post,
        cookies::cookie_sensitive,
        cookies::cookie_logout,
        cookies::app_page,
        api_keys::create_api_key,
        api_keys::list_api_keys,
        api_keys::revoke_api_key,
        api_keys::users_report,
    ];
    Ok(routes
        .merge(mfa.router())
        .with_state(AppState { auth, mfa, users }))
}

/// Prometheus metrics (`authx::metrics`: decisions, store calls, rate limits, API keys) and
/// the verified-token cache's size.
#[public(route = "GET /metrics")]
async fn metrics(State(auth): State<Auth>) -> String {
    demo::render_metrics(&auth)
}

#[public(route = "GET /")]
async fn home() -> Json<Value> {
    Json(json!({ "message": "Welcome to AuthX" }))
}

/// The OpenAPI document of every route here, generated from their attributes, so it cannot
/// drift from what the guards enforce (cargo feature `openapi`, on in the examples).
#[public(route = "GET /openapi.json")]
async fn openapi_json(State(auth): State<Auth>) -> Response {
    Json(authx::openapi::openapi_for(auth.config())).into_response()
}

/// Logs in: a session (IP, user agent, device) and a token pair bound to it. Ten attempts a
/// minute per client IP: brute force meets a 429.
#[public(route = "POST /login", rate = "10/60s", rate_key = ip)]
async fn login(
    State(s): State<AppState>,
    meta: SessionMeta,
    Json(body): Json<LoginBody>,
) -> Result<Response, AuthError> {
    let Some(user) = s.users.login(&body) else {
        return Ok(bad_credentials());
    };
    let session = s.auth.sessions().create(&user.username, meta).await?;
    let pair = s
        .auth
        .tokens()
        .pair(&user.username)
        .session(&session.id)
        .fresh(true)
        .amr(["pwd"])
        .scopes(&user.scopes)
        .extra(json!({ "email": user.email }))
        .issue()?;
    Ok(Json(pair).into_response())
}

/// A refresh token in, a new pair out (the access token not fresh). The refresh token is
/// retired: presenting it again revokes the whole session (`AUTHX_REFRESH_ROTATION=false` turns
/// rotation off).
#[protect(refresh, route = "POST /refresh")]
async fn refresh(
    State(s): State<AppState>,
    claims: RefreshClaims,
) -> Result<Json<authx::TokenPair>, AuthError> {
    Ok(Json(s.auth.sessions().rotate(&claims).await?))
}

/// WebSocket echo: the token (query `?token=` or `Authorization`) is checked before the
/// upgrade, and the socket closes (1008) when the token expires or is revoked.
#[protect(locations = [query, headers], route = "GET /ws")]
async fn ws(
    State(auth): State<Auth>,
    upgrade: axum::extract::ws::WebSocketUpgrade,
    claims: Claims,
) -> Response {
    upgrade.on_upgrade(move |socket| {
        let socket = authx::ws::TokenSocket::new(socket, &auth, &claims);
        demo::echo(socket, claims.sub)
    })
}

/// Five requests a minute per client IP; the sixth gets 429 with `Retry-After`.
#[public(rate = "5/60s", rate_key = ip, route = "GET /limited")]
async fn limited() -> Json<Value> {
    Json(json!({ "message": "Within the limit" }))
}

#[protect(route = "GET /protected")]
async fn protected(claims: Claims) -> Json<Value> {
    Json(
        json!({ "message": "Access granted", "username": claims.sub, "email": claims.extra.get("email") }),
    )
}

#[protect(route = "GET /profile")]
async fn profile(claims: Claims) -> Json<Claims> {
    Json(claims)
}

#[protect(fresh, route = "GET /fresh")]
async fn fresh(claims: Claims) -> Json<Value> {
    Json(json!({ "message": "Fresh token accepted", "username": claims.sub }))
}

#[protect(scopes = "admin:*", route = "GET /admin")]
async fn admin(claims: Claims) -> Json<Value> {
    Json(json!({ "message": "Welcome, admin", "username": claims.sub }))
}

/// Logs out: the access token and its whole family (the session, refresh token included) are
/// revoked, on every instance sharing the store.
#[protect(route = "POST /logout")]
async fn logout(State(s): State<AppState>, claims: Claims) -> Result<Json<Value>, AuthError> {
    s.auth.sessions().logout(&claims).await?;
    Ok(Json(json!({ "message": "Logged out" })))
}

/// The `#[auth_subject]` user; the guard and the subject share one verification.
#[protect(route = "GET /me")]
async fn me(user: User) -> Json<User> {
    Json(user)
}

/// Deletes the current user from the demo store: their tokens then load no subject.
#[protect(route = "DELETE /me")]
async fn delete_me(State(s): State<AppState>, claims: Claims) -> Json<Value> {
    let deleted = s.users.remove(&claims.sub);
    Json(json!({ "deleted": deleted }))
}

#[derive(Serialize)]
struct SessionView {
    #[serde(flatten)]
    session: authx::Session,
    current: bool,
}

#[derive(Deserialize)]
struct SessionsQuery {
    /// Page size (default 20), clamped to 1 to `authx::MAX_SESSION_PAGE`.
    limit: Option<usize>,
    /// The `next` cursor of the previous page (from its `Link` header).
    after: Option<String>,
}

/// A 400 with a JSON body, for a query this route cannot read.
fn bad_query(message: &str, error_type: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(ErrorBody::new(message, error_type)),
    )
        .into_response()
}

/// `text` as a query-string value: every byte but the unreserved ones percent-encoded.
fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The current user's sessions ("your devices"), a page at a time, oldest first:
/// `?limit=20&after=<cursor>`; a `Link: <...>; rel="next"` header names the next page. A
/// `limit` past `authx::MAX_SESSION_PAGE` is clamped; a query that does not parse (a `limit`
/// that is not a number, an `after` that is not a cursor) is a 400 with a JSON body.
#[protect(route = "GET /sessions")]
async fn list_sessions(
    State(s): State<AppState>,
    claims: Claims,
    query: Result<Query<SessionsQuery>, QueryRejection>,
) -> Result<Response, AuthError> {
    let Ok(Query(q)) = query else {
        return Ok(bad_query(
            "Bad query: `limit` is a number of sessions, `after` the cursor of the previous page",
            "InvalidQueryError",
        ));
    };
    let after = match q.after.as_deref().map(authx::store::SessionCursor::parse) {
        Some(None) => {
            return Ok(bad_query(
                "Bad session cursor: `after` takes the `next` link of the previous page",
                "InvalidCursorError",
            ));
        }
        Some(cursor) => cursor,
        None => None,
    };
    let limit = q.limit.unwrap_or(20).clamp(1, authx::MAX_SESSION_PAGE);
    let page = s
        .auth
        .sessions()
        .page(&claims.sub, after.as_ref(), limit)
        .await?;
    let current = claims.sid.as_deref();
    let views: Vec<SessionView> = page
        .sessions
        .into_iter()
        .map(|session| SessionView {
            current: Some(session.id.as_str()) == current,
            session,
        })
        .collect();
    let mut response = Json(views).into_response();
    if let Some(next) = page.next {
        let next = query_value(&next);
        let link = format!("</sessions?limit={limit}&after={next}>; rel=\"next\"");
        if let Ok(value) = axum::http::HeaderValue::from_str(&link) {
            response
                .headers_mut()
                .insert(axum::http::header::LINK, value);
        }
    }
    Ok(response)
}

/// Revokes one of the current user's sessions; another user's session is a 404, untouched.
#[protect(route = "DELETE /sessions/{id}")]
async fn revoke_session(
    State(s): State<AppState>,
    claims: Claims,
    Path(id): Path<String>,
) -> Result<Response, AuthError> {
    let owned = s
        .auth
        .sessions()
        .get(&id)
        .await?
        .is_some_and(|x| x.subject == claims.sub && !x.revoked);
    if !owned {
        let body = ErrorBody::new("No such session", "SessionNotFoundError");
        return Ok((StatusCode::NOT_FOUND, Json(body)).into_response());
    }
    s.auth.sessions().revoke(&id).await?;
    Ok(Json(json!({ "revoked": id })).into_response())
}

#[derive(Deserialize)]
struct RevokeAll {
    #[serde(default)]
    keep_current: bool,
}

/// Revokes every session of the current user (`?keep_current=true`: all but this one).
#[protect(route = "POST /sessions/revoke-all")]
async fn revoke_all_sessions(
    State(s): State<AppState>,
    claims: Claims,
    Query(q): Query<RevokeAll>,
) -> Result<Json<Value>, AuthError> {
    let keep = if q.keep_current {
        claims.sid.as_deref()
    } else {
        None
    };
    let revoked = s.auth.sessions().revoke_all(&claims.sub, keep).await?;
    Ok(Json(json!({ "revoked": revoked })))
}

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file as a module
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Logs, auth decisions included (target `authx`, DEBUG); RUST_LOG overrides the default.
    authx_examples::demo::init_tracing("info,authx=debug");
    // `--routes` (or `authx routes -- <this binary>`): the audit table, then exit.
    if authx::registry::print_if_asked() {
        return Ok(());
    }
    // AUTHX_STORE_URL picks the store: memory:// (default), sqlite://authx.db, postgres://...,
    // redis://... (revocations and sessions then survive restarts / are shared).
    let auth = Auth::connect(demo::config_from_env()?).await?;
    println!("store: {}", auth.stores().backend());
    // AUTHX_MFA_KEY (32 bytes of url-safe base64, as `Vault::generate_key` makes) seals the TOTP
    // secrets; without it a key of this run's own.
    let key = std::env::var("AUTHX_MFA_KEY").unwrap_or_else(|_| {
        if auth.stores().backend() != "memory" {
            eprintln!(
                "AUTHX_MFA_KEY is not set: enrolled authenticator apps stop working at the \
                 next start (the store keeps them, sealed with this run's key)"
            );
        }
        Vault::generate_key()
    });
    demo::serve(app_with(auth, Users::demo(), key)?).await?;
    Ok(())
}
