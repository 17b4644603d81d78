//! [`AuthService`]: the service [`AuthLayer`](super::AuthLayer) makes.

use std::task::{Context, Poll};

use axum::response::Response;
use http::Request;

use super::AuthLayer;
use crate::layer::future::{self, ResponseFuture};
use crate::rate::RateDecision;

/// The service made by [`AuthLayer`]: the pipeline before the inner service. Generic over the
/// request body, which it does not read.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    layer: AuthLayer,
}

impl<S> AuthService<S> {
    pub(super) fn new(inner: S, layer: AuthLayer) -> Self {
        AuthService { inner, layer }
    }
}

impl<S, B> tower_service::Service<Request<B>> for AuthService<S>
where
    S: tower_service::Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let check = self.layer.clone().before(req);
        future::run(&mut self.inner, check, rate_headers)
    }
}

/// The layer's `RateLimit-*` headers, unless the response already carries a route guard's
/// that is as close or closer to its limit (the tighter policy is the one a client must see).
fn rate_headers(decision: Option<RateDecision>, response: &mut Response) {
    let Some(d) = decision else { return };
    let inner_remaining = response
        .headers()
        .get("ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if inner_remaining.is_none_or(|r| u64::from(d.remaining) < r) {
        d.apply_headers(response.headers_mut());
    }
}
