//! Errors: [`AuthError`] for requests (with its HTTP mapping), [`ConfigError`] for
//! construction and [`IssueError`] for issuing tokens.
//!
//! Every request-time failure is one [`AuthError`] variant. Its
//! [`IntoResponse`](axum::response::IntoResponse) impl answers with the status of the
//! [error table](crate#errors) and a JSON body in Python AuthX's shape:
//!
//! ```json
//! {"message": "Signature verification failed", "error_type": "TokenInvalidSignatureError"}
//! ```
//!
//! `error_type` is the name of Python AuthX's exception class where AuthX has one, so clients
//! written against a FastAPI service keep working. Bodies never carry a token, a secret or an
//! internal detail; `401` answers carry `WWW-Authenticate: Bearer` as RFC 6750 asks.
//!
//! Why one enum rather than a rejection type per extractor (axum's style): every authx
//! refusal must answer with the same wire shape (AuthX's JSON body and class names), whichever
//! extractor, guard or layer refused, and a handler returning `Result<_, AuthError>` can pass
//! any of them on with `?`. The causes stay apart: each variant is one cause with its status,
//! `error_type` and `WWW-Authenticate`, and failures of ours keep their source.

use std::time::Duration;

use http::StatusCode;
use serde::Serialize;

use crate::clock::ceil_secs;
mod api_key;
mod factor;
mod kinds;
mod resource;
mod response;
pub use api_key::ApiKeyFailure;
pub use factor::FactorFailure;
pub use resource::ResourceFailure;
pub use response::codes as oauth_codes;
pub(crate) use response::{Refused, dpop_only};

pub use crate::config::ConfigError;
use crate::store::StoreError;
pub use crate::token::{DecodeFailure, IssueError, TokenError};

/// Everything that can refuse a request. See the [error table](crate#errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No token in any configured location.
    #[error("missing token")]
    MissingToken,
    /// The token could not be decoded or failed a structural check. Its body says only
    /// [`DecodeFailure::message`]; `Display` (for logs) says which check tripped.
    #[error("token could not be decoded: {}", .0.detail())]
    Decode(DecodeFailure),
    /// The signature does not verify with any configured key.
    #[error("invalid signature")]
    InvalidSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `iss` is missing or not the configured issuer.
    #[error("invalid issuer")]
    InvalidIssuer,
    /// `aud` is missing or names none of the configured audiences.
    #[error("invalid audience")]
    InvalidAudience,
    /// The route takes a token of either type (`verify_type = false`) and none was found
    /// (AuthX's `TokenRequiredError`).
    #[error("token required")]
    TokenRequired,
    /// The route needs an access token and got another type.
    #[error("access token required")]
    AccessTokenRequired,
    /// The route needs a refresh token and got another type.
    #[error("refresh token required")]
    RefreshTokenRequired,
    /// The route needs a fresh access token.
    #[error("fresh token required")]
    FreshTokenRequired,
    /// The login behind the token is too old (`max_age`), not of a required class (`acr`) or
    /// lacks a required method (`amr`): the client must authenticate again (RFC 9470 step-up).
    /// Answers `401 InsufficientUserAuthenticationError` with `WWW-Authenticate: Bearer
    /// error="insufficient_user_authentication"`, `max_age` and `acr_values`.
    #[error("insufficient user authentication")]
    InsufficientUserAuthentication {
        /// The route's `max_age`, in seconds, when it has one.
        max_age: Option<u64>,
        /// The route's acceptable `acr` values, when it has some.
        acr_values: Vec<String>,
        /// The route's `amr` methods the token lacks (RFC 8176), named in `error_description`.
        missing_amr: Vec<String>,
    },
    /// A DPoP proof (RFC 9449) that is missing, malformed, replayed, stale, or for another
    /// method or URL. Answers `401 InvalidDPoPProofError` with `WWW-Authenticate: DPoP
    /// error="invalid_dpop_proof"`.
    #[error("invalid DPoP proof: {reason}")]
    InvalidDpopProof {
        /// What was wrong, safe to show.
        reason: &'static str,
    },
    /// The token and the DPoP scheme do not match (RFC 9449 §7.1's "invalid DPoP key
    /// binding"): a bearer token on a route that takes only DPoP-bound tokens, a DPoP-bound
    /// token sent as a bearer token, an unbound token sent with the DPoP scheme, or a proof
    /// signed by another key than the token's. The token is the problem, not the proof:
    /// answers `401 InvalidDPoPBindingError` with `WWW-Authenticate: DPoP
    /// error="invalid_token"`.
    #[error("invalid DPoP key binding: {reason}")]
    InvalidDpopBinding {
        /// What was wrong, safe to show.
        reason: &'static str,
    },
    /// The DPoP proof carries no current server nonce (nonces are on): retry with the one
    /// given. Answers `401 UseDPoPNonceError` with `WWW-Authenticate: DPoP
    /// error="use_dpop_nonce"` and a `DPoP-Nonce` header.
    #[error("DPoP nonce required")]
    UseDpopNonce {
        /// The nonce to retry with.
        nonce: String,
    },
    /// Cookie-borne token on an unsafe method without the CSRF header.
    #[error("missing CSRF token")]
    MissingCsrfToken,
    /// The CSRF header does not match the token's `csrf` claim.
    #[error("CSRF double submit does not match")]
    CsrfMismatch,
    /// The token (or its session) was revoked.
    #[error("token revoked")]
    Revoked,
    /// A refresh token that was already exchanged was presented again: its session (the whole
    /// token family) is now revoked.
    #[error("refresh token reused")]
    RefreshTokenReused,
    /// The token lacks the scopes the route requires.
    #[error("insufficient scope")]
    InsufficientScope {
        /// Scopes the route requires.
        required: Vec<String>,
        /// Whether all of `required` are needed (`true`) or any one (`false`).
        all: bool,
    },
    /// The token belongs to another user kind (AuthX's `login_type`).
    #[error("user kind mismatch")]
    KindMismatch {
        /// The kind the route requires.
        expected: String,
        /// The kind the token carries, if any.
        actual: Option<String>,
    },
    /// A policy function refused the request.
    #[error("policy denied: {reason}")]
    PolicyDenied {
        /// Reason shown to the client.
        reason: String,
    },
    /// A policy function failed to decide (it returned an error, or panicked): the request
    /// is refused, never let through, and never a `500`. The detail is logged, never sent.
    #[error("policy evaluation failed: {detail}")]
    PolicyEvaluation {
        /// What went wrong, for the logs.
        detail: String,
    },
    /// Too many requests for this key.
    #[error("rate limited")]
    RateLimited {
        /// When the client may retry.
        retry_after: Duration,
        /// The rule's request count (`RateLimit-Limit`).
        limit: u32,
        /// Until the bucket is full again (`RateLimit-Reset`).
        reset: Duration,
    },
    /// A store (revocation, sessions, rate limits) did not answer in time or failed.
    #[error("store unavailable: {0}")]
    StoreUnavailable(#[source] StoreError),
    /// The token is valid but its subject no longer exists (see `#[auth_subject]`).
    #[error("subject not found")]
    SubjectNotFound,
    /// The token names an identity provider (cargo feature `jwks`) whose keys could not be
    /// fetched, and none are cached. Answers `503 KeysUnavailableError`.
    #[cfg(feature = "jwks")]
    #[error("identity provider keys unavailable")]
    KeysUnavailable,
    /// A vault token (cargo feature `vault`) that does not decrypt with the vault's key: forged,
    /// tampered with, malformed, too large, ambiguous (two in one location), issued too far in
    /// the future, or sealing a payload of another shape. Answers `401 InvalidVaultTokenError`.
    #[cfg(feature = "vault")]
    #[error("invalid vault token")]
    VaultTokenInvalid,
    /// No vault token (cargo feature `vault`) in the configured cookie or header. Answers
    /// `401 MissingTokenError`.
    #[cfg(feature = "vault")]
    #[error("missing vault token")]
    VaultTokenMissing,
    /// The session metadata given at login cannot be kept: a
    /// [`device_info`](crate::SessionMeta::with_device_info) over 4 KiB serialized. The
    /// client's request is at fault (the app passes on what it sent), so it answers
    /// `400 InvalidSessionMetaError`, and nothing is stored.
    #[error("invalid session metadata: {reason}")]
    InvalidSessionMeta {
        /// What is wrong with it; shown to the client.
        reason: &'static str,
    },
    /// An API key was missing or refused: see [`ApiKeyFailure`].
    #[error("{0}")]
    ApiKey(ApiKeyFailure),
    /// A route's resource could not be decided on: see [`ResourceFailure`].
    #[error("{0}")]
    Resource(ResourceFailure),
    /// A second factor was not taken: see [`FactorFailure`].
    #[error("{0}")]
    Factor(FactorFailure),
    /// A server-side failure (a subject loader error, a token that cannot be signed).
    /// The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The JSON body of every error response, in Python AuthX's shape.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorBody {
    /// A human-readable message, safe to show.
    pub message: String,
    /// Python AuthX's exception class name (or ours, where AuthX has none).
    pub error_type: String,
    /// Seconds until retry, for `429` answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// The user kind a route required, for `LoginTypeMismatchError` (as AuthX).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_type: Option<String>,
    /// The user kind the token carried, for `LoginTypeMismatchError` (as AuthX).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_type: Option<String>,
}

impl ErrorBody {
    /// A body with a message and an `error_type`, for your own errors in AuthX's shape.
    pub fn new(message: impl Into<String>, error_type: impl Into<String>) -> Self {
        ErrorBody {
            message: message.into(),
            error_type: error_type.into(),
            retry_after: None,
            expected_type: None,
            actual_type: None,
        }
    }
}

impl AuthError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::InsufficientScope { .. }
            | AuthError::PolicyDenied { .. }
            | AuthError::PolicyEvaluation { .. }
            | AuthError::KindMismatch { .. } => StatusCode::FORBIDDEN,
            AuthError::InvalidSessionMeta { .. } => StatusCode::BAD_REQUEST,
            AuthError::ApiKey(f) => f.status(),
            AuthError::Resource(f) => f.status(),
            AuthError::Factor(f) => f.status(),
            AuthError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AuthError::StoreUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            #[cfg(feature = "jwks")]
            AuthError::KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// The `error_type` of the JSON body: Python AuthX's exception class name where it has one.
    pub fn error_type(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "MissingTokenError",
            AuthError::Decode(_) => "JWTDecodeError",
            AuthError::InvalidSignature => "TokenInvalidSignatureError",
            AuthError::Expired => "TokenExpiredError",
            AuthError::InvalidIssuer => "TokenInvalidIssuerError",
            AuthError::InvalidAudience => "TokenInvalidAudienceError",
            AuthError::TokenRequired => "TokenRequiredError",
            AuthError::AccessTokenRequired => "AccessTokenRequiredError",
            AuthError::RefreshTokenRequired => "RefreshTokenRequiredError",
            AuthError::FreshTokenRequired => "FreshTokenRequiredError",
            AuthError::InsufficientUserAuthentication { .. } => {
                "InsufficientUserAuthenticationError"
            }
            AuthError::InvalidDpopProof { .. } => "InvalidDPoPProofError",
            AuthError::InvalidDpopBinding { .. } => "InvalidDPoPBindingError",
            AuthError::UseDpopNonce { .. } => "UseDPoPNonceError",
            AuthError::MissingCsrfToken => "MissingCSRFTokenError",
            AuthError::CsrfMismatch => "CSRFError",
            AuthError::Revoked => "RevokedTokenError",
            AuthError::RefreshTokenReused => "RefreshTokenReusedError",
            AuthError::InsufficientScope { .. } => "InsufficientScopeError",
            AuthError::PolicyDenied { .. } => "PolicyDeniedError",
            AuthError::PolicyEvaluation { .. } => "PolicyEvaluationError",
            AuthError::KindMismatch { .. } => "LoginTypeMismatchError",
            AuthError::RateLimited { .. } => "RateLimitExceeded",
            AuthError::StoreUnavailable(_) => "StoreUnavailableError",
            AuthError::SubjectNotFound => "SubjectNotFoundError",
            #[cfg(feature = "jwks")]
            AuthError::KeysUnavailable => "KeysUnavailableError",
            #[cfg(feature = "vault")]
            AuthError::VaultTokenInvalid => "InvalidVaultTokenError",
            #[cfg(feature = "vault")]
            AuthError::VaultTokenMissing => "MissingTokenError",
            AuthError::InvalidSessionMeta { .. } => "InvalidSessionMetaError",
            AuthError::ApiKey(f) => f.error_type(),
            AuthError::Resource(f) => f.error_type(),
            AuthError::Factor(f) => f.error_type(),
            AuthError::Internal(_) => "InternalError",
        }
    }

    /// The client-facing message (never a token, secret or internal detail).
    pub fn message(&self) -> String {
        match self {
            AuthError::MissingToken => "Missing JWT in request".into(),
            AuthError::Decode(f) => f.message().into(),
            AuthError::InvalidSignature => "Signature verification failed".into(),
            AuthError::Expired => "Token has expired".into(),
            AuthError::InvalidIssuer => "Invalid issuer".into(),
            AuthError::InvalidAudience => "Invalid audience".into(),
            AuthError::TokenRequired => "Token required".into(),
            AuthError::AccessTokenRequired => "Access token required".into(),
            AuthError::RefreshTokenRequired => "Refresh token required".into(),
            AuthError::FreshTokenRequired => "Fresh token required".into(),
            AuthError::InsufficientUserAuthentication { .. } => {
                "A more recent or stronger authentication is required".into()
            }
            AuthError::InvalidDpopProof { reason } => format!("Invalid DPoP proof: {reason}"),
            AuthError::InvalidDpopBinding { reason } => {
                format!("Invalid DPoP key binding: {reason}")
            }
            AuthError::UseDpopNonce { .. } => "A DPoP nonce is required".into(),
            AuthError::MissingCsrfToken => "Missing CSRF token".into(),
            AuthError::CsrfMismatch => "CSRF double submit does not match".into(),
            AuthError::Revoked => "Token has been revoked".into(),
            AuthError::RefreshTokenReused => {
                "Refresh token already used: the session has been revoked".into()
            }
            AuthError::InsufficientScope { required, all } => {
                let how = if *all { "all of" } else { "one of" };
                format!("Missing required scopes: {how} {}", required.join(", "))
            }
            AuthError::PolicyDenied { reason } => reason.clone(),
            AuthError::PolicyEvaluation { .. } => "Policy evaluation failed".into(),
            AuthError::KindMismatch { expected, actual } => format!(
                "Token type mismatch: expected '{expected}', got '{}'",
                actual.as_deref().unwrap_or("unknown")
            ),
            AuthError::RateLimited { retry_after, .. } => format!(
                "Rate limit exceeded. Retry after {} seconds.",
                ceil_secs(*retry_after)
            ),
            AuthError::StoreUnavailable(_) => "Authentication store unavailable".into(),
            AuthError::SubjectNotFound => "Subject not found".into(),
            #[cfg(feature = "jwks")]
            AuthError::KeysUnavailable => "Identity provider keys unavailable".into(),
            #[cfg(feature = "vault")]
            AuthError::VaultTokenInvalid => "Invalid vault token".into(),
            #[cfg(feature = "vault")]
            AuthError::VaultTokenMissing => "Missing vault token".into(),
            AuthError::ApiKey(f) => f.message().into(),
            AuthError::Resource(f) => f.message().into(),
            AuthError::Factor(f) => f.message().into(),
            AuthError::InvalidSessionMeta { reason } => {
                format!("Invalid session metadata: {reason}")
            }
            AuthError::Internal(_) => "Internal server error".into(),
        }
    }

    /// The JSON body this error answers with.
    pub fn body(&self) -> ErrorBody {
        let mut body = ErrorBody::new(self.message(), self.error_type());
        match self {
            AuthError::RateLimited { retry_after, .. } => {
                body.retry_after = Some(ceil_secs(*retry_after))
            }
            AuthError::KindMismatch { expected, actual } => {
                body.expected_type = Some(expected.clone());
                body.actual_type = actual.clone();
            }
            _ => {}
        }
        body
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
