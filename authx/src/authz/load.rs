//! Resource loaders: the functions a route names to load the resource it decides on. A loader
//! takes extractors (`Path<u64>`, `State<Db>`, up to four), may be `async` or not, and returns
//! the resource, `None` when there is none (the route answers `404` before any decision), or
//! `Err` when it could not tell (logged; the route answers `503`).
//!
//! ```
//! # use authx::authz::ResourceLoader;
//! # struct Document;
//! # #[derive(Clone)] struct Db;
//! # impl Db { async fn document(&self, _: u64) -> Result<Option<Document>, std::io::Error> { Ok(Some(Document)) } }
//! use axum::extract::{Path, State};
//!
//! async fn load_document(Path(id): Path<u64>, State(db): State<Db>) -> Result<Option<Document>, std::io::Error> {
//!     db.document(id).await
//! }
//! fn loader<L: ResourceLoader<Db, M>, M>(_: L) {}
//! loader(load_document);
//! ```

use std::fmt::Display;
use std::future::Future;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;

/// What a loader's outcome was, when it was not a resource.
#[derive(Debug)]
pub enum LoadError {
    /// An extractor of the loader refused the request (a path that does not parse, say): its
    /// response is the answer.
    Rejected(Response),
    /// The loader could not tell (a database down): logged, the route answers `503`.
    Failed(String),
}

/// What a loader returns: `Option<T>`, or `Result<Option<T>, E>` with `E: Display`.
pub trait LoadOutcome {
    /// The resource.
    type Resource;
    /// `Ok(None)`: there is none.
    fn into_outcome(self) -> Result<Option<Self::Resource>, String>;
}

impl<T> LoadOutcome for Option<T> {
    type Resource = T;
    fn into_outcome(self) -> Result<Option<T>, String> {
        Ok(self)
    }
}

impl<T, E: Display> LoadOutcome for Result<Option<T>, E> {
    type Resource = T;
    fn into_outcome(self) -> Result<Option<T>, String> {
        self.map_err(|e| e.to_string())
    }
}

/// A function that loads a route's resource from the request, with `St` the state its
/// extractors read. Implemented for sync and async functions of up to four extractors; `M`
/// tells the implementations apart and is inferred.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource loader for the state `{St}`",
    label = "not a resource loader",
    note = "a loader is a `fn` or `async fn` of up to four extractors (`Path<u64>`, `State<T>`, \
            ...) returning `Option<T>` or `Result<Option<T>, E>` (`E: Display`), where `T` \
            implements `authx::authz::AuthzEntity`",
    note = "a loader that reads `State<T>` needs `state = T` in `#[protect(...)]`: the type its \
            extractors read the router state as"
)]
pub trait ResourceLoader<St, M>: Clone + Send + Sync + 'static {
    /// The resource it loads.
    type Resource: Send + Sync + 'static;
    /// Runs its extractors on `parts`, then the loader.
    fn load(
        self,
        parts: &mut Parts,
        state: &St,
    ) -> impl Future<Output = Result<Option<Self::Resource>, LoadError>> + Send;
}

/// [`ResourceLoader`]'s marker for `fn`s that return their outcome.
#[derive(Debug)]
pub struct SyncLoad;
/// [`ResourceLoader`]'s marker for `async fn`s.
#[derive(Debug)]
pub struct AsyncLoad;

/// Runs the extractors `$arg` in order, binding each to its own name; a rejection returns.
macro_rules! extract {
    ($parts:ident, $state:ident, $($arg:ident),*) => {
        $(
            let $arg = $arg::from_request_parts($parts, $state)
                .await
                .map_err(|r| LoadError::Rejected(r.into_response()))?;
        )*
    };
}

macro_rules! loaders {
    ($($arg:ident),*) => {
        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<F, O, St, $($arg,)*> ResourceLoader<St, (SyncLoad, $($arg,)*)> for F
        where
            F: FnOnce($($arg),*) -> O + Clone + Send + Sync + 'static,
            O: LoadOutcome,
            O::Resource: Send + Sync + 'static,
            St: Send + Sync,
            $($arg: FromRequestParts<St> + Send,)*
        {
            type Resource = O::Resource;
            async fn load(
                self,
                parts: &mut Parts,
                state: &St,
            ) -> Result<Option<Self::Resource>, LoadError> {
                extract!(parts, state, $($arg),*);
                self($($arg),*).into_outcome().map_err(LoadError::Failed)
            }
        }

        #[allow(non_snake_case, unused_variables, unused_mut)]
        impl<F, Fut, St, $($arg,)*> ResourceLoader<St, (AsyncLoad, $($arg,)*)> for F
        where
            F: FnOnce($($arg),*) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future + Send,
            Fut::Output: LoadOutcome,
            <Fut::Output as LoadOutcome>::Resource: Send + Sync + 'static,
            St: Send + Sync,
            $($arg: FromRequestParts<St> + Send,)*
        {
            type Resource = <Fut::Output as LoadOutcome>::Resource;
            async fn load(
                self,
                parts: &mut Parts,
                state: &St,
            ) -> Result<Option<Self::Resource>, LoadError> {
                extract!(parts, state, $($arg),*);
                self($($arg),*).await.into_outcome().map_err(LoadError::Failed)
            }
        }
    };
}

loaders!();
loaders!(A1);
loaders!(A1, A2);
loaders!(A1, A2, A3);
loaders!(A1, A2, A3, A4);

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    /// The request's `x-id` header as a number, or a `400`.
    struct Id(u64);

    impl<S: Send + Sync> FromRequestParts<S> for Id {
        type Rejection = (http::StatusCode, &'static str);
        async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
            parts
                .headers
                .get("x-id")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .map(Id)
                .ok_or((http::StatusCode::BAD_REQUEST, "no id"))
        }
    }

    #[derive(Clone)]
    struct Db(Vec<&'static str>);

    struct Dbx(Db);
    impl FromRequestParts<Db> for Dbx {
        type Rejection = Infallible;
        async fn from_request_parts(_: &mut Parts, db: &Db) -> Result<Self, Infallible> {
            Ok(Dbx(db.clone()))
        }
    }

    fn sync_load(Id(id): Id, Dbx(db): Dbx) -> Option<&'static str> {
        db.0.get(usize::try_from(id).ok()?).copied()
    }

    async fn async_load(Id(id): Id) -> Result<Option<u64>, String> {
        if id == 99 {
            Err("down".into())
        } else {
            Ok(Some(id * 2))
        }
    }

    async fn none() -> Option<u8> {
        None
    }

    fn parts(id: &str) -> Parts {
        http::Request::builder()
            .header("x-id", id)
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    async fn run<St, M, L: ResourceLoader<St, M>>(
        loader: L,
        id: &str,
        state: &St,
    ) -> Result<Option<L::Resource>, LoadError> {
        loader.load(&mut parts(id), state).await
    }

    #[tokio::test]
    async fn sync_and_async_loaders_of_extractors() {
        let db = Db(vec!["a", "b"]);
        assert_eq!(run(sync_load, "1", &db).await.unwrap(), Some("b"));
        assert_eq!(run(sync_load, "5", &db).await.unwrap(), None);
        assert_eq!(run(async_load, "4", &()).await.unwrap(), Some(8));
        assert_eq!(run(none, "4", &()).await.unwrap(), None);
        assert!(
            matches!(run(async_load, "99", &()).await, Err(LoadError::Failed(e)) if e == "down")
        );
        match run(async_load, "x", &()).await {
            Err(LoadError::Rejected(r)) => assert_eq!(r.status(), 400),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
}
