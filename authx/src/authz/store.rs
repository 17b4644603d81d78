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
use super::{Authz, AuthzError};
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
        let set = match &stored {
            Some(s) => policies::load(&schema, &owned_sources(&s.sources))?,
            None => policies::load(&schema, &[])?,
        };
        let authz = Self::build(schema, set, None)?;
        if let Some(stored) = &stored {
            *authz
                .inner
                .reloading
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = InForce::of(stored);
        }
        Ok(authz)
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
        // What every handle of this set shares (`principal_type` makes handles of its own):
        // the follower lives as long as the policies do.
        let target = Target {
            policies: Arc::downgrade(&self.inner.policies),
            in_force: self.inner.reloading.clone(),
            schema: self.inner.schema.clone(),
        };
        tokio::spawn(follow(target, store))
    }
}

/// The set in force as the store knew it: its version and a digest of its sources (a store
/// restored or flushed can reuse a version for other policies). Held under the lock that
/// serialises every swap.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct InForce {
    version: u64,
    digest: u64,
}

impl InForce {
    fn of(stored: &StoredPolicies) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        stored.sources.hash(&mut hasher);
        InForce {
            version: stored.version,
            digest: hasher.finish(),
        }
    }
}

/// What a follower swaps policies into.
struct Target {
    policies: Weak<std::sync::RwLock<Arc<cedar_policy::PolicySet>>>,
    in_force: Arc<std::sync::Mutex<InForce>>,
    schema: cedar_policy::Schema,
}

impl Target {
    /// Swaps in `stored` when it is newer than the set in force, or of the same version with
    /// other sources (a store that was restored, then published again); an older set is kept
    /// out, loudly. `false` once every handle of the policies is gone.
    fn take(&self, stored: &StoredPolicies) -> bool {
        let Some(policies) = self.policies.upgrade() else {
            return false;
        };
        let mut in_force = self.in_force.lock().unwrap_or_else(PoisonError::into_inner);
        let new = InForce::of(stored);
        if new.version < in_force.version {
            tracing::error!(
                target: "authx::authz",
                version = new.version,
                in_force = in_force.version,
                "authx: the policy store holds an older set than the one in force (restored or \
                 flushed?); the one in force stays: publish again to move on"
            );
            return true;
        }
        if new == *in_force {
            return true;
        }
        *in_force = new;
        let loaded = policies::load(&self.schema, &owned_sources(&stored.sources));
        match super::swap_into(&policies, loaded) {
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
        true
    }
}

/// How often a follower reads the store while subscribed anyway: a feed can lose a message
/// without losing its subscription (a Redis Cluster link going down).
const RECHECK: Duration = Duration::from_secs(30);

/// A subscription that lasted this long was healthy: the next one starts after a short wait.
const HEALTHY: Duration = Duration::from_secs(10);

/// The follower's task: see [`Authz::follow`]. Every announcement is loaded (an older one
/// too: [`Target::take`] says loudly that the store went back).
async fn follow(target: Target, store: Arc<dyn PolicyStore>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match bounded(CALL_TIMEOUT, store.subscribe()).await {
            Ok(mut versions) => {
                let since = tokio::time::Instant::now();
                // Subscribed first, then loaded: nothing published after the load is missed.
                if !catch_up(&target, &*store).await {
                    return;
                }
                let mut recheck = tokio::time::interval(RECHECK);
                recheck.reset();
                loop {
                    tokio::select! {
                        version = versions.recv() => {
                            if version.is_none() {
                                break;
                            }
                            if !catch_up(&target, &*store).await {
                                return;
                            }
                        }
                        _ = recheck.tick() => {
                            if !catch_up(&target, &*store).await {
                                return;
                            }
                        }
                        () = tokio::time::sleep(Duration::from_secs(1)) => {
                            if target.policies.strong_count() == 0 {
                                return;
                            }
                        }
                    }
                }
                if since.elapsed() >= HEALTHY {
                    backoff = Duration::from_millis(50);
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
        if !catch_up(&target, &*store).await {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(POLL);
    }
}

/// Loads the store's set and takes it when it is new (see [`Target::take`]). `false` once
/// every handle of the policies is gone.
async fn catch_up(target: &Target, store: &dyn PolicyStore) -> bool {
    match bounded(CALL_TIMEOUT, store.load()).await {
        Ok(Some(stored)) => target.take(&stored),
        Ok(None) => target.policies.strong_count() > 0,
        Err(e) => {
            tracing::warn!(
                target: "authx::authz",
                error = %e,
                "authx: could not load policies from the store; the ones in force stay"
            );
            target.policies.strong_count() > 0
        }
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
