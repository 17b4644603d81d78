//! How an [`AuthError`] answers: its status, its JSON body and its headers
//! (`WWW-Authenticate`, `Retry-After`, `RateLimit-*`).

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};

use super::AuthError;
use crate::clock::ceil_secs;

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            AuthError::Internal(detail) => {
                tracing::error!(detail = %detail, "authx internal error")
            }
            AuthError::StoreUnavailable(e) => tracing::warn!(error = %e, "authx store unavailable"),
            // The guard and the extractors already logged the decision (the `auth decision`
            // event, at DEBUG); this TRACE line also covers refusals decided elsewhere
            // (`FreshClaims`, subject loaders, vault tokens, handlers).
            _ => tracing::trace!(
                error_type = self.error_type(),
                status = status.as_u16(),
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
        } = &self
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
        response
    }
}

impl AuthError {
    pub(super) fn www_authenticate(&self) -> Option<HeaderValue> {
        match self {
            AuthError::MissingToken => Some(HeaderValue::from_static("Bearer")),
            #[cfg(feature = "vault")]
            AuthError::VaultTokenMissing => Some(HeaderValue::from_static("Bearer")),
            AuthError::InsufficientScope { required, .. } => {
                let scope = required.join(" ");
                HeaderValue::from_str(&format!(
                    "Bearer error=\"insufficient_scope\", scope=\"{scope}\""
                ))
                .ok()
            }
            e if e.status() == StatusCode::UNAUTHORIZED => {
                Some(HeaderValue::from_static("Bearer error=\"invalid_token\""))
            }
            _ => None,
        }
    }
}
