//! Every kind of [`AuthError`] (for the error tables), and the conversions into it.

use std::time::Duration;

use super::{
    ApiKeyFailure, AuthError, DecodeFailure, FactorFailure, IssueError, ResourceFailure, TokenError,
};
use crate::store::StoreError;

impl AuthError {
    /// One error of every kind (with a representative payload), for the error tables: the
    /// README's and the crate docs' are checked against it (`tests/docs.rs`), and a unit test
    /// below proves no kind is missing.
    #[doc(hidden)]
    pub fn __every_kind() -> Vec<AuthError> {
        vec![
            AuthError::MissingToken,
            AuthError::Decode(DecodeFailure::Malformed),
            AuthError::InvalidSignature,
            AuthError::Expired,
            AuthError::InvalidIssuer,
            AuthError::InvalidAudience,
            AuthError::TokenRequired,
            AuthError::AccessTokenRequired,
            AuthError::RefreshTokenRequired,
            AuthError::FreshTokenRequired,
            AuthError::InsufficientUserAuthentication {
                max_age: Some(300),
                acr_values: vec!["mfa".into()],
                missing_amr: vec![],
            },
            AuthError::InvalidDpopProof {
                reason: "the DPoP proof was already used (replayed jti)",
            },
            AuthError::InvalidDpopBinding {
                reason: "the DPoP proof's key is not the token's",
            },
            AuthError::UseDpopNonce {
                nonce: "n-1".into(),
            },
            AuthError::MissingCsrfToken,
            AuthError::CsrfMismatch,
            AuthError::Revoked,
            AuthError::RefreshTokenReused,
            AuthError::InsufficientScope {
                required: vec!["admin:*".into()],
                all: true,
            },
            AuthError::KindMismatch {
                expected: "staff".into(),
                actual: None,
            },
            AuthError::PolicyDenied {
                reason: "Policy denied access".into(),
            },
            AuthError::PolicyEvaluation {
                detail: "the policy panicked".into(),
            },
            AuthError::RateLimited {
                retry_after: Duration::from_secs(1),
                limit: 1,
                reset: Duration::from_secs(1),
            },
            AuthError::StoreUnavailable(StoreError::Timeout(Duration::from_millis(250))),
            AuthError::SubjectNotFound,
            #[cfg(feature = "jwks")]
            AuthError::KeysUnavailable,
            #[cfg(feature = "vault")]
            AuthError::VaultTokenInvalid,
            #[cfg(feature = "vault")]
            AuthError::VaultTokenMissing,
            AuthError::InvalidSessionMeta {
                reason: "device_info is over 4 KiB serialized",
            },
            AuthError::ApiKey(ApiKeyFailure::Missing),
            AuthError::ApiKey(ApiKeyFailure::Invalid),
            AuthError::ApiKey(ApiKeyFailure::Expired),
            AuthError::ApiKey(ApiKeyFailure::Address),
            AuthError::Resource(ResourceFailure::NotFound),
            AuthError::Resource(ResourceFailure::BadRequest(http::StatusCode::BAD_REQUEST)),
            AuthError::Resource(ResourceFailure::Unavailable),
            AuthError::Factor(FactorFailure::Rejected),
            AuthError::Factor(FactorFailure::NotEnrolled),
            AuthError::Factor(FactorFailure::AlreadyEnrolled),
            AuthError::Factor(FactorFailure::BadRequest),
            AuthError::Internal("subject loader failed".into()),
        ]
    }
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> Self {
        AuthError::StoreUnavailable(e)
    }
}

impl From<IssueError> for AuthError {
    fn from(e: IssueError) -> Self {
        AuthError::Internal(Box::new(e))
    }
}

impl From<TokenError> for AuthError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Decode(f) => AuthError::Decode(f),
            TokenError::InvalidSignature => AuthError::InvalidSignature,
            TokenError::Expired => AuthError::Expired,
            TokenError::InvalidIssuer => AuthError::InvalidIssuer,
            TokenError::InvalidAudience => AuthError::InvalidAudience,
        }
    }
}
