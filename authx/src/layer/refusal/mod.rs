//! [`RefusalLayer`]: the engine's rendering for the refusals a handler returns itself.

mod layer;
mod service;

pub use layer::RefusalLayer;
pub use service::RefusalService;
