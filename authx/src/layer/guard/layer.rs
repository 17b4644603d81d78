//! [`AuthLayer`]: its settings, and the check it runs before the inner service.

use std::sync::Arc;

use axum::response::Response;
use http::Request;
use http::request::Parts;

use super::AuthService;
use crate::Auth;
use crate::auth::Check;
use crate::error::AuthError;
use crate::extract::Rejection;
use crate::guard::{BoxFuture, Rules};
use crate::rate::RateDecision;
use crate::token::Claims;
use axum::response::IntoResponse;

type Insert = Box<dyn FnOnce(&mut http::Extensions) + Send>;
type SubjectLoader =
    Arc<dyn Fn(Claims) -> BoxFuture<'static, Result<Insert, AuthError>> + Send + Sync>;

/// Guards every route of a router (fastapi-auth-jwt's middleware), except excluded paths.
///
/// Each request must carry a token meeting [`rules`](Self::rules) (by default: a valid,
/// unrevoked access token); refusals get the same JSON errors as the extractors. The verified
/// [`Claims`] go into the request extensions (`Extension<Claims>`) and into authx's cache, so
/// `Claims` extractors and `#[protect]` guards behind the layer do not verify the same token
/// again. A `#[protect]` route behind the layer still enforces its own rules (its locations,
/// CSRF, type, freshness, scopes...): where it takes another token than the layer did, that
/// token is its handler's `Claims` and `Extension<Claims>`. With
/// [`load_subject`](Self::load_subject), the loaded subject goes into the extensions too: the
/// subject of the layer's token (use an `#[auth_subject]` type for the route's).
///
/// Rate limits in the rules are counted per route template (`/users/{id}`), as a route guard
/// counts them, and the response carries their `RateLimit-*` headers; around a whole router
/// (before routing) every path shares one bucket. Metrics and decision events name the same
/// route.
///
/// Exclusions: an exact path (`/health`), or a prefix ending in `*` (`/public/*`, `/docs*`).
///
/// ```
/// use authx::{Auth, AuthConfig, Claims, layer::AuthLayer};
/// use axum::{Router, routing::get};
///
/// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// let app: Router = Router::new()
///     .route("/health", get(|| async { "ok" }))
///     .route("/me", get(|c: Claims| async move { c.sub }))
///     .layer(AuthLayer::new(auth.clone()).exclude(["/health", "/public/*"]))
///     .with_state(auth);
/// ```
#[derive(Clone)]
pub struct AuthLayer {
    auth: Auth,
    rules: Rules,
    exclude: Arc<Vec<String>>,
    subject: Option<SubjectLoader>,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer")
            .field("rules", &self.rules)
            .field("exclude", &self.exclude)
            .finish_non_exhaustive()
    }
}

impl AuthLayer {
    /// A layer requiring a valid access token everywhere.
    pub fn new(auth: Auth) -> Self {
        AuthLayer {
            auth,
            rules: Rules::ACCESS,
            exclude: Arc::new(Vec::new()),
            subject: None,
        }
    }

    /// Requires these rules instead (scopes, freshness... as `#[protect]` would).
    pub fn rules(mut self, rules: Rules) -> Self {
        self.rules = rules;
        self
    }

    /// Lets these paths through unauthenticated: exact, or a prefix ending in `*`.
    pub fn exclude<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Arc::make_mut(&mut self.exclude).extend(paths.into_iter().map(Into::into));
        self
    }

    /// Loads the subject of each verified token and puts it in the request extensions
    /// (`Extension<T>`). `Ok(None)` answers `401 SubjectNotFoundError`; an error answers `500`
    /// (logged).
    pub fn load_subject<T, F, Fut, E>(mut self, loader: F) -> Self
    where
        T: Clone + Send + Sync + 'static,
        F: Fn(Claims) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Option<T>, E>> + Send + 'static,
        E: std::fmt::Display + 'static,
    {
        let loader = Arc::new(loader);
        self.subject = Some(Arc::new(move |claims: Claims| {
            let loader = loader.clone();
            Box::pin(async move {
                let subject = crate::subject::finish(loader(claims).await)?;
                Ok(Box::new(move |ext: &mut http::Extensions| {
                    ext.insert(subject);
                }) as Insert)
            })
        }));
        self
    }

    /// The check before the inner service: excluded paths pass untouched; every other request
    /// goes through the pipeline (refused with its JSON error), and its claims and subject
    /// go into the extensions.
    pub(super) async fn before<B>(
        self,
        req: Request<B>,
    ) -> Result<(Request<B>, Option<RateDecision>), Response> {
        if self.excluded(req.uri().path()) {
            return Ok((req, None));
        }
        let (mut parts, body) = req.into_parts();
        match admit(&self, &mut parts).await {
            Ok(rate) => Ok((Request::from_parts(parts, body), rate)),
            Err(e) => Err(Rejection::new(&self.auth, e)
                .dpop_only(self.rules.dpop)
                .into_response()),
        }
    }

    fn excluded(&self, path: &str) -> bool {
        self.exclude.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == p,
        })
    }
}

impl<S> tower_layer::Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService::new(inner, self.clone())
    }
}

/// The layer's check, counted (rate limits, metrics, decision events) under the route template
/// axum matched, as a route guard's is: a layer added with `Router::layer` runs after routing.
/// Around the whole router (before routing) every path shares the route `*`.
async fn admit(layer: &AuthLayer, parts: &mut Parts) -> Result<Option<RateDecision>, AuthError> {
    let route = crate::auth::route_template(parts).unwrap_or("*").to_owned();
    let verified = layer
        .auth
        .check(parts, Check::guard(&layer.rules, &route))
        .await?;
    let claims = Claims::clone(&verified.claims);
    if let Some(loader) = &layer.subject {
        let insert = loader(claims.clone()).await?;
        insert(&mut parts.extensions);
    }
    parts.extensions.insert(claims);
    Ok(verified.rate)
}
