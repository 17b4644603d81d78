//! [`JsonTokenLayer`]: reads the token fields of a JSON body before the handler does.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Request, StatusCode, header};
use serde::Deserialize;

use super::JsonTokenService;
use crate::Auth;
use crate::error::ErrorBody;
use crate::request::json::JsonTokens;

/// Makes the `json` token location work: for requests with a JSON content type, buffers the body
/// (up to `limit` bytes, default 64 KiB; larger bodies get `413`), reads the configured
/// `json_key` / `refresh_json_key` fields and passes the unchanged body on.
///
/// ```
/// use authx::{Auth, AuthConfig, TokenLocation, layer::JsonTokenLayer};
/// use axum::{Router, routing::post};
///
/// let auth = Auth::new(
///     AuthConfig::builder()
///         .secret_key("k".repeat(32))
///         .token_locations([TokenLocation::Headers, TokenLocation::Json])
///         .build(),
/// )
/// .unwrap();
/// let app: Router = Router::new()
///     .route("/refresh", post(|| async { "ok" }))
///     .layer(JsonTokenLayer::new(auth.clone()))
///     .with_state(auth);
/// ```
#[derive(Debug, Clone)]
pub struct JsonTokenLayer {
    auth: Auth,
    limit: usize,
}

impl JsonTokenLayer {
    /// A layer reading `auth`'s configured JSON keys.
    pub fn new(auth: Auth) -> Self {
        JsonTokenLayer {
            auth,
            limit: 64 * 1024,
        }
    }

    /// Sets the largest body buffered, in bytes.
    pub fn limit(mut self, bytes: usize) -> Self {
        self.limit = bytes;
        self
    }
}

impl<S> tower_layer::Layer<S> for JsonTokenLayer {
    type Service = JsonTokenService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        JsonTokenService::new(inner, self.clone())
    }
}

impl JsonTokenLayer {
    /// The check before the inner service: a JSON body is buffered (over the limit: `413` in
    /// the JSON error shape), its token fields go into the extensions, and the same bytes go on.
    pub(super) async fn before(self, req: Request<Body>) -> Result<(Request<Body>, ()), Response> {
        let config = self.auth.config();
        if !is_json(&req) || !config.has_location(crate::TokenLocation::Json) {
            return Ok((req, ()));
        }
        let (mut parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, self.limit).await else {
            let body = ErrorBody::new(
                format!("Request body too large: the limit is {} bytes", self.limit),
                "PayloadTooLargeError",
            );
            return Err((StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response());
        };
        parts.extensions.insert(read_tokens(
            &bytes,
            &config.json_key,
            &config.refresh_json_key,
        ));
        Ok((Request::from_parts(parts, Body::from(bytes)), ()))
    }
}

fn is_json(req: &Request<Body>) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/json") || m.to_ascii_lowercase().ends_with("+json")
        })
}

/// Reads the two token fields; anything that is not a JSON object with string fields yields
/// no token (the handler's own `Json` extractor reports bad JSON).
fn read_tokens(bytes: &[u8], access_key: &str, refresh_key: &str) -> JsonTokens {
    #[derive(Deserialize)]
    struct Fields(serde_json::Map<String, serde_json::Value>);
    let Ok(Fields(map)) = serde_json::from_slice::<Fields>(bytes) else {
        return JsonTokens::default();
    };
    let field = |k: &str| map.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    JsonTokens {
        access: field(access_key),
        refresh: field(refresh_key),
    }
}
