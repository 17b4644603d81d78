//! Items the macros' generated code names, reached as `authx::__private`: not a public API, no
//! stability promise. The guards they insert, the helpers their expansions call, and the crates
//! their expansions name (so a user's crate needs none of them as a dependency).

pub use ::axum;
pub use ::http;
pub use ::inventory;
pub use authx_spec::ScopeMode;

pub use crate::config::TokenLocation;
#[cfg(feature = "authz")]
mod authz;
mod guard;

pub use crate::auth::check_kind;
#[cfg(feature = "authz")]
pub use crate::authz::{BoxFuture as AuthzFuture, LoadResult, load_erased};
pub use crate::guard::{
    BoxFuture, Credentials, PolicyDecision, PolicyFn, RateKeyFn, RateKeyRule, RateRule, Rules,
};
pub use crate::registry::{Decision, RouteEntry};
pub use crate::subject::{LoaderReturn, ViaFuture, ViaReady, finish};
pub use crate::token::TokenType;
#[cfg(feature = "authz")]
pub use authz::{AuthzGuard, RouteResource, subject_principal};
pub use guard::{Guard, PublicGuard, PublicRules, RouteRules, with_rate_headers};

use axum::extract::FromRef;
use axum::handler::Handler;
use axum::routing::{MethodFilter, Router, on};
use http::request::Parts;

pub use crate::extract::Rejection;

use crate::{Auth, AuthError};

/// An `#[auth_subject]` extractor: the request's claims (the guard's, or a verified access
/// token), then `T`'s loader; a refusal rendered by the engine.
pub async fn subject<S, T>(parts: &mut Parts, state: &S) -> Result<T, Rejection>
where
    Auth: FromRef<S>,
    T: crate::AuthSubject<S>,
{
    let auth = Auth::from_ref(state);
    let loaded = async {
        let claims = crate::extract::plain(parts, &auth).await?;
        T::from_claims(crate::extract::typed(&claims)?, state).await
    };
    loaded.await.map_err(|e| Rejection::new(&auth, e))
}

/// [`subject`], with `None` when the request has no token at all.
pub async fn optional_subject<S, T>(parts: &mut Parts, state: &S) -> Result<Option<T>, Rejection>
where
    Auth: FromRef<S>,
    T: crate::AuthSubject<S>,
{
    match subject(parts, state).await {
        Ok(subject) => Ok(Some(subject)),
        Err(r) if matches!(r.error(), AuthError::MissingToken) => Ok(None),
        Err(r) => Err(r),
    }
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
