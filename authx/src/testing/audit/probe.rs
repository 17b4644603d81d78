//! The requests of the audit: tokens right in every way but one, sent through the router.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, StatusCode};
use tower_service::Service;

use super::{
    Answer, AuditFailure, AuditReport, AuditedRoute, CSRF, MAX_PROBED_RATE, OTHER_KIND, Target,
    Wrong, is_unmounted,
};
use crate::Auth;
use crate::config::TokenLocation;
use crate::guard::{RateRule, Rules};
use crate::token::TokenType;

/// A token to send.
struct Credential {
    token: String,
}

pub(super) struct Probe<'a> {
    pub(super) app: Router,
    pub(super) auth: &'a Auth,
    pub(super) next_client: AtomicU32,
}

impl Probe<'_> {
    pub(super) async fn protected(
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
        // A route that takes only API keys: it must answer for a missing key, and a bearer
        // token (right in every way) must not open it.
        if !rules.credentials.takes(crate::guard::Credentials::BEARER) {
            let missing = "MissingApiKeyError";
            self.expect(target, &mut route, report, "no API key", bare, 401, missing);
            let token = self.token(rules.token_type, rules, Wrong::Nothing);
            let got = self.send(target, rules, Some(&token), None).await;
            let check = "bearer token on an API-key route";
            self.expect(target, &mut route, report, check, got, 401, missing);
            report.routes.push(route);
            return;
        }
        self.expect(
            target,
            &mut route,
            report,
            "no token",
            bare,
            401,
            if rules.verify_type {
                "MissingTokenError"
            } else {
                "TokenRequiredError"
            },
        );

        // A DPoP route takes no bearer token at all: one check says so, the others would only
        // repeat it (the audit holds no client key to make proofs with).
        if rules.dpop {
            let good = self.token(rules.token_type, rules, Wrong::Nothing);
            let got = self.send(target, rules, Some(&good), None).await;
            let check = "bearer token on a DPoP route";
            self.expect(
                target,
                &mut route,
                report,
                check,
                got,
                401,
                "InvalidDPoPBindingError",
            );
            report.routes.push(route);
            return;
        }
        // Each token is right in every way but one.
        let (other, expected) = match rules.token_type {
            TokenType::Access => (TokenType::Refresh, "AccessTokenRequiredError"),
            TokenType::Refresh => (TokenType::Access, "RefreshTokenRequiredError"),
        };
        // `verify_type = false` routes take either type: nothing to refuse there.
        let mut checks = Vec::new();
        if rules.verify_type {
            checks.push((Wrong::Type, other, "wrong token type", 401, expected));
        }
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
        let step_up = "InsufficientUserAuthenticationError";
        if rules.max_age.is_some() {
            checks.push((
                Wrong::StaleLogin,
                own,
                "login older than max_age",
                401,
                step_up,
            ));
        }
        if !rules.acr.is_empty() {
            checks.push((Wrong::Acr, own, "token of another acr", 401, step_up));
        }
        if !rules.amr.is_empty() {
            let check = "token lacking an amr method";
            checks.push((Wrong::Amr, own, check, 401, step_up));
        }
        for (wrong, token_type, check, status, error_type) in checks {
            let token = self.token(token_type, rules, wrong);
            let got = self.send(target, rules, Some(&token), None).await;
            self.expect(target, &mut route, report, check, got, status, error_type);
        }
        report.routes.push(route);
    }

    pub(super) async fn public(
        &mut self,
        target: &Target,
        rate: &RateRule,
        report: &mut AuditReport,
    ) {
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
        if let Some(max_age) = rules.max_age {
            let now = self.auth.clock().now();
            let age = if wrong == Wrong::StaleLogin {
                i64::try_from(max_age)
                    .unwrap_or(i64::MAX)
                    .saturating_add(60)
            } else {
                0
            };
            builder = builder.auth_time(now.saturating_sub(age));
        }
        match (wrong, rules.acr.first()) {
            (Wrong::Acr, _) => builder = builder.acr(OTHER_KIND),
            (_, Some(acr)) => builder = builder.acr(*acr),
            (_, None) => {}
        }
        // Every method but the first, for the token that lacks one.
        let skip = usize::from(wrong == Wrong::Amr);
        if !rules.amr.is_empty() {
            builder = builder.amr(rules.amr.iter().skip(skip).copied());
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
