//! Compile-pass and compile-fail cases of the authx macros, run by `ui.rs`, grouped by
//! attribute: `protect/`, `public/`, `auth_subject/`, `routes/`, and `authz/` (the Cedar keys
//! of `#[protect]`, checked against `authz/schema.cedarschema`), each with `pass/` (must
//! compile and run) and `fail/` (must fail with exactly the `.stderr` next to the case);
//! `authz_schema/` holds the cases of a schema that is not named, cannot be read or does not
//! parse. `step_up/` holds the `amr` cases (`pass/`, `fail/`) and those of declared acr values:
//! `acr_values/` (declared by `AUTHX_ACR_VALUES=mfa,phr`) and `malformed_acr_values/` (a
//! declaration that does not parse).
//!
//! This library holds what the pass cases share: an [`Auth`] handle, tokens, and a way to
//! send a request through a `Router` without a server.

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Request, StatusCode};
use tower::ServiceExt;

pub use authx::Auth;

/// An HS256 [`Auth`] with a test secret.
pub fn auth() -> Auth {
    Auth::new(
        authx::AuthConfig::builder()
            .secret_key("ui-tests-secret-0123456789abcdef")
            .build(),
    )
    .expect("test config is valid")
}

/// An access token for `sub`, fresh, with `scopes`.
pub fn token(auth: &Auth, sub: &str, scopes: &[&str]) -> String {
    auth.tokens()
        .access(sub)
        .fresh(true)
        .scopes(scopes.iter().copied())
        .issue()
        .expect("test token issues")
}

/// Runs `future` to completion on a current-thread runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime builds")
        .block_on(future)
}

/// Sends `method uri` (with `token` as a bearer token and `body` as JSON, if given) through
/// `app` and returns the status and the body.
pub fn send(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, String) {
    let (status, _, body) = send_with_headers(app, method, uri, token, body);
    (status, body)
}

/// [`send`], with the response's headers (a refusal's `WWW-Authenticate` challenge, say).
pub fn send_with_headers(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(Body::from(body.unwrap_or_default().to_owned()))
        .expect("request builds");
    block_on(async {
        let res = app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .expect("body reads");
        (
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    })
}
