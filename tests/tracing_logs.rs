//! Auth decisions are logged, and logs never carry a secret: a capturing `tracing` subscriber
//! at TRACE records everything the process logs while hostile and honest requests go through
//! a small router over real HTTP. Each request must yield exactly one `auth decision` event
//! with its outcome (and `error_type` when refused), and no captured byte sequence may contain
//! a token, a piece of the secret or a CSRF value.
//!
//! One test function: the subscriber and its buffer are global to the binary, and the cases
//! read the bytes their own request added.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use authx::{Auth, AuthConfig, Claims, TokenLocation, protect, public, routes};
use authx_tests::{TestServer, client};
use axum::Router;
use axum::routing::get;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

/// Random-looking, so any 8-byte window of it showing up in the logs is a leak, not chance.
const SECRET: &str = "Zq8vN3kP7wR2xT9mB4cY6hJ1fL5gD0sAe7Qu";
const OTHER_SECRET: &str = "Hy4nW8dK2pX6tR0vM3bJ9cF5gL1zS7qAo2Ue";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn since(&self, start: usize) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()[start..]).into_owned()
    }
}

/// Installs the capturing subscriber for the whole binary, once.
fn capture() -> Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = Capture::default();
            let writer = capture.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
            capture
        })
        .clone()
}

#[protect(route = "GET /guarded")]
async fn guarded(claims: Claims) -> String {
    claims.sub
}

#[protect(route = "POST /guarded")]
async fn guarded_post(claims: Claims) -> String {
    claims.sub
}

#[protect(scopes = "admin:*", route = "GET /admin")]
async fn admin(claims: Claims) -> String {
    claims.sub
}

#[public(rate = "1/60s", rate_key = ip, route = "GET /limited")]
async fn limited() -> &'static str {
    "ok"
}

fn router(auth: Auth) -> Router {
    routes![guarded, guarded_post, admin, limited]
        // No guard: the `Claims` extractor decides, with the request path as the route.
        .route("/plain", get(|c: Claims| async move { c.sub }))
        // Two extractors: the second reuses the first's token, and decides nothing new.
        .route(
            "/two",
            get(|a: Claims, b: Option<Claims>| async move { format!("{} {}", a.sub, b.is_some()) }),
        )
        .with_state(auth)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sign(claims: &Value, secret: &str) -> String {
    // Both jsonwebtoken backends are compiled in (--all-features): install authx's first.
    authx::token::crypto_backend();
    jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// The value of `name=` in one fmt line, quotes stripped.
fn field(line: &str, name: &str) -> Option<String> {
    let start = line.find(&format!(" {name}="))? + name.len() + 2;
    let rest = &line[start..];
    let value = match rest.strip_prefix('"') {
        Some(quoted) => &quoted[..quoted.find('"')?],
        None => rest.split(' ').next()?,
    };
    Some(value.to_owned())
}

struct Case<'a> {
    name: &'a str,
    request: reqwest::RequestBuilder,
    status: u16,
    /// `None`: allowed.
    error_type: Option<&'a str>,
    route_contains: &'a str,
    subject: Option<&'a str>,
}

async fn run(log: &Capture, case: Case<'_>) {
    let start = log.len();
    let res = case.request.send().await.unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(status, case.status, "{}: {body}", case.name);
    let new = log.since(start);
    let decisions: Vec<&str> = new
        .lines()
        .filter(|l| l.contains("auth decision"))
        .collect();
    assert_eq!(
        decisions.len(),
        1,
        "{}: one decision event per request, got {decisions:#?}",
        case.name
    );
    let line = decisions[0];
    assert!(line.contains("DEBUG"), "{}: {line}", case.name);
    assert!(
        line.contains(" authx"),
        "{}: target authx: {line}",
        case.name
    );
    let outcome = if case.error_type.is_some() {
        "refused"
    } else {
        "allowed"
    };
    assert_eq!(
        field(line, "outcome").as_deref(),
        Some(outcome),
        "{}: {line}",
        case.name
    );
    assert_eq!(
        field(line, "error_type").as_deref(),
        case.error_type,
        "{}: {line}",
        case.name
    );
    assert_eq!(
        field(line, "subject").as_deref(),
        case.subject,
        "{}: {line}",
        case.name
    );
    assert!(
        field(line, "route").is_some_and(|r| r.contains(case.route_contains)),
        "{}: {line}",
        case.name
    );
    assert!(field(line, "method").is_some(), "{}: {line}", case.name);
    assert!(
        field(line, "duration_us").is_some_and(|d| d.parse::<u64>().is_ok()),
        "{}: {line}",
        case.name
    );
}

#[tokio::test]
async fn decisions_are_logged_once_each_and_logs_carry_no_secret() {
    let log = capture();
    let config = AuthConfig::builder()
        .secret_key(SECRET)
        .token_locations([
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::Query,
        ])
        .cookie_secure(false)
        .build();
    let auth = Auth::new(config).unwrap();
    let s = TestServer::start(router(auth.clone())).await;

    let valid = auth.tokens().create_access("u1").unwrap();
    let csrf = auth.verify(&valid).unwrap().csrf.expect("csrf claim");
    let refresh = auth.tokens().create_refresh("u1").unwrap();
    let expired = sign(
        &json!({"sub": "u1", "jti": "j-exp", "type": "access", "fresh": false,
                "iat": now() - 1200, "exp": now() - 600}),
        SECRET,
    );
    let wrong_secret = sign(
        &json!({"sub": "mallory", "jti": "j-ws", "type": "access", "fresh": false,
                "iat": now(), "exp": now() + 600}),
        OTHER_SECRET,
    );
    // The real signature on a payload that says someone else.
    let tampered = {
        let real: Vec<&str> = valid.split('.').collect();
        let forged: Vec<&str> = wrong_secret.split('.').collect();
        format!("{}.{}.{}", real[0], forged[1], real[2])
    };
    let cookie = format!("access_token_cookie={valid}");

    let cases = [
        Case {
            name: "valid bearer token",
            request: client().get(s.url("/guarded")).bearer_auth(&valid),
            status: 200,
            error_type: None,
            route_contains: "guarded",
            subject: Some("u1"),
        },
        Case {
            name: "no token",
            request: client().get(s.url("/guarded")),
            status: 401,
            error_type: Some("MissingTokenError"),
            route_contains: "guarded",
            subject: None,
        },
        Case {
            name: "expired",
            request: client().get(s.url("/guarded")).bearer_auth(&expired),
            status: 401,
            error_type: Some("TokenExpiredError"),
            route_contains: "guarded",
            subject: None,
        },
        Case {
            name: "tampered",
            request: client().get(s.url("/guarded")).bearer_auth(&tampered),
            status: 401,
            error_type: Some("TokenInvalidSignatureError"),
            route_contains: "guarded",
            subject: None,
        },
        Case {
            name: "wrong secret",
            request: client().get(s.url("/guarded")).bearer_auth(&wrong_secret),
            status: 401,
            error_type: Some("TokenInvalidSignatureError"),
            route_contains: "guarded",
            subject: None,
        },
        Case {
            name: "token in the query",
            request: client().get(s.url(&format!("/guarded?token={valid}"))),
            status: 200,
            error_type: None,
            route_contains: "guarded",
            subject: Some("u1"),
        },
        Case {
            name: "cookie with the CSRF header",
            request: client()
                .post(s.url("/guarded"))
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf),
            status: 200,
            error_type: None,
            route_contains: "guarded_post",
            subject: Some("u1"),
        },
        Case {
            name: "cookie without the CSRF header",
            request: client().post(s.url("/guarded")).header("cookie", &cookie),
            status: 401,
            error_type: Some("MissingCSRFTokenError"),
            route_contains: "guarded_post",
            subject: Some("u1"),
        },
        Case {
            name: "cookie with a wrong CSRF header",
            request: client()
                .post(s.url("/guarded"))
                .header("cookie", &cookie)
                .header("x-csrf-token", "not-the-csrf-value"),
            status: 401,
            error_type: Some("CSRFError"),
            route_contains: "guarded_post",
            subject: Some("u1"),
        },
        Case {
            name: "refresh token on an access route",
            request: client().get(s.url("/guarded")).bearer_auth(&refresh),
            status: 401,
            error_type: Some("AccessTokenRequiredError"),
            route_contains: "guarded",
            subject: Some("u1"),
        },
        Case {
            name: "scope refused",
            request: client().get(s.url("/admin")).bearer_auth(&valid),
            status: 403,
            error_type: Some("InsufficientScopeError"),
            route_contains: "admin",
            subject: Some("u1"),
        },
        Case {
            name: "extractor without a guard",
            request: client().get(s.url("/plain")).bearer_auth(&valid),
            status: 200,
            error_type: None,
            route_contains: "/plain",
            subject: Some("u1"),
        },
        Case {
            name: "two extractors without a guard",
            request: client().get(s.url("/two")).bearer_auth(&valid),
            status: 200,
            error_type: None,
            route_contains: "/two",
            subject: Some("u1"),
        },
        Case {
            name: "extractor without a guard, expired token",
            request: client().get(s.url("/plain")).bearer_auth(&expired),
            status: 401,
            error_type: Some("TokenExpiredError"),
            route_contains: "/plain",
            subject: None,
        },
        Case {
            name: "public route within its rate limit",
            request: client().get(s.url("/limited")),
            status: 200,
            error_type: None,
            route_contains: "limited",
            subject: None,
        },
        Case {
            name: "public route over its rate limit",
            request: client().get(s.url("/limited")),
            status: 429,
            error_type: Some("RateLimitExceeded"),
            route_contains: "limited",
            subject: None,
        },
    ];
    for case in cases {
        run(&log, case).await;
    }

    // Sanity: the capture works and saw the requests.
    let all = log.since(0);
    assert!(all.contains("auth decision"));

    let mut secrets: Vec<String> = vec![csrf.clone()];
    for token in [&valid, &refresh, &expired, &wrong_secret, &tampered] {
        secrets.push(token.clone());
        // Each part, the signatures above all (the header part is the same in every HS256
        // token; it must not show up either).
        secrets.extend(token.split('.').map(str::to_owned));
    }
    for secret in [SECRET, OTHER_SECRET] {
        let bytes = secret.as_bytes();
        secrets.extend(
            bytes
                .windows(8)
                .map(|w| String::from_utf8(w.to_vec()).unwrap()),
        );
    }
    for needle in &secrets {
        assert!(
            !all.contains(needle.as_str()),
            "the logs carry a secret ({needle:?})"
        );
    }
}
