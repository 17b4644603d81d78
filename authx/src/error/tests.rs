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
        AuthError::InsufficientUserAuthentication { .. } => 25,
        AuthError::InvalidDpopProof { .. } => 26,
        AuthError::UseDpopNonce { .. } => 27,
        AuthError::InvalidDpopBinding { .. } => 28,
        AuthError::InvalidSessionMeta { .. } => 29,
        AuthError::ApiKey(f) => 30 + *f as usize,
        AuthError::Resource(ResourceFailure::NotFound) => 34,
        AuthError::Resource(ResourceFailure::BadRequest(_)) => 35,
        AuthError::Resource(ResourceFailure::Unavailable) => 36,
        AuthError::Factor(f) => 37 + *f as usize,
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
        41 - usize::from(!cfg!(feature = "jwks")) - 2 * usize::from(!cfg!(feature = "vault"));
    assert_eq!(listed, expected, "a kind is missing from __every_kind");
}

/// Every refusal with its RFC 6750 / RFC 9470 `error` code and its whole challenge: a new kind
/// fails here until its code is decided.
#[test]
fn every_kind_has_its_oauth_error_code() {
    let table: &[(&str, u16, Option<&str>, Option<&str>)] = &[
        ("MissingTokenError", 401, None, Some("Bearer")),
        (
            "JWTDecodeError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            "TokenInvalidSignatureError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            "TokenExpiredError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            "TokenInvalidIssuerError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            "TokenInvalidAudienceError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        ("TokenRequiredError", 401, None, Some("Bearer")),
        (
            "AccessTokenRequiredError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            "RefreshTokenRequiredError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            "FreshTokenRequiredError",
            401,
            Some("insufficient_user_authentication"),
            Some(
                r#"Bearer error="insufficient_user_authentication", error_description="A fresh login is required""#,
            ),
        ),
        (
            "InsufficientUserAuthenticationError",
            401,
            Some("insufficient_user_authentication"),
            Some(
                r#"Bearer error="insufficient_user_authentication", error_description="A more recent or stronger authentication is required", max_age=300, acr_values="mfa""#,
            ),
        ),
        (
            "InvalidDPoPProofError",
            401,
            Some("invalid_dpop_proof"),
            Some(
                r#"DPoP error="invalid_dpop_proof", error_description="the DPoP proof was already used (replayed jti)", algs="ES256 ES384 EdDSA RS256 PS256""#,
            ),
        ),
        (
            "InvalidDPoPBindingError",
            401,
            Some("invalid_token"),
            Some(
                r#"DPoP error="invalid_token", error_description="Invalid DPoP key binding: the DPoP proof's key is not the token's", algs="ES256 ES384 EdDSA RS256 PS256""#,
            ),
        ),
        (
            "UseDPoPNonceError",
            401,
            Some("use_dpop_nonce"),
            Some(
                r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256 ES384 EdDSA RS256 PS256""#,
            ),
        ),
        (
            "MissingCSRFTokenError",
            401,
            Some("invalid_request"),
            Some(r#"Bearer error="invalid_request""#),
        ),
        (
            "CSRFError",
            401,
            Some("invalid_request"),
            Some(r#"Bearer error="invalid_request""#),
        ),
        (
            "RevokedTokenError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            "RefreshTokenReusedError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            "InsufficientScopeError",
            403,
            Some("insufficient_scope"),
            Some(r#"Bearer error="insufficient_scope", scope="admin:*""#),
        ),
        (
            "LoginTypeMismatchError",
            403,
            Some("insufficient_scope"),
            Some(r#"Bearer error="insufficient_scope""#),
        ),
        (
            "PolicyDeniedError",
            403,
            Some("insufficient_scope"),
            Some(r#"Bearer error="insufficient_scope""#),
        ),
        (
            "PolicyEvaluationError",
            403,
            Some("insufficient_scope"),
            Some(r#"Bearer error="insufficient_scope""#),
        ),
        ("RateLimitExceeded", 429, None, None),
        ("StoreUnavailableError", 503, None, None),
        (
            "SubjectNotFoundError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        ("KeysUnavailableError", 503, None, None),
        (
            "InvalidVaultTokenError",
            401,
            Some("invalid_token"),
            Some(r#"Bearer error="invalid_token""#),
        ),
        ("InvalidSessionMetaError", 400, None, None),
        ("MissingApiKeyError", 401, None, Some("Bearer")),
        ("InvalidApiKeyError", 401, None, Some("Bearer")),
        ("ExpiredApiKeyError", 401, None, Some("Bearer")),
        ("ApiKeyAddressError", 403, None, None),
        ("ResourceNotFoundError", 404, None, None),
        ("InvalidResourceRequestError", 400, None, None),
        ("ResourceUnavailableError", 503, None, None),
        ("FactorRejectedError", 403, None, None),
        ("FactorNotEnrolledError", 409, None, None),
        ("FactorAlreadyEnrolledError", 409, None, None),
        ("InvalidFactorRequestError", 400, None, None),
        ("InternalError", 500, None, None),
    ];
    for e in AuthError::__every_kind() {
        let ty = e.error_type();
        // The vault's missing token shares AuthX's MissingTokenError.
        let row = table
            .iter()
            .find(|row| row.0 == ty)
            .unwrap_or_else(|| panic!("{ty} has no row"));
        assert_eq!(e.status().as_u16(), row.1, "{ty}");
        assert_eq!(e.oauth_error(), row.2, "{ty}");
        assert_eq!(e.challenge().as_deref(), row.3, "{ty}");
        assert_eq!(
            e.www_authenticate()
                .map(|v| v.to_str().unwrap().to_owned())
                .as_deref(),
            row.3,
            "{ty}: the header is the challenge"
        );
    }
}

#[test]
fn challenge_parameters_carry_only_allowed_characters() {
    let e = AuthError::InsufficientScope {
        required: vec!["a\"b".into(), "c\\d\u{e9}".into()],
        all: true,
    };
    assert_eq!(
        e.challenge().unwrap(),
        r#"Bearer error="insufficient_scope", scope="ab cd""#
    );
    let e = AuthError::InsufficientUserAuthentication {
        max_age: Some(60),
        acr_values: vec![],
        missing_amr: vec![],
    };
    assert_eq!(
        e.challenge().unwrap(),
        r#"Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=60"#
    );
    let e = AuthError::InsufficientUserAuthentication {
        max_age: None,
        acr_values: vec!["mfa".into(), "hwk".into()],
        missing_amr: vec![],
    };
    assert_eq!(
        e.challenge().unwrap(),
        r#"Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa hwk""#
    );
    // A missing `amr` method is named in the description; the route's other requirements
    // stay in their parameters.
    let e = AuthError::InsufficientUserAuthentication {
        max_age: Some(300),
        acr_values: vec!["mfa".into()],
        missing_amr: vec!["hwk".into(), "o\"tp".into()],
    };
    assert_eq!(
        e.challenge().unwrap(),
        r#"Bearer error="insufficient_user_authentication", error_description="A stronger authentication method is required: hwk otp", max_age=300, acr_values="mfa""#
    );
}
