//! The borrowed handles [`Auth`] hands out for everything beyond a request's verification:
//! [`Tokens`] (issuing), [`Sessions`] (login sessions, logout, rotation), [`Revocations`]
//! (revoking and the allowlist), [`Keys`] (this service's keys) and [`StoresInUse`] (the
//! stores). Each borrows the engine (`auth.tokens().pair("user-1")`) and is `Copy`; none holds
//! state of its own.

mod api_keys;
mod keys;
mod revocations;
mod sessions;
mod stores;
mod tokens;

pub use api_keys::{ApiKeyBuilder, ApiKeys};
pub use keys::Keys;
pub use revocations::Revocations;
pub use sessions::Sessions;
pub use stores::StoresInUse;
pub use tokens::Tokens;

use super::Auth;

/// The handles.
impl Auth {
    /// Issuing tokens: builders for access and refresh tokens and pairs, and registering them
    /// in the allowlist. See [`Tokens`].
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens { auth: self }
    }

    /// Login sessions and token families: create, list, revoke, log out, rotate a refresh
    /// token. See [`Sessions`].
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions { auth: self }
    }

    /// Revoking single tokens, checking a token id, and withdrawing tokens from the allowlist.
    /// See [`Revocations`].
    pub fn revocations(&self) -> Revocations<'_> {
        Revocations { auth: self }
    }

    /// This service's keys: the public JWK Set, reloading a rotated key file, the
    /// verified-token cache, identity providers. See [`Keys`].
    pub fn keys(&self) -> Keys<'_> {
        Keys { auth: self }
    }

    /// API keys: create, list, rotate, revoke. See [`ApiKeys`] and the
    /// [`api_key`](crate::api_key) module.
    pub fn api_keys(&self) -> ApiKeys<'_> {
        ApiKeys { auth: self }
    }

    /// The stores in use: revocations, sessions, allowlist, rate limiter, near-cache, and
    /// which backend. See [`StoresInUse`].
    pub fn stores(&self) -> StoresInUse<'_> {
        StoresInUse { auth: self }
    }
}
