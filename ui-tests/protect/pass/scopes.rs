//! `scopes` as a string and as a list (all required), `any_scopes` as a list and a string.

use authx::__private::ScopeMode;
use authx::{Claims, protect, routes};
use authx_ui_tests::{auth, send, token};

#[protect(scopes = "users:read", route = "GET /one")]
async fn one(claims: Claims) -> String {
    claims.sub
}

#[protect(scopes = ["users:read", "users:write"], route = "GET /all")]
async fn all() -> &'static str {
    "all"
}

#[protect(any_scopes = ["admin:*", "users:write"], route = "GET /any")]
async fn any() -> &'static str {
    "any"
}

#[protect(any_scopes = "*", route = "GET /star")]
async fn star() -> &'static str {
    "star"
}

fn main() {
    let rules = |name: &str| {
        authx::registry::entries()
            .into_iter()
            .find(|e| e.handler == name)
            .and_then(|e| e.rules())
            .unwrap()
    };
    assert_eq!(rules("one").scopes, ["users:read"]);
    assert_eq!(rules("all").scopes, ["users:read", "users:write"]);
    assert_eq!(rules("all").scope_mode, ScopeMode::All);
    assert_eq!(rules("any").scopes, ["admin:*", "users:write"]);
    assert_eq!(rules("any").scope_mode, ScopeMode::Any);
    assert_eq!(rules("star").scope_mode, ScopeMode::Any);

    let auth = auth();
    let app = routes![one, all, any, star].with_state(auth.clone());
    let reader = token(&auth, "r", &["users:read"]);
    let writer = token(&auth, "w", &["users:read", "users:write"]);
    let admin = token(&auth, "a", &["admin:*"]);
    assert_eq!(send(&app, "GET", "/one", Some(&reader), None).0, 200);
    assert_eq!(send(&app, "GET", "/all", Some(&reader), None).0, 403);
    assert_eq!(send(&app, "GET", "/all", Some(&writer), None).0, 200);
    assert_eq!(send(&app, "GET", "/any", Some(&reader), None).0, 403);
    assert_eq!(send(&app, "GET", "/any", Some(&admin), None).0, 200);
    assert_eq!(send(&app, "GET", "/any", Some(&writer), None).0, 200);
    assert_eq!(send(&app, "GET", "/star", Some(&admin), None).0, 403);
}
