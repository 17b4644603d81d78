//! Implicit refresh for cookie sessions (AuthX's `implicit_refresh_middleware`):
//! [`ImplicitRefreshLayer`].

mod layer;
mod service;

pub use layer::{ImplicitRefreshLayer, RefreshSource};
pub use service::ImplicitRefreshService;
