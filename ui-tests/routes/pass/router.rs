//! `routes!` with handlers from several modules, a trailing comma, a custom state, and the
//! result used as an ordinary `Router` (merged, nested, with extra routes).

use authx::{Auth, Claims, protect, public, routes};
use authx_ui_tests::{auth, send, token};
use axum::extract::FromRef;
use axum::routing::get;

#[derive(Clone)]
struct AppState {
    auth: Auth,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

mod users {
    use authx::{Claims, protect};
    use axum::extract::Path;

    #[protect(scopes = "users:read", route = "GET /users/{id}")]
    pub async fn get_user(Path(id): Path<u32>, claims: Claims) -> String {
        format!("{} reads {id}", claims.sub)
    }

    #[protect(scopes = "users:write", route = "PUT /users/{id}")]
    pub(crate) async fn put_user(Path(id): Path<u32>) -> String {
        format!("put {id}")
    }
}

#[public(route = "GET /health")]
async fn health() -> &'static str {
    "ok"
}

#[protect(route = "GET /me")]
async fn me(claims: Claims) -> String {
    claims.sub
}

async fn plain() -> &'static str {
    "plain"
}

fn main() {
    let auth = auth();
    let app = routes![health, me, users::get_user, users::put_user,]
        .route("/plain", get(plain))
        .nest("/v2", routes![me])
        .with_state(AppState { auth: auth.clone() });
    let t = token(&auth, "ann", &["users:read"]);
    assert_eq!(send(&app, "GET", "/health", None, None).1, "ok");
    assert_eq!(send(&app, "GET", "/plain", None, None).1, "plain");
    assert_eq!(send(&app, "GET", "/me", None, None).0, 401);
    assert_eq!(send(&app, "GET", "/me", Some(&t), None).1, "ann");
    assert_eq!(send(&app, "GET", "/v2/me", Some(&t), None).1, "ann");
    assert_eq!(
        send(&app, "GET", "/users/4", Some(&t), None).1,
        "ann reads 4"
    );
    assert_eq!(send(&app, "PUT", "/users/4", Some(&t), None).0, 403);
    // Same path, other method: not routed.
    assert_eq!(send(&app, "DELETE", "/users/4", Some(&t), None).0, 405);

    // A single handler, and `Router<Auth>` when the state is `Auth` itself.
    let single: axum::Router<Auth> = routes![health];
    let _: axum::Router = single.with_state(auth);
}
