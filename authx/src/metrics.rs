//! Metrics (cargo feature `metrics`), through the [`metrics`](https://docs.rs/metrics) facade:
//! install any recorder (`metrics-exporter-prometheus`, for instance) and these appear.
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `authx_decisions_total` | counter | `route`, `outcome` (`allowed`, `refused`), `error_type` (`none` when allowed) |
//! | `authx_decision_seconds` | histogram | `outcome` |
//! | `authx_store_call_seconds` | histogram | `backend` (`sqlite`, `postgres`, `redis`; in-process `memory` calls are not timed) |
//! | `authx_store_errors_total` | counter | `backend`, `kind` (`timeout`, `unavailable`, `full`, `config`) |
//! | `authx_rate_limited_total` | counter | `route` |
//! | `authx_jwks_fetches_total` | counter | `issuer` (as configured), `outcome` (`ok`, `error`) |
//!
//! Label values are bounded: a route is its guard's handler path or the matched route template
//! (`unmatched` before routing), never a raw path; no label carries a token, a subject, an
//! address or any other value a client chooses. Without the feature every call below is empty.

#![cfg_attr(not(feature = "metrics"), allow(unused_variables))]

use std::time::Duration;

use crate::store::StoreError;

/// One auth decision.
pub(crate) fn decision(route: &str, error_type: Option<&'static str>, elapsed: Duration) {
    #[cfg(feature = "metrics")]
    {
        let outcome = if error_type.is_some() {
            "refused"
        } else {
            "allowed"
        };
        ::metrics::counter!(
            "authx_decisions_total",
            "route" => route.to_owned(),
            "outcome" => outcome,
            "error_type" => error_type.unwrap_or("none"),
        )
        .increment(1);
        ::metrics::histogram!("authx_decision_seconds", "outcome" => outcome)
            .record(elapsed.as_secs_f64());
    }
}

/// One store call of `backend`, and its result; `elapsed` when it was timed.
pub(crate) fn store_call<T>(
    backend: &'static str,
    elapsed: Option<Duration>,
    result: &Result<T, StoreError>,
) {
    #[cfg(feature = "metrics")]
    {
        if let Some(elapsed) = elapsed {
            ::metrics::histogram!("authx_store_call_seconds", "backend" => backend)
                .record(elapsed.as_secs_f64());
        }
        if let Err(e) = result {
            let kind = match e {
                StoreError::Timeout(_) => "timeout",
                StoreError::Unavailable(_) => "unavailable",
                StoreError::Full(_) => "full",
                _ => "config",
            };
            ::metrics::counter!("authx_store_errors_total", "backend" => backend, "kind" => kind)
                .increment(1);
        }
    }
}

/// A request refused by a rate limit on `route`.
pub(crate) fn rate_limited(route: &str) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!("authx_rate_limited_total", "route" => route.to_owned()).increment(1);
}

/// One fetch of an identity provider's keys.
#[cfg(feature = "jwks")]
pub(crate) fn jwks_fetch(issuer: &str, ok: bool) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!(
        "authx_jwks_fetches_total",
        "issuer" => issuer.to_owned(),
        "outcome" => if ok { "ok" } else { "error" },
    )
    .increment(1);
}
