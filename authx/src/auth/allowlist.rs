//! Allowlist mode (fastapi-auth-jwt): only tokens recorded when issued are accepted, in the
//! allowlist store's own table or key space.

use super::Auth;
use crate::error::AuthError;
use crate::token::Claims;

impl Auth {
    /// Records an issued token in the allowlist (used by `TokenBuilder::register`).
    pub(crate) async fn record_allowed(&self, claims: &Claims) -> Result<(), AuthError> {
        let until = claims.exp.saturating_add(self.leeway_secs());
        self.store_call(
            self.allowlist_store()
                .allow(&claims.jti, &claims.sub, until),
        )
        .await
    }

    /// Refuses a token that is not on the allowlist (never recorded, or withdrawn).
    pub(crate) async fn ensure_allowed(&self, claims: &Claims) -> Result<(), AuthError> {
        let allowed = self
            .store_call(self.allowlist_store().is_allowed(&claims.jti, &claims.sub))
            .await;
        match self.fail_open(allowed, "allowlist")? {
            Some(false) => Err(AuthError::Revoked),
            _ => Ok(()),
        }
    }

    /// Withdraws one token: refused from now on (in allowlist mode or not).
    pub(crate) async fn invalidate<E>(&self, claims: &Claims<E>) -> Result<(), AuthError> {
        self.revoke(claims).await?;
        if self.config().allowlist {
            self.store_call(self.allowlist_store().withdraw(&claims.jti))
                .await?;
        }
        Ok(())
    }

    /// Withdraws every allowlisted token of `subject` (allowlist mode). Returns how many.
    pub(crate) async fn invalidate_subject(&self, subject: &str) -> Result<usize, AuthError> {
        self.store_call(self.allowlist_store().withdraw_subject(subject))
            .await
    }
}
