//! A route's resource: the loaded value, erased so the pipeline can decide on it, and the
//! [`Resource`] extractor that hands it to the handler (the loader runs once per request).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;

use super::{Attrs, AuthzEntity, LoadError, Principal, ResourceLoader};
use crate::error::AuthError;
use crate::token::Claims;

/// A boxed future borrowing for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An [`AuthzEntity`] behind a pointer: what a route's loader gave, decided on, then handed
/// to the handler as [`Resource<T>`]. Implemented for every `AuthzEntity`.
pub trait DynEntity: Any + Send + Sync {
    /// [`AuthzEntity::TYPE`].
    fn entity_type(&self) -> &'static str;
    /// [`AuthzEntity::id`].
    fn entity_id(&self) -> String;
    /// [`AuthzEntity::attrs`].
    fn entity_attrs(&self) -> Attrs;
    /// [`AuthzEntity::parents`].
    fn entity_parents(&self) -> Vec<(String, String)>;
}

impl<T: AuthzEntity + Send + Sync + 'static> DynEntity for T {
    fn entity_type(&self) -> &'static str {
        T::TYPE
    }
    fn entity_id(&self) -> String {
        self.id()
    }
    fn entity_attrs(&self) -> Attrs {
        self.attrs()
    }
    fn entity_parents(&self) -> Vec<(String, String)> {
        self.parents()
    }
}

/// A loaded resource, erased.
pub type Loaded = Arc<dyn DynEntity>;

/// What a loader's run gave: the resource, none (`404`), or why not.
pub type LoadResult = Result<Option<Loaded>, LoadError>;

/// Where a route's decision gets its resource and principal: the guard
/// `#[protect(action, resource)]` generates, holding the router state. Not a public API.
#[doc(hidden)]
pub trait ResourceSource: Send + Sync {
    /// Runs the route's loader.
    fn load<'a>(&'a self, parts: &'a mut Parts) -> BoxFuture<'a, LoadResult>;
    /// The principal of verified `claims`: the token's subject, or the route's
    /// `principal = T` entity (an `#[auth_subject]` type) loaded from them.
    fn principal<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, Result<Principal, AuthError>>;
}

/// Runs `loader` on `parts` with `state`, and erases what it loaded. For the code
/// `#[protect(resource = ...)]` generates (boxed here, so a loader of the wrong shape is
/// reported once, where the attribute names it).
pub fn load_erased<'a, St, M, L>(
    loader: L,
    parts: &'a mut Parts,
    state: &'a St,
) -> BoxFuture<'a, LoadResult>
where
    L: ResourceLoader<St, M>,
    L::Resource: AuthzEntity,
    St: Sync,
{
    Box::pin(async move {
        Ok(loader
            .load(parts, state)
            .await?
            .map(|r| Arc::new(r) as Loaded))
    })
}

/// The resource this request's route loaded and decided on, put where [`Resource`] finds it.
#[derive(Clone)]
pub(crate) struct Decided(pub(crate) Loaded);

/// The resource the route's guard loaded and decided on, for the handler:
/// `Resource(doc): Resource<Document>` on a `#[protect(action = ..., resource = loader)]`
/// route. The loader ran once, before the decision; this takes what it loaded.
///
/// On a route without a resource, or with a resource of another type, the extractor answers
/// `500 InternalError` and logs why: a wiring mistake of the app, which the first request to
/// the route shows.
pub struct Resource<T>(pub Arc<T>);

impl<T> Deref for Resource<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Clone for Resource<T> {
    fn clone(&self) -> Self {
        Resource(self.0.clone())
    }
}

impl<T: fmt::Debug> fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Resource").field(&self.0).finish()
    }
}

impl<T, S> FromRequestParts<S> for Resource<T>
where
    T: AuthzEntity + Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthError> {
        let Some(Decided(loaded)) = parts.extensions.get::<Decided>().cloned() else {
            tracing::error!(
                resource = std::any::type_name::<T>(),
                "authx: `Resource<T>` on a route that loads no resource: add \
                 `action = ..., resource = loader` to its `#[protect]`"
            );
            return Err(AuthError::Internal("no resource on this route".into()));
        };
        let any: Arc<dyn Any + Send + Sync> = loaded;
        match any.downcast::<T>() {
            Ok(resource) => Ok(Resource(resource)),
            Err(_) => {
                tracing::error!(
                    resource = std::any::type_name::<T>(),
                    "authx: the handler asks for another resource type than the route's loader gives"
                );
                Err(AuthError::Internal("another resource type".into()))
            }
        }
    }
}
