//! The manual style (AuthX's "Method 1"): find the token, then verify it with flags. Guards and
//! extractors do both for you; these are for handlers and middleware of your own.

use http::request::Parts;

use super::Auth;
use super::verification::{Csrf, Verification};
use crate::config::TokenLocation;
use crate::error::AuthError;
use crate::request::locate;
use crate::request::{RequestToken, VerifyOptions};
use crate::token::{Claims, TokenType};

impl Auth {
    /// The token of `token_type` in a request (AuthX's `get_token_from_request`), not
    /// verified: in `locations`, or the configured ones in their order. A cookie token comes
    /// with the request's CSRF header, if any. No token is `401 MissingTokenError`; a location
    /// holding two tokens is refused as ambiguous.
    ///
    /// ```
    /// # use authx::{Auth, AuthConfig, TokenType, VerifyOptions};
    /// # async fn run() -> Result<(), authx::AuthError> {
    /// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
    /// let token = auth.tokens().create_access("ada").unwrap();
    /// let (parts, ()) = http::Request::post("/")
    ///     .header("authorization", format!("Bearer {token}"))
    ///     .body(())
    ///     .unwrap()
    ///     .into_parts();
    /// let found = auth.request_token(&parts, TokenType::Access, None)?;
    /// let claims = auth.verify_request_token(&found, VerifyOptions::default()).await?;
    /// assert_eq!(claims.sub, "ada");
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run()).unwrap();
    /// ```
    pub fn request_token(
        &self,
        parts: &Parts,
        token_type: TokenType,
        locations: Option<&[TokenLocation]>,
    ) -> Result<RequestToken, AuthError> {
        self.request_token_optional(parts, token_type, locations)?
            .ok_or(AuthError::MissingToken)
    }

    /// [`request_token`](Self::request_token), with `None` when the request has no token (AuthX's
    /// `optional=True`). A present but ambiguous token is still an error.
    pub fn request_token_optional(
        &self,
        parts: &Parts,
        token_type: TokenType,
        locations: Option<&[TokenLocation]>,
    ) -> Result<Option<RequestToken>, AuthError> {
        let config = self.config();
        let locations = locations.unwrap_or(&config.token_locations);
        let Some(found) = locate::locate(parts, config, token_type, locations)? else {
            return Ok(None);
        };
        let csrf = (found.location == TokenLocation::Cookies)
            .then(|| parts.headers.get(config.csrf.header_name.as_str()))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Some(RequestToken {
            token: found.token.into_owned(),
            location: found.location,
            token_type,
            csrf,
            method: parts.method.clone(),
        }))
    }

    /// Verifies a token found with [`request_token`](Self::request_token) (AuthX's
    /// `verify_token`): signature and claims, then, per `options`, its type, its freshness and
    /// (a cookie token on a CSRF-protected method) its CSRF header against its `csrf` claim in
    /// constant time; then that it is live (not revoked, nor its session, not a retired refresh
    /// token, allowlisted in allowlist mode). Async, because the stores are asked. A DPoP-bound
    /// token is refused here: its proof is checked by `#[protect]` routes.
    pub async fn verify_request_token(
        &self,
        token: &RequestToken,
        options: VerifyOptions,
    ) -> Result<Claims, AuthError> {
        let csrf = if options.verify_csrf && token.location == TokenLocation::Cookies {
            Csrf::Given {
                method: &token.method,
                header: token.csrf.as_deref().map(str::as_bytes),
            }
        } else {
            Csrf::Off
        };
        self.run_detached(Verification {
            expect: options.verify_type.then_some(token.token_type),
            fresh: options.verify_fresh,
            csrf,
            ..Verification::given(&token.token)
        })
        .await
    }

    /// A token to its loaded subject, outside a request (fastapi-auth-jwt's `authenticate` /
    /// `get_current_user`): the token must be a valid, live access token (revocation, its
    /// session and, in allowlist mode, the allowlist are checked), then `T`'s loader (an
    /// `#[auth_subject]` type) loads the subject with `state`, as the extractor would.
    ///
    /// ```
    /// use authx::{Auth, AuthConfig, auth_subject};
    ///
    /// #[auth_subject(loader = load_user)]
    /// struct User { id: String }
    ///
    /// async fn load_user(id: String, _claims: authx::Claims) -> Result<Option<User>, std::convert::Infallible> {
    ///     Ok(Some(User { id }))
    /// }
    ///
    /// # async fn run() {
    /// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
    /// let token = auth.tokens().create_access("ada").unwrap();
    /// let user: User = auth.authenticate(&token, &auth).await.unwrap();
    /// assert_eq!(user.id, "ada");
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run());
    /// ```
    #[doc(alias = "get_current_user")]
    pub async fn authenticate<T, S>(&self, token: &str, state: &S) -> Result<T, AuthError>
    where
        T: crate::AuthSubject<S>,
    {
        // Outside a request there is no proof: a DPoP-bound token cannot be used here.
        let claims = self
            .run_detached(Verification {
                expect: Some(TokenType::Access),
                ..Verification::given(token)
            })
            .await?;
        T::from_claims(claims, state).await
    }
}
