//! Policies: what `#[protect(policy = ...)]` functions return, and how they are stored.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use http::request::Parts;

use crate::token::Claims;

/// What a policy function decides.
///
/// A policy returns this, a `bool`, a `Result<(), E>` (an error is a refusal, its message
/// shown) or a `Result<bool, E>` (an error means the policy could not decide: a database it
/// reads was down, say). A policy that could not decide, or panicked, refuses the request with
/// `403 PolicyEvaluationError`: never let through, never a `500`; the detail is logged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyDecision {
    /// Let the request through.
    Allow,
    /// Refuse with `403 PolicyDeniedError` and this message.
    Deny(String),
    /// The policy could not decide: refuse with `403 PolicyEvaluationError`. The string is
    /// logged, never sent.
    Error(String),
}

impl PolicyDecision {
    /// Refuses with AuthX's default message.
    pub fn deny() -> Self {
        PolicyDecision::Deny("Policy denied access".into())
    }
}

impl From<bool> for PolicyDecision {
    fn from(allow: bool) -> Self {
        if allow {
            PolicyDecision::Allow
        } else {
            PolicyDecision::deny()
        }
    }
}

/// `Ok(true)` allows, `Ok(false)` denies, `Err(e)` is a failure to decide
/// ([`PolicyDecision::Error`]).
impl<E: fmt::Display> From<Result<bool, E>> for PolicyDecision {
    fn from(r: Result<bool, E>) -> Self {
        match r {
            Ok(allow) => PolicyDecision::from(allow),
            Err(e) => PolicyDecision::Error(e.to_string()),
        }
    }
}

/// `Ok(())` allows, `Err(reason)` denies with `reason` as the message.
impl<E: fmt::Display> From<Result<(), E>> for PolicyDecision {
    fn from(r: Result<(), E>) -> Self {
        match r {
            Ok(()) => PolicyDecision::Allow,
            Err(reason) => PolicyDecision::Deny(reason.to_string()),
        }
    }
}

/// A boxed future borrowing the request for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A policy, as `#[protect(policy = ...)]` stores it: the user's async fn, wrapped.
pub type PolicyFn = for<'a> fn(&'a Claims, &'a Parts) -> BoxFuture<'a, PolicyDecision>;

/// Runs a policy; a panic while building or polling its future is a failure to decide
/// ([`PolicyDecision::Error`]), so a buggy policy refuses the request rather than dropping the
/// connection.
pub(crate) async fn evaluate(policy: PolicyFn, claims: &Claims, parts: &Parts) -> PolicyDecision {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::task::Poll;
    fn message(panic: &(dyn std::any::Any + Send)) -> String {
        let text = panic
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("a non-string payload");
        format!("the policy panicked: {text}")
    }
    let mut future = match catch_unwind(AssertUnwindSafe(|| policy(claims, parts))) {
        Ok(future) => future,
        Err(panic) => return PolicyDecision::Error(message(&*panic)),
    };
    std::future::poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(panic) => Poll::Ready(PolicyDecision::Error(message(&*panic))),
        },
    )
    .await
}
