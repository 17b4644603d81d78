//! [`ApiKeys`]: creating, listing, rotating and revoking API keys.

use std::time::Duration;

use crate::Auth;
use crate::api_key::{ApiKeyError, IssuedApiKey, format};
use crate::rate::TrustedProxies;
use crate::store::ApiKeyRecord;

/// API keys, from [`Auth::api_keys`]: see the [`api_key`](crate::api_key) module.
#[derive(Clone, Copy)]
pub struct ApiKeys<'a> {
    pub(super) auth: &'a Auth,
}

impl std::fmt::Debug for ApiKeys<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeys").finish_non_exhaustive()
    }
}

impl<'a> ApiKeys<'a> {
    /// Starts a key acting for `owner` (a user's subject; see
    /// [`service`](ApiKeyBuilder::service) for a service account).
    pub fn create(&self, owner: impl Into<String>) -> ApiKeyBuilder<'a> {
        ApiKeyBuilder {
            auth: self.auth,
            owner: owner.into(),
            service: false,
            name: String::new(),
            scopes: Vec::new(),
            expires_at: None,
            rate: None,
            allowed_ips: Vec::new(),
        }
    }

    /// The key with this id, live or not.
    pub async fn get(&self, id: &str) -> Result<Option<ApiKeyRecord>, ApiKeyError> {
        let store = &self.auth.inner.stores.api_keys;
        Ok(store.key_by_id(id).await?)
    }

    /// Every key of `owner` (every key when `None`), oldest first, live or not.
    pub async fn list(&self, owner: Option<&str>) -> Result<Vec<ApiKeyRecord>, ApiKeyError> {
        Ok(self.auth.inner.stores.api_keys.list_keys(owner).await?)
    }

    /// Revokes a key: its record says so, and its id goes to the revocation store (and every
    /// instance's near-cache) like a revoked token's, so it is refused everywhere at once.
    pub async fn revoke(&self, id: &str) -> Result<(), ApiKeyError> {
        let auth = self.auth;
        let record = self.get(id).await?.ok_or_else(|| not_found(id))?;
        auth.inner
            .stores
            .api_keys
            .revoke_key(id, auth.now())
            .await?;
        self.announce(&record).await
    }

    /// Puts a key's id in the revocation store until its claims stop verifying anyway: every
    /// instance, its near-cache and open WebSockets refuse it from now on.
    async fn announce(&self, record: &ApiKeyRecord) -> Result<(), ApiKeyError> {
        let until = crate::auth::api_key::claims_end(record);
        self.auth
            .revocation_store()
            .revoke(&record.id, until)
            .await?;
        Ok(())
    }

    /// Forgets a key altogether (its record too); `false` when there was none. To stop a key
    /// and keep its record for audits, [`revoke`](Self::revoke) it.
    pub async fn delete(&self, id: &str) -> Result<bool, ApiKeyError> {
        let Some(record) = self.get(id).await? else {
            return Ok(false);
        };
        // Revoked first, so nothing that already holds its claims (an open WebSocket, another
        // instance's cache) keeps it.
        self.announce(&record).await?;
        Ok(self.auth.inner.stores.api_keys.delete_key(id).await?)
    }

    /// Replaces a key: a new key with the same owner, name, scopes, expiry, rate and
    /// addresses, and the old one kept working for `overlap` more (then expired), so clients
    /// can switch without a failed request.
    pub async fn rotate(&self, id: &str, overlap: Duration) -> Result<IssuedApiKey, ApiKeyError> {
        let old = self.get(id).await?.ok_or_else(|| not_found(id))?;
        if !old.is_live(self.auth.now()) {
            return Err(ApiKeyError::Invalid(format!(
                "API key {id} is revoked or expired"
            )));
        }
        let new = ApiKeyBuilder {
            auth: self.auth,
            owner: old.owner.clone(),
            service: old.service,
            name: old.name.clone(),
            scopes: old.scopes.clone(),
            expires_at: old.expires_at,
            rate: old.rate.clone(),
            allowed_ips: old.allowed_ips.clone(),
        }
        .issue()
        .await?;
        let overlap = i64::try_from(overlap.as_secs()).unwrap_or(i64::MAX);
        let until = self.auth.now().saturating_add(overlap.min(MAX_LIFETIME));
        self.auth
            .inner
            .stores
            .api_keys
            .expire_key(id, until)
            .await?;
        Ok(new)
    }
}

/// The longest a key lives, or a rotation's overlap lasts: ten years, as long as a key
/// without an expiry is kept revoked.
const MAX_LIFETIME: i64 = crate::auth::api_key::NO_EXPIRY_SECS;

fn not_found(id: &str) -> ApiKeyError {
    ApiKeyError::NotFound(id.to_owned())
}

/// A key being created, from [`ApiKeys::create`]; [`issue`](Self::issue) stores it.
#[derive(Debug)]
#[must_use]
pub struct ApiKeyBuilder<'a> {
    auth: &'a Auth,
    owner: String,
    service: bool,
    name: String,
    scopes: Vec<String>,
    expires_at: Option<i64>,
    rate: Option<String>,
    allowed_ips: Vec<String>,
}

impl ApiKeyBuilder<'_> {
    /// The name its owner knows it by ("deploy script").
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The owner is a service account, not a user: the key acts as the subject
    /// `service:<owner>`, never as the user of the same name.
    pub fn service(mut self) -> Self {
        self.service = true;
        self
    }

    /// Its scopes, in the grammar of token scopes (`admin:*` covers `admin:users`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// It stops working `after` from now (at most ten years: a longer time is ten years).
    pub fn expires_in(mut self, after: Duration) -> Self {
        let after = i64::try_from(after.as_secs()).unwrap_or(i64::MAX);
        self.expires_at = Some(self.auth.now().saturating_add(after.min(MAX_LIFETIME)));
        self
    }

    /// Its own rate limit (a tier), such as `"1000/60s"`, counted per key across routes.
    pub fn rate(mut self, spec: impl Into<String>) -> Self {
        self.rate = Some(spec.into());
        self
    }

    /// The addresses or CIDR networks it may come from (any, when never called).
    pub fn allow_from<I, S>(mut self, networks: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_ips = networks.into_iter().map(Into::into).collect();
        self
    }

    /// Checks the settings, creates the key and stores its record (never the key).
    pub async fn issue(self) -> Result<IssuedApiKey, ApiKeyError> {
        let config = &self.auth.config().api_keys;
        let pepper = config.pepper.as_ref().ok_or(ApiKeyError::NoPepper)?;
        let invalid = |e: String| ApiKeyError::Invalid(e);
        if self.owner.is_empty() || self.owner.len() > 256 {
            return Err(invalid("the owner must be 1 to 256 bytes".into()));
        }
        let service = crate::auth::api_key::SERVICE_PREFIX;
        if !self.service && self.owner.starts_with(service) {
            return Err(invalid(format!(
                "a user's subject cannot start with `{service}`: a service account's keys act \
                 as `{service}<name>`; call `.service()` with the account's name"
            )));
        }
        authx_spec::scope::parse_list(&self.scopes).map_err(|errors| {
            let each: Vec<String> = errors.into_iter().map(|(_, e)| e.message).collect();
            invalid(each.join("; "))
        })?;
        // Stored in its canonical form (`1000/60s`, `5/500ms`), which every store reads back.
        let rate = match &self.rate {
            Some(rate) => Some(
                authx_spec::RateSpec::parse(rate)
                    .map_err(|e| invalid(e.message))?
                    .to_string(),
            ),
            None => None,
        };
        TrustedProxies::parse(&self.allowed_ips).map_err(|_| {
            invalid(format!(
                "{:?}: addresses or CIDR networks",
                self.allowed_ips
            ))
        })?;
        let key = format::generate(&config.prefix).map_err(ApiKeyError::Random)?;
        let id = format::new_id().map_err(ApiKeyError::Random)?;
        let digest = format::digest(pepper.expose().as_bytes(), &key);
        let mut record = ApiKeyRecord::new(id, digest, self.owner, self.name, self.auth.now());
        record.service = self.service;
        record.scopes = self.scopes;
        record.expires_at = self.expires_at;
        record.rate = rate;
        record.allowed_ips = self.allowed_ips;
        self.auth.inner.stores.api_keys.create_key(&record).await?;
        Ok(IssuedApiKey::new(key, record))
    }
}
