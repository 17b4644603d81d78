//! The quickstart's cookie routes: the login page, a cookie login, a CSRF-protected POST, a
//! route behind a second factor, and the logout.

use authx::{AuthError, Claims, Rejection, protect, public};
use authx_examples::demo::{LoginBody, bad_credentials};
use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;

/// The cookie login page (`examples/app.html`, no build step): log in, call the CSRF-protected
/// POST, add an authenticator app, meet a step-up challenge with its code, log out.
/// `tests/browser.rs` drives it in headless Chromium.
#[public(route = "GET /app")]
pub(crate) async fn app_page() -> Html<&'static str> {
    Html(include_str!("../app.html"))
}

#[public(route = "POST /cookie/login", rate = "10/60s", rate_key = ip)]
pub(crate) async fn cookie_login(
    State(s): State<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<Response, AuthError> {
    let Some(user) = s.users.login(&body) else {
        return Ok(bad_credentials());
    };
    let pair = s
        .auth
        .tokens()
        .pair(&user.username)
        .fresh(true)
        .amr(["pwd"])
        .scopes(&user.scopes)
        .extra(json!({ "email": user.email }))
        .issue()?;
    Ok((
        s.auth.cookies().set(&pair)?,
        Json(json!({ "message": "Logged in", "username": user.username })),
    )
        .into_response())
}

#[protect(route = "GET /cookie/protected")]
pub(crate) async fn cookie_protected(claims: Claims) -> Json<Value> {
    Json(json!({ "message": "Access granted", "username": claims.sub }))
}

/// An unsafe method: a cookie-borne token needs the `X-CSRF-TOKEN` header.
#[protect(route = "POST /cookie/protected")]
pub(crate) async fn cookie_protected_post(claims: Claims) -> Json<Value> {
    Json(json!({ "message": "Access granted", "username": claims.sub }))
}

/// Only for a login that met a second factor: a password-only token gets the RFC 9470
/// challenge (`401`, `acr_values="mfa"`), which the page meets with a TOTP code at
/// `POST /mfa/totp/verify`.
#[protect(acr = "mfa", route = "GET /cookie/sensitive")]
pub(crate) async fn cookie_sensitive(claims: Claims) -> Json<Value> {
    Json(json!({
        "message": "Second factor verified",
        "username": claims.sub,
        "amr": claims.amr(),
    }))
}

/// Public so an expired session can still clear its cookies. A live cookie token needs the
/// `X-CSRF-TOKEN` header like on every other unsafe cookie route (a cross-site form cannot log
/// the user out); it is then logged out with its whole family, refresh token included.
#[public(route = "POST /cookie/logout")]
pub(crate) async fn cookie_logout(
    State(s): State<AppState>,
    claims: Result<Claims, Rejection>,
) -> Result<Response, AuthError> {
    match claims {
        Ok(claims) => s.auth.sessions().logout(&claims).await?,
        Err(r)
            if matches!(
                r.error(),
                AuthError::MissingCsrfToken | AuthError::CsrfMismatch
            ) =>
        {
            return Ok(r.into_response());
        }
        // No token, or one that no longer verifies: nothing to revoke, the cookies still go.
        Err(_) => {}
    }
    Ok((
        s.auth.cookies().unset(),
        Json(json!({ "message": "Logged out" })),
    )
        .into_response())
}
