//! The one rejection path: every refusal a guard, a layer or an extractor answers is rendered
//! here, so each carries the same challenge parameters and passes through the app's hook.

use std::sync::Arc;

use axum::response::Response;
use http::{HeaderValue, header};

use super::Auth;
use crate::error::AuthError;

/// An app's rendering of refusals: given the error and the default answer (AuthX's JSON
/// body, the challenge with its `resource_metadata`, `Retry-After` and `RateLimit-*`), the
/// response to send. Set with [`AuthBuilder::on_refusal`](crate::AuthBuilder::on_refusal).
pub type RefusalHook = Arc<dyn Fn(&AuthError, Response) -> Response + Send + Sync>;

impl Auth {
    /// `error` as this engine answers it: the default response, `resource_metadata` added to
    /// its challenge when a resource is configured (RFC 9728 section 5.1: every 401 and 403
    /// carries one), the challenge moved to the `DPoP` scheme on a DPoP-only route, then the
    /// app's hook.
    pub(crate) fn render_refusal(&self, error: &AuthError, dpop_only: bool) -> Response {
        let mut res = error.response();
        if let Some(url) = &self.inner.metadata_url
            && let Some(challenge) = res.headers().get(header::WWW_AUTHENTICATE)
            && let Ok(challenge) = challenge.to_str()
        {
            let with = if challenge == "Bearer" {
                format!("Bearer resource_metadata=\"{url}\"")
            } else {
                format!("{challenge}, resource_metadata=\"{url}\"")
            };
            if let Ok(v) = HeaderValue::from_str(&with) {
                res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        if dpop_only {
            crate::error::dpop_only(&mut res);
        }
        match &self.inner.on_refusal {
            Some(hook) => hook(error, res),
            None => res,
        }
    }
}
