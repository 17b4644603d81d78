//! Errors: [`AuthError`] for requests (with its HTTP mapping), [`ConfigError`] for
//! construction and [`IssueError`] for issuing tokens.
//!
//! Every request-time failure is one [`AuthError`] variant. Its
//! [`IntoResponse`] impl answers with the status of the
//! [error table](crate#errors) and a JSON body in Python AuthX's shape:
//!
//! ```json
//! {"message": "Signature verification failed", "error_type": "TokenInvalidSignatureError"}
//! ```
//!
//! `error_type` is the name of Python AuthX's exception class where AuthX has one, so clients
//! written against a FastAPI service keep working. Bodies never carry a token, a secret or an
//! internal detail; `401` answers carry `WWW-Authenticate: Bearer` as RFC 6750 asks.

use std::time::Duration;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::store::StoreError;

/// Why a token failed to decode. Kept coarse on purpose: the distinction helps the operator
/// (it is logged) without telling an attacker which check tripped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeFailure {
    /// Not three base64url parts, bad base64, bad JSON, or claims of the wrong shape.
    Malformed,
    /// The header names an algorithm this service does not accept (`none` included).
    Algorithm,
    /// A required claim (`sub`, `jti`, `type`, `exp`) is missing or has the wrong type.
    MissingClaim(&'static str),
    /// The token is longer than `max_token_size`.
    TooLarge,
    /// `nbf` is in the future.
    NotYetValid,
    /// `iat` is in the future beyond the leeway.
    IssuedInFuture,
    /// The token names a `kid` no configured key has.
    UnknownKey,
    /// The `type` claim is neither `access` nor `refresh`.
    UnknownType,
}

impl DecodeFailure {
    fn message(self) -> &'static str {
        match self {
            DecodeFailure::Malformed => "Invalid token: malformed",
            DecodeFailure::Algorithm => "Invalid token: algorithm not allowed",
            DecodeFailure::MissingClaim(_) => {
                "Invalid token: a required claim is missing or invalid"
            }
            DecodeFailure::TooLarge => "Invalid token: token is too large",
            DecodeFailure::NotYetValid => "Invalid token: the token is not yet valid",
            DecodeFailure::IssuedInFuture => "Invalid token: issued in the future",
            DecodeFailure::UnknownKey => "Invalid token: unknown key id",
            DecodeFailure::UnknownType => "Invalid token: unknown token type",
        }
    }
}

/// Everything that can refuse a request. See the [error table](crate#errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No token in any configured location.
    #[error("missing token")]
    MissingToken,
    /// The token could not be decoded or failed a structural check.
    #[error("token could not be decoded: {0:?}")]
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
    /// The route needs an access token and got another type.
    #[error("access token required")]
    AccessTokenRequired,
    /// The route needs a refresh token and got another type.
    #[error("refresh token required")]
    RefreshTokenRequired,
    /// The route needs a fresh access token.
    #[error("fresh token required")]
    FreshTokenRequired,
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
    #[error("identity provider keys unavailable")]
    KeysUnavailable,
    /// A vault token (cargo feature `vault`) that does not decrypt with the vault's key: forged,
    /// tampered with, malformed, too large, ambiguous (two in one location), issued too far in
    /// the future, or sealing a payload of another shape. Answers `401 InvalidVaultTokenError`.
    #[error("invalid vault token")]
    VaultTokenInvalid,
    /// No vault token (cargo feature `vault`) in the configured cookie or header. Answers
    /// `401 MissingTokenError`.
    #[error("missing vault token")]
    VaultTokenMissing,
    /// A server-side failure (a subject loader error, a token that cannot be signed).
    /// The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The JSON body of every error response, in Python AuthX's shape.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
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
            | AuthError::KindMismatch { .. } => StatusCode::FORBIDDEN,
            AuthError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AuthError::StoreUnavailable(_) | AuthError::KeysUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
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
            AuthError::AccessTokenRequired => "AccessTokenRequiredError",
            AuthError::RefreshTokenRequired => "RefreshTokenRequiredError",
            AuthError::FreshTokenRequired => "FreshTokenRequiredError",
            AuthError::MissingCsrfToken => "MissingCSRFTokenError",
            AuthError::CsrfMismatch => "CSRFError",
            AuthError::Revoked => "RevokedTokenError",
            AuthError::RefreshTokenReused => "RefreshTokenReusedError",
            AuthError::InsufficientScope { .. } => "InsufficientScopeError",
            AuthError::PolicyDenied { .. } => "PolicyDeniedError",
            AuthError::KindMismatch { .. } => "LoginTypeMismatchError",
            AuthError::RateLimited { .. } => "RateLimitExceeded",
            AuthError::StoreUnavailable(_) => "StoreUnavailableError",
            AuthError::SubjectNotFound => "SubjectNotFoundError",
            AuthError::KeysUnavailable => "KeysUnavailableError",
            AuthError::VaultTokenInvalid => "InvalidVaultTokenError",
            AuthError::VaultTokenMissing => "MissingTokenError",
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
            AuthError::AccessTokenRequired => "Access token required".into(),
            AuthError::RefreshTokenRequired => "Refresh token required".into(),
            AuthError::FreshTokenRequired => "Fresh token required".into(),
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
            AuthError::KindMismatch { expected, actual } => format!(
                "Token type mismatch: expected '{expected}', got '{}'",
                actual.as_deref().unwrap_or("unknown")
            ),
            AuthError::RateLimited { retry_after, .. } => format!(
                "Rate limit exceeded. Retry after {} seconds.",
                retry_after_secs(*retry_after)
            ),
            AuthError::StoreUnavailable(_) => "Authentication store unavailable".into(),
            AuthError::SubjectNotFound => "Subject not found".into(),
            AuthError::KeysUnavailable => "Identity provider keys unavailable".into(),
            AuthError::VaultTokenInvalid => "Invalid vault token".into(),
            AuthError::VaultTokenMissing => "Missing vault token".into(),
            AuthError::Internal(_) => "Internal server error".into(),
        }
    }

    /// The JSON body this error answers with.
    pub fn body(&self) -> ErrorBody {
        let mut body = ErrorBody::new(self.message(), self.error_type());
        match self {
            AuthError::RateLimited { retry_after, .. } => {
                body.retry_after = Some(retry_after_secs(*retry_after))
            }
            AuthError::KindMismatch { expected, actual } => {
                body.expected_type = Some(expected.clone());
                body.actual_type = actual.clone();
            }
            _ => {}
        }
        body
    }

    fn www_authenticate(&self) -> Option<HeaderValue> {
        match self {
            AuthError::MissingToken | AuthError::VaultTokenMissing => {
                Some(HeaderValue::from_static("Bearer"))
            }
            AuthError::InsufficientScope { required, .. } => {
                let scope = required.join(" ");
                HeaderValue::from_str(&format!(
                    "Bearer error=\"insufficient_scope\", scope=\"{scope}\""
                ))
                .ok()
            }
            e if e.status() == StatusCode::UNAUTHORIZED => {
                Some(HeaderValue::from_static("Bearer error=\"invalid_token\""))
            }
            _ => None,
        }
    }
}

fn retry_after_secs(d: Duration) -> u64 {
    // Round up: telling a client to retry before the window resets only earns another 429.
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            AuthError::Internal(detail) => {
                tracing::error!(detail = %detail, "authx internal error")
            }
            AuthError::StoreUnavailable(e) => tracing::warn!(error = %e, "authx store unavailable"),
            // The guard and the extractors already logged the decision (the `auth decision`
            // event, at DEBUG); this TRACE line also covers refusals decided elsewhere
            // (`FreshClaims`, subject loaders, vault tokens, handlers).
            _ => tracing::trace!(
                error_type = self.error_type(),
                status = status.as_u16(),
                "authx refused request"
            ),
        }
        let mut response = (status, Json(self.body())).into_response();
        if let Some(v) = self.www_authenticate() {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        if let AuthError::RateLimited {
            retry_after,
            limit,
            reset,
        } = &self
        {
            let headers = response.headers_mut();
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs(*retry_after)),
            );
            headers.insert("ratelimit-limit", HeaderValue::from(*limit));
            headers.insert("ratelimit-remaining", HeaderValue::from(0u32));
            headers.insert(
                "ratelimit-reset",
                HeaderValue::from(retry_after_secs(*reset)),
            );
        }
        response
    }
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        AuthError::StoreUnavailable(e)
    }
}

/// A configuration that cannot work. Returned when [`Auth`](crate::Auth) is built, so a bad
/// config fails at start-up, never at the first request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An HMAC algorithm without `secret_key`.
    #[error("algorithm {0} needs a secret: set `secret_key` (env AUTHX_SECRET_KEY)")]
    MissingSecret(String),
    /// An asymmetric algorithm without its private or public key.
    #[error(
        "algorithm {algorithm} needs a {which} key: set `{which}_key` (env AUTHX_{upper}_KEY) to a PEM string or `file:/path.pem`",
        upper = which.to_uppercase()
    )]
    MissingKey {
        /// The algorithm.
        algorithm: String,
        /// `private` or `public`.
        which: &'static str,
    },
    /// A key that does not parse for its algorithm.
    #[error("the {which} key is not a valid PEM key for {algorithm}: {reason}")]
    BadKey {
        /// The algorithm.
        algorithm: String,
        /// Which key (`private`, `public`, `previous[0]`...).
        which: String,
        /// What the parser said (never the key itself).
        reason: String,
    },
    /// A key file that cannot be read.
    #[error("cannot read key file {path}: {reason}")]
    KeyFile {
        /// The path.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// `token_locations` is empty.
    #[error("token_locations is empty: configure at least one of headers, cookies, query, json")]
    NoLocations,
    /// An unknown algorithm name.
    #[error(
        "unknown algorithm {0:?}: use one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
    )]
    UnknownAlgorithm(String),
    /// An unknown token location name.
    #[error("unknown token location {0:?}: use headers, cookies, query or json")]
    UnknownLocation(String),
    /// An environment variable with a value that does not parse.
    #[error("environment variable {name}: {reason}")]
    Env {
        /// The variable.
        name: String,
        /// Why its value was refused.
        reason: String,
    },
    /// Any other invalid setting.
    #[error("invalid setting `{field}`: {reason}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// Issuing a token failed: the caller's input (reserved claim in extra data, data that does
/// not serialize to a JSON object) or signing.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// Extra data used a name authx manages itself.
    #[error("extra claim `{0}` is reserved by authx; rename it")]
    ReservedClaim(String),
    /// Extra data did not serialize to a JSON object.
    #[error("extra data must serialize to a JSON object: {0}")]
    Data(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// A setting of the builder cannot make a valid token (an id of the wrong shape, a
    /// session-bound token outliving its session's revocation).
    #[error("invalid token settings: {0}")]
    Invalid(String),
}

impl From<IssueError> for AuthError {
    fn from(e: IssueError) -> Self {
        AuthError::Internal(e.to_string())
    }
}
