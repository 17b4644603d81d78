//! The expansion from the docs: scopes and a route, path extractor and claims after the guard.

use authx::{Claims, protect, routes};
use authx_ui_tests::{auth, send, token};
use axum::extract::Path;

#[protect(access, scopes = "admin:*", route = "DELETE /users/{id}")]
pub async fn delete_user(Path(id): Path<u64>, claims: Claims) -> String {
    format!("{} deleted {id}", claims.sub)
}

fn main() {
    let auth = auth();
    let app = routes![delete_user].with_state(auth.clone());
    let (status, _) = send(&app, "DELETE", "/users/7", None, None);
    assert_eq!(status, 401);
    let user = token(&auth, "bob", &["users:read"]);
    let (status, _) = send(&app, "DELETE", "/users/7", Some(&user), None);
    assert_eq!(status, 403);
    let admin = token(&auth, "alice", &["admin:*"]);
    let (status, body) = send(&app, "DELETE", "/users/7", Some(&admin), None);
    assert_eq!((status.as_u16(), body.as_str()), (200, "alice deleted 7"));
}
