//! [`SqlStore`]'s policy sets: table `authx_policies` (one row per named source) and the one
//! row of `authx_policy_version`, replaced in one transaction; on PostgreSQL the transaction
//! announces the new version with `pg_notify('authx_policies', version)` (delivered on commit).
//! SQLite has no feed: its followers poll.

use sqlx::Row;
use tokio::sync::mpsc;

use super::{SqlStore, unavailable};
use crate::store::policies::distinct_names;
use crate::store::{PolicyStore, StoreError, StoredPolicies};

/// The notification channel of new policy versions.
const CHANNEL: &str = "authx_policies";

/// Bumps the version (1 for the first set). On PostgreSQL the row's lock, held until commit,
/// puts concurrent publishers one after the other.
const BUMP: &str = "INSERT INTO authx_policy_version (id, version) VALUES (1, 1) \
     ON CONFLICT (id) DO UPDATE SET version = authx_policy_version.version + 1 \
     RETURNING version";

/// The version and every source, in one statement (one snapshot): a set never read half
/// replaced. A version with no source is one row of `NULL`s; no version, no row.
const LOAD: &str = "SELECT v.version, p.name, p.body FROM authx_policy_version v \
     LEFT JOIN authx_policies p ON 1 = 1 WHERE v.id = 1";

impl SqlStore {
    /// Replaces the set and bumps the version in one transaction, announced on PostgreSQL.
    async fn write_policies(&self, sources: &[(String, String)]) -> Result<i64, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let version: i64 = sqlx::query_scalar(BUMP).fetch_one(&mut *tx).await?;
        sqlx::query("DELETE FROM authx_policies")
            .execute(&mut *tx)
            .await?;
        for (name, body) in sources {
            sqlx::query("INSERT INTO authx_policies (name, body) VALUES ($1, $2)")
                .bind(name.as_str())
                .bind(body.as_str())
                .execute(&mut *tx)
                .await?;
        }
        if self.postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(version.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(version)
    }
}

/// A version as stored (a `BIGINT`, never negative).
fn version(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::unavailable(format!("policy version {v}")))
}

#[async_trait::async_trait]
impl PolicyStore for SqlStore {
    async fn load(&self) -> Result<Option<StoredPolicies>, StoreError> {
        let rows = self
            .with_schema(|| sqlx::query(LOAD).fetch_all(&self.pool))
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let version = version(first.try_get("version").map_err(unavailable)?)?;
        let mut sources = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: Option<String> = row.try_get("name").map_err(unavailable)?;
            let body: Option<String> = row.try_get("body").map_err(unavailable)?;
            if let (Some(name), Some(body)) = (name, body) {
                sources.push((name, body));
            }
        }
        Ok(Some(StoredPolicies::sorted(version, sources)))
    }

    async fn publish(&self, sources: &[(String, String)]) -> Result<u64, StoreError> {
        distinct_names(sources)?;
        version(self.with_schema(|| self.write_policies(sources)).await?)
    }

    async fn subscribe(&self) -> Result<mpsc::Receiver<u64>, StoreError> {
        #[cfg(feature = "postgres")]
        if self.postgres {
            return self.listen(CHANNEL, |v| v.parse().ok()).await;
        }
        Err(StoreError::Config(
            "SQLite has no policy feed: its followers poll".into(),
        ))
    }
}
