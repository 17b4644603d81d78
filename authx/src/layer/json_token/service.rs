//! [`JsonTokenService`]: the service [`JsonTokenLayer`](super::JsonTokenLayer) makes.

use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::Response;
use http::Request;

use super::JsonTokenLayer;
use crate::layer::future::{self, ResponseFuture};

/// The service made by [`JsonTokenLayer`]. It reads the body: any `http_body::Body` of bytes
/// comes in, the inner service gets the same bytes as an axum `Body`.
#[derive(Debug, Clone)]
pub struct JsonTokenService<S> {
    inner: S,
    layer: JsonTokenLayer,
}

impl<S> JsonTokenService<S> {
    pub(super) fn new(inner: S, layer: JsonTokenLayer) -> Self {
        JsonTokenService { inner, layer }
    }
}

impl<S, B> tower_service::Service<Request<B>> for JsonTokenService<S>
where
    S: tower_service::Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let check = self.layer.clone().before(req.map(Body::new));
        future::run(&mut self.inner, check, future::nothing)
    }
}
