//! The route audit: requests every mounted route must refuse, sent through the app's own
//! `Router` (no server, no network).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Method, Request, StatusCode};
use tower_service::Service;

use crate::Auth;
use crate::config::TokenLocation;
use crate::guard::{RateRule, Rules};
use crate::registry::{self, Decision, RouteEntry};
use crate::token::TokenType;

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

/// A token to send.
struct Credential {
    token: String,
}

struct Probe<'a> {
    app: Router,
    auth: &'a Auth,
    next_client: AtomicU32,
}

impl Probe<'_> {
    async fn protected(
        &mut self,
        target: &Target,
        rules: &'static Rules,
        twins: &[&str],
        report: &mut AuditReport,
    ) {
        let bare = self.send(target, rules, None, None).await;
        if is_unmounted(&bare) {
            report.unmounted.push(target.label.clone());
            return;
        }
        let mut route = AuditedRoute {
            label: target.label.clone(),
            checks: Vec::new(),
        };
        if !twins.is_empty() {
            report.notes.push(format!(
                "{}: {} other handler(s) declare this route ({}); the mounted one answered",
                target.label,
                twins.len(),
                twins.join(", ")
            ));
        }
        self.expect(
            target,
            &mut route,
            report,
            "no token",
            bare,
            401,
            "MissingTokenError",
        );

        // Each token is right in every way but one.
        let (other, expected) = match rules.token_type {
            TokenType::Access => (TokenType::Refresh, "AccessTokenRequiredError"),
            TokenType::Refresh => (TokenType::Access, "RefreshTokenRequiredError"),
        };
        let mut checks = vec![(Wrong::Type, other, "wrong token type", 401, expected)];
        let own = rules.token_type;
        if rules.fresh && own == TokenType::Access {
            let check = "non-fresh token";
            checks.push((Wrong::Fresh, own, check, 401, "FreshTokenRequiredError"));
        }
        if !rules.scopes.is_empty() {
            let check = "token lacking the scopes";
            checks.push((Wrong::Scopes, own, check, 403, "InsufficientScopeError"));
        }
        if rules.kind.is_some() {
            let check = "token of another kind";
            checks.push((Wrong::Kind, own, check, 403, "LoginTypeMismatchError"));
        }
        for (wrong, token_type, check, status, error_type) in checks {
            let token = self.token(token_type, rules, wrong);
            let got = self.send(target, rules, Some(&token), None).await;
            self.expect(target, &mut route, report, check, got, status, error_type);
        }
        report.routes.push(route);
    }

    async fn public(&mut self, target: &Target, rate: &RateRule, report: &mut AuditReport) {
        if rate.count > MAX_PROBED_RATE {
            report.notes.push(format!(
                "{}: a limit of {} requests is above what the audit probes ({MAX_PROBED_RATE})",
                target.label, rate.count
            ));
            return;
        }
        let client = self.client();
        let mut last = None;
        for _ in 0..rate.count {
            let got = self.send(target, &Rules::ACCESS, None, Some(client)).await;
            if is_unmounted(&got) {
                report.unmounted.push(target.label.clone());
                return;
            }
            if got.status == StatusCode::TOO_MANY_REQUESTS {
                last = Some(got);
                break;
            }
        }
        let mut route = AuditedRoute {
            label: target.label.clone(),
            checks: Vec::new(),
        };
        let check = "requests over the rate limit";
        match last {
            // Refused before the limit: another client shared the bucket (a custom key).
            Some(early) => report.inconclusive.push(format!(
                "{}: {check}: refused before the limit ({early})",
                target.label
            )),
            None => {
                let got = self.send(target, &Rules::ACCESS, None, Some(client)).await;
                self.expect(
                    target,
                    &mut route,
                    report,
                    check,
                    got,
                    429,
                    "RateLimitExceeded",
                );
            }
        }
        report.routes.push(route);
    }

    /// Records `check`: passed when `got` is `status` with `error_type`.
    #[allow(clippy::too_many_arguments)]
    fn expect(
        &self,
        target: &Target,
        route: &mut AuditedRoute,
        report: &mut AuditReport,
        check: &'static str,
        got: Answer,
        status: u16,
        error_type: &str,
    ) {
        let rate_limited = got.status == StatusCode::TOO_MANY_REQUESTS && status != 429;
        if rate_limited && target.entry.rate().is_some() {
            report.inconclusive.push(format!(
                "{}: {check}: rate limited before the check ran ({got})",
                target.label
            ));
            return;
        }
        route.checks.push(check);
        if got.status.as_u16() != status || got.error_type.as_deref() != Some(error_type) {
            report.failures.push(AuditFailure {
                route: target.label.clone(),
                check,
                expected: format!("{status} {error_type}"),
                got: got.to_string(),
            });
        }
    }

    /// A fresh client address for every request, so IP limits do not interfere.
    fn client(&self) -> IpAddr {
        let n = self.next_client.fetch_add(1, Ordering::Relaxed);
        // 198.18.0.0/15: reserved for benchmarks, never a real client.
        let [_, _, hi, lo] = (n & 0x1_ffff).to_be_bytes();
        IpAddr::V4(Ipv4Addr::new(198, 18 + (hi & 1), hi, lo))
    }

    /// A token of `token_type` meeting `rules` in every way but `wrong`.
    fn token(&self, token_type: TokenType, rules: &Rules, wrong: Wrong) -> Credential {
        let n = self.next_client.load(Ordering::Relaxed);
        let mut builder = match token_type {
            TokenType::Access => self.auth.access_token(format!("authx-audit-{n}")),
            TokenType::Refresh => self.auth.refresh_token(format!("authx-audit-{n}")),
        }
        .fresh(wrong != Wrong::Fresh)
        .csrf_value(CSRF);
        if wrong != Wrong::Scopes {
            let granted: Vec<&str> = match rules.scope_mode {
                authx_spec::ScopeMode::All => rules.scopes.to_vec(),
                authx_spec::ScopeMode::Any => rules.scopes.iter().take(1).copied().collect(),
            };
            builder = builder.scopes(granted);
        }
        match (wrong, rules.kind) {
            (Wrong::Kind, _) => builder = builder.kind(OTHER_KIND),
            (_, Some(kind)) => builder = builder.kind(kind),
            (_, None) => {}
        }
        let token = builder
            .issue()
            .unwrap_or_else(|e| panic!("the audit cannot mint tokens with this Auth: {e}"));
        Credential { token }
    }

    /// Sends one request to `target`, with `credential` where `rules` looks for a token.
    async fn send(
        &mut self,
        target: &Target,
        rules: &Rules,
        credential: Option<&Credential>,
        client: Option<IpAddr>,
    ) -> Answer {
        if let Some(c) = credential
            && self.auth.config().allowlist
        {
            // An allowlisted token, so the refusal can only come from the check under test.
            if let Ok(claims) = self.auth.verify(&c.token) {
                let _ = self.auth.record_allowed(&claims).await;
            }
        }
        let config = self.auth.config();
        let client = client.unwrap_or_else(|| self.client());
        let mut uri = target.path.clone();
        let mut builder = Request::builder().method(target.method.clone());
        let mut body = Body::empty();
        if let Some(c) = credential {
            let location = rules
                .locations
                .and_then(|l| l.first().copied())
                .or_else(|| config.token_locations.first().copied())
                .unwrap_or(TokenLocation::Headers);
            match location {
                TokenLocation::Headers => {
                    let value = if config.header_type.is_empty() {
                        c.token.clone()
                    } else {
                        format!("{} {}", config.header_type, c.token)
                    };
                    builder = builder.header(config.header_name.as_str(), value);
                }
                TokenLocation::Cookies => {
                    // The cookie the route reads for the type it requires.
                    let name = match rules.token_type {
                        TokenType::Access => &config.cookies.access_cookie_name,
                        TokenType::Refresh => &config.cookies.refresh_cookie_name,
                    };
                    builder = builder
                        .header(http::header::COOKIE, format!("{name}={}", c.token))
                        .header(config.csrf.header_name.as_str(), CSRF);
                }
                TokenLocation::Query => {
                    let query: String = form_urlencoded::Serializer::new(String::new())
                        .append_pair(&config.query_param, &c.token)
                        .finish();
                    uri = format!("{uri}?{query}");
                }
                TokenLocation::Json => {
                    let key = match rules.token_type {
                        TokenType::Access => &config.json_key,
                        TokenType::Refresh => &config.refresh_json_key,
                    };
                    let json = serde_json::json!({ key: c.token });
                    body = Body::from(json.to_string());
                    builder = builder.header(http::header::CONTENT_TYPE, "application/json");
                }
            }
        }
        let mut request = match builder.uri(uri).body(body) {
            Ok(r) => r,
            Err(e) => {
                return Answer {
                    status: StatusCode::BAD_REQUEST,
                    error_type: Some(format!("(the audit built a bad request: {e})")),
                };
            }
        };
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, 4711)));
        let ready = std::future::poll_fn(|cx| {
            <Router as Service<Request<Body>>>::poll_ready(&mut self.app, cx)
        });
        let response = match ready.await {
            Ok(()) => match self.app.call(request).await {
                Ok(r) => r,
                Err(never) => match never {},
            },
            Err(never) => match never {},
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
            .await
            .unwrap_or_default();
        let error_type = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("error_type")?.as_str().map(str::to_owned));
        Answer { status, error_type }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wrong {
    Type,
    Fresh,
    Scopes,
    Kind,
}

/// axum's own answer for a path or method it does not route: an empty 404 or 405.
fn is_unmounted(answer: &Answer) -> bool {
    matches!(
        answer.status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ) && answer.error_type.is_none()
}

/// What [`audit_routes`] found. [`assert_ok`](Self::assert_ok) panics with every failure at
/// once; `Display` prints the whole report.
#[derive(Debug, Default)]
pub struct AuditReport {
    lenient: bool,
    routes: Vec<AuditedRoute>,
    failures: Vec<AuditFailure>,
    unmounted: Vec<String>,
    unprobed: Vec<String>,
    inconclusive: Vec<String>,
    notes: Vec<String>,
}

/// A route the audit probed, and the checks it ran.
#[derive(Debug, Clone)]
pub struct AuditedRoute {
    /// `METHOD /path (module::handler)`.
    pub label: String,
    /// The checks that ran (`no token`, `wrong token type`...).
    pub checks: Vec<&'static str>,
}

/// A request a route should have refused, and did not refuse as it should.
#[derive(Debug, Clone)]
pub struct AuditFailure {
    /// `METHOD /path (module::handler)`.
    pub route: String,
    /// The check (`no token`, `wrong token type`, `non-fresh token`, `token lacking the
    /// scopes`, `token of another kind`, `requests over the rate limit`).
    pub check: &'static str,
    /// The status and `error_type` expected.
    pub expected: String,
    /// What the route answered.
    pub got: String,
}

impl AuditReport {
    /// The routes probed.
    pub fn routes(&self) -> &[AuditedRoute] {
        &self.routes
    }

    /// Every failed check.
    pub fn failures(&self) -> &[AuditFailure] {
        &self.failures
    }

    /// Registered routes the router does not mount.
    pub fn unmounted(&self) -> &[String] {
        &self.unmounted
    }

    /// Guarded handlers without a `route`, which the audit cannot find in the router.
    pub fn unprobed(&self) -> &[String] {
        &self.unprobed
    }

    /// Checks a rate limit answered before they could run (a custom rate key shared by the
    /// audit's requests).
    pub fn inconclusive(&self) -> &[String] {
        &self.inconclusive
    }

    /// No check failed, at least one route was probed, and (unless the audit was
    /// [lenient](RouteAudit::lenient)) every registered route could be checked: none
    /// unmounted, none without a `route`, no check inconclusive.
    pub fn is_ok(&self) -> bool {
        let complete =
            self.unmounted.is_empty() && self.unprobed.is_empty() && self.inconclusive.is_empty();
        self.failures.is_empty() && !self.routes.is_empty() && (self.lenient || complete)
    }

    /// Panics, listing every failure (and the report), unless [`is_ok`](Self::is_ok).
    #[track_caller]
    pub fn assert_ok(&self) {
        assert!(self.is_ok(), "authx route audit failed:\n{self}");
    }
}

impl fmt::Display for AuditReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let checks: usize = self.routes.iter().map(|r| r.checks.len()).sum();
        writeln!(
            f,
            "{} route(s) probed, {checks} check(s), {} failure(s)",
            self.routes.len(),
            self.failures.len()
        )?;
        if self.routes.is_empty() {
            writeln!(
                f,
                "  no route was probed: is this the app's Router, are its handlers marked with \
                 `route = \"METHOD /path\"`?"
            )?;
        }
        for x in &self.failures {
            writeln!(
                f,
                "  FAIL {}: {}: expected {}, got {}",
                x.route, x.check, x.expected, x.got
            )?;
        }
        for x in &self.inconclusive {
            writeln!(f, "  inconclusive {x}")?;
        }
        for x in &self.notes {
            writeln!(f, "  note {x}")?;
        }
        for x in &self.unprobed {
            writeln!(f, "  not probed (no route = \"...\"): {x}")?;
        }
        for x in &self.unmounted {
            writeln!(f, "  not mounted in this router: {x}")?;
        }
        Ok(())
    }
}
