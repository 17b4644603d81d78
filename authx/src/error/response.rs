//! How an [`AuthError`] answers: its status, its JSON body and its headers
//! (`WWW-Authenticate`, `Retry-After`, `RateLimit-*`).

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use super::AuthError;
use crate::clock::ceil_secs;

impl IntoResponse for AuthError {
    /// AuthX's answer, without what only the engine knows (the `resource_metadata` of its
    /// challenge, the app's [refusal hook](crate::AuthBuilder::on_refusal)): the extractors,
    /// guards and layers answer through [`Rejection`](crate::extract::Rejection) instead, and a
    /// [`RefusalLayer`](crate::layer::RefusalLayer) over the router renders this answer through
    /// the engine too (the error rides in the response's extensions for it).
    fn into_response(self) -> Response {
        let mut response = self.response();
        // For a `RefusalLayer` above: the error itself, to render through the engine.
        response
            .extensions_mut()
            .insert(Refused(std::sync::Arc::new(self)));
        response
    }
}

/// The error behind a default answer, in its response's extensions.
#[derive(Clone)]
pub(crate) struct Refused(pub(crate) std::sync::Arc<AuthError>);

impl AuthError {
    /// The default answer: status, JSON body, challenge and rate-limit headers.
    pub(crate) fn response(&self) -> Response {
        let status = self.status();
        match self {
            AuthError::Internal(detail) => {
                tracing::error!(detail = %detail, "authx internal error")
            }
            AuthError::StoreUnavailable(e) => tracing::warn!(error = %e, "authx store unavailable"),
            // The guard and the extractors already logged the decision (the `auth decision`
            // event, at DEBUG); this TRACE line also covers refusals decided elsewhere
            // (`FreshClaims`, subject loaders, vault tokens, handlers). `reason` says more than
            // the body (which check a token failed), never the token.
            _ => tracing::trace!(
                error_type = self.error_type(),
                status = status.as_u16(),
                reason = %self,
                "authx refused request"
            ),
        }
        let mut response = (status, Json(self.body())).into_response();
        if let Some(v) = self.www_authenticate() {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        if let AuthError::RateLimited {
            retry_after,
            limit,
            reset,
        } = self
        {
            let headers = response.headers_mut();
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(ceil_secs(*retry_after)),
            );
            headers.insert("ratelimit-limit", HeaderValue::from(*limit));
            headers.insert("ratelimit-remaining", HeaderValue::from(0u32));
            headers.insert("ratelimit-reset", HeaderValue::from(ceil_secs(*reset)));
        }
        if let AuthError::UseDpopNonce { nonce } = self
            && let Ok(v) = HeaderValue::from_str(nonce)
        {
            response.headers_mut().insert("dpop-nonce", v);
        }
        response
    }
}

/// The OAuth error codes a refusal answers with in `WWW-Authenticate` (RFC 6750 §3.1, and
/// RFC 9470 for step-up).
pub mod codes {
    /// The request is malformed: a required parameter (the CSRF header) is missing or does not
    /// match.
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// The token is expired, revoked, malformed, of the wrong type, or invalid for another
    /// reason.
    pub const INVALID_TOKEN: &str = "invalid_token";
    /// The token does not grant what the route requires (scopes, user kind, policy).
    pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";
    /// The login behind the token is not fresh, recent or strong enough (RFC 9470).
    pub const INSUFFICIENT_USER_AUTHENTICATION: &str = "insufficient_user_authentication";
    /// The DPoP proof is invalid (RFC 9449).
    pub const INVALID_DPOP_PROOF: &str = "invalid_dpop_proof";
    /// The DPoP proof needs a server nonce (RFC 9449).
    pub const USE_DPOP_NONCE: &str = "use_dpop_nonce";
}

impl AuthError {
    /// The OAuth `error` code this refusal carries in its `WWW-Authenticate: Bearer`
    /// challenge (RFC 6750 §3.1; RFC 9470's `insufficient_user_authentication` for freshness
    /// and step-up), or `None`: a request without any token gets a bare `Bearer` challenge, as
    /// RFC 6750 asks, and errors that are not the client's credentials (`429`, `503`, `500`)
    /// carry no challenge.
    ///
    /// ```
    /// use authx::AuthError;
    ///
    /// assert_eq!(AuthError::Expired.oauth_error(), Some("invalid_token"));
    /// assert_eq!(AuthError::FreshTokenRequired.oauth_error(), Some("insufficient_user_authentication"));
    /// assert_eq!(AuthError::MissingToken.oauth_error(), None);
    /// ```
    pub fn oauth_error(&self) -> Option<&'static str> {
        use codes::*;
        match self {
            AuthError::MissingToken | AuthError::TokenRequired => None,
            #[cfg(feature = "vault")]
            AuthError::VaultTokenMissing => None,
            AuthError::Decode(_)
            | AuthError::InvalidSignature
            | AuthError::Expired
            | AuthError::InvalidIssuer
            | AuthError::InvalidAudience
            | AuthError::AccessTokenRequired
            | AuthError::RefreshTokenRequired
            | AuthError::Revoked
            | AuthError::RefreshTokenReused
            | AuthError::SubjectNotFound => Some(INVALID_TOKEN),
            #[cfg(feature = "vault")]
            AuthError::VaultTokenInvalid => Some(INVALID_TOKEN),
            AuthError::FreshTokenRequired | AuthError::InsufficientUserAuthentication { .. } => {
                Some(INSUFFICIENT_USER_AUTHENTICATION)
            }
            AuthError::MissingCsrfToken | AuthError::CsrfMismatch => Some(INVALID_REQUEST),
            AuthError::InvalidDpopProof { .. } => Some(INVALID_DPOP_PROOF),
            AuthError::InvalidDpopBinding { .. } => Some(INVALID_TOKEN),
            AuthError::UseDpopNonce { .. } => Some(USE_DPOP_NONCE),
            AuthError::InsufficientScope { .. }
            | AuthError::KindMismatch { .. }
            | AuthError::PolicyDenied { .. }
            | AuthError::PolicyEvaluation { .. } => Some(INSUFFICIENT_SCOPE),
            AuthError::RateLimited { .. }
            | AuthError::StoreUnavailable(_)
            | AuthError::InvalidSessionMeta { .. }
            | AuthError::ApiKey(_)
            | AuthError::Resource(_)
            | AuthError::Factor(_)
            | AuthError::Internal(_) => None,
            #[cfg(feature = "jwks")]
            AuthError::KeysUnavailable => None,
        }
    }

    /// The `WWW-Authenticate` challenge: `Bearer` with the RFC 6750 `error` code, the
    /// `scope` an insufficient-scope refusal needed, and RFC 9470's `error_description`,
    /// `max_age` and `acr_values` for step-up (the description names the `amr` methods the
    /// token lacks, for which RFC 9470 has no parameter).
    pub fn challenge(&self) -> Option<String> {
        let status = self.status();
        if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
            return None;
        }
        let Some(code) = self.oauth_error() else {
            return (status == StatusCode::UNAUTHORIZED).then(|| "Bearer".to_owned());
        };
        if let AuthError::InvalidDpopProof { reason } = self {
            return Some(format!(
                "DPoP error=\"{code}\", error_description=\"{}\", algs=\"{}\"",
                quoted(reason),
                crate::token::DPOP_ALGORITHMS.join(" ")
            ));
        }
        if let AuthError::InvalidDpopBinding { reason } = self {
            return Some(format!(
                "DPoP error=\"{code}\", error_description=\"Invalid DPoP key binding: {}\", algs=\"{}\"",
                quoted(reason),
                crate::token::DPOP_ALGORITHMS.join(" ")
            ));
        }
        if let AuthError::UseDpopNonce { .. } = self {
            return Some(format!(
                "DPoP error=\"{code}\", error_description=\"Resource server requires nonce in DPoP proof\", algs=\"{}\"",
                crate::token::DPOP_ALGORITHMS.join(" ")
            ));
        }
        let mut out = format!("Bearer error=\"{code}\"");
        match self {
            AuthError::InsufficientScope { required, .. } => {
                out.push_str(&format!(", scope=\"{}\"", quoted(&required.join(" "))));
            }
            AuthError::FreshTokenRequired => {
                out.push_str(", error_description=\"A fresh login is required\"");
            }
            AuthError::InsufficientUserAuthentication {
                max_age,
                acr_values,
                missing_amr,
            } => {
                let what = if missing_amr.is_empty() {
                    match (max_age.is_some(), acr_values.is_empty()) {
                        (true, true) => "A more recent authentication is required",
                        (false, false) => "A different authentication level is required",
                        _ => "A more recent or stronger authentication is required",
                    }
                    .to_owned()
                } else {
                    format!(
                        "A stronger authentication method is required: {}",
                        quoted(&missing_amr.join(" "))
                    )
                };
                out.push_str(&format!(", error_description=\"{what}\""));
                if let Some(age) = max_age {
                    out.push_str(&format!(", max_age={age}"));
                }
                if !acr_values.is_empty() {
                    out.push_str(&format!(
                        ", acr_values=\"{}\"",
                        quoted(&acr_values.join(" "))
                    ));
                }
            }
            _ => {}
        }
        Some(out)
    }

    pub(super) fn www_authenticate(&self) -> Option<HeaderValue> {
        self.challenge()
            .and_then(|c| HeaderValue::from_str(&c).ok())
    }
}

/// A refusal from a route that takes only DPoP-bound tokens: a `Bearer` challenge does not
/// apply there (RFC 9110 §15.5.2 asks for at least one that does), so its parameters move to
/// the `DPoP` scheme, with the `algs` proofs may use (RFC 9449 §7.1): a request without a
/// token gets `DPoP algs="..."`.
pub(crate) fn dpop_only(res: &mut axum::response::Response) {
    let Some(rest) = res
        .headers()
        .get(http::header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.strip_prefix("Bearer"))
    else {
        return;
    };
    let algs = format!("algs=\"{}\"", crate::token::DPOP_ALGORITHMS.join(" "));
    let challenge = if rest.is_empty() {
        format!("DPoP {algs}")
    } else {
        format!("DPoP{rest}, {algs}")
    };
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        res.headers_mut().insert(http::header::WWW_AUTHENTICATE, v);
    }
}

/// `s` as the inside of a quoted string in a challenge: only the characters RFC 6750 allows
/// (`%x20-21 / %x23-5B / %x5D-7E`), others dropped.
fn quoted(s: &str) -> String {
    s.chars()
        .filter(|c| matches!(c, '\x20'..='\x21' | '\x23'..='\x5B' | '\x5D'..='\x7E'))
        .collect()
}
