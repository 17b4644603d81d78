//! The route audit: requests every mounted route must refuse, sent through the app's own
//! `Router` (no server, no network).

mod probe;
mod report;

use std::fmt;
use std::sync::atomic::AtomicU32;

use axum::Router;
use http::{Method, StatusCode};

use crate::Auth;
use crate::registry::{self, Decision, RouteEntry};
use probe::Probe;
pub use report::{AuditFailure, AuditReport, AuditedRoute};

/// The CSRF value of the audit's tokens, sent in the CSRF header with cookie tokens.
const CSRF: &str = "authx-audit-csrf";

/// The user kind a token of the wrong kind carries.
const OTHER_KIND: &str = "authx-audit-other-kind";

/// A public route's limit above this many requests is not probed (it would take too long).
const MAX_PROBED_RATE: u32 = 1_000;

/// Audits every `#[protect]` and `#[public(rate)]` route of `app` that the registry knows
/// and `app` mounts. Shorthand for `RouteAudit::new(app, auth).run()`.
///
/// `auth` must be the engine in `app`'s state (its keys mint the test tokens, its
/// configuration says where tokens travel).
pub async fn audit_routes(app: &Router, auth: &Auth) -> AuditReport {
    RouteAudit::new(app, auth).run().await
}

/// A route audit, to narrow before running: see [`audit_routes`].
///
/// For every `#[protect]` route it sends, each of which must be refused with the right status
/// and `error_type`:
///
/// | request | expected |
/// |---|---|
/// | no token | `401 MissingTokenError` |
/// | a refresh token on an access route | `401 AccessTokenRequiredError` |
/// | an access token on a refresh route | `401 RefreshTokenRequiredError` |
/// | a non-fresh token on a `fresh` route | `401 FreshTokenRequiredError` |
/// | a login older than a route's `max_age`, an `acr` it does not accept, an `amr` lacking one of its methods | `401 InsufficientUserAuthenticationError` |
/// | a bearer token on a `dpop` route (its only check) | `401 InvalidDPoPBindingError` |
/// | a token lacking the required scopes | `403 InsufficientScopeError` |
/// | a token of another `kind` | `403 LoginTypeMismatchError` |
///
/// Each of these tokens is otherwise right (type, freshness, scopes, kind, CSRF header), so the
/// refusal can only come from the check under test. For every `#[public(rate = "N/...")]`
/// route it sends `N + 1` requests from one client and expects the last to be refused with
/// `429 RateLimitExceeded`.
///
/// Routes are found in the registry and probed at their declared `route` (path parameters
/// filled with `1`). Every request comes from its own client address and subject, so the
/// app's rate limits do not get in the way.
///
/// The audit fails, besides on a wrong answer, on what it could not check: a registered route
/// the `Router` does not mount (axum's empty `404`/`405`: a router nested under a prefix, or
/// another app's handler in the same binary: narrow with [`module`](Self::module)), a guarded
/// handler without a `route` (it cannot be found), and a check a custom rate key answered
/// before it ran. [`lenient`](Self::lenient) reports those without failing. Handlers that carry
/// no authx attribute are not in the registry, hence out of its reach: `routes!` refuses to
/// mount them.
#[derive(Debug)]
pub struct RouteAudit<'a> {
    app: &'a Router,
    auth: &'a Auth,
    module: Option<String>,
    lenient: bool,
}

impl<'a> RouteAudit<'a> {
    /// An audit of `app`, whose state holds `auth`.
    pub fn new(app: &'a Router, auth: &'a Auth) -> Self {
        RouteAudit {
            app,
            auth,
            module: None,
            lenient: false,
        }
    }

    /// Audits only the handlers of `module` and its submodules (a module path such as
    /// `my_app::api`; the crate's own name for its root), for a binary holding several apps.
    pub fn module(mut self, module: impl Into<String>) -> Self {
        self.module = Some(module.into());
        self
    }

    /// Reports unmounted routes, handlers without a `route` and inconclusive checks without
    /// failing on them.
    pub fn lenient(mut self) -> Self {
        self.lenient = true;
        self
    }

    /// Sends the requests and collects every finding.
    pub async fn run(self) -> AuditReport {
        let mut report = AuditReport {
            lenient: self.lenient,
            ..AuditReport::default()
        };
        let mut probe = Probe {
            app: self.app.clone(),
            auth: self.auth,
            next_client: AtomicU32::new(0),
        };
        let entries: Vec<&'static RouteEntry> = registry::entries()
            .into_iter()
            .filter(|e| {
                self.module.as_deref().is_none_or(|m| {
                    e.module == m
                        || e.module
                            .strip_prefix(m)
                            .is_some_and(|rest| rest.starts_with("::"))
                })
            })
            .collect();
        for entry in &entries {
            let Some(route) = entry.route else {
                if !entry.is_public() || entry.rate().is_some() {
                    report.unprobed.push(name(entry));
                }
                continue;
            };
            let twins: Vec<&str> = entries
                .iter()
                .filter(|e| e.route == Some(route) && !std::ptr::eq(**e, *entry))
                .map(|e| e.handler)
                .collect();
            let target = Target::new(entry, route);
            match entry.decision {
                Decision::Protected(rules) => {
                    probe.protected(&target, rules, &twins, &mut report).await;
                }
                Decision::Public { rate: Some(rate) } => {
                    probe.public(&target, &rate, &mut report).await;
                }
                Decision::Public { rate: None } => {}
            }
        }
        report
    }
}

/// One route under audit.
struct Target {
    entry: &'static RouteEntry,
    method: Method,
    path: String,
    label: String,
}

impl Target {
    fn new(entry: &'static RouteEntry, route: &'static str) -> Self {
        let method = entry
            .method()
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .unwrap_or(Method::GET);
        let path = entry
            .path()
            .unwrap_or("/")
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        Target {
            entry,
            method,
            path,
            label: format!("{route} ({})", name(entry)),
        }
    }
}

fn name(entry: &RouteEntry) -> String {
    format!("{}::{}", entry.module, entry.handler)
}

/// What one request got.
struct Answer {
    status: StatusCode,
    error_type: Option<String>,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_type {
            Some(t) => write!(f, "{} {t}", self.status.as_u16()),
            None => write!(f, "{} (no authx error body)", self.status.as_u16()),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wrong {
    Type,
    Fresh,
    Scopes,
    Kind,
    /// A login older than the route's `max_age`.
    StaleLogin,
    /// An `acr` the route does not accept.
    Acr,
    /// An `amr` without one of the route's methods.
    Amr,
    /// Nothing: a token meeting every rule.
    Nothing,
}

/// axum's own answer for a path or method it does not route: an empty 404 or 405.
fn is_unmounted(answer: &Answer) -> bool {
    matches!(
        answer.status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) && answer.error_type.is_none()
}
