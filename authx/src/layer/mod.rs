//! Tower layers: guard a whole router ([`AuthLayer`], middleware mode) and refresh cookie
//! sessions as they go ([`ImplicitRefreshLayer`]).
//!
//! Both put their work in the request's cache of verified claims, so `Claims`, `#[protect]`
//! guards and `#[auth_subject]` types behind them reuse it: a token is verified once however many
//! of them run.

mod guard;
mod implicit_refresh;

pub use guard::{AuthLayer, AuthService};
pub use implicit_refresh::{ImplicitRefreshLayer, ImplicitRefreshService};

use std::future::Future;
use std::pin::Pin;

/// The future of the layers' services.
pub type ResponseFuture<E> =
    Pin<Box<dyn Future<Output = Result<axum::response::Response, E>> + Send + 'static>>;

/// Takes the service that was polled ready out of `slot`, leaving a fresh clone in its place
/// (the usual tower idiom for moving a service into a `'static` future).
pub(crate) fn take_ready<S: Clone>(slot: &mut S) -> S {
    let clone = slot.clone();
    std::mem::replace(slot, clone)
}
