//! [`ResponseFuture`] and the one way the authx layers run: a check before the inner service
//! (which may answer at once), then the inner service, then something done to its response.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::response::Response;
use tower_service::Service;

/// The response future of the authx layers' services.
#[must_use = "futures do nothing unless polled"]
pub struct ResponseFuture<E> {
    inner: Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>,
}

impl<E> std::fmt::Debug for ResponseFuture<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<E> Future for ResponseFuture<E> {
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

/// Runs `before` (the layer's check: `Err(response)` answers at once, `Ok((request, after))`
/// lets the request through), then the inner service, then `finish(after, response)`. The inner
/// service that was polled ready goes into the future; a clone stays in `slot` (the usual tower
/// idiom for moving a service into a `'static` future).
pub(crate) fn run<S, Req, A, Check>(
    slot: &mut S,
    before: Check,
    finish: fn(A, &mut Response),
) -> ResponseFuture<S::Error>
where
    S: Service<Req, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    Check: Future<Output = Result<(Req, A), Response>> + Send + 'static,
    Req: Send + 'static,
    A: Send + 'static,
{
    let clone = slot.clone();
    let mut inner = std::mem::replace(slot, clone);
    ResponseFuture {
        inner: Box::pin(async move {
            match before.await {
                Err(refusal) => Ok(refusal),
                Ok((request, after)) => {
                    let mut response = inner.call(request).await?;
                    finish(after, &mut response);
                    Ok(response)
                }
            }
        }),
    }
}

/// Nothing to do to the response.
pub(crate) fn nothing((): (), _: &mut Response) {}
