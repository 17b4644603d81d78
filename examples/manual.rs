//! The quickstart's service written the manual way: extractors only, no attributes.
//!
//! `cargo run --example manual` serves the same routes as `quickstart` (without `/me`), with
//! every rule spelled out in the handler: `Claims` (a valid access token), `FreshClaims`,
//! `RefreshClaims`, and a scope check by hand. Use this style when a rule depends on run-time
//! data; prefer `#[protect]` (see `quickstart.rs`) everywhere else, so the rules are checked by
//! the compiler and listed by the registry.

use authx::{Auth, AuthError, Claims, FreshClaims, RefreshClaims, Rejection};
use authx_examples::demo::{self, DemoUser, LoginBody, Users, bad_credentials};
use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

/// The router state: the auth engine and the demo users.
#[derive(Clone)]
pub struct AppState {
    auth: Auth,
    users: Users,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

/// The whole service.
pub fn app(auth: Auth, users: Users) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/refresh", post(refresh))
        .route("/protected", get(protected))
        .route("/profile", get(profile))
        .route("/fresh", get(fresh))
        .route("/admin", get(admin))
        .route("/logout", post(logout))
        .route("/cookie/login", post(cookie_login))
        .route(
            "/cookie/protected",
            get(cookie_protected).post(cookie_protected),
        )
        .route("/cookie/logout", post(cookie_logout))
        .with_state(AppState { auth, users })
}

async fn home() -> Json<Value> {
    Json(json!({ "message": "Welcome to AuthX" }))
}

/// The pair a password login gets: fresh, the user's scopes, the email as extra data.
fn fresh_pair(auth: &Auth, user: &DemoUser) -> Result<authx::TokenPair, AuthError> {
    Ok(auth
        .tokens()
        .pair(&user.username)
        .fresh(true)
        .scopes(&user.scopes)
        .extra(json!({ "email": user.email }))
        .issue()?)
}

async fn login(
    State(s): State<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<Response, AuthError> {
    let Some(user) = s.users.login(&body) else {
        return Ok(bad_credentials());
    };
    let pair = fresh_pair(&s.auth, &user)?;
    Ok(Json(pair).into_response())
}

async fn refresh(
    State(s): State<AppState>,
    RefreshClaims(claims): RefreshClaims,
) -> Result<Json<Value>, AuthError> {
    let access = s
        .auth
        .tokens()
        .access(&claims.sub)
        .scopes(claims.scopes())
        .extra(&claims.extra)
        .issue()?;
    Ok(Json(
        json!({ "access_token": access, "token_type": "bearer" }),
    ))
}

async fn protected(claims: Claims) -> Json<Value> {
    Json(
        json!({ "message": "Access granted", "username": claims.sub, "email": claims.extra.get("email") }),
    )
}

async fn profile(claims: Claims) -> Json<Claims> {
    Json(claims)
}

async fn fresh(FreshClaims(claims): FreshClaims) -> Json<Value> {
    Json(json!({ "message": "Fresh token accepted", "username": claims.sub }))
}

async fn admin(claims: Claims) -> Result<Json<Value>, AuthError> {
    if !claims.has_scope("admin:*") {
        return Err(AuthError::InsufficientScope {
            required: vec!["admin:*".into()],
            all: true,
        });
    }
    Ok(Json(
        json!({ "message": "Welcome, admin", "username": claims.sub }),
    ))
}

async fn logout(State(s): State<AppState>, claims: Claims) -> Result<Json<Value>, AuthError> {
    // The access token and its family (the refresh token too).
    s.auth.sessions().logout(&claims).await?;
    Ok(Json(json!({ "message": "Logged out" })))
}

async fn cookie_login(
    State(s): State<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<Response, AuthError> {
    let Some(user) = s.users.login(&body) else {
        return Ok(bad_credentials());
    };
    let pair = fresh_pair(&s.auth, &user)?;
    Ok((
        s.auth.cookies().set(&pair)?,
        Json(json!({ "message": "Logged in", "username": user.username })),
    )
        .into_response())
}

async fn cookie_protected(claims: Claims) -> Json<Value> {
    Json(json!({ "message": "Access granted", "username": claims.sub }))
}

async fn cookie_logout(
    State(s): State<AppState>,
    claims: Result<Claims, Rejection>,
) -> Result<Response, AuthError> {
    // Log out when the token is still valid (with the CSRF header, as every unsafe cookie
    // route); clear the cookies either way.
    match claims {
        Ok(claims) => s.auth.sessions().logout(&claims).await?,
        Err(r)
            if matches!(
                r.error(),
                AuthError::MissingCsrfToken | AuthError::CsrfMismatch
            ) =>
        {
            return Ok(r.into_response());
        }
        Err(_) => {}
    }
    Ok((
        s.auth.cookies().unset(),
        Json(json!({ "message": "Logged out" })),
    )
        .into_response())
}

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file as a module
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth = Auth::new(demo::config_from_env()?)?;
    demo::serve(app(auth, Users::demo())).await?;
    Ok(())
}
