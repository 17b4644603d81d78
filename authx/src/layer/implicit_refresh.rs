//! Implicit refresh for cookie sessions (AuthX's `implicit_refresh_middleware`).

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use http::request::Parts;
use http::{HeaderValue, Request, header};

use super::ResponseFuture;
use crate::cookies::SetCookies;
use crate::error::AuthError;
use crate::extract::locate::cookie;
use crate::token::TokenType;
use crate::token::codec::now;
use crate::{Auth, TokenLocation};

/// Keeps cookie sessions alive: when the access cookie is within `window` of expiry (or, by
/// default, already expired), re-issues it from the refresh cookie.
///
/// The new access token is **not fresh**, keeps the old token's scopes, extra data, session and
/// CSRF value (so the page's `X-CSRF-TOKEN` header stays valid), and is used for the current
/// request already: handlers behind the layer see it, and the response sets the new access and
/// CSRF cookies. Tokens sent in headers are never touched; a revoked access token, a revoked or
/// mismatched refresh token, or a tampered cookie means no refresh (the request then fails or
/// passes on its own merits).
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
}

impl ImplicitRefreshLayer {
    /// Refreshes within 10 minutes of expiry (AuthX's `JWT_IMPLICIT_REFRESH_DELTATIME`), and
    /// expired access cookies too.
    pub fn new(auth: Auth) -> Self {
        ImplicitRefreshLayer {
            auth,
            window: Duration::from_secs(600),
            refresh_expired: true,
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

    /// A new access token for this request's cookies, when one is due.
    async fn refreshed(&self, parts: &Parts) -> Result<Option<String>, AuthError> {
        let config = self.auth.config();
        if !config.has_location(TokenLocation::Cookies) {
            return Ok(None);
        }
        let Some(access) = cookie(parts, &config.cookies.access_cookie_name)? else {
            return Ok(None);
        };
        let old = self.auth.codec().verify_allowing_expired(access, now())?;
        let remaining = old.exp - now();
        let window = i64::try_from(self.window.as_secs()).unwrap_or(i64::MAX);
        if old.token_type != TokenType::Access
            || remaining > window
            || (remaining <= 0 && !self.refresh_expired)
        {
            return Ok(None);
        }
        let Some(refresh) = cookie(parts, &config.cookies.refresh_cookie_name)? else {
            return Ok(None);
        };
        let refresh = self.auth.verify_unrevoked(refresh).await?;
        if refresh.token_type != TokenType::Refresh || refresh.sub != old.sub {
            return Ok(None);
        }
        // A logged-out access token stays logged out.
        self.auth.ensure_claims_not_revoked(&old).await?;
        let mut builder = self
            .auth
            .access_token(&old.sub)
            .scopes(old.scopes())
            .extra(&old.extra);
        if let Some(sid) = &old.sid {
            builder = builder.session(sid);
        }
        if let Some(csrf) = &old.csrf {
            builder = builder.csrf_value(csrf);
        }
        Ok(Some(builder.issue()?))
    }
}

/// Replaces the access cookie's value in the request's `Cookie` headers.
fn rewrite_cookie(parts: &mut Parts, name: &str, value: &str) {
    let headers: Vec<HeaderValue> = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .map(|h| {
            let Ok(text) = h.to_str() else {
                return h.clone();
            };
            let rebuilt: Vec<String> = text
                .split(';')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k.trim() == name => format!("{}={value}", k.trim()),
                    _ => pair.trim().to_owned(),
                })
                .collect();
            HeaderValue::from_str(&rebuilt.join("; ")).unwrap_or_else(|_| h.clone())
        })
        .collect();
    parts.headers.remove(header::COOKIE);
    for h in headers {
        parts.headers.append(header::COOKIE, h);
    }
}

impl<S> tower_layer::Layer<S> for ImplicitRefreshLayer {
    type Service = ImplicitRefreshService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ImplicitRefreshService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`ImplicitRefreshLayer`].
#[derive(Clone, Debug)]
pub struct ImplicitRefreshService<S> {
    inner: S,
    layer: ImplicitRefreshLayer,
}

impl<S> tower_service::Service<Request<Body>> for ImplicitRefreshService<S>
where
    S: tower_service::Service<Request<Body>, Response = Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture<Infallible>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let mut inner = crate::layer::take_ready(&mut self.inner);
        let layer = self.layer.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let cookies: Option<SetCookies> = match layer.refreshed(&parts).await {
                Ok(Some(token)) => {
                    let name = layer.auth.config().cookies.access_cookie_name.clone();
                    rewrite_cookie(&mut parts, &name, &token);
                    layer.auth.set_access_cookies(&token).ok()
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
            let mut res = inner.call(Request::from_parts(parts, body)).await?;
            if let Some(c) = cookies {
                c.apply(res.headers_mut());
            }
            Ok(res)
        })
    }
}
