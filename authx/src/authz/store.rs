//! Policies kept in a shared [`PolicyStore`] (a database, Redis): every instance starts from
//! the latest set ([`Authz::from_store`]), any of them publishes a new one once it validates
//! ([`Authz::publish`]), and each swaps it in as it is announced ([`Authz::follow`]).
//!
//! A follower keeps the version in force: an announcement of it or of an older one does
//! nothing, and a set read from the store replaces the one in force only when its version is
//! newer (a store that went back, restored from a backup or flushed, is not followed until it
//! passes the version in force). While the feed is down (lost, not yet subscribed, or none on
//! SQLite) the follower polls the store every [`POLL`]; when it is back it loads the latest set,
//! as announcements made in between were missed.

use std::collections::BTreeSet;
use std::sync::{Arc, PoisonError, Weak};
use std::time::Duration;

use super::policies::{self, Source};
use super::{Authz, AuthzError, Inner};
use crate::store::{PolicyStore, StoreError, StoredPolicies, bounded};

/// How often a follower polls the store while its feed is down.
const POLL: Duration = Duration::from_secs(2);

/// The longest a follower waits for one load or subscription.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A store failure, as an [`AuthzError::Io`] naming the policy store.
fn store_error(e: StoreError) -> AuthzError {
    AuthzError::Io {
        path: "policy store".into(),
        reason: e.to_string(),
    }
}

fn owned_sources(pairs: &[(String, String)]) -> Vec<Source> {
    pairs
        .iter()
        .map(|(name, text)| Source {
            name: name.clone(),
            text: text.clone(),
        })
        .collect()
}

impl Authz {
    /// The schema from `schema_text` and the latest policy set of `store`, validated against
    /// it; a store where nothing was published yet gives an empty set (every action refused).
    /// A set that does not validate is refused, as is a store that cannot be read (an
    /// [`AuthzError::Io`] whose `path` is `policy store`). [`follow`](Self::follow) keeps it
    /// up to date.
    pub async fn from_store(
        schema_text: &str,
        store: Arc<dyn PolicyStore>,
    ) -> Result<Self, AuthzError> {
        let schema = policies::schema(schema_text)?;
        let stored = store.load().await.map_err(store_error)?;
        let sources = stored.map_or_else(Vec::new, |s| owned_sources(&s.sources));
        let set = policies::load(&schema, &sources)?;
        Ok(Self::build(schema, set, None))
    }

    /// Publishes `sources` (`("documents.cedar", text)`, names distinct) to `store` as its new
    /// set, once they parse and validate against this schema: a set that does not never
    /// reaches the store. Returns the new version. This instance's policies change when it
    /// hears of it, like every other follower's ([`follow`](Self::follow)), not before.
    pub async fn publish(
        &self,
        store: &dyn PolicyStore,
        sources: &[(&str, &str)],
    ) -> Result<u64, AuthzError> {
        let mut names = BTreeSet::new();
        if let Some((name, _)) = sources.iter().find(|(name, _)| !names.insert(*name)) {
            return Err(AuthzError::Policies {
                source_name: (*name).to_owned(),
                reason: "two sources have this name".into(),
            });
        }
        policies::load(&self.inner.schema, &policies::sources(sources))?;
        let owned: Vec<(String, String)> = sources
            .iter()
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect();
        store.publish(&owned).await.map_err(store_error)
    }

    /// Follows `store` in a task: subscribes, loads the latest set, and swaps in each newer
    /// version as it is announced, through the same validation as [`replace`](Self::replace)
    /// (a set that does not validate is refused and logged, the one in force stays).
    ///
    /// It keeps the newest version it has taken or refused: an announcement of that version or
    /// an older one does nothing, and a set read from the store replaces the one in force only
    /// when its version is newer (a store gone back, restored from a backup or flushed, is
    /// followed again once it passes that version; a store where nothing was published leaves
    /// the policies in force alone). While the feed is down (lost, not yet subscribed, or none:
    /// SQLite) it polls the store every two seconds and subscribes again; once back, it loads
    /// the latest set, as announcements made in between were missed.
    ///
    /// Ends when the handle is aborted, or within a few seconds of the last clone of this
    /// `Authz` being dropped. Follow a store once per `Authz`.
    pub fn follow(&self, store: Arc<dyn PolicyStore>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(follow(Arc::downgrade(&self.inner), store))
    }

    /// Swaps in `stored` once it validates (one swap at a time, like [`reload`](Self::reload)).
    fn take(&self, stored: &StoredPolicies) {
        let swapped = {
            let _one_at_a_time = self
                .inner
                .reloading
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let sources = owned_sources(&stored.sources);
            self.swap(policies::load(&self.inner.schema, &sources))
        };
        match swapped {
            Ok(_) => tracing::info!(
                target: "authx::authz",
                version = stored.version,
                "authx: policies from the store in force"
            ),
            Err(_) => tracing::warn!(
                target: "authx::authz",
                version = stored.version,
                "authx: policies from the store refused; the ones in force stay"
            ),
        }
    }
}

/// The follower's task: see [`Authz::follow`]. `seen` is the newest version taken or refused.
async fn follow(inner: Weak<Inner>, store: Arc<dyn PolicyStore>) {
    let mut seen = 0;
    let mut backoff = Duration::from_millis(50);
    loop {
        match bounded(CALL_TIMEOUT, store.subscribe()).await {
            Ok(mut versions) => {
                backoff = Duration::from_millis(50);
                // Subscribed first, then loaded: nothing published after the load is missed.
                if !catch_up(&inner, &*store, &mut seen).await {
                    return;
                }
                loop {
                    tokio::select! {
                        version = versions.recv() => match version {
                            None => break,
                            Some(v) if v <= seen => {}
                            Some(_) => {
                                if !catch_up(&inner, &*store, &mut seen).await {
                                    return;
                                }
                            }
                        },
                        () = tokio::time::sleep(Duration::from_secs(1)) => {
                            if inner.strong_count() == 0 {
                                return;
                            }
                        }
                    }
                }
                tracing::warn!(
                    target: "authx::authz",
                    "authx: the policy feed was lost; polling the store until it is back"
                );
            }
            Err(e) => {
                tracing::debug!(target: "authx::authz", error = %e, "authx: no policy feed");
            }
        }
        if !catch_up(&inner, &*store, &mut seen).await {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(POLL);
    }
}

/// Loads the store's set and takes it when it is newer than `seen`. `false` once the `Authz`
/// is gone.
async fn catch_up(inner: &Weak<Inner>, store: &dyn PolicyStore, seen: &mut u64) -> bool {
    let loaded = bounded(CALL_TIMEOUT, store.load()).await;
    let Some(inner) = inner.upgrade() else {
        return false;
    };
    match loaded {
        Ok(Some(stored)) if stored.version > *seen => {
            *seen = stored.version;
            Authz { inner }.take(&stored);
        }
        Ok(stored) => {
            let version = stored.map_or(0, |s| s.version);
            if version < *seen {
                tracing::warn!(
                    target: "authx::authz",
                    version,
                    seen = *seen,
                    "authx: the policy store holds an older set than the one in force; kept"
                );
            }
        }
        Err(e) => tracing::warn!(
            target: "authx::authz",
            error = %e,
            "authx: could not load policies from the store; the ones in force stay"
        ),
    }
    true
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
