//! [`Rejection`]: what every authx extractor and guard refuses a request with.

use std::fmt;

use axum::response::{IntoResponse, Response};

use crate::Auth;
use crate::error::AuthError;

/// A refused request: the [`AuthError`] and the engine that renders it. The `Rejection` of
/// `Claims`, [`FreshClaims`](crate::FreshClaims), [`RefreshClaims`](crate::RefreshClaims),
/// `#[auth_subject]` types and the `#[protect]` guard. As a response it is AuthX's JSON with
/// the challenge's `resource_metadata` (when a resource is configured), through the app's
/// [refusal hook](crate::AuthBuilder::on_refusal).
///
/// Take `Result<Claims, Rejection>` in a handler to decide yourself; [`error`](Self::error)
/// says why.
pub struct Rejection {
    error: AuthError,
    auth: Auth,
    dpop_only: bool,
}

impl Rejection {
    /// `error`, rendered by `auth`.
    pub fn new(auth: &Auth, error: AuthError) -> Self {
        Rejection {
            error,
            auth: auth.clone(),
            dpop_only: false,
        }
    }

    /// On a route that takes only DPoP-bound tokens: the challenge uses the `DPoP` scheme.
    pub(crate) fn dpop_only(mut self, yes: bool) -> Self {
        self.dpop_only = yes;
        self
    }

    /// Why the request was refused.
    pub fn error(&self) -> &AuthError {
        &self.error
    }

    /// The error, to answer or convert yourself (`?` into a handler's `AuthError` does this).
    pub fn into_error(self) -> AuthError {
        self.error
    }
}

impl From<Rejection> for AuthError {
    fn from(rejection: Rejection) -> Self {
        rejection.error
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.auth.render_refusal(&self.error, self.dpop_only)
    }
}

impl fmt::Debug for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rejection").field(&self.error).finish()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}
