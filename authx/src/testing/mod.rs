//! Test helpers for apps built on authx (cargo feature `testing`; use it from
//! `[dev-dependencies]`).
//!
//! - [`audit_routes`]: sends every `#[protect]` route of your `Router` the requests it must
//!   refuse, and every `#[public(rate)]` route more requests than its limit; one line in your
//!   test suite proves that no route lost its guard.
//! - [`stores`]: the conformance suite a store backend
//!   of your own must pass.
//! - `unused_actions` (feature `authz`): the actions of your Cedar schema that no
//!   registered route decides on.
//!
//! ```standalone_crate
//! use authx::{Auth, AuthConfig, Claims, protect, routes};
//!
//! #[protect(scopes = "admin:*", route = "GET /admin")]
//! async fn admin(claims: Claims) -> String { claims.sub }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
//! let app: axum::Router = routes![admin].with_state(auth.clone());
//!
//! authx::testing::audit_routes(&app, &auth).await.assert_ok();
//! # }
//! ```

#[cfg(feature = "authz")]
mod actions;
mod audit;
pub mod stores;

#[cfg(feature = "authz")]
pub use actions::unused_actions;
pub use audit::{AuditFailure, AuditReport, AuditedRoute, RouteAudit, audit_routes};
