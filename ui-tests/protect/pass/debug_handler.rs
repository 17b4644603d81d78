//! `#[protect]` above `#[axum::debug_handler(state = ...)]`: the debug checks see the guard and
//! need the state it reads `Auth` from.

use authx::{Auth, Claims, protect, routes};
use authx_ui_tests::{auth, send, token};
use axum::Json;
use axum::extract::{FromRef, State};

#[derive(Clone)]
struct AppState {
    auth: Auth,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

#[protect(scopes = "x", route = "POST /x")]
#[axum::debug_handler(state = AppState)]
async fn with_app_state(
    State(_app): State<AppState>,
    claims: Claims,
    Json(n): Json<u32>,
) -> String {
    format!("{} {n}", claims.sub)
}

#[protect(route = "GET /y")]
#[axum::debug_handler(state = Auth)]
async fn with_auth_state(claims: Claims) -> String {
    claims.sub
}

fn main() {
    let auth = auth();
    let app = routes![with_app_state].with_state(AppState { auth: auth.clone() });
    let t = token(&auth, "dee", &["x"]);
    assert_eq!(send(&app, "POST", "/x", Some(&t), Some("4")).1, "dee 4");
    let app = routes![with_auth_state].with_state(auth);
    assert_eq!(send(&app, "GET", "/y", Some(&t), None).1, "dee");
}
