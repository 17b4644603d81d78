//! [`RedisStore`]'s rate limits: GCRA on Redis's own clock, exact across instances; with a
//! token's revocation keys, its revocation and the limit in the same script; a peek runs the
//! same arithmetic and writes nothing.

use std::time::Duration;

use super::scripts::{GCRA, GCRA_PEEK};
use super::{RedisStore, unavailable};
use crate::store::StoreError;

impl RedisStore {
    /// Runs `script` ([`GCRA`], [`GCRA_PEEK`] or `GCRA_UNLESS_REVOKED`) with `revoked` keys
    /// first, then `session`'s end record, and the rate key of `key` last; `None` when a
    /// revoked key was found or the session was ended.
    pub(super) async fn gcra(
        &self,
        script: &redis::Script,
        revoked: &[&str],
        session: Option<&crate::store::SessionMark<'_>>,
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<Option<crate::store::rate::RateDecision>, StoreError> {
        let window_us = i64::try_from(window.as_micros()).unwrap_or(i64::MAX).max(1);
        let interval = (window_us / i64::from(count.max(1))).max(1);
        let mut invocation = script.prepare_invoke();
        for k in revoked {
            invocation.key(self.revoked_key(k));
        }
        let end = session.map(|s| self.end_check(s));
        if let Some((record, _, _)) = &end {
            invocation.key(record);
        }
        invocation
            .key(format!("{}rate:{key}", self.prefix))
            .arg(interval)
            .arg(window_us);
        if let Some((_, generation, id)) = &end {
            invocation.arg(generation).arg(id);
        }
        let (allowed, remaining, reset, retry): (i64, i64, i64, i64) = invocation
            .invoke_async(&mut self.conn().await?)
            .await
            .map_err(unavailable)?;
        let us = |v: i64| Duration::from_micros(u64::try_from(v).unwrap_or(0));
        Ok(match allowed {
            -1 => None,
            1 => Some(crate::store::rate::RateDecision::allowed(
                count,
                u32::try_from(remaining).unwrap_or(0),
                us(reset),
            )),
            _ => Some(crate::store::rate::RateDecision::refused(
                count,
                us(reset),
                us(retry),
            )),
        })
    }
}

#[async_trait::async_trait]
impl crate::store::rate::RateLimiter for RedisStore {
    async fn check(
        &self,
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<crate::store::rate::RateDecision, StoreError> {
        self.gcra(&GCRA, &[], None, key, count, window)
            .await?
            .ok_or_else(|| StoreError::unavailable("the rate script answered for no key"))
    }

    async fn peek(
        &self,
        key: &str,
        count: u32,
        window: Duration,
    ) -> Result<crate::store::rate::RateDecision, StoreError> {
        self.gcra(&GCRA_PEEK, &[], None, key, count, window)
            .await?
            .ok_or_else(|| StoreError::unavailable("the rate script answered for no key"))
    }
}
