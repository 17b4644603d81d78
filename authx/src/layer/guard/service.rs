//! [`AuthService`]: the service [`AuthLayer`](super::AuthLayer) makes.

use std::task::{Context, Poll};

use axum::response::Response;
use http::Request;

use super::AuthLayer;
use crate::layer::future::{self, ResponseFuture};

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
        future::run(&mut self.inner, check, future::nothing)
    }
}
