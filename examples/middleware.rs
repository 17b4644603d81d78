//! Middleware mode and allowlist mode (fastapi-auth-jwt), with implicit refresh (AuthX).
//!
//! ```sh
//! cargo run --example middleware
//! ```
//!
//! One [`AuthLayer`] guards the whole router; `/health`, `/login` and `/public/*` are excluded.
//! Handlers read what the layer put in the request: `Extension<Claims>` and the loaded user.
//! Allowlist mode is on: only tokens recorded at login are accepted, `POST /logout` withdraws
//! the current token and `POST /logout-all` every token of the user, signature or not.
//! [`ImplicitRefreshLayer`] re-issues a cookie session's access token from its refresh cookie
//! when it nears expiry.

use authx::layer::{AuthLayer, ImplicitRefreshLayer};
use authx::{Auth, AuthError, Claims};
use authx_examples::demo::{self, DemoUser, LoginBody, Users};
use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

/// The router state.
#[derive(Clone)]
pub struct AppState {
    auth: Auth,
    users: Users,
}

impl FromRef<AppState> for Auth {
    fn from_ref(s: &AppState) -> Auth {
        s.auth.clone()
    }
}

async fn health() -> &'static str {
    "ok"
}

async fn public_info() -> Json<Value> {
    Json(json!({ "message": "no token needed here" }))
}

/// Logs in: the pair is recorded in the allowlist and set as cookies too.
async fn login(
    State(s): State<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<Response, AuthError> {
    let Some(user) = s.users.login(&body) else {
        return Err(AuthError::MissingToken);
    };
    let pair = s
        .auth
        .tokens()
        .register_pair(
            s.auth
                .tokens()
                .pair(&user.username)
                .fresh(true)
                .scopes(&user.scopes),
        )
        .await?;
    Ok((s.auth.cookies().set(&pair)?, Json(pair)).into_response())
}

/// What the layer verified and loaded.
async fn me(
    Extension(claims): Extension<Claims>,
    Extension(user): Extension<DemoUser>,
) -> Json<Value> {
    Json(json!({ "sub": claims.sub, "email": user.email, "scopes": user.scopes }))
}

async fn logout(
    State(s): State<AppState>,
    Extension(claims): Extension<Claims>,
) -> Result<Json<Value>, AuthError> {
    s.auth.revocations().invalidate(&claims).await?;
    Ok(Json(json!({ "message": "token withdrawn" })))
}

async fn logout_all(
    State(s): State<AppState>,
    Extension(claims): Extension<Claims>,
) -> Result<Json<Value>, AuthError> {
    let n = s.auth.revocations().invalidate_subject(&claims.sub).await?;
    Ok(Json(json!({ "withdrawn": n })))
}

/// The service: every route behind the layer, a few excluded.
pub fn app(auth: Auth, users: Users) -> Router {
    let loader_users = users.clone();
    let guard = AuthLayer::new(auth.clone())
        .exclude(["/health", "/login", "/public/*"])
        .load_subject(move |claims: Claims| {
            let users = loader_users.clone();
            async move { Ok::<_, std::convert::Infallible>(users.get(&claims.sub)) }
        });
    Router::new()
        .route("/health", get(health))
        .route("/public/info", get(public_info))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
        .route("/logout-all", post(logout_all))
        .layer(guard)
        // Outermost: refresh first, so the guard already sees the new token.
        .layer(ImplicitRefreshLayer::new(auth.clone()))
        .with_state(AppState { auth, users })
}

/// The example's configuration: allowlist mode on.
pub fn config() -> Result<authx::AuthConfig, authx::ConfigError> {
    let mut config = demo::config_from_env()?;
    config.allowlist = true;
    Ok(config)
}

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file as a module
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth = Auth::connect(config()?).await?;
    demo::serve(app(auth, Users::demo())).await?;
    Ok(())
}
