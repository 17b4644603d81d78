//! The SQL store's schema: its tables, the columns added since, and how they are applied.

use super::{SqlStore, unavailable};
use crate::store::StoreError;

/// The schema, applied in order on connect; each statement is idempotent. Append, never edit
/// (a deployed database has run the earlier ones), except to take out a statement a later one
/// undoes (an index dropped), which would otherwise be redone at every start.
pub(super) const MIGRATIONS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS authx_revoked (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS authx_revoked_expires ON authx_revoked (expires_at)",
    "CREATE TABLE IF NOT EXISTS authx_sessions (
        id TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        ip TEXT,
        user_agent TEXT,
        device TEXT,
        revoked BIGINT NOT NULL DEFAULT 0
    )",
    // (An index on `subject` was here: see `authx_sessions_live` below.)
    "CREATE TABLE IF NOT EXISTS authx_allowlist (
        jti TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        expires_at BIGINT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS authx_allowlist_subject ON authx_allowlist (subject)",
    "CREATE TABLE IF NOT EXISTS authx_families (
        family TEXT PRIMARY KEY,
        head TEXT NOT NULL,
        expires_at BIGINT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS authx_ended (
        subject TEXT PRIMARY KEY,
        generation BIGINT NOT NULL,
        keep TEXT,
        expires_at BIGINT NOT NULL
    )",
    // (An index on `(subject, created_at, id)` was here: see `authx_sessions_live` below.)
    // One row per subject whose sessions all ended (see `session_ends`).
    "CREATE TABLE IF NOT EXISTS authx_session_ends (
        subject TEXT PRIMARY KEY,
        generation BIGINT NOT NULL,
        keep TEXT,
        expires_at BIGINT NOT NULL
    )",
    // Replay records (DPoP proofs), apart from revocations (see `replay`).
    "CREATE TABLE IF NOT EXISTS authx_replay (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS authx_replay_expires ON authx_replay (expires_at)",
    // API keys (see `api_keys`): never the key, its keyed digest; lists as JSON arrays of
    // strings; kept after revocation or expiry, so never purged.
    "CREATE TABLE IF NOT EXISTS authx_api_keys (
        id TEXT PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        service BIGINT NOT NULL DEFAULT 0,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        last_used_at BIGINT,
        rate TEXT,
        allowed_ips TEXT NOT NULL,
        revoked_at BIGINT
    )",
    "CREATE INDEX IF NOT EXISTS authx_api_keys_owner ON authx_api_keys (owner, created_at, id)",
    // A subject's live sessions (the session cap's count at each login, a page, ending them
    // all). Sessions the cap or a logout revoked stay until they expire, and every query by
    // subject asks for `revoked = 0`: an index of all of a subject's sessions made a login of
    // a subject who logged in 100,000 times within the refresh lifetime step over 100,000
    // rows, and while it exists PostgreSQL's planner may still prefer it to this one.
    "CREATE INDEX IF NOT EXISTS authx_sessions_live ON authx_sessions (subject, created_at, id) \
     WHERE revoked = 0",
    "DROP INDEX IF EXISTS authx_sessions_subject",
    "DROP INDEX IF EXISTS authx_sessions_subject_age",
    // Authorization policies (see `policies`): the named sources of the one set in force, and
    // its version (one row, `id = 1`), replaced together in one transaction.
    "CREATE TABLE IF NOT EXISTS authx_policies (name TEXT PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS authx_policy_version (
        id BIGINT PRIMARY KEY,
        version BIGINT NOT NULL
    )",
    // Second factors (see `factors`): opaque values, never purged. `BYTES` is each database's
    // byte string (see `dialect`).
    "CREATE TABLE IF NOT EXISTS authx_factors (
        subject TEXT NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        value BYTES NOT NULL,
        PRIMARY KEY (subject, kind, id)
    )",
];

/// `statement` as `postgres` or SQLite spells it: a column type `BYTES` is `BYTEA` on
/// PostgreSQL and `BLOB` on SQLite (no byte-string type has one name on both).
fn dialect(statement: &str, postgres: bool) -> String {
    statement.replace(" BYTES ", if postgres { " BYTEA " } else { " BLOB " })
}

/// Columns added to existing tables, in order: `(table, column, type)`. Append, never edit.
pub(super) const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("authx_sessions", "device_info", "TEXT"),
    // NULL: a session stored before generations (see `Session::generation`).
    ("authx_sessions", "generation", "BIGINT"),
];

impl SqlStore {
    /// Applies the schema (idempotent). On PostgreSQL in one transaction under an advisory
    /// lock, so instances (or tests) starting together on a new database do not race on
    /// `CREATE TABLE IF NOT EXISTS`, which PostgreSQL may refuse to the loser.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        if self.postgres {
            return self.migrate_postgres().await;
        }
        for m in MIGRATIONS {
            sqlx::query(&dialect(m, false))
                .execute(&self.pool)
                .await
                .map_err(unavailable)?;
        }
        // Columns added after the first release: SQLite has no `ADD COLUMN IF NOT EXISTS`, so
        // each is added when reading it fails.
        for (table, column, ty) in ADDED_COLUMNS {
            let probe = format!("SELECT {column} FROM {table} LIMIT 0");
            if sqlx::query(&probe).execute(&self.pool).await.is_err() {
                let add = format!("ALTER TABLE {table} ADD COLUMN {column} {ty}");
                if let Err(e) = sqlx::query(&add).execute(&self.pool).await {
                    // Another instance may have added it between the probe and now.
                    if sqlx::query(&probe).execute(&self.pool).await.is_err() {
                        return Err(unavailable(e));
                    }
                }
            }
        }
        Ok(())
    }

    async fn migrate_postgres(&self) -> Result<(), StoreError> {
        /// The advisory lock key of authx's schema ("authx" in ASCII).
        const SCHEMA_LOCK: i64 = 0x61_75_74_68_78;
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        // Never queued for long behind another holder of a table's lock (a dump, say): the
        // start goes on, and the schema is applied again on the next use.
        sqlx::query("SET LOCAL lock_timeout = '5s'")
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(unavailable)?;
        for m in MIGRATIONS {
            sqlx::query(&dialect(m, true))
                .execute(&mut *tx)
                .await
                .map_err(unavailable)?;
        }
        for (table, column, ty) in ADDED_COLUMNS {
            // Looked up first: an `ALTER TABLE` takes the table's exclusive lock (and needs its
            // ownership) even when the column is there.
            let present = sqlx::query(
                "SELECT 1 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
            )
            .bind(*table)
            .bind(*column)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?;
            if present.is_none() {
                let add = format!("ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {ty}");
                sqlx::query(&add)
                    .execute(&mut *tx)
                    .await
                    .map_err(unavailable)?;
            }
        }
        tx.commit().await.map_err(unavailable)
    }
}
