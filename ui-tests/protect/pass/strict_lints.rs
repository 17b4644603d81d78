//! The generated items pass a crate's strict lints: documented, no `unsafe` of the user's,
//! no unused items, no needless qualification.
#![deny(
    warnings,
    missing_docs,
    unsafe_code,
    unused_qualifications,
    unreachable_pub
)]

use authx::{Auth, Claims, auth_subject, protect, public, routes};
use axum::http::request::Parts;

/// A protected handler.
#[protect(scopes = "a", rate = "1/s", policy = allow, route = "GET /a")]
pub async fn guarded(claims: Claims) -> String {
    claims.sub
}

/// A public handler.
#[public(route = "GET /b", rate = "1/s")]
pub async fn open() {}

async fn allow(_claims: &Claims, _parts: &Parts) -> bool {
    true
}

/// The user.
#[auth_subject(loader = load)]
pub struct User(String);

fn load(sub: String, _claims: Claims) -> Result<Option<User>, String> {
    Ok(Some(User(sub)))
}

/// Uses the user.
pub async fn me(user: User) -> String {
    user.0
}

fn main() {
    let _: axum::Router = routes![guarded, open]
        .route("/me", axum::routing::get(me))
        .with_state(authx_ui_tests::auth());
    let _ = Auth::clone;
}
