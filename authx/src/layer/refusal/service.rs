//! [`RefusalService`]: the service [`RefusalLayer`](super::RefusalLayer) makes.

use std::task::{Context, Poll};

use axum::response::Response;
use http::Request;

use crate::Auth;
use crate::error::Refused;
use crate::layer::future::{self, ResponseFuture};

/// The service made by [`RefusalLayer`](super::RefusalLayer): passes every request through,
/// and renders a response that is an [`AuthError`](crate::AuthError)'s default answer through
/// the engine.
#[derive(Clone, Debug)]
pub struct RefusalService<S> {
    inner: S,
    auth: Auth,
}

impl<S> RefusalService<S> {
    pub(super) fn new(inner: S, auth: Auth) -> Self {
        RefusalService { inner, auth }
    }
}

impl<S, B> tower_service::Service<Request<B>> for RefusalService<S>
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
        let auth = self.auth.clone();
        future::run(&mut self.inner, async move { Ok((req, auth)) }, render)
    }
}

/// The engine's rendering of a default `AuthError` answer. Headers the handler added next to
/// the error (a `Set-Cookie` clearing a session, say) are kept where the rendering set none of
/// the same name.
fn render(auth: Auth, response: &mut Response) {
    let Some(Refused(error)) = response.extensions_mut().remove::<Refused>() else {
        return;
    };
    let mut rendered = auth.render_refusal(&error, false);
    let mut previous = None;
    for (name, value) in response.headers() {
        if !rendered.headers().contains_key(name) || previous.as_ref() == Some(name) {
            rendered.headers_mut().append(name.clone(), value.clone());
            previous = Some(name.clone());
        }
    }
    *response = rendered;
}
