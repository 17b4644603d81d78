//! [`Auth::run`]: the steps of a [`Verification`], in order.

use std::sync::Arc;

use http::request::Parts;

use super::{Csrf, Dpop, Live, Passed, Refusal, Source, Verification, check_claims};
use crate::auth::Auth;
use crate::error::{ApiKeyFailure, AuthError, DecodeFailure};
use crate::guard::{Credentials, RateKeyRule};
use crate::rate::RateDecision;
use crate::request::cache::{self, Place};
use crate::request::locate;
use crate::token::{Claims, TokenType};

/// A request carrying a bearer token and an API key.
const AMBIGUOUS: AuthError = AuthError::Decode(DecodeFailure::Malformed);

/// A `#[protect(dpop)]` route got a token without the DPoP scheme.
const DPOP_REQUIRED: AuthError = AuthError::InvalidDpopBinding {
    reason: "this route needs a DPoP-bound token, sent as `Authorization: DPoP` with a proof",
};

impl Auth {
    /// Runs a verification that needs no request (a given token, decoded claims).
    pub(crate) async fn run_detached(&self, v: Verification<'_>) -> Result<Claims, AuthError> {
        match self.run(None, v).await {
            Ok(passed) => Ok(Arc::unwrap_or_clone(passed.claims)),
            Err(refusal) => Err(refusal.error),
        }
    }

    /// Runs `v`, every step in the order of the [module docs](self). `parts` is the request,
    /// when there is one; a `Located` source, `Csrf::Request` and `Dpop::Proof` need it.
    pub(crate) async fn run(
        &self,
        mut parts: Option<&mut Parts>,
        mut v: Verification<'_>,
    ) -> Result<Passed, Refusal> {
        let config = self.config();
        // Liveness and the route's limit, when a key's lookup counted them in its round trip.
        let mut counted = None;
        let (claims, found) = match v.source {
            Source::Given(token) => (self.verify_token(token).await?, None),
            Source::Decoded(claims) => {
                // An API key's claims held past their request (a WebSocket's): the key's
                // record is read again, and stands in for the allowlist.
                if super::super::api_key::is_key_claims(claims) {
                    self.recheck_api_key(claims).await?;
                    v.allowlist = false;
                }
                (Arc::new(claims.clone()), None)
            }
            Source::Located {
                locations,
                token_type,
                missing,
                credentials,
            } => {
                let Some(parts) = parts.as_deref_mut() else {
                    return Err(
                        AuthError::Internal("a located token needs a request".into()).into(),
                    );
                };
                let locations = locations.unwrap_or(&config.token_locations);
                let found = match credentials.takes(Credentials::BEARER) {
                    true => locate::locate(parts, config, token_type, locations)?,
                    false => None,
                };
                let key = match credentials.takes(Credentials::API_KEY) {
                    true => locate::api_key(parts, config)?.map(Box::<str>::from),
                    false => None,
                };
                match (found, key) {
                    // Two credentials in one request: which one the route answers for would
                    // be a guess (RFC 6750 section 2: one method per request).
                    (Some(_), Some(_)) => return Err(AMBIGUOUS.into()),
                    (None, Some(key)) => {
                        if v.dpop == (Dpop::Proof { required: true }) {
                            return Err(DPOP_REQUIRED.into());
                        }
                        let at = At {
                            token: key,
                            place: Place::ApiKey,
                        };
                        if let Some(hit) = cache::get(parts, &at.token, at.place) {
                            return self.rerun(parts, v, at, hit).await;
                        }
                        // A key is on no allowlist: its record is what says it is good.
                        v.allowlist = false;
                        let passed = self.verify_api_key(parts, &at.token, v.rate).await?;
                        counted = passed.counted;
                        (passed.claims, Some(at))
                    }
                    (None, None) if credentials == Credentials::API_KEY => {
                        return Err(AuthError::ApiKey(ApiKeyFailure::Missing).into());
                    }
                    (None, None) => return Err(missing().into()),
                    (Some(found), None) => {
                        if v.dpop == (Dpop::Proof { required: true }) && !found.dpop {
                            return Err(DPOP_REQUIRED.into());
                        }
                        let at = At {
                            token: found.token.into(),
                            place: Place::Token {
                                location: found.location,
                                dpop: found.dpop,
                            },
                        };
                        if let Some(hit) = cache::get(parts, &at.token, at.place) {
                            return self.rerun(parts, v, at, hit).await;
                        }
                        (self.verify_token(&at.token).await?, Some(at))
                    }
                }
            }
        };
        let refuse = |error| Refusal {
            error,
            claims: Some(claims.clone()),
        };
        check_claims(v.expect, false, &claims).map_err(refuse)?;
        let csrf = self
            .csrf_step(parts.as_deref(), &v, found.as_ref(), &claims)
            .map_err(refuse)?;
        self.dpop_step(parts.as_deref_mut(), v.dpop, found.as_ref(), &claims)
            .await
            .map_err(refuse)?;
        let rate = match counted {
            Some(rate) => rate,
            None => self
                .live_step(parts.as_deref(), &v, v.live, &claims)
                .await
                .map_err(refuse)?,
        };
        if let (Some(at), Some(parts)) = (found, parts) {
            if let Some(sid) = &claims.sid {
                self.touch_later(sid);
            }
            cache::put(parts, &at.token, at.place, claims.clone(), csrf);
        }
        // Freshness last: a retired refresh token presented to a route that wants a fresh
        // token of either type is reuse (step 6), whatever else it lacks.
        check_claims(None, v.fresh, &claims).map_err(refuse)?;
        Ok(Passed {
            claims,
            rate,
            cached: false,
        })
    }

    /// A located token this request already verified: its signature, claims, DPoP proof and
    /// liveness stand; what this door adds (type, freshness, CSRF, its rate limit) runs.
    async fn rerun(
        &self,
        parts: &mut Parts,
        v: Verification<'_>,
        at: At,
        hit: cache::Hit,
    ) -> Result<Passed, Refusal> {
        let claims = hit.claims;
        let refuse = |error| Refusal {
            error,
            claims: Some(claims.clone()),
        };
        check_claims(v.expect, false, &claims).map_err(refuse)?;
        if !hit.csrf_passed
            && self
                .csrf_step(Some(parts), &v, Some(&at), &claims)
                .map_err(refuse)?
        {
            cache::put(parts, &at.token, at.place, claims.clone(), true);
        }
        let rate = self
            .live_step(Some(parts), &v, Live::Skip, &claims)
            .await
            .map_err(refuse)?;
        check_claims(None, v.fresh, &claims).map_err(refuse)?;
        Ok(Passed {
            claims,
            rate,
            cached: true,
        })
    }

    /// Step 4. Whether the check ran and passed (a located token is cached with that).
    fn csrf_step(
        &self,
        parts: Option<&Parts>,
        v: &Verification<'_>,
        found: Option<&At>,
        claims: &Claims,
    ) -> Result<bool, AuthError> {
        let config = self.config();
        if !config.csrf.enabled {
            return Ok(false);
        }
        let (method, header) = match (v.csrf, found, parts) {
            (Csrf::Off, ..) => return Ok(false),
            (Csrf::Given { method, header }, ..) => (method, header),
            (Csrf::Request, Some(at), Some(parts)) if at.place.is_cookie() => {
                let header = parts
                    .headers
                    .get(config.csrf.header_name.as_str())
                    .map(http::HeaderValue::as_bytes);
                (&parts.method, header)
            }
            (Csrf::Request, ..) => return Ok(false),
        };
        crate::cookies::check_csrf_value(config, method, header, claims.csrf.as_deref())?;
        Ok(true)
    }

    /// Step 5: a `DPoP`-scheme token's proof, the binding (a bound token only with a proof of
    /// its key, a proof only with a bound token), then the proof's `jti` recorded once.
    #[cfg(feature = "oauth")]
    async fn dpop_step(
        &self,
        parts: Option<&mut Parts>,
        dpop: Dpop,
        found: Option<&At>,
        claims: &Claims,
    ) -> Result<(), AuthError> {
        if dpop == Dpop::NotChecked {
            return Ok(());
        }
        let (proof, parts) = match (dpop, found, parts) {
            (Dpop::Proof { .. }, Some(at), Some(parts)) if at.place.is_dpop() => {
                (Some(self.request_proof(parts, &at.token)?), Some(parts))
            }
            _ => (None, None),
        };
        crate::dpop::check_binding(claims, proof.as_ref())?;
        if let (Some(proof), Some(parts)) = (proof, parts) {
            self.record_proof(parts, &proof).await?;
        }
        Ok(())
    }

    /// Step 5 without the `oauth` feature: no proof can be verified, so a `DPoP`-scheme token
    /// and a bound token are refused.
    #[cfg(not(feature = "oauth"))]
    async fn dpop_step(
        &self,
        _parts: Option<&mut Parts>,
        dpop: Dpop,
        found: Option<&At>,
        claims: &Claims,
    ) -> Result<(), AuthError> {
        if dpop == Dpop::NotChecked {
            return Ok(());
        }
        if found.is_some_and(|at| at.place.is_dpop()) {
            return Err(AuthError::InvalidDpopProof {
                reason: "this server was built without DPoP support (authx feature `oauth`)",
            });
        }
        if claims.dpop_jkt().is_some() {
            return Err(AuthError::InvalidDpopBinding {
                reason: "this token is DPoP-bound, and this server verifies no DPoP proofs",
            });
        }
        Ok(())
    }

    /// Step 6: liveness, the allowlist, and the rate limit charged with them.
    async fn live_step(
        &self,
        parts: Option<&Parts>,
        v: &Verification<'_>,
        live: Live,
        claims: &Claims,
    ) -> Result<Option<RateDecision>, AuthError> {
        let allowlist = v.allowlist && self.config().allowlist;
        let rate = v.rate.zip(parts);
        if live == Live::Enforce
            && !allowlist
            && claims.token_type == TokenType::Access
            && let Some((charge, parts)) = rate
            && !matches!(charge.rule.key, RateKeyRule::Ip)
            && let Some(decided) = self.live_and_counted(parts, charge, claims).await
        {
            return decided;
        }
        match live {
            Live::Enforce => self.ensure_claims_not_revoked(claims).await?,
            Live::ReadOnly => self.ensure_not_retired(claims).await?,
            Live::Skip => {}
        }
        if allowlist && live != Live::Skip {
            self.ensure_allowed(claims).await?;
        }
        match rate {
            Some((charge, parts)) => {
                self.check_rate(parts, charge.route, charge.rule, Some(claims))
                    .await
            }
            None => Ok(None),
        }
    }
}

/// A located credential and where it was found.
struct At {
    token: Box<str>,
    place: Place,
}
