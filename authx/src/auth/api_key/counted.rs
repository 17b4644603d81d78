//! What a key's lookup counted: its record read alone or with its liveness and limits in one
//! round trip ([`ApiKeyStore::key_within_rate`](crate::store::ApiKeyStore::key_within_rate)),
//! and the key's own limit (its tier) when the lookup did not count it.

use http::request::Parts;

use super::TIER_ROUTE;
use crate::auth::Auth;
use crate::auth::verification::RateCharge;
use crate::error::{ApiKeyFailure, AuthError};
use crate::guard::{RateKeyRule, RateRule};
use crate::rate::RateDecision;
use crate::store::{ApiKeyRecord, KeyCharge, KeyChecked, KeyTrip};
use crate::token::Claims;

impl Auth {
    /// The liveness and limits the lookup's round trip answered (`checked`), as
    /// [`KeyPassed::counted`]; `route` is the route's limit when the trip counted it. A key
    /// only read has its tier counted here, and its liveness and the route's limit are left
    /// to the liveness step.
    pub(super) async fn counted(
        &self,
        parts: &Parts,
        record: &ApiKeyRecord,
        claims: &Claims,
        checked: KeyChecked,
        route: Option<RateCharge<'_>>,
    ) -> Result<Option<Option<RateDecision>>, AuthError> {
        let KeyChecked::Counted(decisions) = checked else {
            if checked == KeyChecked::Revoked {
                return Err(AuthError::Revoked);
            }
            self.tier_step(parts, record, claims).await?;
            return Ok(None);
        };
        let mut decisions = decisions.into_iter();
        if let Some(tier) = decisions.next().flatten() {
            self.rate_outcome(TIER_ROUTE, Ok(tier))?;
        }
        let Some(charge) = route else {
            return Ok(Some(None));
        };
        let decided = decisions.next().flatten().ok_or_else(|| {
            AuthError::StoreUnavailable(crate::store::StoreError::unavailable(
                "the key script counted no route",
            ))
        })?;
        Ok(Some(self.rate_outcome(charge.route, Ok(decided))?))
    }

    /// The record of `digest`: with its liveness and `charges` in one round trip where the
    /// key store is the revocation store and rate limiter, else only read.
    pub(super) async fn find_key(
        &self,
        digest: &str,
        charges: &[KeyCharge<'_>],
    ) -> Result<KeyTrip, crate::store::StoreError> {
        let store = &self.inner.stores.api_keys;
        if self.inner.key_trip
            && let Some(found) = store.key_within_rate(digest, self.now(), charges).await
        {
            return found;
        }
        Ok(match store.key_by_digest(digest).await? {
            Some(record) => KeyTrip::Found(Box::new(record), KeyChecked::Read),
            None => KeyTrip::Unknown,
        })
    }

    /// The key's own rate limit (its tier), per key, when the lookup did not count it.
    async fn tier_step(
        &self,
        parts: &Parts,
        record: &ApiKeyRecord,
        claims: &Claims,
    ) -> Result<(), AuthError> {
        let Some(spec) = &record.rate else {
            return Ok(());
        };
        // Checked when the key was created; a tier that no longer parses allows nothing.
        let spec = authx_spec::RateSpec::parse(spec)
            .map_err(|_| AuthError::ApiKey(ApiKeyFailure::Invalid))?;
        let tier = RateRule {
            count: spec.count,
            window_ms: spec.window_millis(),
            key: RateKeyRule::ApiKey,
        };
        self.check_rate(parts, TIER_ROUTE, &tier, Some(claims))
            .await?;
        Ok(())
    }
}
