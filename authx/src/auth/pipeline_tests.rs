//! Every refusal of the pipeline, in check order, in process, on a [`ManualClock`]: no HTTP and
//! no sleeping. Expiry, leeway, rate windows and session touches move with the clock.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use http::request::Parts;

use super::Check;
use crate::auth::verification::{Passed as Verified, Refusal};
use crate::clock::{Clock, ManualClock};
use crate::guard::{PolicyDecision, RateKeyRule, Rules};
use crate::store::{RevocationStore, StoreError};
use crate::{Auth, AuthConfig, AuthError, Claims, RefreshClaims, SessionMeta, TokenLocation};

const T0: i64 = 1_800_000_000;

fn engine(
    clock: &ManualClock,
    config: impl FnOnce(crate::config::AuthConfigBuilder) -> crate::config::AuthConfigBuilder,
) -> Auth {
    let base = AuthConfig::builder()
        .secret_key("pipeline-unit-test-secret-0123456789")
        .token_locations([TokenLocation::Headers, TokenLocation::Cookies]);
    Auth::builder(config(base).build())
        .clock(clock.clone())
        .build()
        .unwrap()
}

fn request(method: &str, headers: &[(&str, &str)]) -> Parts {
    let mut b = http::Request::builder().method(method).uri("/r");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let (mut parts, ()) = b.body(()).unwrap().into_parts();
    parts
        .extensions
        .insert(ConnectInfo("192.0.2.1:4711".parse::<SocketAddr>().unwrap()));
    parts
}

fn bearer(token: &str) -> Parts {
    request("GET", &[("authorization", &format!("Bearer {token}"))])
}

async fn run(auth: &Auth, parts: &mut Parts, rules: &Rules) -> Result<Verified, Refusal> {
    auth.pipeline(parts, Check::guard(rules, "r")).await
}

/// The error of a refused request.
async fn refused(auth: &Auth, mut parts: Parts, rules: &Rules) -> AuthError {
    match run(auth, &mut parts, rules).await {
        Ok(v) => panic!("let through: {}", v.claims.sub),
        Err(r) => r.error,
    }
}

fn rules(f: impl FnOnce(crate::guard::RulesBuilder) -> crate::guard::RulesBuilder) -> Rules {
    f(Rules::builder()).build().unwrap()
}

#[tokio::test]
async fn step_1_ip_rate_limits_come_before_the_token() {
    let clock = ManualClock::at(T0);
    let auth = engine(&clock, |c| c);
    let limited = rules(|r| r.rate("1/60s", RateKeyRule::Ip));
    // No token at all: the first request is refused for the token, the second for the rate.
    assert!(matches!(
        refused(&auth, request("GET", &[]), &limited).await,
        AuthError::MissingToken
    ));
    assert!(matches!(
        refused(&auth, request("GET", &[]), &limited).await,
        AuthError::RateLimited { .. }
    ));
    // A minute later, on the clock: the bucket has refilled.
    clock.advance(Duration::from_secs(60));
    assert!(matches!(
        refused(&auth, request("GET", &[]), &limited).await,
        AuthError::MissingToken
    ));
}

#[tokio::test]
async fn step_2_the_token_is_located_decoded_and_verified() {
    let clock = ManualClock::at(T0);
    let auth = engine(&clock, |c| c.leeway(Duration::from_secs(10)));
    let access = &Rules::ACCESS;
    assert!(matches!(
        refused(&auth, request("GET", &[]), access).await,
        AuthError::MissingToken
    ));
    assert!(matches!(
        refused(&auth, bearer("garbage"), access).await,
        AuthError::Decode(_)
    ));
    let other = engine(&clock, |c| {
        c.secret_key("another-secret-0123456789abcdef0123")
    });
    let foreign = other.create_access_token("u").unwrap();
    assert!(matches!(
        refused(&auth, bearer(&foreign), access).await,
        AuthError::InvalidSignature
    ));

    // Expiry and leeway, on the clock.
    let token = auth
        .access_token("u")
        .expires_in(Duration::from_secs(60))
        .issue()
        .unwrap();
    clock.advance(Duration::from_secs(65));
    assert!(
        run(&auth, &mut bearer(&token), access).await.is_ok(),
        "within the leeway"
    );
    clock.advance(Duration::from_secs(5));
    assert!(matches!(
        refused(&auth, bearer(&token), access).await,
        AuthError::Expired
    ));
}

#[tokio::test]
async fn step_2_type_csrf_and_liveness() {
    let clock = ManualClock::at(T0);
    let auth = engine(&clock, |c| c);
    let pair = auth.token_pair("u").issue().unwrap();
    assert!(matches!(
        refused(&auth, bearer(&pair.refresh_token), &Rules::ACCESS).await,
        AuthError::AccessTokenRequired
    ));
    assert!(matches!(
        refused(&auth, bearer(&pair.access_token), &Rules::REFRESH).await,
        AuthError::RefreshTokenRequired
    ));

    // A cookie token on an unsafe method needs the CSRF header, equal to its claim.
    let cookie = format!("access_token_cookie={}", pair.access_token);
    let csrf = auth.verify(&pair.access_token).unwrap().csrf.unwrap();
    let post = |extra: &[(&str, &str)]| {
        let mut h = vec![("cookie", cookie.as_str())];
        h.extend_from_slice(extra);
        request("POST", &h)
    };
    assert!(matches!(
        refused(&auth, post(&[]), &Rules::ACCESS).await,
        AuthError::MissingCsrfToken
    ));
    assert!(matches!(
        refused(&auth, post(&[("x-csrf-token", "nope")]), &Rules::ACCESS).await,
        AuthError::CsrfMismatch
    ));
    assert!(
        run(&auth, &mut post(&[("x-csrf-token", &csrf)]), &Rules::ACCESS)
            .await
            .is_ok()
    );

    // Revoked: the token, then its family (a logout); a retired refresh token is reuse.
    let claims = auth.verify(&pair.access_token).unwrap();
    auth.logout(&claims).await.unwrap();
    let refusal = run(&auth, &mut bearer(&pair.access_token), &Rules::ACCESS)
        .await
        .unwrap_err();
    assert!(matches!(refusal.error, AuthError::Revoked));
    assert_eq!(
        refusal.claims.unwrap().sub,
        "u",
        "the refusal names the token's subject"
    );
    assert!(matches!(
        refused(&auth, bearer(&pair.refresh_token), &Rules::REFRESH).await,
        AuthError::Revoked
    ));
    let pair = auth.token_pair("u").issue().unwrap();
    let old = RefreshClaims(auth.verify(&pair.refresh_token).unwrap());
    auth.rotate(&old).await.unwrap();
    assert!(matches!(
        refused(&auth, bearer(&pair.refresh_token), &Rules::REFRESH).await,
        AuthError::RefreshTokenReused
    ));
}

#[tokio::test]
async fn step_2_the_allowlist_and_a_failing_store() {
    let clock = ManualClock::at(T0);
    let auth = engine(&clock, |c| c.allowlist(true));
    let unrecorded = auth.create_access_token("u").unwrap();
    assert!(matches!(
        refused(&auth, bearer(&unrecorded), &Rules::ACCESS).await,
        AuthError::Revoked
    ));
    let recorded = auth.register(auth.access_token("u")).await.unwrap();
    assert!(
        run(&auth, &mut bearer(&recorded), &Rules::ACCESS)
            .await
            .is_ok()
    );

    #[derive(Debug)]
    struct Down;
    #[async_trait::async_trait]
    impl RevocationStore for Down {
        async fn revoke(&self, _: &str, _: i64) -> Result<(), StoreError> {
            Err(StoreError::unavailable("down"))
        }
        async fn any_revoked(&self, _: &[&str]) -> Result<bool, StoreError> {
            Err(StoreError::unavailable("down"))
        }
    }
    let config = AuthConfig::builder()
        .secret_key("pipeline-unit-test-secret-0123456789")
        .build();
    let closed = Auth::builder(config.clone())
        .clock(clock.clone())
        .revocations_only(Down)
        .build()
        .unwrap();
    let token = closed.create_access_token("u").unwrap();
    assert!(matches!(
        refused(&closed, bearer(&token), &Rules::ACCESS).await,
        AuthError::StoreUnavailable(_)
    ));
    let mut open_config = config;
    open_config.store_fail_open = true;
    let open = Auth::builder(open_config)
        .clock(clock.clone())
        .revocations_only(Down)
        .build()
        .unwrap();
    assert!(
        run(&open, &mut bearer(&token), &Rules::ACCESS)
            .await
            .is_ok(),
        "fail open"
    );
}

async fn is_admin(claims: &Claims, _: &Parts) -> PolicyDecision {
    PolicyDecision::from(claims.sub == "admin")
}

fn admin_policy<'a>(
    claims: &'a Claims,
    parts: &'a Parts,
) -> crate::guard::BoxFuture<'a, PolicyDecision> {
    Box::pin(is_admin(claims, parts))
}

#[tokio::test]
async fn steps_3_and_4_subject_rate_kind_freshness_scopes_policy() {
    let clock = ManualClock::at(T0);
    let auth = engine(&clock, |c| c);
    let per_subject = rules(|r| r.rate("1/60s", RateKeyRule::Subject));
    let token = auth.create_access_token("u").unwrap();
    assert!(run(&auth, &mut bearer(&token), &per_subject).await.is_ok());
    let refusal = run(&auth, &mut bearer(&token), &per_subject)
        .await
        .unwrap_err();
    assert!(matches!(refusal.error, AuthError::RateLimited { .. }));
    assert!(refusal.claims.is_some(), "refused after the token verified");
    clock.advance(Duration::from_secs(60));
    assert!(
        run(&auth, &mut bearer(&token), &per_subject).await.is_ok(),
        "refilled"
    );

    let every = rules(|r| {
        r.kind("staff")
            .fresh()
            .scopes(["admin:*"])
            .policy("is_admin", admin_policy)
    });
    let mint = |kind: &str, fresh: bool, scopes: &[&str], sub: &str| {
        auth.access_token(sub)
            .kind(kind)
            .fresh(fresh)
            .scopes(scopes.iter().copied())
            .issue()
            .unwrap()
    };
    let cases = [
        (
            mint("customer", true, &["admin:*"], "admin"),
            "LoginTypeMismatchError",
        ),
        (
            mint("staff", false, &["admin:*"], "admin"),
            "FreshTokenRequiredError",
        ),
        (
            mint("staff", true, &["admin:users"], "admin"),
            "InsufficientScopeError",
        ),
        (
            mint("staff", true, &["admin:*"], "bob"),
            "PolicyDeniedError",
        ),
    ];
    for (token, expected) in &cases {
        let error = refused(&auth, bearer(token), &every).await;
        assert_eq!(error.error_type(), *expected);
    }
    let ok = mint("staff", true, &["*"], "admin");
    let verified = run(&auth, &mut bearer(&ok), &every).await.unwrap();
    assert_eq!(verified.claims.sub, "admin");
}

#[tokio::test]
async fn a_verified_session_token_touches_its_session_on_the_clock() {
    let clock = ManualClock::at(T0);
    let auth = engine(&clock, |c| c);
    let session = auth
        .create_session("u", SessionMeta::default())
        .await
        .unwrap();
    let token = auth.access_token("u").session(&session.id).issue().unwrap();
    clock.advance(Duration::from_secs(600));
    run(&auth, &mut bearer(&token), &Rules::ACCESS)
        .await
        .unwrap();
    // The touch runs off the request path: let it run.
    let mut last_seen = 0;
    for _ in 0..100 {
        tokio::task::yield_now().await;
        last_seen = auth.session(&session.id).await.unwrap().unwrap().last_seen;
        if last_seen != T0 {
            break;
        }
    }
    assert_eq!(last_seen, clock.now());
}
