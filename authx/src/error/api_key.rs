//! [`ApiKeyFailure`]: why an API key was refused.

use http::StatusCode;

/// Why an API key was refused ([`AuthError::ApiKey`](super::AuthError::ApiKey)). A key that
/// is revoked answers [`AuthError::Revoked`](super::AuthError::Revoked), as a token does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiKeyFailure {
    /// A route that takes only API keys got none. `401 MissingApiKeyError`.
    #[error("missing API key")]
    Missing,
    /// Not a key of this service: malformed, a wrong checksum, or unknown. The body does not
    /// say which. `401 InvalidApiKeyError`.
    #[error("invalid API key")]
    Invalid,
    /// The key's expiry (or its rotation's overlap) has passed. `401 ExpiredApiKeyError`.
    #[error("expired API key")]
    Expired,
    /// The key may only be used from other addresses. `403 ApiKeyAddressError`.
    #[error("API key used from an address it does not allow")]
    Address,
}

impl ApiKeyFailure {
    /// The HTTP status.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            ApiKeyFailure::Address => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `error_type` of the body.
    pub(crate) fn error_type(self) -> &'static str {
        match self {
            ApiKeyFailure::Missing => "MissingApiKeyError",
            ApiKeyFailure::Invalid => "InvalidApiKeyError",
            ApiKeyFailure::Expired => "ExpiredApiKeyError",
            ApiKeyFailure::Address => "ApiKeyAddressError",
        }
    }

    /// The message of the body.
    pub(crate) fn message(self) -> &'static str {
        match self {
            ApiKeyFailure::Missing => "Missing API key",
            ApiKeyFailure::Invalid => "Invalid API key",
            ApiKeyFailure::Expired => "API key has expired",
            ApiKeyFailure::Address => "This API key may not be used from this address",
        }
    }
}
