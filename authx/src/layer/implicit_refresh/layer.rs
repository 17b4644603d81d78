//! [`ImplicitRefreshLayer`]: when a cookie session's access token is due, and what it becomes.

use std::time::Duration;

use axum::response::Response;
use http::Request;
use http::request::Parts;

use super::ImplicitRefreshService;
use crate::auth::Verification;
use crate::cookies::SetCookies;
use crate::error::AuthError;
use crate::request::locate::cookie;
use crate::token::TokenType;
use crate::{Auth, TokenLocation};

/// Keeps cookie sessions alive: when the access cookie is within `window` of expiry (or, by
/// default, already expired, though not longer ago than [`max_expired_age`](Self::max_expired_age)),
/// re-issues it from the refresh cookie.
///
/// **Two sources.** By default ([`RefreshSource::RefreshCookie`]) the new token is made from the
/// refresh cookie, as described below. [`RefreshSource::AccessToken`] is Python AuthX's
/// implicit refresh: no refresh cookie needed, the new token is made from the access cookie
/// itself; see [`source`](Self::source) for its trade-off and its bounds.
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
    source: RefreshSource,
    max_login_age: Option<Duration>,
}

/// What [`ImplicitRefreshLayer`] makes a new access token from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshSource {
    /// The refresh cookie of the same family (the default): the refresh token is the
    /// authoritative record of the login, rotation and reuse detection apply, and an expired
    /// access cookie can be refreshed within [`max_expired_age`](ImplicitRefreshLayer::max_expired_age).
    #[default]
    RefreshCookie,
    /// The access cookie alone (Python AuthX's implicit refresh): see
    /// [`ImplicitRefreshLayer::source`].
    AccessToken,
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
            source: RefreshSource::RefreshCookie,
            max_login_age: None,
        }
    }

    /// Where the new access token comes from (default [`RefreshSource::RefreshCookie`]).
    ///
    /// With [`RefreshSource::AccessToken`], as Python AuthX does, a still-valid access cookie
    /// within `window` of expiry is re-issued from its own verified claims (subject, scopes,
    /// extra data, session, CSRF value): clients need no refresh cookie at all. The trade-off:
    /// a stolen access cookie can be kept alive by its thief as long as the login may live,
    /// where with a refresh cookie it dies at its expiry. So the mode is bounded:
    ///
    /// - only a **valid** access token is refreshed, never an expired one (`refresh_expired`
    ///   and `max_expired_age` do not apply);
    /// - it must be live: not revoked, nor its session or family, and allowlisted in allowlist
    ///   mode, so logout and session revocation end the chain at once;
    /// - every re-issued token belongs to the old one's family: its session, else (a token
    ///   issued alone, or by Python AuthX) the family it founds, named by its own id. A logout
    ///   of any token of the chain ([`Sessions::logout`](crate::Sessions::logout)) revokes that family, and with it every
    ///   copy re-issued so far, the victim's and a thief's alike;
    /// - the chain ends [`max_login_age`](Self::max_login_age) after the login (the token's
    ///   `auth_time`; a token without one is not refreshed), `refresh_token_expires` by
    ///   default: as long as a refresh token would have lasted, and no longer.
    pub fn source(mut self, source: RefreshSource) -> Self {
        self.source = source;
        self
    }

    /// How long after the login ([`Claims::auth_time`](crate::Claims::auth_time)) access-token
    /// refresh keeps re-issuing ([`RefreshSource::AccessToken`] only; default: the configured
    /// `refresh_token_expires`).
    pub fn max_login_age(mut self, age: Duration) -> Self {
        self.max_login_age = Some(age);
        self
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
                self.auth.cookies().set_access(&token).ok()
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
        if self.source == RefreshSource::AccessToken {
            return self.refreshed_from_access(access, now).await;
        }
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
        let refresh = self
            .auth
            .run_detached(Verification {
                expect: Some(TokenType::Refresh),
                ..Verification::given(refresh)
            })
            .await?;
        let same_family = old.sid.is_some() && refresh.sid == old.sid;
        if refresh.token_type != TokenType::Refresh || refresh.sub != old.sub || !same_family {
            return Ok(None);
        }
        // A logged-out access token stays logged out; a DPoP-bound one is never renewed into
        // a bearer token. An expired token has left the allowlist: not asked.
        self.auth
            .run_detached(Verification {
                allowlist: false,
                ..Verification::decoded(&old)
            })
            .await?;
        let mut builder = self
            .auth
            .access_token(&refresh.sub)
            .scopes(refresh.scopes())
            .carry_extra(&refresh.extra);
        if let Some(sid) = &refresh.sid {
            builder = builder.session(sid);
        }
        if let Some(csrf) = &old.csrf {
            builder = builder.csrf_value(csrf);
        }
        if let Some(t) = refresh.auth_time {
            builder = builder.auth_time(t);
        }
        self.mint(builder).await.map(Some)
    }

    /// Signs the new token, allowlisted in allowlist mode.
    async fn mint(&self, builder: crate::token::TokenBuilder<'_>) -> Result<String, AuthError> {
        if self.auth.config().allowlist {
            self.auth.register(builder).await
        } else {
            Ok(builder.issue()?)
        }
    }

    /// [`RefreshSource::AccessToken`]: a new access token from a valid, live access cookie due
    /// for refresh, within the login's age.
    async fn refreshed_from_access(
        &self,
        access: &str,
        now: i64,
    ) -> Result<Option<String>, AuthError> {
        let old = self.auth.codec().verify(access, now)?;
        let window = i64::try_from(self.window.as_secs()).unwrap_or(i64::MAX);
        if old.token_type != TokenType::Access || old.exp.saturating_sub(now) > window {
            return Ok(None);
        }
        let max_login_age = self
            .max_login_age
            .unwrap_or(self.auth.config().refresh_token_expires);
        let max_login_age = i64::try_from(max_login_age.as_secs()).unwrap_or(i64::MAX);
        // Only a token that says when its login was (`auth_time`, set by fresh logins and kept
        // by refreshes) can be renewed from itself: its issue time would restart the clock.
        // A step-up token renews into the login's own assurance (its time, acr and amr), not
        // the step-up's: a second factor lasts as long as the token it earned.
        let (login_time, extra) = match crate::token::login_assurance(&old.extra) {
            Some((time, extra)) => (time, extra),
            None => (old.auth_time, old.extra.clone()),
        };
        let Some(login) = login_time else {
            return Ok(None);
        };
        if now.saturating_sub(login) > max_login_age {
            return Ok(None);
        }
        // Revocation of the token and its family, and the allowlist; a DPoP-bound token is
        // never renewed into a bearer token.
        self.auth.run_detached(Verification::decoded(&old)).await?;
        // The new token joins the old one's family: its session, else the family the old token
        // founds (its own id), so a logout of any token of the chain ends every copy of it.
        let mut builder = self
            .auth
            .access_token(&old.sub)
            .scopes(old.scopes())
            .carry_extra(&extra)
            .auth_time(login)
            .session(crate::auth::family_of(&old));
        if let Some(csrf) = &old.csrf {
            builder = builder.csrf_value(csrf);
        }
        self.mint(builder).await.map(Some)
    }
}

impl<S> tower_layer::Layer<S> for ImplicitRefreshLayer {
    type Service = ImplicitRefreshService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ImplicitRefreshService::new(inner, self.clone())
    }
}
