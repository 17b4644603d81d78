//! Cookies and CSRF: setting and clearing token cookies on responses, and the double-submit
//! check for cookie-borne tokens.
//!
//! Tokens issued while cookies are a configured location carry a random `csrf` claim. Setting a
//! token cookie also sets a readable (not `HttpOnly`) CSRF cookie holding that value; a browser
//! script copies it into the `X-CSRF-TOKEN` header on unsafe methods (`POST`, `PUT`, `PATCH`,
//! `DELETE` by default). A cross-site attacker can make the browser send the cookie but cannot
//! read it, so cannot forge the header. The header is compared with the token's claim in
//! constant time.

pub(crate) mod request;

use axum::response::{IntoResponseParts, ResponseParts};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;

use crate::config::{AuthConfig, SameSite};
use crate::crypto::constant_time_eq;
use crate::error::AuthError;
use crate::token::TokenPair;

/// `Set-Cookie` headers to add to a response. Implements [`IntoResponseParts`], so return it
/// next to a body: `(auth.cookies().set(&pair)?, Json(body))`.
#[derive(Clone, Default)]
#[must_use = "cookies do nothing until added to a response"]
pub struct SetCookies(Vec<HeaderValue>);

impl std::fmt::Debug for SetCookies {
    /// The cookie names only: their values are tokens and CSRF secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .0
            .iter()
            .map(|v| {
                v.to_str()
                    .ok()
                    .and_then(|c| c.split_once('='))
                    .map_or("?", |(name, _)| name)
            })
            .collect();
        f.debug_tuple("SetCookies").field(&names).finish()
    }
}

impl SetCookies {
    /// Adds the cookies to `headers`.
    pub fn apply(self, headers: &mut HeaderMap) {
        for v in self.0 {
            headers.append(header::SET_COOKIE, v);
        }
    }

    /// Adds the cookies of `other`.
    pub fn and(mut self, other: SetCookies) -> Self {
        self.0.extend(other.0);
        self
    }

    /// The `Set-Cookie` values.
    pub fn values(&self) -> &[HeaderValue] {
        &self.0
    }

    /// Ready-made `Set-Cookie` values (the vault builds its own).
    #[cfg(feature = "vault")]
    pub(crate) fn from_values(values: Vec<HeaderValue>) -> Self {
        SetCookies(values)
    }
}

impl IntoResponseParts for SetCookies {
    type Error = std::convert::Infallible;
    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Self::Error> {
        self.apply(res.headers_mut());
        Ok(res)
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: Option<String>,
}

enum Kind {
    Access,
    Refresh,
}

/// The token cookies of one engine's configuration: [`Auth::cookies`](crate::Auth::cookies).
/// Each method returns the `Set-Cookie` headers to add to a response, as [`SetCookies`].
#[derive(Debug, Clone, Copy)]
pub struct Cookies<'a> {
    config: &'a AuthConfig,
}

impl<'a> Cookies<'a> {
    /// The cookies `config` describes.
    pub fn new(config: &'a AuthConfig) -> Self {
        Cookies { config }
    }
}

impl Cookies<'_> {
    /// Cookies for both tokens of a pair, with their CSRF cookies (AuthX's
    /// `set_access_cookies` + `set_refresh_cookies`).
    pub fn set(&self, pair: &TokenPair) -> Result<SetCookies, AuthError> {
        Ok(self
            .set_access(&pair.access_token)?
            .and(self.set_refresh(&pair.refresh_token)?))
    }

    /// The access token cookie and its CSRF cookie.
    pub fn set_access(&self, token: &str) -> Result<SetCookies, AuthError> {
        self.token_cookies(token, Kind::Access, None)
    }

    /// The refresh token cookie and its CSRF cookie.
    pub fn set_refresh(&self, token: &str) -> Result<SetCookies, AuthError> {
        self.token_cookies(token, Kind::Refresh, None)
    }

    /// [`set`](Self::set) with `Max-Age` set to `max_age` on all four cookies
    /// for this call, whatever the configured [`max_age`](crate::config::CookieConfig::max_age)
    /// (AuthX's `max_age=` argument): a "remember me" login, say.
    pub fn set_with_max_age(
        &self,
        pair: &TokenPair,
        max_age: Duration,
    ) -> Result<SetCookies, AuthError> {
        Ok(self
            .set_access_with_max_age(&pair.access_token, max_age)?
            .and(self.set_refresh_with_max_age(&pair.refresh_token, max_age)?))
    }

    /// [`set_access`](Self::set_access) with `Max-Age` set to `max_age` on the
    /// token cookie and its CSRF cookie.
    pub fn set_access_with_max_age(
        &self,
        token: &str,
        max_age: Duration,
    ) -> Result<SetCookies, AuthError> {
        self.token_cookies(token, Kind::Access, Some(max_age))
    }

    /// [`set_refresh`](Self::set_refresh) with `Max-Age` set to `max_age` on
    /// the token cookie and its CSRF cookie.
    pub fn set_refresh_with_max_age(
        &self,
        token: &str,
        max_age: Duration,
    ) -> Result<SetCookies, AuthError> {
        self.token_cookies(token, Kind::Refresh, Some(max_age))
    }

    /// Clears all four cookies (logout).
    pub fn unset(&self) -> SetCookies {
        self.unset_access().and(self.unset_refresh())
    }

    /// Clears the access token cookie and its CSRF cookie.
    pub fn unset_access(&self) -> SetCookies {
        let c = &self.config.cookies;
        let csrf = &self.config.csrf;
        SetCookies(vec![
            removal(
                self.config,
                &c.access_cookie_name,
                &c.access_cookie_path,
                true,
            ),
            removal(
                self.config,
                &csrf.access_cookie_name,
                &c.access_cookie_path,
                false,
            ),
        ])
    }

    /// Clears the refresh token cookie and its CSRF cookie.
    pub fn unset_refresh(&self) -> SetCookies {
        let c = &self.config.cookies;
        let csrf = &self.config.csrf;
        SetCookies(vec![
            removal(
                self.config,
                &c.refresh_cookie_name,
                &c.refresh_cookie_path,
                true,
            ),
            removal(
                self.config,
                &csrf.refresh_cookie_name,
                &c.refresh_cookie_path,
                false,
            ),
        ])
    }

    fn token_cookies(
        &self,
        token: &str,
        kind: Kind,
        max_age: Option<Duration>,
    ) -> Result<SetCookies, AuthError> {
        let config = self.config;
        let max_age = max_age.or(config.cookies.max_age);
        let (name, csrf_name, path) = match kind {
            Kind::Access => (
                &config.cookies.access_cookie_name,
                &config.csrf.access_cookie_name,
                &config.cookies.access_cookie_path,
            ),
            Kind::Refresh => (
                &config.cookies.refresh_cookie_name,
                &config.csrf.refresh_cookie_name,
                &config.cookies.refresh_cookie_path,
            ),
        };
        let mut out = vec![cookie(config, name, token, path, true, max_age)?];
        if config.csrf.enabled {
            // Our own, just-issued token: only the csrf claim is read, nothing is trusted.
            let csrf = jsonwebtoken::dangerous::insecure_decode_claims::<CsrfOnly>(token)
                .map_err(|_| {
                    AuthError::Internal(
                        "set_*_cookies was given something that is not a token".into(),
                    )
                })?
                .csrf
                .filter(|c| !c.is_empty());
            if let Some(csrf) = csrf {
                out.push(cookie(config, csrf_name, &csrf, path, false, max_age)?);
            }
        }
        Ok(SetCookies(out))
    }
}

fn base<'c>(
    config: &AuthConfig,
    name: &str,
    value: &str,
    path: &str,
    http_only: bool,
) -> cookie::CookieBuilder<'c> {
    let mut b = cookie::Cookie::build((name.to_owned(), value.to_owned()))
        .path(path.to_owned())
        .secure(config.cookies.secure)
        .http_only(http_only && config.cookies.http_only)
        .same_site(match config.cookies.same_site {
            SameSite::Lax => cookie::SameSite::Lax,
            SameSite::Strict => cookie::SameSite::Strict,
            SameSite::None => cookie::SameSite::None,
        });
    if let Some(domain) = &config.cookies.domain {
        b = b.domain(domain.clone());
    }
    b
}

fn cookie(
    config: &AuthConfig,
    name: &str,
    value: &str,
    path: &str,
    http_only: bool,
    max_age: Option<Duration>,
) -> Result<HeaderValue, AuthError> {
    let mut b = base(config, name, value, path, http_only);
    if let Some(max_age) = max_age {
        let secs = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        b = b.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&b.build().to_string())
        .map_err(|_| AuthError::Internal("cookie value is not a valid header".into()))
}

fn removal(config: &AuthConfig, name: &str, path: &str, http_only: bool) -> HeaderValue {
    let c = base(config, name, "", path, http_only)
        .max_age(cookie::time::Duration::ZERO)
        .expires(cookie::time::OffsetDateTime::UNIX_EPOCH)
        .build();
    // Names and paths come from the validated config; an invalid one yields an empty value
    // rather than a panic.
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The double-submit check on values: on a CSRF-protected `method`, `header` (the CSRF header
/// that came with the request) must equal the token's `csrf` claim (constant-time).
pub(crate) fn check_csrf_value(
    config: &AuthConfig,
    method: &http::Method,
    header: Option<&[u8]>,
    claim: Option<&str>,
) -> Result<(), AuthError> {
    if !config.csrf.methods.contains(method) {
        return Ok(());
    }
    // An empty header is no header, and an empty claim (Python AuthX writes `""` when cookies
    // are not a location) matches nothing: two empty values are not a double submit.
    let header = header
        .filter(|h| !h.is_empty())
        .ok_or(AuthError::MissingCsrfToken)?;
    let claim = claim
        .filter(|c| !c.is_empty())
        .ok_or(AuthError::CsrfMismatch)?
        .as_bytes();
    if constant_time_eq(header, claim) {
        Ok(())
    } else {
        Err(AuthError::CsrfMismatch)
    }
}
