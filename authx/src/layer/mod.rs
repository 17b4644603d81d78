//! Tower layers, one module each ([`tower-http`]'s shape: the layer, its service, one shared
//! [`ResponseFuture`]):
//!
//! - [`AuthLayer`]: one guard over a whole router (middleware mode);
//! - [`ImplicitRefreshLayer`]: refreshes cookie sessions as they go;
//! - [`JsonTokenLayer`]: makes the `json` token location work;
//! - [`RefusalLayer`]: renders the refusals handlers return themselves through the engine.
//!
//! Each runs its check before the inner service the same way (the check may answer at once),
//! and is generic over the request body where it does not read it. They put their work in the
//! request's cache of verified claims, so `Claims`, `#[protect]` guards and `#[auth_subject]`
//! types behind them reuse it: a token is verified once however many of them run.
//!
//! [`tower-http`]: https://docs.rs/tower-http

mod future;
mod guard;
mod implicit_refresh;
pub(crate) mod json_token;
mod refusal;

pub use future::ResponseFuture;
pub use guard::{AuthLayer, AuthService};
pub use implicit_refresh::{ImplicitRefreshLayer, ImplicitRefreshService, RefreshSource};
pub use json_token::{JsonTokenLayer, JsonTokenService};
pub use refusal::{RefusalLayer, RefusalService};
