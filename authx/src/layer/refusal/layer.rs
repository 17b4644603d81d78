//! [`RefusalLayer`]: the layer.

use super::RefusalService;
use crate::Auth;

/// Renders the [`AuthError`](crate::AuthError)s the inner service answers with through the
/// engine. Generic over the request body, which it does not read.
///
/// Guards, layers and extractors refuse with a [`Rejection`](crate::Rejection), which the
/// engine renders: `resource_metadata` in the challenge when a resource is configured, then the
/// app's [refusal hook](crate::AuthBuilder::on_refusal). An [`AuthError`](crate::AuthError) a
/// handler returns (`auth.sessions().rotate(&claims).await?` in a refresh handler, say)
/// answers AuthX's default. Put this layer over the router and those answers are rendered by
/// the engine too: every refusal of the app, one rendering.
///
/// ```
/// use authx::{Auth, AuthConfig, AuthError, layer::RefusalLayer};
/// use axum::{Router, routing::get};
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let auth = Auth::builder(AuthConfig::builder().secret_key("k".repeat(32)).build())
///     .on_refusal(|_, mut default| {
///         default.headers_mut().insert("x-rendered-by", "the app".parse().unwrap());
///         default
///     })
///     .build()
///     .unwrap();
/// let app: Router = Router::new()
///     .route("/revoked", get(|| async { Err::<(), _>(AuthError::Revoked) }))
///     .layer(RefusalLayer::new(auth.clone()));
/// let res = app
///     .oneshot(http::Request::get("/revoked").body(axum::body::Body::empty()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(res.status(), 401);
/// assert_eq!(res.headers()["x-rendered-by"], "the app");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RefusalLayer {
    auth: Auth,
}

impl RefusalLayer {
    /// Renders with `auth`'s settings and hook.
    pub fn new(auth: Auth) -> Self {
        RefusalLayer { auth }
    }
}

impl<S> tower_layer::Layer<S> for RefusalLayer {
    type Service = RefusalService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RefusalService::new(inner, self.auth.clone())
    }
}
