//! Middleware mode: one guard over a whole `Router` ([`AuthLayer`]), with excluded paths.

mod layer;
mod service;

pub use layer::AuthLayer;
pub use service::AuthService;
