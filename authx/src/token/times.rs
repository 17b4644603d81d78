//! The checks of a token that depend on the time, shared by this service's tokens and identity
//! providers', and run again on every hit of the verified-token cache.

use super::claims::Claims;
use super::error::{DecodeFailure, TokenError};

/// The time claims of a token.
pub(crate) struct Times {
    pub exp: i64,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
}

impl From<&Claims> for Times {
    fn from(c: &Claims) -> Self {
        Times {
            exp: c.exp,
            nbf: c.nbf,
            iat: c.iat,
        }
    }
}

/// The checks of a token that depend on the time: expired (unless `allow_expired`), not yet
/// valid, issued in the future; each with `leeway` seconds. Run on every verification, a
/// remembered token's included.
pub(crate) fn check_times(
    t: impl Into<Times>,
    now: i64,
    leeway: i64,
    allow_expired: bool,
) -> Result<(), TokenError> {
    let t = t.into();
    if !allow_expired && now >= t.exp.saturating_add(leeway) {
        return Err(TokenError::Expired);
    }
    if t.nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(TokenError::Decode(DecodeFailure::NotYetValid));
    }
    if t.iat.is_some_and(|iat| iat > now.saturating_add(leeway)) {
        return Err(TokenError::Decode(DecodeFailure::IssuedInFuture));
    }
    Ok(())
}
