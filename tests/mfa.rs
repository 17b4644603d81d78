//! TOTP step-up over HTTP (`authx::mfa`, feature `mfa`), on a controlled clock: the RFC 9470
//! round trip (challenge, factor, a new token, then 200), replay, wrong codes, the rate limit,
//! recovery codes, and the cookie flow with its CSRF header.

use std::time::Duration;

use authx::clock::ManualClock;
use authx::mfa::{Mfa, MfaConfig};
use authx::{
    Auth, AuthConfig, AuthError, Claims, SessionMeta, TokenLocation, protect, public, routes,
};
use authx_tests::{
    TestServer, assert_error, client, cookie_client, status_json, status_json_headers,
};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use totp_rs::TOTP;

/// 2025-10-09T08:53:20Z, the start of a 30-second step.
const T0: i64 = 1_760_000_000;

/// A route for users who proved a second factor.
#[protect(acr = "mfa", route = "GET /danger")]
async fn danger(claims: Claims) -> Json<Value> {
    Json(json!({ "sub": claims.sub, "acr": claims.acr(), "amr": claims.amr() }))
}

/// A route that names the method rather than the class: a TOTP code.
#[protect(amr = "otp", route = "GET /otp-only")]
async fn otp_only(claims: Claims) -> Json<Value> {
    Json(json!({ "amr": claims.amr() }))
}

/// Logs anyone in with a password-only token pair (`amr: ["pwd"]`), in a session; as cookies
/// when asked.
#[public(route = "POST /login")]
async fn login(
    State(auth): State<Auth>,
    meta: SessionMeta,
    Json(body): Json<Value>,
) -> Result<Response, AuthError> {
    let user = body["username"].as_str().unwrap_or("nobody");
    let session = auth.sessions().create(user, meta).await?;
    let pair = auth
        .tokens()
        .pair(user)
        .session(&session.id)
        .fresh(true)
        .amr(["pwd"])
        .issue()?;
    if body["cookies"] == true {
        Ok((auth.cookies().set(&pair)?, Json(json!({ "ok": true }))).into_response())
    } else {
        Ok(Json(pair).into_response())
    }
}

struct App {
    server: TestServer,
    clock: ManualClock,
    auth: Auth,
}

async fn start(config: impl FnOnce(MfaConfig) -> MfaConfig) -> App {
    let clock = ManualClock::at(T0);
    let auth_config = AuthConfig::builder()
        .secret_key("mfa-test-secret-0123456789abcdef-0123")
        .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
        .build();
    let auth = Auth::builder(auth_config)
        .clock(clock.clone())
        .build()
        .unwrap();
    let key = authx::vault::Vault::generate_key();
    let mfa = Mfa::new(
        auth.clone(),
        config(MfaConfig::new("Acme", key).acr("mfa", ["otp"])),
    )
    .unwrap();
    let app = routes![danger, otp_only, login]
        .merge(mfa.router())
        .with_state(auth.clone());
    App {
        server: TestServer::start(app).await,
        clock,
        auth,
    }
}

impl App {
    async fn login(&self, user: &str) -> String {
        let res = client()
            .post(self.server.url("/login"))
            .json(&json!({ "username": user }))
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(res).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = client()
            .request(method, self.server.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        status_json(req.send().await.unwrap()).await
    }

    fn now(&self) -> i64 {
        use authx::clock::Clock;
        self.clock.now_micros() / 1_000_000
    }

    /// Enrols and confirms an authenticator app for the holder of `token`: its URI and the
    /// recovery codes.
    async fn enrol(&self, token: &str) -> (String, Vec<String>) {
        let (status, enrolment) = self.call("POST", "/mfa/totp/enrol", token, None).await;
        assert_eq!(status, 200, "{enrolment}");
        let uri = enrolment["uri"].as_str().unwrap().to_owned();
        assert!(enrolment["qr_svg"].as_str().unwrap().starts_with("<?xml"));
        let code = code(&uri, self.now());
        let (status, body) = self
            .call(
                "POST",
                "/mfa/totp/confirm",
                token,
                Some(json!({ "code": code })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let codes = body["recovery_codes"].as_array().unwrap();
        (
            uri,
            codes
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect(),
        )
    }
}

/// The code the user's app shows at `at`.
fn code(uri: &str, at: i64) -> String {
    TOTP::from_url_unchecked(uri)
        .unwrap()
        .generate(u64::try_from(at).unwrap())
}

#[tokio::test]
async fn the_step_up_round_trip() {
    let app = start(|c| c).await;
    let token = app.login("ada").await;

    // 1. The challenge (RFC 9470 section 3).
    let res = client()
        .get(app.server.url("/danger"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, body, headers) = status_json_headers(res).await;
    assert_error(status, &body, 401, "InsufficientUserAuthenticationError");
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_user_authentication""#),
        "{challenge}"
    );
    assert!(challenge.contains(r#"acr_values="mfa""#), "{challenge}");

    // 2. The factor: enrolled once, then a code from the app.
    let (uri, codes) = app.enrol(&token).await;
    assert_eq!(codes.len(), 10);
    app.clock.advance(Duration::from_secs(30));
    let (status, body) = app
        .call(
            "POST",
            "/mfa/totp/verify",
            &token,
            Some(json!({ "code": code(&uri, app.now()) })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    let stepped = body["access_token"].as_str().unwrap();

    // 3. The new token meets the challenge; the old one still does not.
    let (status, body) = app.call("GET", "/danger", stepped, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "sub": "ada", "acr": "mfa", "amr": ["pwd", "otp"] })
    );
    let (status, _) = app.call("GET", "/danger", &token, None).await;
    assert_eq!(status, 401);
    // A route that requires the method itself: the same step-up meets it.
    let (status, body) = app.call("GET", "/otp-only", &token, None).await;
    assert_error(status, &body, 401, "InsufficientUserAuthenticationError");
    let (status, body) = app.call("GET", "/otp-only", stepped, None).await;
    assert_eq!((status, body), (200, json!({ "amr": ["pwd", "otp"] })));
}

#[tokio::test]
async fn replayed_wrong_and_too_many_codes_are_refused() {
    let app = start(|c| c.user_rate(4, Duration::from_secs(900))).await;
    let token = app.login("bob").await;
    let (uri, _) = app.enrol(&token).await;
    let verify = |code: String| {
        let token = token.clone();
        let app = &app;
        async move {
            app.call(
                "POST",
                "/mfa/totp/verify",
                &token,
                Some(json!({ "code": code })),
            )
            .await
        }
    };
    // The confirmation used this step's code: it is spent.
    let (status, body) = verify(code(&uri, app.now())).await;
    assert_error(status, &body, 403, "FactorRejectedError");
    let (status, body) = verify("000000".into()).await;
    assert_error(status, &body, 403, "FactorRejectedError");
    let (status, body) = verify("12".into()).await;
    assert_error(status, &body, 403, "FactorRejectedError");
    // Four attempts (the confirmation's included): the next waits, right code or not.
    let res = client()
        .post(app.server.url("/mfa/totp/verify"))
        .bearer_auth(&token)
        .json(&json!({ "code": code(&uri, app.now() + 30) }))
        .send()
        .await
        .unwrap();
    let (status, body, headers) = status_json_headers(res).await;
    assert_error(status, &body, 429, "RateLimitExceeded");
    assert!(headers.contains_key("retry-after"));
    // Bodies it cannot read, and no token.
    for bad in [json!({}), json!({ "code": 123456 }), json!("123456")] {
        let (status, body) = app
            .call("POST", "/mfa/totp/verify", &token, Some(bad))
            .await;
        assert_error(status, &body, 400, "InvalidFactorRequestError");
    }
    let res = client()
        .post(app.server.url("/mfa/totp/verify"))
        .json(&json!({ "code": "123456" }))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 401, "MissingTokenError");
}

#[tokio::test]
async fn a_recovery_code_meets_the_challenge_once() {
    let app = start(|c| c).await;
    let token = app.login("cyd").await;
    let (_, codes) = app.enrol(&token).await;
    let (status, body) = app
        .call(
            "POST",
            "/mfa/recovery/verify",
            &token,
            Some(json!({ "code": codes[3] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let stepped = body["access_token"].as_str().unwrap();
    let (status, _) = app.call("GET", "/danger", stepped, None).await;
    assert_eq!(status, 200);
    let (status, body) = app
        .call(
            "POST",
            "/mfa/recovery/verify",
            &token,
            Some(json!({ "code": codes[3] })),
        )
        .await;
    assert_error(status, &body, 403, "FactorRejectedError");
    let (status, body) = app.call("GET", "/mfa/totp", &token, None).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "enrolled": true, "pending": false, "recovery_codes": 9 })
        )
    );
    // A lost phone: a recovery code removes the app.
    let (status, body) = app
        .call(
            "DELETE",
            "/mfa/totp",
            &token,
            Some(json!({ "code": codes[0] })),
        )
        .await;
    assert_eq!((status, body), (200, json!({ "removed": true })));
    let (status, body) = app
        .call(
            "POST",
            "/mfa/totp/verify",
            &token,
            Some(json!({ "code": "123456" })),
        )
        .await;
    assert_error(status, &body, 409, "FactorNotEnrolledError");
}

#[tokio::test]
async fn removing_a_factor_needs_a_recent_login_and_bodies_are_json() {
    let app = start(|c| c.reauth_window(Duration::from_secs(600))).await;
    let token = app.login("fay").await;
    let (_, codes) = app.enrol(&token).await;
    // A text/plain body (what a cross-site form can send) is not read.
    let res = client()
        .delete(app.server.url("/mfa/totp"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(json!({ "code": codes[0] }).to_string())
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_error(status, &body, 400, "InvalidFactorRequestError");
    // Eleven minutes after the login, the token is still good but too old to remove a factor:
    // the RFC 9470 challenge says how recent a login must be.
    app.clock.advance(Duration::from_secs(660));
    let res = client()
        .delete(app.server.url("/mfa/totp"))
        .bearer_auth(&token)
        .json(&json!({ "code": codes[0] }))
        .send()
        .await
        .unwrap();
    let (status, body, headers) = status_json_headers(res).await;
    assert_error(status, &body, 401, "InsufficientUserAuthenticationError");
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("max_age=600"), "{challenge}");
    // A new login can; the code was not spent by the refusals.
    let token = app.login("fay").await;
    let (status, body) = app
        .call(
            "DELETE",
            "/mfa/totp",
            &token,
            Some(json!({ "code": codes[0] })),
        )
        .await;
    assert_eq!((status, body), (200, json!({ "removed": true })));
}

#[tokio::test]
async fn enrolling_needs_a_fresh_login() {
    let app = start(|c| c).await;
    // A token that was only refreshed (not fresh) cannot add a factor.
    let refreshed = app.auth.tokens().access("eve").issue().unwrap();
    let (status, body) = app.call("POST", "/mfa/totp/enrol", &refreshed, None).await;
    assert_error(status, &body, 401, "FreshTokenRequiredError");
    let (status, body) = app.call("GET", "/mfa/totp", &refreshed, None).await;
    assert_eq!((status, body["enrolled"].clone()), (200, json!(false)));
}

#[tokio::test]
async fn a_cookie_session_steps_up_with_its_csrf_header() {
    let app = start(|c| c).await;
    // The app is enrolled with a bearer token of the same user.
    let (uri, _) = app.enrol(&app.login("dee").await).await;
    let browser = cookie_client();
    let res = browser
        .post(app.server.url("/login"))
        .json(&json!({ "username": "dee", "cookies": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csrf = res
        .cookies()
        .find(|c| c.name() == "csrf_access_token")
        .map(|c| c.value().to_owned())
        .unwrap();
    app.clock.advance(Duration::from_secs(30));
    let body = json!({ "code": code(&uri, app.now()) });
    // Without the CSRF header a cookie-borne token is refused, and no code is spent.
    let res = browser
        .post(app.server.url("/mfa/totp/verify"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, refused) = status_json(res).await;
    assert_error(status, &refused, 401, "MissingCSRFTokenError");
    let res = browser
        .post(app.server.url("/mfa/totp/verify"))
        .header("x-csrf-token", &csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.cookies().any(|c| c.name() == "access_token_cookie"));
    // The token is in the HttpOnly cookie only, never in a body the page's script reads.
    let (_, answer) = status_json(res).await;
    assert_eq!(answer, json!({ "message": "Second factor verified" }));
    // The browser's cookie now carries the step-up.
    let res = browser.get(app.server.url("/danger")).send().await.unwrap();
    let (status, body) = status_json(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["acr"], "mfa");
}

#[test]
fn acr_levels_must_cover_the_routes() {
    let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
    let key = authx::vault::Vault::generate_key();
    let err = Mfa::new(
        auth.clone(),
        MfaConfig::new("Acme", key.clone()).acr("phr", ["hwk"]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("GET /danger") && err.contains("mfa"), "{err}");
    Mfa::new(auth, MfaConfig::new("Acme", key).acr("mfa", ["otp"])).unwrap();
}

#[tokio::test]
async fn implicit_refresh_gives_back_the_logins_assurance() {
    use authx::layer::{ImplicitRefreshLayer, RefreshSource};
    use axum::routing::get;

    let config = AuthConfig::builder()
        .secret_key("mfa-test-secret-0123456789abcdef-0123")
        .token_locations([TokenLocation::Cookies])
        .build();
    let auth = Auth::new(config).unwrap();
    let key = authx::vault::Vault::generate_key();
    let mfa = Mfa::new(
        auth.clone(),
        MfaConfig::new("Acme", key).acr("mfa", ["otp"]),
    )
    .unwrap();
    let app = axum::Router::new()
        .route("/whoami", get(|c: Claims| async move { c.sub }))
        .layer(
            ImplicitRefreshLayer::new(auth.clone())
                .source(RefreshSource::AccessToken)
                .window(Duration::from_secs(86_400))
                .max_login_age(Duration::from_secs(86_400)),
        )
        .with_state(auth.clone());
    let server = TestServer::start(app).await;

    let login = auth
        .tokens()
        .access("gus")
        .fresh(true)
        .amr(["pwd"])
        .auth_time(
            i64::try_from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs(),
            )
            .unwrap()
                - 60,
        )
        .issue()
        .unwrap();
    let login = auth.verify(&login).unwrap();
    let stepped = mfa.step_up(&login, &["otp"]).await.unwrap();
    let stepped_claims = auth.verify(&stepped).unwrap();
    assert_eq!(stepped_claims.acr(), Some("mfa"));

    // Renewed on its next request (it is within the window): the step-up does not carry over.
    let res = client()
        .get(server.url("/whoami"))
        .header("cookie", format!("access_token_cookie={stepped}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let renewed = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("access_token_cookie="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("a renewed access cookie");
    let renewed = auth.verify(&renewed).unwrap();
    assert_eq!(renewed.acr(), None);
    assert_eq!(renewed.amr(), ["pwd"]);
    assert_eq!(renewed.auth_time, login.auth_time);
    assert!(!renewed.extra.contains_key(authx::token::LOGIN_CLAIM));
}
