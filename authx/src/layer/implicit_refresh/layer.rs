//! [`ImplicitRefreshLayer`]: when a cookie session's access token is due, and what it becomes.

use std::time::Duration;

use axum::response::Response;
use http::Request;
use http::request::Parts;

use super::ImplicitRefreshService;
use crate::cookies::SetCookies;
use crate::error::AuthError;
use crate::extract::locate::cookie;
use crate::token::TokenType;
use crate::{Auth, TokenLocation};

/// Keeps cookie sessions alive: when the access cookie is within `window` of expiry (or, by
/// default, already expired, though not longer ago than [`max_expired_age`](Self::max_expired_age)),
/// re-issues it from the refresh cookie.
///
/// The new access token is **not fresh**. Its claims come from the refresh token, the
/// authoritative record of what the login granted (scopes, extra data and user kind), never
/// from the expiring access token; the refresh token must belong to the access token's family
/// (its session, or its token pair: the same `sid`), so a refresh cookie from another login
/// cannot lend its rights to an old access cookie, or the reverse. The CSRF value of the old
/// access token is kept, so the page's `X-CSRF-TOKEN` header stays valid. The new token is
/// used for the current request already: handlers behind the layer see it, and the response
/// sets the new access and CSRF cookies. Tokens sent in headers are never touched; a revoked
/// access token, a revoked, retired (its family is then revoked) or mismatched refresh token,
/// or a tampered cookie means no refresh (the request then fails or passes on its own merits).
///
/// ```
/// use authx::{Auth, AuthConfig, TokenLocation, layer::ImplicitRefreshLayer};
/// use axum::{Router, routing::get};
/// use std::time::Duration;
///
/// let auth = Auth::new(
///     AuthConfig::builder()
///         .secret_key("k".repeat(32))
///         .token_locations([TokenLocation::Cookies])
///         .build(),
/// )
/// .unwrap();
/// let app: Router = Router::new()
///     .route("/", get(|| async { "hi" }))
///     .layer(ImplicitRefreshLayer::new(auth.clone()).window(Duration::from_secs(300)))
///     .with_state(auth);
/// ```
#[derive(Clone, Debug)]
pub struct ImplicitRefreshLayer {
    auth: Auth,
    window: Duration,
    refresh_expired: bool,
    max_expired_age: Duration,
}

impl ImplicitRefreshLayer {
    /// Refreshes within 10 minutes of expiry (AuthX's `JWT_IMPLICIT_REFRESH_DELTATIME`), and
    /// access cookies that expired at most 15 minutes ago.
    pub fn new(auth: Auth) -> Self {
        ImplicitRefreshLayer {
            auth,
            window: Duration::from_secs(600),
            refresh_expired: true,
            max_expired_age: Duration::from_secs(900),
        }
    }

    /// Refreshes when the access token expires within `window`.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Whether an already expired access cookie is refreshed (default `true`).
    pub fn refresh_expired(mut self, yes: bool) -> Self {
        self.refresh_expired = yes;
        self
    }

    /// How long after its expiry an access cookie may still be refreshed (default 15
    /// minutes). Past it, the client must call your refresh route (or log in) itself: a
    /// cookie jar left alone for days does not come back to life on its own.
    pub fn max_expired_age(mut self, age: Duration) -> Self {
        self.max_expired_age = age;
        self
    }

    /// The check before the inner service: a refreshed access token replaces the request's
    /// access cookie, and its cookies are set on the response. Never refuses.
    pub(super) async fn before<B>(
        self,
        req: Request<B>,
    ) -> Result<(Request<B>, Option<SetCookies>), Response> {
        let (mut parts, body) = req.into_parts();
        let cookies = match self.refreshed(&parts).await {
            Ok(Some(token)) => {
                let name = &self.auth.config().cookies.access_cookie_name;
                crate::cookies::request::replace(&mut parts.headers, name, &token);
                self.auth.set_access_cookies(&token).ok()
            }
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(
                    error_type = e.error_type(),
                    "authx implicit refresh skipped"
                );
                None
            }
        };
        Ok((Request::from_parts(parts, body), cookies))
    }

    /// A new access token for this request's cookies, when one is due.
    async fn refreshed(&self, parts: &Parts) -> Result<Option<String>, AuthError> {
        let config = self.auth.config();
        if !config.has_location(TokenLocation::Cookies) {
            return Ok(None);
        }
        let Some(access) = cookie(parts, &config.cookies.access_cookie_name)? else {
            return Ok(None);
        };
        let now = self.auth.clock().now();
        let old = self.auth.codec().verify_allowing_expired(access, now)?;
        let remaining = old.exp.saturating_sub(now);
        let window = i64::try_from(self.window.as_secs()).unwrap_or(i64::MAX);
        let max_age = i64::try_from(self.max_expired_age.as_secs()).unwrap_or(i64::MAX);
        if old.token_type != TokenType::Access
            || remaining > window
            || (remaining <= 0 && (!self.refresh_expired || -remaining > max_age))
        {
            return Ok(None);
        }
        let Some(refresh) = cookie(parts, &config.cookies.refresh_cookie_name)? else {
            return Ok(None);
        };
        // Revocation, family revocation and retirement (a retired refresh token revokes its
        // family here as on the refresh route).
        let refresh = self.auth.verify_unrevoked(refresh).await?;
        let same_family = old.sid.is_some() && refresh.sid == old.sid;
        if refresh.token_type != TokenType::Refresh || refresh.sub != old.sub || !same_family {
            return Ok(None);
        }
        // A logged-out access token stays logged out.
        self.auth.ensure_claims_not_revoked(&old).await?;
        let mut builder = self
            .auth
            .access_token(&refresh.sub)
            .scopes(refresh.scopes())
            .extra(&refresh.extra);
        if let Some(sid) = &refresh.sid {
            builder = builder.session(sid);
        }
        if let Some(csrf) = &old.csrf {
            builder = builder.csrf_value(csrf);
        }
        Ok(Some(builder.issue()?))
    }
}

impl<S> tower_layer::Layer<S> for ImplicitRefreshLayer {
    type Service = ImplicitRefreshService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ImplicitRefreshService::new(inner, self.clone())
    }
}
