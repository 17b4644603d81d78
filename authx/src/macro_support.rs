//! Items the macros' generated code names, reached as `authx::__private`: not a public API, no
//! stability promise. The guards they insert, the helpers their expansions call, and the crates
//! their expansions name (so a user's crate needs none of them as a dependency).

pub use ::axum;
pub use ::http;
pub use ::inventory;
pub use authx_spec::ScopeMode;

pub use crate::config::TokenLocation;
pub use crate::guard::extract::{
    Guard, PublicGuard, PublicRules, RouteRules, check_kind, with_rate_headers,
};
pub use crate::guard::{
    BoxFuture, PolicyDecision, PolicyFn, RateKeyFn, RateKeyRule, RateRule, Rules,
};
pub use crate::registry::{Decision, RouteEntry};
pub use crate::subject::{LoaderReturn, ViaFuture, ViaReady, finish};
pub use crate::token::TokenType;

use axum::extract::FromRef;
use axum::handler::Handler;
use axum::routing::{MethodFilter, Router, on};
use http::request::Parts;

use crate::{Auth, AuthError, Claims};

/// The claims an `#[auth_subject]` extractor loads from: cached when a guard or another
/// extractor already verified the token.
pub async fn subject_claims<S>(parts: &mut Parts, state: &S) -> Result<Claims, AuthError>
where
    Auth: FromRef<S>,
{
    let auth = Auth::from_ref(state);
    crate::extract::typed(&*crate::extract::plain(parts, &auth).await?)
}

/// Implemented by the marker of a handler whose attribute names a `route`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be mounted by `routes!`: its attribute names no route",
    label = "no `route = \"METHOD /path\"` on this handler",
    note = "add `route = \"GET /path\"` to its `#[protect(...)]` or `#[public(...)]` attribute"
)]
pub trait Mountable {
    /// The method.
    const METHOD: MethodFilter;
    /// The path, in axum 0.8 syntax.
    const PATH: &'static str;
}

/// Adds `handler` to `router` at its declared method and path.
pub fn mount<M, S, H, T>(router: Router<S>, handler: H) -> Router<S>
where
    M: Mountable,
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    router.route(M::PATH, on(M::METHOD, handler))
}
