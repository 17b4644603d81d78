//! Auth decision events: one `tracing` event (target `authx`, name and message
//! `auth decision`, level `DEBUG`) per decision the pipeline takes, with the fields `route`
//! (the guard's route id, or the matched route template), `method`, `path`, `subject` (when a
//! token verified), `api_key` (the id of the API key the request came with, if one),
//! `outcome` (`allowed` or `refused`), `error_type` and `status` (when
//! refused) and `duration_us`. Never a token, a secret, a CSRF value or a cookie. When no
//! subscriber wants the event, nothing is measured or formatted.

use std::time::Instant;

use http::request::Parts;

use super::verification::{Passed, Refusal};
use crate::error::AuthError;
use crate::token::Claims;

/// The route template axum matched (`/users/{id}`), when routing ran before us.
pub(crate) fn route_template(parts: &Parts) -> Option<&str> {
    parts
        .extensions
        .get::<axum::extract::MatchedPath>()
        .map(axum::extract::MatchedPath::as_str)
}

/// The route a decision is about: the matched template, else `unmatched` (never the raw path,
/// which a client chooses: the event's `path` field has it).
pub(crate) fn route_of(parts: &Parts) -> String {
    route_template(parts).unwrap_or("unmatched").to_owned()
}

/// The start of a decision, or `None` when nobody listens (no tracing subscriber wants the
/// event, and metrics are compiled out).
pub(crate) fn start() -> Option<Instant> {
    (cfg!(feature = "metrics") || tracing::enabled!(target: "authx", tracing::Level::DEBUG))
        .then(Instant::now)
}

/// Emits the decision event of a pipeline outcome that began at `started`.
pub(crate) fn record(
    started: Option<Instant>,
    parts: &Parts,
    route: &str,
    outcome: &Result<Passed, Refusal>,
) {
    let (claims, error) = match outcome {
        Ok(v) => (Some(&*v.claims), None),
        Err(r) => (r.claims.as_deref(), Some(&r.error)),
    };
    event(started, parts, route, claims, error);
}

/// Emits the decision event for a decision that began at `started`.
pub(crate) fn event(
    started: Option<Instant>,
    parts: &Parts,
    route: &str,
    claims: Option<&Claims>,
    error: Option<&AuthError>,
) {
    let Some(started) = started else {
        return;
    };
    let elapsed = started.elapsed();
    crate::metrics::decision(route, error.map(AuthError::error_type), elapsed);
    let api_key = claims.and_then(|c| super::api_key::KeyUsed::of(parts, c));
    if let Some(key) = api_key {
        crate::metrics::api_key(&key.id, error.is_none());
    }
    if !tracing::enabled!(target: "authx", tracing::Level::DEBUG) {
        return;
    }
    let duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let subject = claims.map(|c| c.sub.as_str());
    let api_key = api_key.map(|k| &*k.id);
    let method = parts.method.as_str();
    // The path only: the query may carry a token.
    let path = parts.uri.path();
    match error {
        None => tracing::event!(
            name: "auth decision",
            target: "authx",
            tracing::Level::DEBUG,
            route,
            method,
            path,
            subject,
            api_key,
            outcome = "allowed",
            duration_us,
            "auth decision"
        ),
        Some(e) => tracing::event!(
            name: "auth decision",
            target: "authx",
            tracing::Level::DEBUG,
            route,
            method,
            path,
            subject,
            api_key,
            outcome = "refused",
            error_type = e.error_type(),
            status = e.status().as_u16(),
            duration_us,
            "auth decision"
        ),
    }
}
