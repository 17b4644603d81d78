//! WebSocket auth (AuthX's `WS_AUTH_REQUIRED`): the token is checked **before** the upgrade.
//!
//! ```sh
//! cargo run --example websocket
//! TOKEN=$(curl -s -X POST localhost:3000/token -H 'content-type: application/json' -d '{"username":"user1","password":"password1"}' | jq -r .access_token)
//! websocat "ws://127.0.0.1:3000/ws?token=$TOKEN"     # or: -H "Authorization: Bearer $TOKEN"
//! ```
//!
//! Browsers cannot set headers on a WebSocket, so the route also reads the `token` query
//! parameter (`locations = [query, headers]`). A missing or bad token gets the HTTP error (401
//! JSON) instead of an upgrade: the socket is never opened.

use authx::{Auth, AuthError, Claims, protect, public, routes};
use authx_examples::demo::{self, LoginBody, Users};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRef, State};
use axum::response::Response;
use axum::{Json, Router};

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

/// A token for a demo user (no cookies, no session: just enough to open a socket).
#[public(route = "POST /token")]
async fn token(
    State(s): State<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<Json<authx::TokenPair>, AuthError> {
    let user = s.users.login(&body).ok_or(AuthError::MissingToken)?;
    Ok(Json(
        s.auth
            .tokens()
            .pair(&user.username)
            .scopes(&user.scopes)
            .issue()?,
    ))
}

/// Upgrades only after the guard accepted the token; echoes messages prefixed with the subject
/// until the token expires or is revoked (the socket then closes with 1008).
#[protect(locations = [query, headers], route = "GET /ws")]
async fn ws(State(auth): State<Auth>, upgrade: WebSocketUpgrade, claims: Claims) -> Response {
    upgrade.on_upgrade(move |socket| {
        let socket = authx::ws::TokenSocket::new(socket, &auth, &claims);
        demo::echo(socket, claims.sub)
    })
}

/// The service.
pub fn app(auth: Auth, users: Users) -> Router {
    routes![token, ws].with_state(AppState { auth, users })
}

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file as a module
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let auth = Auth::new(demo::config_from_env()?)?;
    demo::serve(app(auth, Users::demo())).await?;
    Ok(())
}
