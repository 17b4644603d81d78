//! [`ResourceFailure`]: why a route's resource could not be decided on.

use http::StatusCode;

/// Why the resource of a route with an action (`#[protect(action, resource = loader)]`) could
/// not be decided on ([`AuthError::Resource`](super::AuthError::Resource)). Each comes before
/// any decision, so none says anything about the caller's rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceFailure {
    /// The loader found no such resource. `404 ResourceNotFoundError`.
    #[error("resource not found")]
    NotFound,
    /// One of the loader's extractors refused the request (a path segment that does not
    /// parse): its status, a client error. `InvalidResourceRequestError`.
    #[error("invalid resource request ({0})")]
    BadRequest(StatusCode),
    /// The loader could not tell (its database is down): logged, never sent.
    /// `503 ResourceUnavailableError`.
    #[error("resource unavailable")]
    Unavailable,
}

impl ResourceFailure {
    /// The HTTP status.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            ResourceFailure::NotFound => StatusCode::NOT_FOUND,
            ResourceFailure::BadRequest(status) if status.is_client_error() => status,
            ResourceFailure::BadRequest(_) => StatusCode::BAD_REQUEST,
            ResourceFailure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `error_type` of the body.
    pub(crate) fn error_type(self) -> &'static str {
        match self {
            ResourceFailure::NotFound => "ResourceNotFoundError",
            ResourceFailure::BadRequest(_) => "InvalidResourceRequestError",
            ResourceFailure::Unavailable => "ResourceUnavailableError",
        }
    }

    /// The message of the body.
    pub(crate) fn message(self) -> &'static str {
        match self {
            ResourceFailure::NotFound => "Resource not found",
            ResourceFailure::BadRequest(_) => "Invalid resource request",
            ResourceFailure::Unavailable => "Resource unavailable",
        }
    }
}
