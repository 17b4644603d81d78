//! The checks a route adds to a verified token that are not the token's own: its user kind and
//! its step-up (RFC 9470: `max_age`, `acr`, and the RFC 8176 methods of `amr`). Called by the
//! pipeline's route checks and, for `kind`, by `#[auth_subject(kind = ...)]` expansions.

use crate::error::AuthError;
use crate::guard::Rules;
use crate::token::Claims;

/// Refuses a token of another user kind than `expected` (`403 LoginTypeMismatchError`).
pub fn check_kind(claims: &Claims, expected: &str) -> Result<(), AuthError> {
    let actual = claims.kind();
    if actual == Some(expected) {
        Ok(())
    } else {
        Err(AuthError::KindMismatch {
            expected: expected.to_owned(),
            actual: actual.map(str::to_owned),
        })
    }
}

/// Refuses a token whose login is older than the route's `max_age` (or has no `auth_time`),
/// whose `acr` is not one of the route's, or whose `amr` lacks one of the route's methods
/// (`401 InsufficientUserAuthenticationError`, RFC 9470). The challenge carries the route's
/// `max_age` and `acr_values` whichever failed, so one new login meets them all.
pub(crate) fn check_step_up(claims: &Claims, rules: &Rules, now: i64) -> Result<(), AuthError> {
    let too_old = rules.max_age.is_some_and(|max| match claims.auth_time {
        Some(at) => now.saturating_sub(at) > i64::try_from(max).unwrap_or(i64::MAX),
        None => true,
    });
    let wrong_class =
        !rules.acr.is_empty() && !claims.acr().is_some_and(|acr| rules.acr.contains(&acr));
    // The token's methods are untrusted strings, matched exactly.
    let missing_amr: Vec<String> = if rules.amr.is_empty() {
        Vec::new()
    } else {
        let used = claims.amr();
        rules
            .amr
            .iter()
            .filter(|m| !used.contains(m))
            .map(|m| (*m).to_owned())
            .collect()
    };
    if too_old || wrong_class || !missing_amr.is_empty() {
        return Err(AuthError::InsufficientUserAuthentication {
            max_age: rules.max_age,
            acr_values: rules.acr.iter().map(|s| (*s).to_owned()).collect(),
            missing_amr,
        });
    }
    Ok(())
}
