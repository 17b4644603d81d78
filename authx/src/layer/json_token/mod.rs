//! The JSON-body token location ([`JsonTokenLayer`]). A `FromRequestParts` extractor cannot
//! read the body, so the layer reads it first (bounded), lifts the token fields out, and hands
//! the handler the same bytes.

mod layer;
mod service;

pub use layer::JsonTokenLayer;
pub use service::JsonTokenService;
