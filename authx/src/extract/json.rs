//! The JSON-body token location. A `FromRequestParts` extractor cannot read the body, so
//! [`JsonTokenLayer`] reads it first (bounded), lifts the token fields out, and hands the
//! handler the same bytes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Request, StatusCode, header};
use serde::Deserialize;

use crate::Auth;

/// Tokens found in a JSON body by [`JsonTokenLayer`].
#[derive(Clone, Default)]
pub(crate) struct JsonTokens {
    pub access: Option<String>,
    pub refresh: Option<String>,
}

impl std::fmt::Debug for JsonTokens {
    /// Whether each token is there, never the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonTokens")
            .field("access", &self.access.as_ref().map(|_| "<redacted>"))
            .field("refresh", &self.refresh.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Makes the `json` token location work: for requests with a JSON content type, buffers the body
/// (up to `limit` bytes, default 64 KiB; larger bodies get `413`), reads the configured
/// `json_key` / `refresh_json_key` fields and passes the unchanged body on.
///
/// ```
/// use authx::{Auth, AuthConfig, TokenLocation, extract::JsonTokenLayer};
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
        JsonTokenService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`JsonTokenLayer`].
#[derive(Debug, Clone)]
pub struct JsonTokenService<S> {
    inner: S,
    layer: JsonTokenLayer,
}

impl<S> tower_service::Service<Request<Body>> for JsonTokenService<S>
where
    S: tower_service::Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let mut inner = crate::layer::take_ready(&mut self.inner);
        let layer = self.layer.clone();
        Box::pin(async move {
            if !is_json(&req) || !layer.auth.config().has_location(crate::TokenLocation::Json) {
                return inner.call(req).await;
            }
            let (mut parts, body) = req.into_parts();
            let bytes = match axum::body::to_bytes(body, layer.limit).await {
                Ok(b) => b,
                Err(_) => {
                    return Ok(
                        (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
                    );
                }
            };
            let config = layer.auth.config();
            parts.extensions.insert(read_tokens(
                &bytes,
                &config.json_key,
                &config.refresh_json_key,
            ));
            inner
                .call(Request::from_parts(parts, Body::from(bytes)))
                .await
        })
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
