//! Sessions at scale on every durable store (SQLite, PostgreSQL, Redis): 50,000 live sessions
//! of one subject. Ending them all takes a number of store calls that does not depend on the
//! count (counted through a wrapper around the stores; the duration is printed, never asserted),
//! every token of those sessions is refused afterwards, and a login right after is accepted.
//!
//! The sessions are seeded in bulk (SQL: multi-row `INSERT`s of the columns the store writes;
//! Redis: `create_session`), which is not what is under test; ending them and refusing their
//! tokens go through the public API.
//!
//! PostgreSQL and Redis come from `AUTHX_TEST_POSTGRES_URL` / `AUTHX_TEST_REDIS_URL` (defaults
//! `postgres://postgres@127.0.0.1:5432/test`, `redis://127.0.0.1:6379`); these tests FAIL when
//! they are unreachable.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use authx::store::{
    EndedSessions, FamilyStore, Session, SessionCursor, SessionMark, SessionStore, StoreError,
    connect,
};
use authx::{Auth, AuthConfig, AuthError, RevocationStore, SessionMeta};
use futures_util::StreamExt;

const SESSIONS: usize = 50_000;

/// Rows per seeding `INSERT` on SQL stores.
const SEED_BATCH: usize = 1_000;

/// Counts every call into the stores it wraps: one call is a fixed number of statements or
/// commands in every built-in backend (at most two).
struct Counting<T: ?Sized> {
    inner: Arc<T>,
    calls: Arc<AtomicUsize>,
}

impl<T: ?Sized> Counting<T> {
    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl FamilyStore for Counting<dyn FamilyStore> {
    async fn head(&self, family: &str) -> Result<Option<String>, StoreError> {
        self.count();
        self.inner.head(family).await
    }
    async fn advance(
        &self,
        family: &str,
        current: &str,
        next: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        self.count();
        self.inner.advance(family, current, next, expires_at).await
    }
}

#[async_trait::async_trait]
impl RevocationStore for Counting<dyn RevocationStore> {
    async fn revoke(&self, key: &str, expires_at: i64) -> Result<(), StoreError> {
        self.count();
        self.inner.revoke(key, expires_at).await
    }
    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        self.count();
        self.inner.any_revoked(keys).await
    }
    async fn any_revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        self.count();
        self.inner.any_revoked_or_ended(keys, session).await
    }
    async fn session_generation(&self, subject: &str) -> Result<u64, StoreError> {
        self.count();
        self.inner.session_generation(subject).await
    }
    async fn end_sessions(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        self.count();
        self.inner
            .end_sessions(subject, keep, now, expires_at)
            .await
    }
}

#[async_trait::async_trait]
impl SessionStore for Counting<dyn SessionStore> {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        self.count();
        self.inner.create_session(session).await
    }
    async fn get_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        self.count();
        self.inner.get_session(id).await
    }
    async fn list_sessions(&self, subject: &str, now: i64) -> Result<Vec<Session>, StoreError> {
        self.count();
        self.inner.list_sessions(subject, now).await
    }
    async fn touch_session(
        &self,
        id: &str,
        now: i64,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.count();
        self.inner.touch_session(id, now, expires_at).await
    }
    async fn mark_session_revoked(&self, id: &str) -> Result<bool, StoreError> {
        self.count();
        self.inner.mark_session_revoked(id).await
    }
    async fn list_sessions_page(
        &self,
        subject: &str,
        now: i64,
        after: Option<&SessionCursor>,
        limit: usize,
    ) -> Result<Vec<Session>, StoreError> {
        self.count();
        self.inner
            .list_sessions_page(subject, now, after, limit)
            .await
    }
    async fn sessions_beyond(
        &self,
        subject: &str,
        now: i64,
        newest: usize,
    ) -> Result<Vec<Session>, StoreError> {
        self.count();
        self.inner.sessions_beyond(subject, now, newest).await
    }
    async fn end_subject_sessions(
        &self,
        subject: &str,
        keep: Option<&str>,
        generation: u64,
        now: i64,
    ) -> Result<EndedSessions, StoreError> {
        self.count();
        self.inner
            .end_subject_sessions(subject, keep, generation, now)
            .await
    }
}

/// An engine on `url` whose store calls are counted, with the cap raised above the seed.
async fn counted(url: &str) -> (Auth, Arc<AtomicUsize>, authx::Stores) {
    let raw = connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot open store {url}: {e}"));
    raw.revocation
        .is_revoked("authx-probe")
        .await
        .unwrap_or_else(|e| panic!("store at {url} is unreachable: {e}"));
    let calls = Arc::new(AtomicUsize::new(0));
    let mut stores = raw.clone();
    stores.revocation = Arc::new(Counting {
        inner: raw.revocation.clone(),
        calls: calls.clone(),
    });
    stores.families = Arc::new(Counting {
        inner: raw.families.clone(),
        calls: calls.clone(),
    });
    stores.sessions = Arc::new(Counting {
        inner: raw.sessions.clone(),
        calls: calls.clone(),
    });
    let config = AuthConfig::builder()
        .secret_key("sessions-at-scale-secret-0123456789abcdef")
        .max_sessions_per_subject(SESSIONS + 10)
        .store_timeout(Duration::from_secs(30))
        .build();
    let auth = Auth::builder(config).stores(stores).build().unwrap();
    (auth, calls, raw)
}

async fn at_scale(url: &str, backend: &str) {
    let (auth, calls, raw) = counted(url).await;
    let subject = format!("scale-{}", uuid::Uuid::new_v4());
    let generation = raw.revocation.session_generation(&subject).await.unwrap();
    let now = unix_now();
    let seeded = Instant::now();
    // As `create_session` would store them: stamped with the subject's generation, in the id
    // too; a hundred per second of creation.
    let ids: Vec<String> = (0..SESSIONS)
        .map(|_| format!("{}.{generation}", uuid::Uuid::new_v4()))
        .collect();
    let sessions: Vec<Session> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let created = now - 3600 + i64::try_from(i / 100).unwrap_or(0);
            Session::new(id.clone(), subject.clone(), created, now + 86_400)
                .with_generation(Some(generation))
        })
        .collect();
    if backend == "redis" {
        seed_through_store(&raw, &sessions).await;
    } else {
        seed_sql(url, &sessions, 0).await;
    }
    println!(
        "{backend}: seeded {SESSIONS} sessions in {:?}",
        seeded.elapsed()
    );

    // A sample of their tokens, first and last included, all good before.
    let sample: Vec<&String> = ids
        .iter()
        .step_by(1000)
        .chain([&ids[0], &ids[SESSIONS - 1]])
        .collect();
    let mut tokens = Vec::new();
    for id in &sample {
        let pair = auth
            .tokens()
            .pair(&subject)
            .session(id.as_str())
            .issue()
            .unwrap();
        tokens.push(pair.access_token.clone());
        tokens.push(pair.refresh_token.clone());
    }
    for t in &tokens {
        auth.verify_unrevoked(t).await.unwrap();
    }
    let page = auth.sessions().page(&subject, None, 1000).await.unwrap();
    assert_eq!(
        page.sessions.len(),
        authx::MAX_SESSION_PAGE,
        "a page is bounded"
    );
    assert!(page.next.is_some());

    let before = calls.load(Ordering::SeqCst);
    let started = Instant::now();
    let ended = auth.sessions().revoke_all(&subject, None).await.unwrap();
    let took = started.elapsed();
    let spent = calls.load(Ordering::SeqCst) - before;
    println!("{backend}: revoke-all of {ended} sessions took {took:?} in {spent} store calls");
    assert_eq!(ended, SESSIONS);
    assert!(
        spent <= 3,
        "revoke-all made {spent} store calls: it must not depend on the number of sessions"
    );

    for t in &tokens {
        let err = auth.verify_unrevoked(t).await.unwrap_err();
        assert!(matches!(err, AuthError::Revoked), "{err:?}");
    }
    assert!(
        auth.sessions().list(&subject).await.unwrap().is_empty(),
        "none is listed"
    );
    // A login right after, within the same second, is accepted.
    let session = auth
        .sessions()
        .create(&subject, SessionMeta::default())
        .await
        .unwrap();
    let pair = auth
        .tokens()
        .pair(&subject)
        .session(&session.id)
        .issue()
        .unwrap();
    auth.verify_unrevoked(&pair.access_token).await.unwrap();
    assert_eq!(auth.sessions().list(&subject).await.unwrap().len(), 1);
    // Again: only the session begun since is reached (the ended ones are not counted twice).
    let started = Instant::now();
    let again = auth.sessions().revoke_all(&subject, None).await.unwrap();
    println!(
        "{backend}: revoke-all again of {again} session took {:?}",
        started.elapsed()
    );
    assert_eq!(again, 1, "only the session begun after the first end");
    let err = auth.verify_unrevoked(&pair.access_token).await.unwrap_err();
    assert!(matches!(err, AuthError::Revoked), "{err:?}");
    assert!(auth.sessions().list(&subject).await.unwrap().is_empty());
}

/// Seeds `sessions` with one `create_session` each, 32 at a time.
async fn seed_through_store(raw: &authx::Stores, sessions: &[Session]) {
    let results: Vec<Result<(), StoreError>> = futures_util::stream::iter(sessions)
        .map(|s| raw.sessions.create_session(s))
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(results.iter().all(Result::is_ok), "seeding failed");
}

/// Seeds `sessions` into the SQL store at `url` (already migrated by `connect`): multi-row
/// `INSERT`s of [`SEED_BATCH`] rows, with the columns and values `SqlStore::create_session`
/// writes for a `Session::new` with a generation (no client details, not revoked).
async fn seed_sql(url: &str, sessions: &[Session], revoked: i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot open {url} to seed: {e}"));
    for batch in sessions.chunks(SEED_BATCH) {
        let rows: Vec<String> = (0..batch.len())
            .map(|i| {
                let p = i * 6;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, NULL, NULL, NULL, NULL, {revoked}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO authx_sessions (id, subject, created_at, last_seen, expires_at, ip, \
             user_agent, device, device_info, revoked, generation) VALUES {}",
            rows.join(", ")
        );
        let mut insert = sqlx::query(&sql);
        for s in batch {
            let generation = s.generation.and_then(|g| i64::try_from(g).ok());
            insert = insert
                .bind(s.id.as_str())
                .bind(s.subject.as_str())
                .bind(s.created_at)
                .bind(s.last_seen)
                .bind(s.expires_at)
                .bind(generation);
        }
        insert
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("seeding failed: {e}"));
    }
    pool.close().await;
}

/// Now, in seconds since the epoch.
fn unix_now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    i64::try_from(since.unwrap().as_secs()).unwrap()
}

fn postgres_url() -> String {
    std::env::var("AUTHX_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn redis_url() -> String {
    std::env::var("AUTHX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_thousand_sessions_end_at_once_on_sqlite() {
    // In shared memory when there is one: 50,000 synced inserts would be slow on a disk.
    let dir = ["/dev/shm"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let db = dir.join(format!("authx-scale-{}.db", uuid::Uuid::new_v4()));
    at_scale(&format!("sqlite://{}", db.display()), "sqlite").await;
    let _ = std::fs::remove_file(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_thousand_sessions_end_at_once_on_postgres() {
    at_scale(&postgres_url(), "postgres").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_thousand_sessions_end_at_once_on_redis() {
    at_scale(&redis_url(), "redis").await;
}

/// The session cap ends the oldest sessions, also among sessions begun in the same second:
/// under concurrent logins, a login must never end another login that just began. Ten
/// sessions in one second (the clock does not move) under a cap of four: the four live ones
/// are the last four, in every store.
async fn the_cap_keeps_the_newest_within_one_second(stores: authx::Stores) {
    let clock = authx::clock::ManualClock::starting_now();
    let auth = Auth::builder(
        AuthConfig::builder()
            .secret_key("session-cap-order-secret-0123456789abcdef")
            .max_sessions_per_subject(4)
            .build(),
    )
    .clock(clock)
    .stores(stores)
    .build()
    .unwrap();
    let subject = format!("cap-{}", uuid::Uuid::new_v4());
    let mut begun = Vec::new();
    for _ in 0..10 {
        let session = auth
            .sessions()
            .create(&subject, SessionMeta::default())
            .await
            .unwrap();
        begun.push(session.id);
    }
    let mut live: Vec<String> = auth
        .sessions()
        .list(&subject)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| !s.revoked)
        .map(|s| s.id)
        .collect();
    live.sort();
    let mut newest = begun[6..].to_vec();
    newest.sort();
    assert_eq!(
        live, newest,
        "the cap must keep the last four sessions begun"
    );
}

#[tokio::test]
async fn the_session_cap_keeps_the_newest_within_one_second_in_memory() {
    the_cap_keeps_the_newest_within_one_second(authx::Stores::memory()).await;
}

#[tokio::test]
async fn the_session_cap_keeps_the_newest_within_one_second_on_redis() {
    let url = std::env::var("AUTHX_TEST_REDIS_URL").unwrap_or("redis://127.0.0.1:6379".into());
    let stores = authx::store::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("Redis at {url} is needed (set AUTHX_TEST_REDIS_URL): {e}"));
    the_cap_keeps_the_newest_within_one_second(stores).await;
}

#[tokio::test]
async fn the_session_cap_keeps_the_newest_within_one_second_on_postgres() {
    let url = std::env::var("AUTHX_TEST_POSTGRES_URL")
        .unwrap_or("postgres://postgres@127.0.0.1:5432/test".into());
    let stores = authx::store::connect(&url).await.unwrap_or_else(|e| {
        panic!("PostgreSQL at {url} is needed (set AUTHX_TEST_POSTGRES_URL): {e}")
    });
    the_cap_keeps_the_newest_within_one_second(stores).await;
}

/// A subject who logged in 20,000 times within the refresh lifetime, each older session ended
/// by the cap (marked revoked, kept until it expires): the next login's cap count and a page of
/// sessions must read the live sessions only, not step over the 20,000 (the PostgreSQL soak
/// slowed down by that). The planner is asked, after `ANALYZE`, for the store's statements'
/// shape.
async fn login_skips_capped_sessions(url: &str, explain: &str, index_in_plan: &str) {
    let stores = connect(url)
        .await
        .unwrap_or_else(|e| panic!("{url} is needed: {e}"));
    let subject = format!("capped-{}", uuid::Uuid::new_v4());
    let now = unix_now();
    let sessions: Vec<Session> = (0..20_000)
        .map(|i| {
            Session::new(
                format!("{}.0", uuid::Uuid::new_v4()),
                subject.clone(),
                now - 20_000 + i,
                now + 86_400,
            )
        })
        .collect();
    seed_sql(url, &sessions, 1).await;
    let auth = Auth::builder(AuthConfig::builder().secret_key("k".repeat(32)).build())
        .stores(stores)
        .build()
        .unwrap();
    let session = auth
        .sessions()
        .create(&subject, SessionMeta::default())
        .await
        .unwrap();
    assert_eq!(auth.sessions().list(&subject).await.unwrap().len(), 1);

    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query("ANALYZE authx_sessions")
        .execute(&pool)
        .await
        .unwrap();
    for shape in [
        "SELECT COUNT(*) FROM authx_sessions WHERE subject = '{subject}' AND revoked = 0 \
         AND expires_at > 0",
        "SELECT id FROM authx_sessions WHERE subject = '{subject}' AND revoked = 0 \
         AND expires_at > 0 ORDER BY created_at, id LIMIT 10",
    ] {
        let sql = format!("{explain} {}", shape.replace("{subject}", &subject));
        let rows = sqlx::query(&sql).fetch_all(&pool).await.unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| {
                use sqlx::Row;
                (0..r.len())
                    .filter_map(|i| r.try_get::<String, _>(i).ok())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let plan = plan.join("\n");
        assert!(
            plan.contains(index_in_plan),
            "{shape}: the plan does not use the index of live sessions:\n{plan}"
        );
    }
    pool.close().await;
    auth.sessions().revoke(&session.id).await.unwrap();
}

#[tokio::test]
async fn a_login_skips_the_sessions_the_cap_ended_on_postgres() {
    login_skips_capped_sessions(&postgres_url(), "EXPLAIN", "authx_sessions_live").await;
}

#[tokio::test]
async fn a_login_skips_the_sessions_the_cap_ended_on_sqlite() {
    let db = std::env::temp_dir().join(format!("authx-capped-{}.db", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}", db.display());
    login_skips_capped_sessions(&url, "EXPLAIN QUERY PLAN", "authx_sessions_live").await;
    let _ = std::fs::remove_file(db);
}
