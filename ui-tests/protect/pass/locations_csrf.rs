//! `locations` (overriding the configured ones) and `csrf = false`.

use authx::{Claims, TokenLocation, protect, routes};
use authx_ui_tests::{auth, send, token};

#[protect(locations = [headers, cookies, query, json])]
async fn everywhere() {}

#[protect(locations = [query], route = "GET /query")]
async fn query_only(claims: Claims) -> String {
    claims.sub
}

#[protect(locations = [cookies], csrf = false, route = "POST /webhook")]
async fn cookie_no_csrf() {}

#[protect(csrf = true)]
async fn csrf_default() {}

fn main() {
    let rules = |name: &str| {
        authx::registry::entries()
            .into_iter()
            .find(|e| e.handler == name)
            .and_then(|e| e.rules())
            .unwrap()
    };
    use TokenLocation::*;
    assert_eq!(
        rules("everywhere").locations,
        Some(&[Headers, Cookies, Query, Json][..])
    );
    assert_eq!(rules("query_only").locations, Some(&[Query][..]));
    assert!(rules("everywhere").csrf);
    assert!(!rules("cookie_no_csrf").csrf);
    assert!(rules("csrf_default").csrf);
    let _ = (everywhere, csrf_default);

    let auth = auth();
    let app = routes![query_only, cookie_no_csrf].with_state(auth.clone());
    let t = token(&auth, "q", &[]);
    // The header is not a location of this route: no token found.
    assert_eq!(send(&app, "GET", "/query", Some(&t), None).0, 401);
    let (status, body) = send(&app, "GET", &format!("/query?token={t}"), None, None);
    assert_eq!((status.as_u16(), body.as_str()), (200, "q"));
}
