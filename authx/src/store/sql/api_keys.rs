//! [`SqlStore`]'s API keys: table `authx_api_keys`, one row per key, unique by `id` and by
//! `digest`. Rows are kept after revocation or expiry (never purged) until `delete_key`.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{SqlStore, unavailable};
use crate::store::{ApiKeyRecord, ApiKeyStore, StoreError};

const COLUMNS: &str = "id, digest, owner, service, name, scopes, created_at, expires_at, \
     last_used_at, rate, allowed_ips, revoked_at";

/// A list column (`scopes`, `allowed_ips`): a JSON array of strings.
fn list_to_json(list: &[String]) -> String {
    serde_json::Value::from(list).to_string()
}

/// A list column read back; one that does not parse is an error, never an empty list (an
/// empty `allowed_ips` lets any address in).
fn list_from_json(row: &AnyRow, column: &str) -> Result<Vec<String>, StoreError> {
    let text: String = row.try_get(column).map_err(unavailable)?;
    serde_json::from_str(&text).map_err(|e| {
        StoreError::unavailable(format!("authx_api_keys.{column} is no JSON list: {e}"))
    })
}

fn key_from_row(row: &AnyRow) -> Result<ApiKeyRecord, StoreError> {
    let mut record = ApiKeyRecord::new(
        row.try_get("id").map_err(unavailable)?,
        row.try_get("digest").map_err(unavailable)?,
        row.try_get("owner").map_err(unavailable)?,
        row.try_get("name").map_err(unavailable)?,
        row.try_get("created_at").map_err(unavailable)?,
    );
    record.service = row.try_get::<i64, _>("service").map_err(unavailable)? != 0;
    record.scopes = list_from_json(row, "scopes")?;
    record.expires_at = row.try_get("expires_at").map_err(unavailable)?;
    record.last_used_at = row.try_get("last_used_at").map_err(unavailable)?;
    record.rate = row.try_get("rate").map_err(unavailable)?;
    record.allowed_ips = list_from_json(row, "allowed_ips")?;
    record.revoked_at = row.try_get("revoked_at").map_err(unavailable)?;
    Ok(record)
}

impl SqlStore {
    /// The one key whose `column` (`id` or `digest`) is `value`.
    async fn key_where(
        &self,
        column: &'static str,
        value: &str,
    ) -> Result<Option<ApiKeyRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM authx_api_keys WHERE {column} = $1");
        let row = self
            .with_schema(|| sqlx::query(&sql).bind(value).fetch_optional(&self.pool))
            .await?;
        row.as_ref().map(key_from_row).transpose()
    }

    /// Runs an `UPDATE` or `DELETE` of one key, its parameters `times` then the id; whether
    /// there was such a key.
    async fn change_key(&self, sql: &str, times: &[i64], id: &str) -> Result<bool, StoreError> {
        let done = self
            .with_schema(|| {
                times
                    .iter()
                    .fold(sqlx::query(sql), |query, at| query.bind(*at))
                    .bind(id)
                    .execute(&self.pool)
            })
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait::async_trait]
impl ApiKeyStore for SqlStore {
    /// One statement: a row with the same id or digest (either unique constraint) leaves the
    /// table unchanged, and the create is refused.
    async fn create_key(&self, r: &ApiKeyRecord) -> Result<(), StoreError> {
        let done = self
            .with_schema(|| {
                sqlx::query(
                    "INSERT INTO authx_api_keys (id, digest, owner, service, name, scopes, \
                     created_at, expires_at, last_used_at, rate, allowed_ips, revoked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&r.id)
                .bind(&r.digest)
                .bind(&r.owner)
                .bind(i64::from(r.service))
                .bind(&r.name)
                .bind(list_to_json(&r.scopes))
                .bind(r.created_at)
                .bind(r.expires_at)
                .bind(r.last_used_at)
                .bind(r.rate.clone())
                .bind(list_to_json(&r.allowed_ips))
                .bind(r.revoked_at)
                .execute(&self.pool)
            })
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Config(format!(
                "API key {} exists already",
                r.id
            )));
        }
        Ok(())
    }

    async fn key_by_digest(&self, digest: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.key_where("digest", digest).await
    }

    async fn key_by_id(&self, id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.key_where("id", id).await
    }

    async fn list_keys(&self, owner: Option<&str>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let rows = match owner {
            Some(owner) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM authx_api_keys WHERE owner = $1 \
                     ORDER BY created_at, id"
                );
                self.with_schema(|| sqlx::query(&sql).bind(owner).fetch_all(&self.pool))
                    .await?
            }
            None => {
                let sql = format!("SELECT {COLUMNS} FROM authx_api_keys ORDER BY created_at, id");
                self.with_schema(|| sqlx::query(&sql).fetch_all(&self.pool))
                    .await?
            }
        };
        rows.iter().map(key_from_row).collect()
    }

    /// The first revocation's time stands.
    async fn revoke_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        self.change_key(
            "UPDATE authx_api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
            &[at],
            id,
        )
        .await
    }

    /// One statement, so of two rotations at once the earlier expiry stands.
    async fn expire_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        self.change_key(
            "UPDATE authx_api_keys SET expires_at = CASE \
             WHEN expires_at IS NULL OR expires_at > $1 THEN $2 ELSE expires_at END \
             WHERE id = $3",
            &[at, at],
            id,
        )
        .await
    }

    async fn touch_key(&self, id: &str, at: i64) -> Result<(), StoreError> {
        self.change_key(
            "UPDATE authx_api_keys SET last_used_at = $1 WHERE id = $2",
            &[at],
            id,
        )
        .await
        .map(|_| ())
    }

    async fn delete_key(&self, id: &str) -> Result<bool, StoreError> {
        self.change_key("DELETE FROM authx_api_keys WHERE id = $1", &[], id)
            .await
    }
}
