//! [`Revocations`]: revoking tokens, and the allowlist.

use crate::Auth;
use crate::error::AuthError;
use crate::token::Claims;

/// Revoking single tokens and withdrawing them from the allowlist, from [`Auth::revocations`].
///
/// A revocation is kept until its token would have stopped verifying (`exp` + leeway), on
/// every instance sharing the store. Revoking one token leaves the rest of its family (its
/// refresh token, its session) valid: to end those, use [`Auth::sessions`]
/// ([`logout`](crate::Sessions::logout), [`revoke`](crate::Sessions::revoke)).
///
/// In [allowlist mode](crate::AuthConfig::allowlist), only tokens recorded when issued
/// ([`Tokens::register`](crate::Tokens::register)) are accepted;
/// [`invalidate`](Self::invalidate) and [`invalidate_subject`](Self::invalidate_subject)
/// withdraw them.
///
/// ```
/// use authx::{Auth, AuthConfig, AuthError};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// let token = auth.tokens().create_access("user-1").unwrap();
/// let claims = auth.verify(&token).unwrap();
///
/// auth.revocations().revoke(&claims).await.unwrap();
/// let refused = auth.revocations().ensure_not_revoked(&claims.jti).await;
/// assert!(matches!(refused, Err(AuthError::Revoked)));
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Revocations<'a> {
    pub(super) auth: &'a Auth,
}

impl std::fmt::Debug for Revocations<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revocations").finish_non_exhaustive()
    }
}

impl Revocations<'_> {
    /// Revokes the token these claims came from, until it would have stopped verifying
    /// (`exp` + leeway). Its refresh token stays valid: to log out, use
    /// [`Sessions::logout`](crate::Sessions::logout).
    pub async fn revoke<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        self.auth.revoke(claims).await
    }

    /// Revokes `jti` of a token expiring at `expires_at` (seconds since the epoch). The entry
    /// is kept until `expires_at` + leeway, as long as the token could still verify.
    pub async fn revoke_jti(&self, jti: &str, expires_at: i64) -> Result<(), AuthError> {
        self.auth.revoke_jti(jti, expires_at).await
    }

    /// Fails with [`AuthError::Revoked`] when `jti` is revoked. A store failure answers per
    /// [`store_fail_open`](crate::AuthConfig::store_fail_open).
    pub async fn ensure_not_revoked(&self, jti: &str) -> Result<(), AuthError> {
        self.auth.ensure_not_revoked(jti).await
    }

    /// Withdraws one token: revoked, and in allowlist mode taken off the allowlist.
    pub async fn invalidate<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        self.auth.invalidate(claims).await
    }

    /// Withdraws every allowlisted token of `subject` (allowlist mode). Returns how many.
    pub async fn invalidate_subject(&self, subject: &str) -> Result<usize, AuthError> {
        self.auth.invalidate_subject(subject).await
    }
}
