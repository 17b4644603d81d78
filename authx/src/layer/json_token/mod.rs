//! The JSON-body token location ([`JsonTokenLayer`]). A `FromRequestParts` extractor cannot
//! read the body, so the layer reads it first (bounded), lifts the token fields out, and hands
//! the handler the same bytes.

mod layer;
mod service;

pub use layer::JsonTokenLayer;
pub use service::JsonTokenService;

/// Tokens found in a JSON body by [`JsonTokenLayer`].
#[derive(Clone, Default)]
pub(crate) struct JsonTokens {
    pub access: Option<String>,
    pub refresh: Option<String>,
}

impl std::fmt::Debug for JsonTokens {
    /// Whether each token is there, never the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonTokens")
            .field("access", &self.access.as_ref().map(|_| "<redacted>"))
            .field("refresh", &self.refresh.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
