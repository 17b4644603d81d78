//! [`FactorFailure`]: why a second factor (a TOTP code, a recovery code, a passkey) was not
//! taken.

use http::StatusCode;

/// Why a second factor was not taken ([`AuthError::Factor`](super::AuthError::Factor), from
/// [`authx::mfa`](crate::mfa)). None of them says whether a code was close: a wrong code, one
/// already used in its time step, and a used recovery code are all `Rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FactorFailure {
    /// The code (or assertion) was wrong, expired, or already used. `403 FactorRejectedError`.
    #[error("factor rejected")]
    Rejected,
    /// The user has no such factor (nothing enrolled, or an enrolment not confirmed in time).
    /// `409 FactorNotEnrolledError`.
    #[error("factor not enrolled")]
    NotEnrolled,
    /// The user already has this factor, confirmed: remove it first. `409
    /// FactorAlreadyEnrolledError`.
    #[error("factor already enrolled")]
    AlreadyEnrolled,
    /// The request's body is not what the endpoint reads (no `code`, not JSON). `400
    /// InvalidFactorRequestError`.
    #[error("invalid factor request")]
    BadRequest,
}

impl FactorFailure {
    /// The HTTP status.
    pub(crate) fn status(self) -> StatusCode {
        match self {
            FactorFailure::Rejected => StatusCode::FORBIDDEN,
            FactorFailure::NotEnrolled | FactorFailure::AlreadyEnrolled => StatusCode::CONFLICT,
            FactorFailure::BadRequest => StatusCode::BAD_REQUEST,
        }
    }

    /// The `error_type` of the body.
    pub(crate) fn error_type(self) -> &'static str {
        match self {
            FactorFailure::Rejected => "FactorRejectedError",
            FactorFailure::NotEnrolled => "FactorNotEnrolledError",
            FactorFailure::AlreadyEnrolled => "FactorAlreadyEnrolledError",
            FactorFailure::BadRequest => "InvalidFactorRequestError",
        }
    }

    /// The message of the body.
    pub(crate) fn message(self) -> &'static str {
        match self {
            FactorFailure::Rejected => "The code was not accepted",
            FactorFailure::NotEnrolled => "No such factor is enrolled",
            FactorFailure::AlreadyEnrolled => "The factor is already enrolled",
            FactorFailure::BadRequest => "Invalid factor request",
        }
    }
}
