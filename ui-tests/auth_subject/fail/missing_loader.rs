use authx::{Auth, auth_subject};
use axum::routing::get;

#[auth_subject]
struct User {
    id: u64,
}

// The type still extracts (its impls are emitted, never run): no second error here.
async fn me(user: User) -> String {
    user.id.to_string()
}

fn main() {
    let _: axum::Router<Auth> = axum::Router::new().route("/me", get(me));
}
