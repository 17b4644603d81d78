//! `#[protect]` without keys, `access`, `refresh`, `fresh` and `verify_type = false`.

use authx::{Claims, RefreshClaims, TokenType, protect, routes};
use authx_ui_tests::{auth, send};

#[protect]
async fn bare(claims: Claims) -> String {
    claims.sub
}

#[protect(access, route = "GET /access")]
async fn access(claims: Claims) -> String {
    claims.sub
}

#[protect(refresh, route = "POST /refresh")]
async fn refresh(claims: RefreshClaims) -> String {
    claims.sub.clone()
}

#[protect(fresh, route = "POST /password")]
async fn password(claims: Claims) -> String {
    format!("fresh={}", claims.fresh)
}

#[protect(verify_type = false, route = "GET /any")]
async fn any(claims: Claims) -> String {
    claims.token_type.as_str().to_owned()
}

#[protect(route = "GET /bare")]
async fn bare_routed() -> &'static str {
    "ok"
}

fn main() {
    let rules = |name: &str| {
        authx::registry::entries()
            .into_iter()
            .find(|e| e.handler == name)
            .and_then(|e| e.rules())
            .unwrap_or_else(|| panic!("{name} is registered as protected"))
    };
    assert_eq!(rules("bare").token_type, TokenType::Access);
    assert!(!rules("bare").fresh && rules("bare").scopes.is_empty() && rules("bare").csrf);
    assert_eq!(rules("access").token_type, TokenType::Access);
    assert_eq!(rules("refresh").token_type, TokenType::Refresh);
    assert!(rules("password").fresh);
    assert!(rules("bare").verify_type && !rules("any").verify_type);
    let _ = bare;

    let auth = auth();
    let app = routes![access, refresh, password, any, bare_routed].with_state(auth.clone());
    let access_token = auth.tokens().access("ann").issue().unwrap();
    let fresh_token = auth.tokens().access("ann").fresh(true).issue().unwrap();
    let refresh_token = auth.tokens().refresh("ann").issue().unwrap();

    assert_eq!(send(&app, "GET", "/bare", None, None).0, 401);
    assert_eq!(send(&app, "GET", "/bare", Some(&access_token), None).0, 200);
    assert_eq!(
        send(&app, "GET", "/access", Some(&refresh_token), None).0,
        401
    );
    assert_eq!(
        send(&app, "GET", "/access", Some(&access_token), None).1,
        "ann"
    );
    assert_eq!(
        send(&app, "POST", "/refresh", Some(&access_token), None).0,
        401
    );
    assert_eq!(
        send(&app, "POST", "/refresh", Some(&refresh_token), None).1,
        "ann"
    );
    assert_eq!(
        send(&app, "POST", "/password", Some(&access_token), None).0,
        401
    );
    assert_eq!(
        send(&app, "POST", "/password", Some(&fresh_token), None).1,
        "fresh=true"
    );
    assert_eq!(
        send(&app, "GET", "/any", Some(&refresh_token), None).1,
        "refresh"
    );
    assert_eq!(
        send(&app, "GET", "/any", Some(&access_token), None).1,
        "access"
    );
    assert_eq!(send(&app, "GET", "/any", None, None).0, 401);
}
