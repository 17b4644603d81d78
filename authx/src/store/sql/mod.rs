//! SQLite and PostgreSQL, through sqlx's `Any` driver: one implementation, one schema, the
//! SQL both databases accept.

mod allowlist;
mod api_keys;
#[cfg(all(test, feature = "sqlite", feature = "vault"))]
mod clock_tests;
mod ended;
mod factors;
mod family;
#[cfg(feature = "postgres")]
mod feed;
mod policies;
mod replay;
mod schema;
mod session_ends;
mod sessions;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use super::{RevocationStore, Session, SessionMark, StoreError};
use crate::clock::SharedClock;

/// Purge expired rows every this many writes.
const PURGE_EVERY: u64 = 256;

/// A durable store in SQLite (`sqlite://path.db`) or PostgreSQL (`postgres://...`).
///
/// Its tables (`authx_revoked`, `authx_sessions`, `authx_api_keys`, `authx_policies`,
/// `authx_factors`, ...) are created on connect; expired rows are purged as writes go by (API
/// keys, policies and factors are kept until replaced or deleted).
/// Revocations survive restarts and are shared by every instance using the same database.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    writes: Arc<AtomicU64>,
    /// PostgreSQL (revocations are announced with `NOTIFY`), not SQLite.
    postgres: bool,
    /// For the revocation feed's own connection (`LISTEN`); never printed.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    url: Arc<str>,
    /// Where "now" comes from: every expiry is compared with a time this store passes in, never
    /// the database's own clock.
    clock: SharedClock,
}

impl std::fmt::Debug for SqlStore {
    /// Never the database URL: it may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore").finish_non_exhaustive()
    }
}

fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::unavailable(e)
}

impl SqlStore {
    /// Connects lazily (the first query opens the connection, so a database that is down at
    /// start-up answers `503` until it is back) and applies the schema when reachable.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = if url.starts_with("sqlite:") && !url.contains('?') {
            format!("{url}?mode=rwc")
        } else {
            url.to_owned()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if url.starts_with("sqlite:") { 4 } else { 16 })
            .acquire_timeout(Duration::from_secs(2))
            .connect_lazy(&url)
            .map_err(|e| StoreError::Config(format!("bad database URL: {e}")))?;
        let store = SqlStore {
            pool,
            writes: Arc::new(AtomicU64::new(0)),
            postgres: url.starts_with("postgres"),
            url: url.into(),
            clock: crate::clock::system(),
        };
        if let Err(e) = store.migrate().await {
            tracing::warn!(error = %e, "authx: database unreachable at start-up; will retry on use");
        }
        Ok(store)
    }

    /// This store, reading time from `clock` (the engine's: [`connect`](crate::store::connect)
    /// and [`AuthBuilder::connect`](crate::AuthBuilder::connect) hand it over): rows expire,
    /// and are purged, by its time. The default is the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Now, in seconds, on this store's clock.
    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Whether this is PostgreSQL (with a revocation feed for the near-cache).
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// Deletes expired revocations, sessions and replay records; returns how many rows went.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let now = self.now();
        let a = sqlx::query("DELETE FROM authx_revoked WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await;
        let b = sqlx::query("DELETE FROM authx_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await;
        let c = sqlx::query("DELETE FROM authx_allowlist WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await;
        let d = sqlx::query("DELETE FROM authx_families WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await;
        let e = sqlx::query("DELETE FROM authx_ended WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await;
        let f = sqlx::query("DELETE FROM authx_session_ends WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await;
        let g = sqlx::query("DELETE FROM authx_replay WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await;
        Ok(a.map_err(unavailable)?.rows_affected()
            + b.map_err(unavailable)?.rows_affected()
            + c.map_err(unavailable)?.rows_affected()
            + d.map_err(unavailable)?.rows_affected()
            + e.map_err(unavailable)?.rows_affected()
            + f.map_err(unavailable)?.rows_affected()
            + g.map_err(unavailable)?.rows_affected())
    }

    async fn after_write(&self) {
        if self.writes.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1
            && let Err(e) = self.purge_expired().await
        {
            tracing::warn!(error = %e, "authx: purging expired rows failed");
        }
    }

    /// Runs `f`, and on a "no such table" error applies the schema once and retries: a database
    /// that was down at start-up gets its tables when it comes back.
    async fn with_schema<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
    {
        match f().await {
            Ok(v) => Ok(v),
            Err(e) if is_missing_table(&e) => {
                self.migrate().await?;
                f().await.map_err(unavailable)
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn is_missing_table(e: &sqlx::Error) -> bool {
    let msg = e.to_string();
    msg.contains("no such table") || (msg.contains("relation") && msg.contains("does not exist"))
}

fn session_from_row(row: &AnyRow) -> Result<Session, sqlx::Error> {
    Ok(Session {
        id: row.try_get("id")?,
        subject: row.try_get("subject")?,
        created_at: row.try_get("created_at")?,
        last_seen: row.try_get("last_seen")?,
        expires_at: row.try_get("expires_at")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        device: row.try_get("device")?,
        device_info: row
            .try_get::<Option<String>, _>("device_info")?
            .and_then(|s| serde_json::from_str(&s).ok()),
        revoked: row.try_get::<i64, _>("revoked")? != 0,
        generation: row
            .try_get::<Option<i64>, _>("generation")?
            .and_then(|g| u64::try_from(g).ok()),
    })
}

const SESSION_COLUMNS: &str = "id, subject, created_at, last_seen, expires_at, ip, user_agent, \
     device, device_info, revoked, generation";

#[async_trait::async_trait]
impl RevocationStore for SqlStore {
    async fn revoke(&self, key: &str, expires_at: i64) -> Result<(), StoreError> {
        if expires_at <= self.now() {
            return Ok(()); // already refused for being expired
        }
        // On PostgreSQL the write announces itself in the same statement (delivered when it
        // commits), for the near-caches of every instance.
        let sql = if self.postgres {
            "WITH w AS (INSERT INTO authx_revoked (key, expires_at) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at RETURNING key) \
             SELECT pg_notify('authx_revoked', key) FROM w WHERE length(key) <= 256"
        } else {
            "INSERT INTO authx_revoked (key, expires_at) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at"
        };
        self.with_schema(|| {
            sqlx::query(sql)
                .bind(key)
                .bind(expires_at)
                .execute(&self.pool)
        })
        .await?;
        self.after_write().await;
        Ok(())
    }

    async fn any_revoked(&self, keys: &[&str]) -> Result<bool, StoreError> {
        if keys.is_empty() {
            return Ok(false);
        }
        // One query for a token, its session and its retirement: `key IN ($1, .., $n)`.
        self.revoked_or_ended(keys, None).await
    }

    async fn any_revoked_or_ended(
        &self,
        keys: &[&str],
        session: Option<&SessionMark<'_>>,
    ) -> Result<bool, StoreError> {
        if keys.is_empty() && session.is_none() {
            return Ok(false);
        }
        self.revoked_or_ended(keys, session).await
    }

    async fn session_generation(&self, subject: &str) -> Result<u64, StoreError> {
        self.generation(subject).await
    }

    async fn end_sessions(
        &self,
        subject: &str,
        keep: Option<&SessionMark<'_>>,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        self.end(subject, keep, now, expires_at).await
    }
}
