//! [`ImplicitRefreshService`]: the service [`ImplicitRefreshLayer`](super::ImplicitRefreshLayer)
//! makes.

use std::task::{Context, Poll};

use axum::response::Response;
use http::Request;

use super::ImplicitRefreshLayer;
use crate::cookies::SetCookies;
use crate::layer::future::{self, ResponseFuture};

/// The service made by [`ImplicitRefreshLayer`]: refreshes a due access cookie before the inner
/// service, and sets the new cookies on its response. Generic over the request body, which it
/// does not read.
#[derive(Clone, Debug)]
pub struct ImplicitRefreshService<S> {
    inner: S,
    layer: ImplicitRefreshLayer,
}

impl<S> ImplicitRefreshService<S> {
    pub(super) fn new(inner: S, layer: ImplicitRefreshLayer) -> Self {
        ImplicitRefreshService { inner, layer }
    }
}

impl<S, B> tower_service::Service<Request<B>> for ImplicitRefreshService<S>
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
        future::run(&mut self.inner, check, set_cookies)
    }
}

fn set_cookies(cookies: Option<SetCookies>, response: &mut Response) {
    if let Some(c) = cookies {
        c.apply(response.headers_mut());
    }
}
