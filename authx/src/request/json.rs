//! Tokens a [`JsonTokenLayer`](crate::layer::JsonTokenLayer) lifted out of a JSON body, kept
//! in the request's extensions for the locator.

/// Tokens found in a JSON body by [`JsonTokenLayer`](crate::layer::JsonTokenLayer).
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
