//! Cookie and CSRF settings: [`CookieConfig`], [`CsrfConfig`], [`SameSite`].

use std::time::Duration;

use http::Method;
use serde::{Deserialize, Deserializer, Serialize};

use crate::wire::de_opt_secs;

/// The `SameSite` attribute of the cookies authx sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SameSite {
    /// `SameSite=Lax` (AuthX's default).
    #[default]
    Lax,
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=None` (requires `Secure`).
    None,
}

impl std::str::FromStr for SameSite {
    type Err = &'static str;

    /// `lax`, `strict` or `none`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lax" => Ok(SameSite::Lax),
            "strict" => Ok(SameSite::Strict),
            "none" => Ok(SameSite::None),
            _ => Err("use lax, strict or none"),
        }
    }
}

/// Cookie settings (AuthX's `JWT_COOKIE_*` and `JWT_*_COOKIE_*`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CookieConfig {
    /// Access token cookie name. Default `access_token_cookie`.
    pub access_cookie_name: String,
    /// Refresh token cookie name. Default `refresh_token_cookie`.
    pub refresh_cookie_name: String,
    /// Path of the access cookie (and its CSRF cookie). Default `/`.
    pub access_cookie_path: String,
    /// Path of the refresh cookie (and its CSRF cookie). Default `/`.
    pub refresh_cookie_path: String,
    /// `Secure` attribute. Default `true`; turn off only for plain-HTTP development.
    pub secure: bool,
    /// `HttpOnly` on token cookies (never on CSRF cookies, which scripts must read). Default `true`.
    pub http_only: bool,
    /// `SameSite`. Default `lax`.
    pub same_site: SameSite,
    /// `Domain`. Default none (host-only).
    pub domain: Option<String>,
    /// `Max-Age` in seconds; none makes session cookies (AuthX's default).
    #[serde(deserialize_with = "de_opt_secs")]
    pub max_age: Option<Duration>,
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig {
            access_cookie_name: "access_token_cookie".into(),
            refresh_cookie_name: "refresh_token_cookie".into(),
            access_cookie_path: "/".into(),
            refresh_cookie_path: "/".into(),
            secure: true,
            http_only: true,
            same_site: SameSite::Lax,
            domain: None,
            max_age: None,
        }
    }
}

/// CSRF double-submit settings for cookie-borne tokens (AuthX's `JWT_*CSRF*`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CsrfConfig {
    /// Check CSRF on cookie-borne tokens. Default `true`.
    pub enabled: bool,
    /// Methods that need the CSRF header. Default `POST, PUT, PATCH, DELETE`.
    #[serde(deserialize_with = "de_methods")]
    pub methods: Vec<Method>,
    /// Header carrying the CSRF value. Default `X-CSRF-TOKEN`.
    pub header_name: String,
    /// Cookie holding the access token's CSRF value. Default `csrf_access_token`.
    pub access_cookie_name: String,
    /// Cookie holding the refresh token's CSRF value. Default `csrf_refresh_token`.
    pub refresh_cookie_name: String,
}

impl Default for CsrfConfig {
    fn default() -> Self {
        CsrfConfig {
            enabled: true,
            methods: vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
            header_name: "X-CSRF-TOKEN".into(),
            access_cookie_name: "csrf_access_token".into(),
            refresh_cookie_name: "csrf_refresh_token".into(),
        }
    }
}

fn de_methods<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Method>, D::Error> {
    Vec::<String>::deserialize(d)?
        .into_iter()
        .map(|m| {
            Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(serde::de::Error::custom)
        })
        .collect()
}
