//! `policy` with async fns returning `bool`, `PolicyDecision` and `Result<(), String>`.

use authx::{Claims, PolicyDecision, protect, routes};
use authx_ui_tests::{auth, send, token};
use axum::http::request::Parts;

async fn is_owner(claims: &Claims, parts: &Parts) -> bool {
    parts.uri.path().ends_with(&format!("/{}", claims.sub))
}

async fn weekday(_claims: &Claims, parts: &Parts) -> PolicyDecision {
    if parts.headers.contains_key("x-weekend") {
        PolicyDecision::Deny("closed on weekends".into())
    } else {
        PolicyDecision::Allow
    }
}

mod policies {
    use authx::Claims;
    use axum::http::request::Parts;

    pub async fn not_banned(claims: &Claims, _parts: &Parts) -> Result<(), String> {
        if claims.sub == "mallory" {
            Err(format!("{} is banned", claims.sub))
        } else {
            Ok(())
        }
    }
}

#[protect(policy = is_owner, route = "GET /users/{sub}")]
async fn profile() -> &'static str {
    "profile"
}

#[protect(policy = weekday, route = "GET /shop")]
async fn shop() -> &'static str {
    "shop"
}

#[protect(scopes = "chat:write", policy = policies::not_banned, route = "POST /chat")]
async fn chat() -> &'static str {
    "chat"
}

fn main() {
    let policy = |name: &str| {
        authx::registry::entries()
            .into_iter()
            .find(|e| e.handler == name)
            .and_then(|e| e.rules())
            .and_then(|r| r.policy)
            .map(|(label, _)| label)
    };
    assert_eq!(policy("profile"), Some("is_owner"));
    assert_eq!(policy("shop"), Some("weekday"));
    assert_eq!(policy("chat"), Some("policies::not_banned"));

    let auth = auth();
    let app = routes![profile, shop, chat].with_state(auth.clone());
    let ann = token(&auth, "ann", &["chat:write"]);
    let mallory = token(&auth, "mallory", &["chat:write"]);
    assert_eq!(send(&app, "GET", "/users/ann", Some(&ann), None).0, 200);
    assert_eq!(send(&app, "GET", "/users/bob", Some(&ann), None).0, 403);
    assert_eq!(send(&app, "GET", "/shop", Some(&ann), None).0, 200);
    assert_eq!(send(&app, "POST", "/chat", Some(&ann), None).0, 200);
    let (status, body) = send(&app, "POST", "/chat", Some(&mallory), None);
    assert_eq!(status, 403);
    assert!(body.contains("mallory is banned"), "{body}");
}
