//! `#[protect]` keeps its guard whatever else the handler carries: inner attributes, doc
//! comments, `#[allow]`, `#[cfg_attr]`, `#[tracing::instrument]` and `#[axum::debug_handler]`,
//! each with and without `rate`. Every route refuses a request without a token.

#![deny(unused_variables)]

use authx::{Auth, Claims, protect, routes};
use authx_ui_tests::{auth, send, token};

#[protect(scopes = "admin:*", route = "GET /inner")]
async fn inner() -> &'static str {
    #![allow(clippy::all)]
    "inner"
}

// The confirmed case of the security review: scopes, an IP rate limit and an inner attribute.
#[protect(scopes = "admin:*", rate = "100/60s", rate_key = ip, route = "GET /inner-rate")]
async fn inner_rate() -> &'static str {
    #![allow(clippy::all)]
    "inner-rate"
}

/// A documented handler.
#[protect(route = "GET /doc")]
async fn doc(claims: Claims) -> String {
    claims.sub
}

/// A documented, rate-limited handler.
#[protect(rate = "100/60s", route = "GET /doc-rate")]
async fn doc_rate(claims: Claims) -> String {
    claims.sub
}

#[protect(route = "GET /allow")]
#[allow(unused_variables)]
async fn allow(claims: Claims) -> &'static str {
    let unused = 1;
    "allow"
}

#[protect(rate = "100/60s", route = "GET /allow-rate")]
#[allow(unused_variables)]
async fn allow_rate(claims: Claims) -> &'static str {
    let unused = 1;
    "allow-rate"
}

#[protect(route = "GET /cfg-attr")]
#[cfg_attr(not(test), allow(unused_variables))]
async fn cfg_attr(claims: Claims) -> &'static str {
    let unused = 1;
    "cfg-attr"
}

#[protect(rate = "100/60s", route = "GET /cfg-attr-rate")]
#[cfg_attr(not(test), allow(unused_variables))]
async fn cfg_attr_rate(claims: Claims) -> &'static str {
    let unused = 1;
    "cfg-attr-rate"
}

#[protect(route = "GET /instrument")]
#[tracing::instrument]
async fn instrument(claims: Claims) -> String {
    claims.sub
}

#[protect(rate = "100/60s", route = "GET /instrument-rate")]
#[tracing::instrument(skip_all)]
async fn instrument_rate(claims: Claims) -> Result<String, authx::AuthError> {
    let sub = Ok::<_, authx::AuthError>(claims.sub)?;
    Ok(sub)
}

#[protect(route = "GET /debug")]
#[axum::debug_handler(state = Auth)]
async fn debug(claims: Claims) -> String {
    claims.sub
}

#[protect(rate = "100/60s", route = "GET /debug-rate")]
#[axum::debug_handler(state = Auth)]
async fn debug_rate(claims: Claims) -> String {
    #![allow(clippy::all)]
    claims.sub
}

fn main() {
    let auth = auth();
    let app = routes![
        inner,
        inner_rate,
        doc,
        doc_rate,
        allow,
        allow_rate,
        cfg_attr,
        cfg_attr_rate,
        instrument,
        instrument_rate,
        debug,
        debug_rate,
    ]
    .with_state(auth.clone());
    let admin = token(&auth, "root", &["admin:*"]);
    let user = token(&auth, "bob", &[]);
    for path in [
        "/inner",
        "/inner-rate",
        "/doc",
        "/doc-rate",
        "/allow",
        "/allow-rate",
        "/cfg-attr",
        "/cfg-attr-rate",
        "/instrument",
        "/instrument-rate",
        "/debug",
        "/debug-rate",
    ] {
        let (status, body) = send(&app, "GET", path, None, None);
        assert_eq!(status, 401, "{path} without a token: {body}");
        assert!(body.contains("MissingTokenError"), "{path}: {body}");
        let (status, body) = send(&app, "GET", path, Some(&admin), None);
        assert_eq!(status, 200, "{path} with a token: {body}");
    }
    for path in ["/inner", "/inner-rate"] {
        let (status, body) = send(&app, "GET", path, Some(&user), None);
        assert_eq!(status, 403, "{path} without the scope: {body}");
    }
    // Every one of them is listed as protected, and is.
    for name in ["inner", "inner_rate", "debug_rate", "instrument_rate"] {
        let entry = authx::registry::entries()
            .into_iter()
            .find(|e| e.handler == name)
            .unwrap_or_else(|| panic!("{name} is registered"));
        assert!(!entry.is_public(), "{name}");
    }
}
