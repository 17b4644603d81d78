//! Unit tests of `mod`.

use super::*;

/// The position of a kind in [`AuthError::__every_kind`]. An exhaustive match: a new
/// variant does not compile until it is added here, and the test below fails until it is
/// in the list the tables are checked against.
fn kind(e: &AuthError) -> usize {
    match e {
        AuthError::MissingToken => 0,
        AuthError::Decode(_) => 1,
        AuthError::InvalidSignature => 2,
        AuthError::Expired => 3,
        AuthError::InvalidIssuer => 4,
        AuthError::InvalidAudience => 5,
        AuthError::AccessTokenRequired => 6,
        AuthError::RefreshTokenRequired => 7,
        AuthError::FreshTokenRequired => 8,
        AuthError::MissingCsrfToken => 9,
        AuthError::CsrfMismatch => 10,
        AuthError::Revoked => 11,
        AuthError::RefreshTokenReused => 12,
        AuthError::InsufficientScope { .. } => 13,
        AuthError::KindMismatch { .. } => 14,
        AuthError::PolicyDenied { .. } => 15,
        AuthError::RateLimited { .. } => 16,
        AuthError::StoreUnavailable(_) => 17,
        AuthError::SubjectNotFound => 18,
        #[cfg(feature = "jwks")]
        AuthError::KeysUnavailable => 19,
        #[cfg(feature = "vault")]
        AuthError::VaultTokenInvalid => 20,
        #[cfg(feature = "vault")]
        AuthError::VaultTokenMissing => 21,
        AuthError::Internal(_) => 22,
        AuthError::TokenRequired => 23,
        AuthError::PolicyEvaluation { .. } => 24,
    }
}

#[test]
fn every_kind_is_listed_once() {
    let mut seen: Vec<usize> = AuthError::__every_kind().iter().map(kind).collect();
    let listed = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), listed, "a kind is listed twice");
    let expected =
        25 - usize::from(!cfg!(feature = "jwks")) - 2 * usize::from(!cfg!(feature = "vault"));
    assert_eq!(listed, expected, "a kind is missing from __every_kind");
}
