//! Subjects: turn a verified token into your user type with `#[auth_subject]` (AuthX's
//! `set_subject_getter` / `CURRENT_SUBJECT`).
//!
//! See [the guide](crate::guide#auth_subject) for a complete example.
//!
//! The loader gets the subject id, the verified claims, and (with `state = T`) a `T` taken
//! from the router state through `FromRef`. It may be `async` or not. A bad or missing token
//! answers with the token error; `Ok(None)` (the user was deleted) with
//! `401 SubjectNotFoundError`; `Err(e)` with a generic `500` while `e` is logged.

use std::cell::Cell;
use std::fmt::Display;
use std::future::{Future, Ready, ready};

use crate::error::AuthError;
use crate::token::Claims;

/// A user type `#[auth_subject]` made: what its loader makes of verified claims. Besides the
/// extractor, it serves [`Auth::authenticate`](crate::Auth::authenticate): a token to a loaded
/// subject outside a request (a job, a WebSocket message, a CLI).
///
/// Implemented by the macro; implement it by hand for a subject type of your own.
pub trait AuthSubject<S>: Sized {
    /// Loads the subject of `claims`, verified and checked already (the macro's `kind` check
    /// excepted, which it does here), with `state` the router state.
    fn from_claims(
        claims: Claims,
        state: &S,
    ) -> impl Future<Output = Result<Self, AuthError>> + Send;
}

/// Turns a loader's outcome into the extractor's result.
pub fn finish<T, E: Display>(outcome: Result<Option<T>, E>) -> Result<T, AuthError> {
    match outcome {
        Ok(Some(subject)) => Ok(subject),
        Ok(None) => Err(AuthError::SubjectNotFound),
        Err(e) => {
            tracing::error!(error = %e, "authx subject loader failed");
            Err(AuthError::Internal("subject loader failed".into()))
        }
    }
}

/// Wraps a loader's return value so generated code can `.await` it whether the loader was
/// async (a future) or not (a plain `Result`), by autoref-based dispatch on the concrete type:
/// `(&LoaderReturn::new(out)).take_load_future()` picks [`ViaFuture`] when `out` is a future
/// and falls back to [`ViaReady`] otherwise.
#[doc(hidden)]
pub struct LoaderReturn<T>(Cell<Option<T>>);

impl<T> LoaderReturn<T> {
    #[doc(hidden)]
    pub fn new(value: T) -> Self {
        LoaderReturn(Cell::new(Some(value)))
    }
}

#[doc(hidden)]
pub trait ViaFuture {
    type Fut;
    fn take_load_future(&self) -> Option<Self::Fut>;
}

impl<F: Future> ViaFuture for LoaderReturn<F> {
    type Fut = F;
    fn take_load_future(&self) -> Option<F> {
        self.0.take()
    }
}

#[doc(hidden)]
pub trait ViaReady {
    type Fut;
    fn take_load_future(&self) -> Option<Self::Fut>;
}

impl<R> ViaReady for &LoaderReturn<R> {
    type Fut = Ready<R>;
    fn take_load_future(&self) -> Option<Ready<R>> {
        self.0.take().map(ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync_loader() -> Result<Option<u8>, String> {
        Ok(Some(1))
    }

    async fn async_loader() -> Result<Option<u8>, String> {
        Ok(None)
    }

    #[tokio::test]
    #[allow(clippy::needless_borrow)] // the borrow is the dispatch
    async fn dispatches_on_sync_and_async_loaders() {
        let fut = (&LoaderReturn::new(sync_loader()))
            .take_load_future()
            .unwrap();
        assert_eq!(finish(fut.await).unwrap(), 1);
        let fut = (&LoaderReturn::new(async_loader()))
            .take_load_future()
            .unwrap();
        assert!(matches!(finish(fut.await), Err(AuthError::SubjectNotFound)));
        let failing: Result<Option<u8>, String> = Err("db down".into());
        let fut = (&LoaderReturn::new(failing)).take_load_future().unwrap();
        assert!(matches!(finish(fut.await), Err(AuthError::Internal(_))));
    }
}
