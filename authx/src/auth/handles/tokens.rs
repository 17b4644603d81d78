//! [`Tokens`]: issuing tokens.

use crate::Auth;
use crate::error::{AuthError, IssueError};
use crate::token::{PairBuilder, TokenBuilder, TokenPair};

/// Issuing tokens, from [`Auth::tokens`].
///
/// A builder per token ([`access`](Self::access), [`refresh`](Self::refresh)) or per pair
/// ([`pair`](Self::pair)) sets scopes, freshness, a session, extra claims and lifetimes, then
/// signs with [`issue`](TokenBuilder::issue). In
/// [allowlist mode](crate::AuthConfig::allowlist) sign with [`register`](Self::register) or
/// [`register_pair`](Self::register_pair) instead, which also record the tokens as allowed.
/// [`create_access`](Self::create_access) and [`create_refresh`](Self::create_refresh) are
/// Python AuthX's `create_access_token` and `create_refresh_token`.
///
/// ```
/// use authx::{Auth, AuthConfig};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// let tokens = auth.tokens();
///
/// let pair = tokens.pair("user-1").fresh(true).scopes(["users:read"]).issue().unwrap();
/// let access = tokens.access("user-1").scopes(["admin:*"]).issue().unwrap();
/// let plain = tokens.create_access("user-1").unwrap();
/// let allowed = tokens.register(tokens.refresh("user-1")).await.unwrap();
///
/// assert_eq!(auth.verify(&pair.access_token).unwrap().sub, "user-1");
/// # let _ = (access, plain, allowed);
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Tokens<'a> {
    pub(super) auth: &'a Auth,
}

impl std::fmt::Debug for Tokens<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

impl<'a> Tokens<'a> {
    /// Starts an access token for `subject`.
    pub fn access(&self, subject: impl Into<String>) -> TokenBuilder<'a> {
        self.auth.access_token(subject)
    }

    /// Starts a refresh token for `subject`.
    pub fn refresh(&self, subject: impl Into<String>) -> TokenBuilder<'a> {
        self.auth.refresh_token(subject)
    }

    /// Starts an access + refresh pair for `subject`, in one token family.
    pub fn pair(&self, subject: impl Into<String>) -> PairBuilder<'a> {
        self.auth.token_pair(subject)
    }

    /// Signs the token of `builder` and records it in the allowlist (needed in
    /// [allowlist mode](crate::AuthConfig::allowlist); harmless otherwise).
    pub async fn register(&self, builder: TokenBuilder<'_>) -> Result<String, AuthError> {
        self.auth.register(builder).await
    }

    /// Signs both tokens of `pair` and records them in the allowlist.
    pub async fn register_pair(&self, pair: PairBuilder<'_>) -> Result<TokenPair, AuthError> {
        self.auth.register_pair(pair).await
    }

    /// A plain access token for `subject` (AuthX's `create_access_token`).
    pub fn create_access(&self, subject: impl Into<String>) -> Result<String, IssueError> {
        self.auth.create_access_token(subject)
    }

    /// A plain refresh token for `subject` (AuthX's `create_refresh_token`).
    pub fn create_refresh(&self, subject: impl Into<String>) -> Result<String, IssueError> {
        self.auth.create_refresh_token(subject)
    }
}
