//! Cedar policies in a shared store (`authx::store::PolicyStore`), on PostgreSQL and Redis: two
//! instances follow one store, a set published on one is decided with on the other within a
//! second, a set that does not validate never reaches the store, a restart starts with the
//! latest set, and a stale announcement (or a store gone back) does not roll back.
//!
//! PostgreSQL and Redis come from `AUTHX_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and `AUTHX_TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379`). When they are unreachable these tests FAIL: they never skip. Each
//! test has a PostgreSQL schema (its tables, through `search_path`) or a Redis prefix of its own.

use std::sync::Arc;
use std::time::{Duration, Instant};

use authx::authz::{Attr, Attrs, Authz, AuthzContext, AuthzEntity, AuthzError, Principal};
use authx::store::{PolicyStore, RedisStore, SqlStore};
use serde_json::json;

const SCHEMA: &str = include_str!("../examples/documents/schema.cedarschema");
const POLICIES: &str = include_str!("../examples/documents/policies/documents.cedar");

/// The example's policies with these `@id`s only.
fn only(ids: &[&str]) -> String {
    let kept: Vec<&str> = POLICIES
        .split("\n\n")
        .filter(|p| ids.iter().any(|id| p.contains(&format!("@id(\"{id}\")"))))
        .collect();
    assert_eq!(kept.len(), ids.len(), "{ids:?} are in documents.cedar");
    kept.join("\n\n")
}

/// Parses, but reads an attribute the schema does not have.
const INVALID: &str = r#"@id("bad") permit(principal, action, resource) when { resource.secret };"#;

/// Olivia's document: Victor may view it, Edith may edit it (when the policies say so).
struct Doc;

impl AuthzEntity for Doc {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        "1".into()
    }
    fn attrs(&self) -> Attrs {
        Attrs::new()
            .with("owner", Attr::entity("User", "olivia"))
            .with("org", Attr::entity("Org", "acme"))
            .with("public", false)
            .with("viewers", Attr::entities("User", ["victor"]))
            .with("editors", Attr::entities("User", ["edith"]))
    }
}

/// Which of the sets below `authz` decides with: (Olivia may edit, Victor may read, Edith may
/// edit).
fn decides(authz: &Authz) -> (bool, bool, bool) {
    let may = |who: &str, action: &str| {
        let user = Principal::new(who).with_attrs(json!({ "admin_of": [] }));
        authz
            .decide(&user, action, &Doc, &AuthzContext::at(1_700_000_000))
            .allowed
    };
    (
        may("olivia", "Document::edit"),
        may("victor", "Document::read"),
        may("edith", "Document::edit"),
    )
}

type Decided = (bool, bool, bool);
const NONE: Decided = (false, false, false);
const OWNERS: Decided = (true, false, false);
const VIEWERS: Decided = (true, true, false);
const EVERYONE: Decided = (true, true, true);

/// Polls until `authz` decides `want`, failing at `deadline`; each decision seen on the way
/// must be one of `allowed` (no roll back).
async fn until(authz: &Authz, want: Decided, deadline: Instant, allowed: &[Decided]) {
    loop {
        let now = decides(authz);
        if now == want {
            return;
        }
        assert!(
            allowed.contains(&now),
            "decided with {now:?}, never allowed here"
        );
        assert!(Instant::now() < deadline, "still {now:?}, not {want:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Checks for `time` that `authz` keeps deciding `want` (a roll back would show).
async fn keeps(authz: &Authz, want: Decided, time: Duration) {
    let end = Instant::now() + time;
    while Instant::now() < end {
        assert_eq!(decides(authz), want, "rolled back");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn within_a_second() -> Instant {
    Instant::now() + Duration::from_secs(1)
}

/// Publishes `sources` through `authz`, which must take them; their version.
async fn publish(authz: &Authz, store: &Arc<dyn PolicyStore>, sources: &[(&str, &str)]) -> u64 {
    authz.publish(&**store, sources).await.unwrap()
}

/// One shared store, as every instance of an app sees it, and a raw connection to it.
enum Shared {
    Postgres {
        url: String,
        admin: sqlx::PgPool,
        schema: String,
    },
    Redis {
        url: String,
        prefix: String,
        raw: ::redis::aio::MultiplexedConnection,
    },
}

impl Shared {
    async fn postgres() -> Self {
        let base = std::env::var("AUTHX_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let admin = tokio::time::timeout(Duration::from_secs(10), sqlx::PgPool::connect(&base))
            .await
            .unwrap_or_else(|_| panic!("PostgreSQL at {base} did not answer within 10 s"))
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} is unreachable: {e}. Start it."));
        let schema = format!("authx_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        Shared::Postgres { url, admin, schema }
    }

    async fn redis() -> Self {
        let url = std::env::var("AUTHX_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let client = ::redis::Client::open(url.as_str()).unwrap();
        let raw = tokio::time::timeout(
            Duration::from_secs(10),
            client.get_multiplexed_async_connection(),
        )
        .await
        .unwrap_or_else(|_| panic!("Redis at {url} did not answer within 10 s"))
        .unwrap_or_else(|e| panic!("Redis at {url} is unreachable: {e}. Start it."));
        let prefix = format!("authx-test-{}:", uuid::Uuid::new_v4());
        Shared::Redis { url, prefix, raw }
    }

    /// The store as one more instance opens it: connections of its own.
    async fn instance(&self) -> Arc<dyn PolicyStore> {
        let store: Arc<dyn PolicyStore> = match self {
            Shared::Postgres { url, .. } => Arc::new(SqlStore::connect(url).await.unwrap()),
            Shared::Redis { url, prefix, .. } => {
                Arc::new(RedisStore::with_prefix(url, prefix).unwrap())
            }
        };
        store.load().await.expect("the store answers");
        store
    }

    /// Announces `version` on the store's feed, as a late or replayed message would.
    async fn announce(&self, version: u64) {
        match self {
            Shared::Postgres { admin, .. } => {
                sqlx::query("SELECT pg_notify('authx_policies', $1)")
                    .bind(version.to_string())
                    .execute(admin)
                    .await
                    .unwrap();
            }
            Shared::Redis { prefix, raw, .. } => {
                let _: i64 = ::redis::cmd("PUBLISH")
                    .arg(format!("{prefix}policies"))
                    .arg(version)
                    .query_async(&mut raw.clone())
                    .await
                    .unwrap();
            }
        }
    }

    /// Puts the store back to an older `version` holding `source` (a restored backup, a
    /// lagging read), unannounced.
    async fn go_back(&self, version: u64, source: &str) {
        match self {
            Shared::Postgres { admin, schema, .. } => {
                let sql = format!(
                    "BEGIN; UPDATE {schema}.authx_policy_version SET version = {version}; \
                     DELETE FROM {schema}.authx_policies; INSERT INTO {schema}.authx_policies \
                     VALUES ('old.cedar', $p${source}$p$); COMMIT;"
                );
                sqlx::raw_sql(&sql).execute(admin).await.unwrap();
            }
            Shared::Redis { prefix, raw, .. } => {
                let _: () = ::redis::pipe()
                    .atomic()
                    .set(format!("{prefix}policies-version"), version)
                    .del(format!("{prefix}policies"))
                    .hset(format!("{prefix}policies"), "old.cedar", source)
                    .query_async(&mut raw.clone())
                    .await
                    .unwrap();
            }
        }
    }

    async fn clean_up(self) {
        match self {
            Shared::Postgres { admin, schema, .. } => {
                let drop = format!("DROP SCHEMA {schema} CASCADE");
                sqlx::query(&drop).execute(&admin).await.unwrap();
            }
            Shared::Redis { prefix, raw, .. } => {
                let _: i64 = ::redis::cmd("DEL")
                    .arg(format!("{prefix}policies"))
                    .arg(format!("{prefix}policies-version"))
                    .query_async(&mut raw.clone())
                    .await
                    .unwrap();
            }
        }
    }
}

/// Two instances follow one store: what either publishes, the other decides with within 1 s.
async fn two_instances_swap_within_a_second(shared: Shared) {
    let (store_a, store_b) = (shared.instance().await, shared.instance().await);
    let a = Authz::from_store(SCHEMA, store_a.clone()).await.unwrap();
    let b = Authz::from_store(SCHEMA, store_b.clone()).await.unwrap();
    assert_eq!(decides(&b), NONE, "an empty store refuses everything");
    let followers = [a.follow(store_a.clone()), b.follow(store_b.clone())];
    // Both followers subscribed (their first load sees this set), then timed.
    publish(&a, &store_a, &[("documents.cedar", &only(&["owner"]))]).await;
    let subscribed = Instant::now() + Duration::from_secs(10);
    until(&a, OWNERS, subscribed, &[NONE]).await;
    until(&b, OWNERS, subscribed, &[NONE]).await;
    let viewers = only(&["owner", "viewers-read"]);
    publish(&a, &store_a, &[("documents.cedar", &viewers)]).await;
    until(&b, VIEWERS, within_a_second(), &[OWNERS]).await;
    publish(&b, &store_b, &[("documents.cedar", POLICIES)]).await;
    until(&a, EVERYONE, within_a_second(), &[VIEWERS]).await;
    until(&b, EVERYONE, within_a_second(), &[VIEWERS]).await;
    followers.iter().for_each(|f| f.abort());
    shared.clean_up().await;
}

/// A set that does not validate is refused by `publish`: the store keeps its set and version.
async fn a_set_that_does_not_validate_never_reaches_the_store(shared: Shared) {
    let store = shared.instance().await;
    let authz = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    let first = publish(&authz, &store, &[("documents.cedar", POLICIES)]).await;
    let before = store.load().await.unwrap().unwrap();
    assert_eq!(before.version, first);
    let refused = authz
        .publish(
            &*store,
            &[("documents.cedar", POLICIES), ("bad.cedar", INVALID)],
        )
        .await;
    assert!(
        matches!(refused, Err(AuthzError::Invalid(_))),
        "{refused:?}"
    );
    let unparsed = authz.publish(&*store, &[("bad.cedar", "permit(")]).await;
    assert!(
        matches!(unparsed, Err(AuthzError::Policies { .. })),
        "{unparsed:?}"
    );
    assert_eq!(store.load().await.unwrap().unwrap(), before);
    shared.clean_up().await;
}

/// A new instance (a restart) starts with the latest set.
async fn a_restart_starts_with_the_latest_set(shared: Shared) {
    let store = shared.instance().await;
    let authz = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    let owners = only(&["owner"]);
    publish(&authz, &store, &[("a.cedar", &owners)]).await;
    let viewers = only(&["viewers-read"]);
    let last = publish(
        &authz,
        &store,
        &[("a.cedar", &owners), ("b.cedar", &viewers)],
    )
    .await;
    drop((authz, store));
    let store = shared.instance().await;
    let restarted = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    assert_eq!(decides(&restarted), VIEWERS);
    assert_eq!(restarted.policy_ids(), ["owner", "viewers-read"]);
    assert_eq!(store.load().await.unwrap().unwrap().version, last);
    shared.clean_up().await;
}

/// A stale or repeated announcement does nothing, and neither does a store that went back to
/// an older version: the follower keeps the newer set until a newer version comes.
async fn a_stale_announcement_does_not_roll_back(shared: Shared) {
    let store = shared.instance().await;
    let authz = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    let follower = authz.follow(store.clone());
    let owners = only(&["owner"]);
    publish(&authz, &store, &[("a.cedar", &owners)]).await;
    let viewers = only(&["owner", "viewers-read"]);
    let v2 = publish(&authz, &store, &[("a.cedar", &viewers)]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    until(&authz, VIEWERS, deadline, &[NONE, OWNERS]).await;
    for stale in [v2 - 1, v2, 0] {
        shared.announce(stale).await;
    }
    // The store itself goes back to version 1 and its set; an announcement says "newer".
    shared.go_back(v2 - 1, &owners).await;
    shared.announce(v2 + 1).await;
    keeps(&authz, VIEWERS, Duration::from_millis(300)).await;
    // Published again from there: version 2 again, with other policies than the version 2 in
    // force (the store is the truth once it moves on), then 3. The follower may take 2 on
    // the way; it ends on 3.
    publish(&authz, &store, &[("a.cedar", &owners)]).await;
    let v3 = publish(&authz, &store, &[("a.cedar", POLICIES)]).await;
    assert_eq!(v3, v2 + 1);
    until(&authz, EVERYONE, within_a_second(), &[VIEWERS, OWNERS]).await;
    follower.abort();
    shared.clean_up().await;
}

/// Each scenario on each backend: `postgres::<scenario>` and `redis::<scenario>`.
macro_rules! on_every_backend {
    ($($scenario:ident),*) => {
        mod postgres {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Shared::postgres().await).await;
            })*
        }
        mod redis {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Shared::redis().await).await;
            })*
        }
    };
}

on_every_backend!(
    two_instances_swap_within_a_second,
    a_set_that_does_not_validate_never_reaches_the_store,
    a_restart_starts_with_the_latest_set,
    a_stale_announcement_does_not_roll_back
);

/// SQLite has no feed: the follower polls (every two seconds), and the SQL is the same.
#[tokio::test]
async fn sqlite_followers_poll_and_a_restart_starts_with_the_latest_set() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("policies.db").display());
    let store: Arc<dyn PolicyStore> = Arc::new(SqlStore::connect(&url).await.unwrap());
    assert!(store.subscribe().await.is_err(), "no feed");
    let authz = Authz::from_store(SCHEMA, store.clone()).await.unwrap();
    let follower = authz.follow(store.clone());
    let v1 = publish(&authz, &store, &[("documents.cedar", POLICIES)]).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    until(&authz, EVERYONE, deadline, &[NONE]).await;
    follower.abort();
    let store: Arc<dyn PolicyStore> = Arc::new(SqlStore::connect(&url).await.unwrap());
    let loaded = store.load().await.unwrap().unwrap();
    assert_eq!(loaded.version, v1);
    assert_eq!(
        decides(&Authz::from_store(SCHEMA, store).await.unwrap()),
        EVERYONE
    );
}
