//! [`StoresInUse`]: the stores an engine holds.

use std::sync::Arc;

use crate::Auth;
use crate::rate::RateLimiter;
use crate::store::{AllowlistStore, NearCached, RevocationStore, SessionStore};

/// The stores an engine uses, from [`Auth::stores`]: chosen with
/// [`AuthBuilder::stores`](crate::AuthBuilder::stores), or connected from
/// [`store_url`](crate::AuthConfig::store_url). For health checks, metrics, and direct store
/// access in tools; the engine calls them itself, with its timeout and fail-open policy.
///
/// ```
/// use authx::{Auth, AuthConfig};
///
/// let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// assert_eq!(auth.stores().backend(), "memory");
/// assert!(auth.stores().near_cache().is_none());
/// ```
#[derive(Clone, Copy)]
pub struct StoresInUse<'a> {
    pub(super) auth: &'a Auth,
}

impl std::fmt::Debug for StoresInUse<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoresInUse")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl<'a> StoresInUse<'a> {
    /// The revocation store (with the near-cache in front of it, when on).
    pub fn revocation(&self) -> &'a Arc<dyn RevocationStore> {
        self.auth.revocation_store()
    }

    /// The session store.
    pub fn sessions(&self) -> &'a Arc<dyn SessionStore> {
        self.auth.session_store()
    }

    /// The allowlist store ([allowlist mode](crate::AuthConfig::allowlist)).
    pub fn allowlist(&self) -> &'a Arc<dyn AllowlistStore> {
        self.auth.allowlist_store()
    }

    /// The rate limiter.
    pub fn rate_limiter(&self) -> &'a Arc<dyn RateLimiter> {
        self.auth.rate_limiter()
    }

    /// The revocation near-cache, when [`near_cache`](crate::AuthConfig::near_cache) is on: its
    /// size, and whether its feed is live.
    pub fn near_cache(&self) -> Option<&'a NearCached> {
        self.auth.near_cache()
    }

    /// Which store backend is in use (`memory`, `sqlite`, `postgres`, `redis`).
    pub fn backend(&self) -> &'static str {
        self.auth.store_backend()
    }
}
