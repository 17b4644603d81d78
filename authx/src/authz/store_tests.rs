//! Tests of policies kept in a [`PolicyStore`]: in memory, and a scripted store that answers
//! what each test says (old versions, sets that do not validate, no feed).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::*;
use crate::store::MemoryPolicies;

const SCHEMA: &str = r#"namespace Docs {
    entity User;
    entity Document { owner: User, editors: Set<User> };
    action read, edit appliesTo { principal: User, resource: Document };
}"#;

const OWNERS: &str =
    r#"@id("owner") permit(principal, action, resource) when { resource.owner == principal };"#;

const EDITORS: &str = r#"@id("editors-edit")
permit(principal, action == Docs::Action::"edit", resource) when { resource.editors.contains(principal) };"#;

/// Parses, but reads an attribute the schema does not have.
const INVALID: &str =
    r#"@id("bad") permit(principal, action, resource) when { resource.missing };"#;

fn stored(version: u64, sources: &[(&str, &str)]) -> StoredPolicies {
    StoredPolicies {
        version,
        sources: sources
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect(),
    }
}

/// Waits (at most `within`) until `authz` has the policies `ids`.
async fn until_in_force(authz: &Authz, ids: &[&str], within: Duration) {
    let deadline = Instant::now() + within;
    while authz.policy_ids() != ids {
        assert!(
            Instant::now() < deadline,
            "still {:?}, not {ids:?}",
            authz.policy_ids()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A store that answers what the test sets: its `load`s are counted, and the test holds the
/// sending end of each subscription (or refuses them: no feed).
#[derive(Default)]
struct Scripted {
    set: Mutex<Option<StoredPolicies>>,
    loads: AtomicUsize,
    feed: Mutex<Option<mpsc::Sender<u64>>>,
    no_feed: bool,
}

impl Scripted {
    fn holds(&self, set: StoredPolicies) {
        *self.set.lock().unwrap() = Some(set);
    }

    fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }

    async fn announce(&self, version: u64) {
        let tx = self.feed.lock().unwrap().clone().expect("subscribed");
        tx.send(version).await.unwrap();
    }

    /// Waits until the follower has loaded `n` times in all.
    async fn until_loaded(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.loads() < n {
            assert!(Instant::now() < deadline, "{} loads, not {n}", self.loads());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A follower of a scripted store holding `OWNERS` at `version`, once it has loaded it.
async fn following(version: u64) -> (Arc<Scripted>, Authz, tokio::task::JoinHandle<()>) {
    let store = Arc::new(Scripted::default());
    store.holds(stored(version, &[("a", OWNERS)]));
    let authz = Authz::from_sources(SCHEMA, &[]).unwrap();
    let follower = authz.follow(store.clone());
    until_in_force(&authz, &["owner"], Duration::from_secs(5)).await;
    store.until_loaded(1).await;
    (store, authz, follower)
}

#[async_trait::async_trait]
impl PolicyStore for Scripted {
    async fn load(&self) -> Result<Option<StoredPolicies>, StoreError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        Ok(self.set.lock().unwrap().clone())
    }

    async fn publish(&self, _: &[(String, String)]) -> Result<u64, StoreError> {
        Err(StoreError::Config("scripted".into()))
    }

    async fn subscribe(&self) -> Result<mpsc::Receiver<u64>, StoreError> {
        if self.no_feed {
            return Err(StoreError::Config("no feed".into()));
        }
        let (tx, rx) = mpsc::channel(8);
        *self.feed.lock().unwrap() = Some(tx);
        Ok(rx)
    }
}

#[tokio::test]
async fn from_store_starts_from_the_latest_set_and_an_empty_store_refuses_everything() {
    let store = Arc::new(MemoryPolicies::new());
    let empty = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    assert!(empty.policy_ids().is_empty());
    empty
        .publish(&*store, &[("a.cedar", OWNERS)])
        .await
        .unwrap();
    empty
        .publish(&*store, &[("a.cedar", OWNERS), ("b.cedar", EDITORS)])
        .await
        .unwrap();
    let restarted = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    assert_eq!(restarted.policy_ids(), ["editors-edit", "owner"]);
    // Publishing changes no instance by itself: followers swap it in.
    assert!(empty.policy_ids().is_empty());
}

#[tokio::test]
async fn publish_validates_first_so_a_bad_set_never_reaches_the_store() {
    let store = MemoryPolicies::new();
    let authz = Authz::from_sources(SCHEMA, &[]).unwrap();
    assert_eq!(authz.publish(&store, &[("a", OWNERS)]).await.unwrap(), 1);
    let invalid = authz
        .publish(&store, &[("a", OWNERS), ("b", INVALID)])
        .await;
    assert!(
        matches!(invalid, Err(AuthzError::Invalid(_))),
        "{invalid:?}"
    );
    let unparsed = authz.publish(&store, &[("c", "permit(")]).await;
    assert!(
        matches!(&unparsed, Err(AuthzError::Policies { source_name, .. }) if source_name == "c")
    );
    let twice = authz
        .publish(&store, &[("a", OWNERS), ("a", EDITORS)])
        .await;
    assert!(matches!(&twice, Err(AuthzError::Policies { source_name, .. }) if source_name == "a"));
    assert_eq!(
        store.load().await.unwrap(),
        Some(stored(1, &[("a", OWNERS)]))
    );
}

#[tokio::test]
async fn a_store_that_cannot_be_read_is_an_error_naming_it() {
    struct Down;
    #[async_trait::async_trait]
    impl PolicyStore for Down {
        async fn load(&self) -> Result<Option<StoredPolicies>, StoreError> {
            Err(StoreError::unavailable("down"))
        }
        async fn publish(&self, _: &[(String, String)]) -> Result<u64, StoreError> {
            Err(StoreError::unavailable("down"))
        }
        async fn subscribe(&self) -> Result<mpsc::Receiver<u64>, StoreError> {
            Err(StoreError::unavailable("down"))
        }
    }
    let started = Authz::from_store(SCHEMA, Arc::new(Down)).await;
    assert!(matches!(started, Err(AuthzError::Io { path, .. }) if path == "policy store"));
    let authz = Authz::from_sources(SCHEMA, &[]).unwrap();
    let published = authz.publish(&Down, &[("a", OWNERS)]).await;
    assert!(matches!(published, Err(AuthzError::Io { path, .. }) if path == "policy store"));
}

#[tokio::test]
async fn every_follower_swaps_in_each_published_version() {
    let store: Arc<dyn PolicyStore> = Arc::new(MemoryPolicies::new());
    let one = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    let two = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    let followers = [one.follow(store.clone()), two.follow(store.clone())];
    one.publish(&*store, &[("a", OWNERS)]).await.unwrap();
    for authz in [&one, &two] {
        until_in_force(authz, &["owner"], Duration::from_secs(5)).await;
    }
    two.publish(&*store, &[("b", EDITORS)]).await.unwrap();
    for authz in [&one, &two] {
        until_in_force(authz, &["editors-edit"], Duration::from_secs(5)).await;
    }
    followers.iter().for_each(|f| f.abort());
}

#[tokio::test]
async fn old_or_repeated_versions_never_roll_back() {
    let (store, authz, follower) = following(2).await;
    // Announcements of the version in force, or older: loaded (an older one is said loudly),
    // never taken.
    store.announce(2).await;
    store.until_loaded(2).await;
    store.announce(1).await;
    store.until_loaded(3).await;
    // A newer announcement, but the store answers an older set (a lagging read, a restore):
    // kept out.
    store.holds(stored(1, &[("b", EDITORS)]));
    store.announce(3).await;
    store.until_loaded(4).await;
    assert_eq!(authz.policy_ids(), ["owner"]);
    store.holds(stored(5, &[("b", EDITORS)]));
    store.announce(5).await;
    until_in_force(&authz, &["editors-edit"], Duration::from_secs(5)).await;
    follower.abort();
}

#[tokio::test]
async fn a_store_restored_and_published_again_at_a_version_seen_is_followed() {
    let (store, authz, follower) = following(2).await;
    // The store went back to version 1, then a publish made it 2 again, with other sources.
    store.holds(stored(2, &[("b", EDITORS)]));
    store.announce(2).await;
    until_in_force(&authz, &["editors-edit"], Duration::from_secs(5)).await;
    follower.abort();
}

#[tokio::test]
async fn principal_type_keeps_the_follower_of_the_shared_policies() {
    let store: Arc<dyn PolicyStore> = Arc::new(MemoryPolicies::new());
    let authz = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    let follower = authz.follow(store.clone());
    // A handle of its own, sharing the policies; the first one is gone.
    let typed = authz.principal_type("User").unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !follower.is_finished(),
        "the follower follows the shared policies"
    );
    typed.publish(&*store, &[("a", OWNERS)]).await.unwrap();
    until_in_force(&typed, &["owner"], Duration::from_secs(5)).await;
    follower.abort();
}

#[tokio::test]
async fn a_set_that_does_not_validate_is_refused_and_the_one_in_force_stays() {
    let (store, authz, follower) = following(1).await;
    // Written by an instance with another schema, or by hand.
    store.holds(stored(2, &[("a", EDITORS), ("b", INVALID)]));
    store.announce(2).await;
    store.until_loaded(2).await;
    store.announce(2).await; // refused once, not tried again
    store.holds(stored(3, &[("a", OWNERS), ("b", EDITORS)]));
    store.announce(3).await;
    until_in_force(&authz, &["editors-edit", "owner"], Duration::from_secs(5)).await;
    assert_eq!(
        store.loads(),
        4,
        "the refused set was loaded again, not tried again"
    );
    follower.abort();
}

#[tokio::test]
async fn without_a_feed_the_follower_polls() {
    let store = Arc::new(Scripted {
        no_feed: true,
        ..Scripted::default()
    });
    let authz = Authz::from_sources(SCHEMA, &[("a", OWNERS)]).unwrap();
    let follower = authz.follow(store.clone());
    // Nothing published: the policies in force stay.
    store.until_loaded(3).await;
    assert_eq!(authz.policy_ids(), ["owner"]);
    store.holds(stored(1, &[("b", EDITORS)]));
    until_in_force(&authz, &["editors-edit"], POLL * 3).await;
    follower.abort();
}

#[tokio::test]
async fn the_follower_ends_with_its_authz() {
    let store: Arc<dyn PolicyStore> = Arc::new(MemoryPolicies::new());
    let authz = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    let follower = authz.follow(store);
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(authz);
    tokio::time::timeout(Duration::from_secs(5), follower)
        .await
        .expect("ended within a few seconds")
        .unwrap();
}
