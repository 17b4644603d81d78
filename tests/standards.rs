//! authx as an OAuth 2 resource server, over real HTTP: step-up challenges (RFC 9470, with the
//! RFC 8176 methods of `amr`), the RFC 6750 `error` code of every refusal, and the JWT profile
//! for access tokens (RFC 9068).

use authx::testing::RouteAudit;
use authx::{Auth, AuthConfig, Claims, Rules, protect, routes};
use authx_tests::{TestServer, client};
use serde_json::Value;

const SECRET: &str = "standards-test-secret-0123456789abcdef";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[protect(max_age = "5m", route = "GET /recent")]
async fn recent(claims: Claims) -> String {
    claims.sub
}

#[protect(acr = ["mfa", "hwk"], route = "GET /strong")]
async fn strong(claims: Claims) -> String {
    claims.acr().unwrap_or_default().to_owned()
}

#[protect(
    fresh,
    max_age = "1h",
    acr = "mfa",
    scopes = "admin:*",
    route = "DELETE /users/{id}"
)]
async fn delete_user() -> &'static str {
    "deleted"
}

#[protect(amr = "otp", route = "GET /otp")]
async fn otp(claims: Claims) -> String {
    claims.amr().join(" ")
}

#[protect(acr = "mfa", amr = ["pwd", "hwk"], route = "POST /keys")]
async fn add_key() -> &'static str {
    "added"
}

#[protect(scopes = "users:read", route = "GET /users")]
async fn list_users() -> &'static str {
    "users"
}

async fn server(config: AuthConfig) -> (TestServer, Auth) {
    let auth = Auth::new(config).unwrap();
    let app =
        routes![recent, strong, otp, add_key, delete_user, list_users].with_state(auth.clone());
    (TestServer::start(app).await, auth)
}

fn config() -> AuthConfig {
    AuthConfig::builder().secret_key(SECRET).build()
}

/// Status, `WWW-Authenticate` and `error_type` of one request.
async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
) -> (u16, Option<String>, String) {
    let mut req = client().request(method, server.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    let error_type = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["error_type"].as_str().map(str::to_owned))
        .unwrap_or(body);
    (status, challenge, error_type)
}

async fn get(
    server: &TestServer,
    path: &str,
    token: Option<&str>,
) -> (u16, Option<String>, String) {
    call(server, reqwest::Method::GET, path, token).await
}

const STEP_UP: &str = "InsufficientUserAuthenticationError";

#[tokio::test]
async fn max_age_takes_a_recent_login_and_challenges_an_old_one() {
    let (server, auth) = server(config()).await;
    // A login now: fresh tokens carry auth_time.
    let fresh = auth.tokens().access("u1").fresh(true).issue().unwrap();
    let auth_time = auth
        .verify(&fresh)
        .unwrap()
        .auth_time
        .expect("a login sets auth_time");
    assert!((now() - auth_time).abs() <= 2);
    let (status, _, body) = get(&server, "/recent", Some(&fresh)).await;
    assert_eq!((status, body.as_str()), (200, "u1"));

    // A login 6 minutes ago, refreshed since (not fresh, auth_time kept).
    let old = auth
        .tokens()
        .access("u1")
        .auth_time(now() - 360)
        .issue()
        .unwrap();
    let (status, challenge, error_type) = get(&server, "/recent", Some(&old)).await;
    assert_eq!((status, error_type.as_str()), (401, STEP_UP));
    assert_eq!(
        challenge.as_deref(),
        Some(
            r#"Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=300"#
        )
    );

    // 4 minutes ago is recent enough; no auth_time at all is not.
    let recent = auth
        .tokens()
        .access("u1")
        .auth_time(now() - 240)
        .issue()
        .unwrap();
    assert_eq!(get(&server, "/recent", Some(&recent)).await.0, 200);
    let unknown = auth.tokens().access("u1").issue().unwrap();
    assert_eq!(auth.verify(&unknown).unwrap().auth_time, None);
    let (status, _, error_type) = get(&server, "/recent", Some(&unknown)).await;
    assert_eq!((status, error_type.as_str()), (401, STEP_UP));
}

#[tokio::test]
async fn acr_takes_only_the_listed_classes() {
    let (server, auth) = server(config()).await;
    for acr in ["mfa", "hwk"] {
        let token = auth.tokens().access("u1").acr(acr).issue().unwrap();
        let (status, _, body) = get(&server, "/strong", Some(&token)).await;
        assert_eq!((status, body.as_str()), (200, acr));
    }
    let challenge = Some(
        r#"Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa hwk""#
            .to_owned(),
    );
    let weak = auth.tokens().access("u1").acr("pwd").issue().unwrap();
    assert_eq!(
        get(&server, "/strong", Some(&weak)).await,
        (401, challenge.clone(), STEP_UP.to_owned())
    );
    let none = auth.tokens().access("u1").issue().unwrap();
    assert_eq!(
        get(&server, "/strong", Some(&none)).await,
        (401, challenge, STEP_UP.to_owned())
    );
    // acr and amr are read back, and a refresh keeps them.
    let pair = auth
        .tokens()
        .pair("u1")
        .acr("mfa")
        .amr(["pwd", "otp"])
        .issue()
        .unwrap();
    let claims = auth.verify(&pair.access_token).unwrap();
    assert_eq!(
        (claims.acr(), claims.amr()),
        (Some("mfa"), vec!["pwd", "otp"])
    );
    let refresh = auth.verify(&pair.refresh_token).unwrap();
    assert_eq!(refresh.acr(), Some("mfa"));
}

#[tokio::test]
async fn every_step_up_requirement_is_checked_in_order() {
    let (server, auth) = server(config()).await;
    let delete = |token: String| {
        let server = &server;
        async move { call(server, reqwest::Method::DELETE, "/users/7", Some(&token)).await }
    };
    let good = || {
        auth.tokens()
            .access("admin")
            .fresh(true)
            .acr("mfa")
            .scopes(["admin:*"])
    };
    assert_eq!(delete(good().issue().unwrap()).await.0, 200);
    // Not fresh: RFC 9470's code, AuthX's error_type.
    let (status, challenge, error_type) = delete(good().fresh(false).issue().unwrap()).await;
    assert_eq!(
        (status, error_type.as_str()),
        (401, "FreshTokenRequiredError")
    );
    assert_eq!(
        challenge.as_deref(),
        Some(
            r#"Bearer error="insufficient_user_authentication", error_description="A fresh login is required""#
        )
    );
    // Fresh but from a login two hours ago (the fresh flag was set by hand).
    let (status, challenge, error_type) =
        delete(good().auth_time(now() - 7200).issue().unwrap()).await;
    assert_eq!((status, error_type.as_str()), (401, STEP_UP));
    assert_eq!(
        challenge.as_deref(),
        Some(
            r#"Bearer error="insufficient_user_authentication", error_description="A more recent or stronger authentication is required", max_age=3600, acr_values="mfa""#
        )
    );
    let (status, _, error_type) = delete(good().acr("pwd").issue().unwrap()).await;
    assert_eq!((status, error_type.as_str()), (401, STEP_UP));
    // Step-up passes, scopes do not: 403 insufficient_scope.
    let (status, challenge, error_type) =
        delete(good().scopes(["users:read"]).issue().unwrap()).await;
    assert_eq!(
        (status, error_type.as_str()),
        (403, "InsufficientScopeError")
    );
    assert_eq!(
        challenge.as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="admin:*""#)
    );
}

#[tokio::test]
async fn refusals_carry_their_rfc_6750_codes_over_http() {
    let (server, auth) = server(config()).await;
    let cases: Vec<(Option<String>, u16, &str, Option<&str>)> = vec![
        (None, 401, "MissingTokenError", Some("Bearer")),
        (
            Some("not.a.token".into()),
            401,
            "JWTDecodeError",
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            Some(
                auth.tokens()
                    .access("u")
                    .expires_at(now() - 10)
                    .issue()
                    .unwrap(),
            ),
            401,
            "TokenExpiredError",
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            Some(auth.tokens().refresh("u").issue().unwrap()),
            401,
            "AccessTokenRequiredError",
            Some(r#"Bearer error="invalid_token""#),
        ),
        (
            Some(auth.tokens().access("u").issue().unwrap()),
            403,
            "InsufficientScopeError",
            Some(r#"Bearer error="insufficient_scope", scope="users:read""#),
        ),
    ];
    for (token, status, error_type, challenge) in cases {
        let got = get(&server, "/users", token.as_deref()).await;
        assert_eq!(
            got,
            (status, challenge.map(str::to_owned), error_type.to_owned()),
            "{error_type}"
        );
    }
    let revoked = auth
        .tokens()
        .access("u")
        .scopes(["users:read"])
        .issue()
        .unwrap();
    assert_eq!(get(&server, "/users", Some(&revoked)).await.0, 200);
    auth.revocations()
        .revoke(&auth.verify(&revoked).unwrap())
        .await
        .unwrap();
    assert_eq!(
        get(&server, "/users", Some(&revoked)).await,
        (
            401,
            Some(r#"Bearer error="invalid_token""#.to_owned()),
            "RevokedTokenError".to_owned()
        )
    );
}

#[tokio::test]
async fn the_route_audit_probes_step_up_requirements() {
    let (_server, auth) = server(config()).await;
    let app =
        routes![recent, strong, otp, add_key, delete_user, list_users].with_state(auth.clone());
    let report = RouteAudit::new(&app, &auth).module("standards").run().await;
    report.assert_ok();
    let checks = |handler: &str| {
        let route = report
            .routes()
            .iter()
            .find(|r| r.label.ends_with(&format!("::{handler})")))
            .unwrap_or_else(|| panic!("{handler} not probed: {report}"));
        route.checks.clone()
    };
    assert!(checks("recent").contains(&"login older than max_age"));
    assert!(checks("strong").contains(&"token of another acr"));
    assert!(checks("otp").contains(&"token lacking an amr method"));
    let add_key = checks("add_key");
    for check in ["token of another acr", "token lacking an amr method"] {
        assert!(add_key.contains(&check), "{check}: {add_key:?}");
    }
    let delete = checks("delete_user");
    for check in [
        "non-fresh token",
        "login older than max_age",
        "token of another acr",
    ] {
        assert!(delete.contains(&check), "{check}: {delete:?}");
    }
}

#[test]
fn hand_written_rules_check_step_up_specs() {
    let rules = Rules::builder().max_age("5m").acr(["mfa"]).build().unwrap();
    assert_eq!((rules.max_age, rules.acr), (Some(300), &["mfa"][..]));
    assert!(Rules::builder().max_age("500ms").build().is_err());
    assert!(Rules::builder().acr(["two words"]).build().is_err());
    assert!(Rules::builder().refresh().max_age("5m").build().is_err());
}

const NEEDS_OTP: &str = r#"Bearer error="insufficient_user_authentication", error_description="A stronger authentication method is required: otp""#;

#[tokio::test]
async fn amr_requires_every_listed_method() {
    let (server, auth) = server(config()).await;
    let with = |methods: &[&str]| {
        let token = auth.tokens().access("u1");
        if methods.is_empty() {
            token.issue().unwrap()
        } else {
            token.amr(methods.iter().copied()).issue().unwrap()
        }
    };
    let refused = (401, Some(NEEDS_OTP.to_owned()), STEP_UP.to_owned());
    assert_eq!(get(&server, "/otp", Some(&with(&[]))).await, refused);
    assert_eq!(get(&server, "/otp", Some(&with(&["pwd"]))).await, refused);
    // Matched exactly: another spelling is another method.
    assert_eq!(get(&server, "/otp", Some(&with(&["OTP"]))).await, refused);
    let (status, _, body) = get(&server, "/otp", Some(&with(&["pwd", "otp"]))).await;
    assert_eq!((status, body.as_str()), (200, "pwd otp"));
    // Methods outside the registry in a token (an identity provider's own) are no obstacle.
    let (status, _, _) = get(&server, "/otp", Some(&with(&["otp", "x-idp"]))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn amr_keeps_the_routes_acr_in_its_challenge() {
    let (server, auth) = server(config()).await;
    let post = |token: String| {
        let server = &server;
        async move { call(server, reqwest::Method::POST, "/keys", Some(&token)).await }
    };
    let good = || auth.tokens().access("u1").acr("mfa").amr(["pwd", "hwk"]);
    assert_eq!(post(good().issue().unwrap()).await.0, 200);
    // The class is right, a method is missing: the challenge names it and keeps acr_values.
    let (status, challenge, error_type) = post(good().amr(["pwd"]).issue().unwrap()).await;
    assert_eq!((status, error_type.as_str()), (401, STEP_UP));
    assert_eq!(
        challenge.as_deref(),
        Some(
            r#"Bearer error="insufficient_user_authentication", error_description="A stronger authentication method is required: hwk", acr_values="mfa""#
        )
    );
    // The methods are right, the class is not: the acr challenge, no method named.
    let (status, challenge, _) = post(good().acr("pwd").issue().unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(
        challenge.as_deref(),
        Some(
            r#"Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa""#
        )
    );
}

/// A hand-written `Rules` with `amr`, under an `AuthLayer`: the same check and challenge as
/// `#[protect(amr)]`.
#[tokio::test]
async fn a_layer_requires_amr_methods_too() {
    let auth = Auth::new(config()).unwrap();
    let rules = Rules::builder().amr(["otp"]).build().unwrap();
    let app = axum::Router::new()
        .route("/layered", axum::routing::get(|| async { "in" }))
        .layer(authx::layer::AuthLayer::new(auth.clone()).rules(rules));
    let server = TestServer::start(app).await;
    let plain = auth.tokens().access("u1").issue().unwrap();
    assert_eq!(
        get(&server, "/layered", Some(&plain)).await,
        (401, Some(NEEDS_OTP.to_owned()), STEP_UP.to_owned())
    );
    let otp = auth.tokens().access("u1").amr(["otp"]).issue().unwrap();
    let (status, _, body) = get(&server, "/layered", Some(&otp)).await;
    assert_eq!((status, body.as_str()), (200, "in"));
}

#[test]
fn hand_written_rules_check_amr_methods() {
    let rules = Rules::builder().amr(["pwd", "otp"]).build().unwrap();
    assert_eq!(rules.amr, ["pwd", "otp"]);
    let err = Rules::builder().amr(["totp"]).build().unwrap_err();
    assert!(err.to_string().contains("did you mean `otp`"), "{err}");
    assert!(Rules::builder().refresh().amr(["otp"]).build().is_err());
    let keys = Rules::builder().credentials("api_key").amr(["hwk"]).build();
    assert!(keys.unwrap_err().to_string().contains("no `amr`"));
}

// ----- RFC 9068: the JWT profile for access tokens ------------------------------------------

fn profile() -> AuthConfig {
    AuthConfig::builder()
        .secret_key(SECRET)
        .jwt_access_token_profile(true)
        .client_id("demo-client")
        .issuer("https://auth.test")
        .audience("https://api.test")
        .build()
}

#[tokio::test]
async fn the_access_token_profile_issues_and_requires_at_jwt() {
    let (server, auth) = server(profile()).await;
    let token = auth
        .tokens()
        .access("u1")
        .scopes(["users:read"])
        .issue()
        .unwrap();
    let raw = authx::insecure_decode(&token).unwrap();
    assert_eq!(raw.header["typ"], "at+jwt");
    assert_eq!(raw.claims["client_id"], "demo-client");
    assert_eq!(get(&server, "/users", Some(&token)).await.0, 200);

    // Refresh tokens are not access tokens: plain typ; issued to the same client, so they
    // carry its client_id too (only that client may revoke them).
    let refresh = auth.tokens().refresh("u1").issue().unwrap();
    let raw = authx::insecure_decode(&refresh).unwrap();
    assert_ne!(raw.header["typ"], "at+jwt");
    assert_eq!(raw.claims["client_id"], "demo-client");

    // An access token signed with the same key but typ JWT (an ID token, say) is refused.
    let plain = auth
        .tokens()
        .access("u1")
        .scopes(["users:read"])
        .header("typ", "JWT")
        .issue()
        .unwrap();
    let (status, challenge, error_type) = get(&server, "/users", Some(&plain)).await;
    assert_eq!((status, error_type.as_str()), (401, "JWTDecodeError"));
    assert_eq!(
        challenge.as_deref(),
        Some(r#"Bearer error="invalid_token""#)
    );
    // The media-type spelling is the same type.
    let long = auth
        .tokens()
        .access("u1")
        .scopes(["users:read"])
        .header("typ", "application/AT+JWT")
        .issue()
        .unwrap();
    assert_eq!(get(&server, "/users", Some(&long)).await.0, 200);
}

#[tokio::test]
async fn without_the_profile_tokens_stay_plain_jwts() {
    let (server, auth) = server(config()).await;
    let token = auth
        .tokens()
        .access("u1")
        .scopes(["users:read"])
        .issue()
        .unwrap();
    let raw = authx::insecure_decode(&token).unwrap();
    assert_eq!(raw.header["typ"], "JWT");
    assert!(raw.claims.get("client_id").is_none());
    // at+jwt tokens from a profiled issuer still verify here.
    let profiled = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .jwt_access_token_profile(true)
            .build(),
    )
    .unwrap()
    .tokens()
    .access("u1")
    .scopes(["users:read"])
    .issue()
    .unwrap();
    assert_eq!(get(&server, "/users", Some(&profiled)).await.0, 200);
}

// ----- RFC 9728: protected-resource metadata --------------------------------------------------

async fn metadata_server(config: AuthConfig) -> (TestServer, Auth) {
    let auth = Auth::new(config).unwrap();
    let app = routes![recent, strong, delete_user, list_users]
        .merge(authx::oauth::metadata_router())
        .with_state(auth.clone());
    (TestServer::start(app).await, auth)
}

fn resource_config(resource: &str) -> AuthConfig {
    AuthConfig::builder()
        .secret_key(SECRET)
        .resource(resource)
        .authorization_server("https://login.example.com")
        .token_locations([
            authx::TokenLocation::Headers,
            authx::TokenLocation::Cookies,
            authx::TokenLocation::Query,
        ])
        .build()
}

#[tokio::test]
async fn the_metadata_document_comes_from_the_registry_and_the_config() {
    let (server, auth) = metadata_server(resource_config("https://api.example.com")).await;
    let res = client()
        .get(server.url("/.well-known/oauth-protected-resource"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["resource"], "https://api.example.com");
    assert_eq!(
        doc["authorization_servers"],
        serde_json::json!(["https://login.example.com"])
    );
    // Every scope a #[protect] route of this binary requires, once each, sorted.
    assert_eq!(
        doc["scopes_supported"],
        serde_json::json!(["admin:*", "users:read"])
    );
    // Headers and query are RFC 6750 methods; a cookie is not.
    assert_eq!(
        doc["bearer_methods_supported"],
        serde_json::json!(["header", "query"])
    );
    assert_eq!(
        serde_json::to_value(authx::oauth::protected_resource_metadata(&auth).unwrap()).unwrap(),
        doc
    );

    // Every challenge points at it.
    let url = r#"resource_metadata="https://api.example.com/.well-known/oauth-protected-resource""#;
    let (status, challenge, _) = get(&server, "/users", None).await;
    assert_eq!(status, 401);
    assert_eq!(challenge.unwrap(), format!("Bearer {url}"));
    let expired = auth
        .tokens()
        .access("u")
        .expires_at(now() - 10)
        .issue()
        .unwrap();
    let (_, challenge, _) = get(&server, "/users", Some(&expired)).await;
    assert_eq!(
        challenge.unwrap(),
        format!(r#"Bearer error="invalid_token", {url}"#)
    );
    let no_scope = auth.tokens().access("u").issue().unwrap();
    let (status, challenge, _) = get(&server, "/users", Some(&no_scope)).await;
    assert_eq!(status, 403);
    assert_eq!(
        challenge.unwrap(),
        format!(r#"Bearer error="insufficient_scope", scope="users:read", {url}"#)
    );
    let old = auth
        .tokens()
        .access("u")
        .auth_time(now() - 3600)
        .issue()
        .unwrap();
    let (_, challenge, _) = get(&server, "/recent", Some(&old)).await;
    assert!(challenge.unwrap().ends_with(&format!("max_age=300, {url}")));
}

#[tokio::test]
async fn a_resource_with_a_path_is_served_at_the_suffixed_url() {
    let (server, _auth) = metadata_server(resource_config("http://localhost:3000/api/v1")).await;
    let doc: Value = client()
        .get(server.url("/.well-known/oauth-protected-resource/api/v1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["resource"], "http://localhost:3000/api/v1");
    // The bare well-known URL names another resource: not ours.
    let res = client()
        .get(server.url("/.well-known/oauth-protected-resource"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let (_, challenge, _) = get(&server, "/users", None).await;
    assert_eq!(
        challenge.unwrap(),
        r#"Bearer resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/api/v1""#
    );
}

#[tokio::test]
async fn without_a_resource_there_is_no_metadata() {
    let (server, _auth) = metadata_server(config()).await;
    let res = client()
        .get(server.url("/.well-known/oauth-protected-resource"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        get(&server, "/users", None).await.1.as_deref(),
        Some("Bearer")
    );
}

#[test]
fn a_resource_must_be_an_https_url() {
    for bad in [
        "api.example.com",
        "http://api.example.com",
        "https://api.example.com/?q=1",
        "https://api.example.com/#x",
    ] {
        let err = Auth::new(resource_config(bad)).unwrap_err();
        assert!(err.to_string().contains("resource"), "{bad}: {err}");
    }
}

// ----- RFC 7662 introspection and RFC 7009 revocation ----------------------------------------

async fn token_service() -> (TestServer, Auth) {
    let auth = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .issuer("https://auth.test")
            .oauth_client("demo-client", DEMO_SECRET)
            .oauth_client("other client", "s3cr:t/+0123456789abcdef01234567")
            .build(),
    )
    .unwrap();
    let app = routes![list_users]
        .merge(authx::oauth::router())
        .with_state(auth.clone());
    (TestServer::start(app).await, auth)
}

/// POSTs a form to `path` as `client` (`None`: no Authorization), returning status and body.
async fn post_form(
    server: &TestServer,
    path: &str,
    client_auth: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (u16, Value, reqwest::header::HeaderMap) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut req = client()
        .post(server.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some((id, secret)) = client_auth {
        req = req.basic_auth(id, Some(secret));
    }
    authx_tests::status_json_headers(req.send().await.unwrap()).await
}

/// Client secrets are at least 32 bytes.
const DEMO_SECRET: &str = "demo-secret-0123456789abcdef0123";
const DEMO: Option<(&str, &str)> = Some(("demo-client", DEMO_SECRET));

#[tokio::test]
async fn introspection_describes_live_tokens_and_nothing_else() {
    let (server, auth) = token_service().await;
    let pair = auth
        .tokens()
        .pair("user-1")
        .client_id("demo-client")
        .fresh(true)
        .scopes(["users:read", "admin:*"])
        .issue()
        .unwrap();
    let claims = auth.verify(&pair.access_token).unwrap();
    let (status, body, headers) = post_form(
        &server,
        "/oauth/introspect",
        DEMO,
        &[("token", &pair.access_token)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(body["active"], true);
    assert_eq!(body["sub"], "user-1");
    assert_eq!(body["scope"], "users:read admin:*");
    assert_eq!(body["exp"], claims.exp);
    assert_eq!(body["iat"], claims.iat.unwrap());
    assert_eq!(body["jti"], claims.jti);
    assert_eq!(body["iss"], "https://auth.test");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["type"], "access");
    assert_eq!(body["client_id"], "demo-client");
    let (_, body, _) = post_form(
        &server,
        "/oauth/introspect",
        DEMO,
        &[
            ("token", &pair.refresh_token),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(
        (body["active"].clone(), body["type"].clone()),
        (true.into(), "refresh".into())
    );

    // Expired, revoked, foreign and garbage tokens: `{"active": false}` and nothing more.
    let expired = auth
        .tokens()
        .access("user-1")
        .client_id("demo-client")
        .expires_at(now() - 10)
        .issue()
        .unwrap();
    let revoked = auth
        .tokens()
        .access("user-1")
        .client_id("demo-client")
        .issue()
        .unwrap();
    auth.revocations()
        .revoke(&auth.verify(&revoked).unwrap())
        .await
        .unwrap();
    let foreign = Auth::new(
        AuthConfig::builder()
            .secret_key("another-secret-0123456789abcdefgh")
            .build(),
    )
    .unwrap()
    .tokens()
    .access("user-1")
    .issue()
    .unwrap();
    for token in [expired.as_str(), &revoked, &foreign, "garbage", "a.b.c"] {
        let (status, body, _) =
            post_form(&server, "/oauth/introspect", DEMO, &[("token", token)]).await;
        assert_eq!(
            (status, body),
            (200, serde_json::json!({ "active": false })),
            "{token}"
        );
    }
}

#[tokio::test]
async fn introspection_and_revocation_authenticate_the_client() {
    let (server, auth) = token_service().await;
    let token = auth.tokens().access("user-1").issue().unwrap();
    for path in ["/oauth/introspect", "/oauth/revoke"] {
        for client_auth in [
            None,
            Some(("demo-client", "wrong")),
            Some(("unknown", DEMO_SECRET)),
            Some(("demo-client", "")),
        ] {
            let (status, body, headers) =
                post_form(&server, path, client_auth, &[("token", &token)]).await;
            assert_eq!(status, 401, "{path} {client_auth:?}");
            assert_eq!(body, serde_json::json!({ "error": "invalid_client" }));
            assert!(
                headers["www-authenticate"]
                    .to_str()
                    .unwrap()
                    .starts_with("Basic")
            );
        }
        // Ids and secrets are form-urlencoded inside Basic (RFC 6749 section 2.3.1).
        let encoded = Some(("other+client", "s3cr%3At%2F%2B0123456789abcdef01234567"));
        let throwaway = auth
            .tokens()
            .access("user-9")
            .client_id("other client")
            .issue()
            .unwrap();
        let (status, _, _) = post_form(&server, path, encoded, &[("token", &throwaway)]).await;
        assert_eq!(status, 200, "{path}");
        // No token: invalid_request.
        let (status, body, _) = post_form(&server, path, DEMO, &[]).await;
        assert_eq!(
            (status, body),
            (400, serde_json::json!({ "error": "invalid_request" }))
        );
    }
    // A token was never revoked by a refused client.
    assert!(auth.verify_unrevoked(&token).await.is_ok());
}

#[tokio::test]
async fn revocation_answers_200_and_a_refresh_token_ends_its_family() {
    let (server, auth) = token_service().await;
    let pair = auth
        .tokens()
        .pair("user-1")
        .client_id("demo-client")
        .scopes(["users:read"])
        .issue()
        .unwrap();
    assert_eq!(
        get(&server, "/users", Some(&pair.access_token)).await.0,
        200
    );

    let (status, body, _) = post_form(
        &server,
        "/oauth/revoke",
        DEMO,
        &[("token", &pair.refresh_token)],
    )
    .await;
    assert_eq!((status, body), (200, Value::Null));
    // The refresh token and the access token of the same login are both dead.
    assert!(auth.verify_unrevoked(&pair.refresh_token).await.is_err());
    assert_eq!(
        get(&server, "/users", Some(&pair.access_token)).await.0,
        401
    );
    let (_, body, _) = post_form(
        &server,
        "/oauth/introspect",
        DEMO,
        &[("token", &pair.access_token)],
    )
    .await;
    assert_eq!(body, serde_json::json!({ "active": false }));

    // An access token revokes itself only.
    let other = auth
        .tokens()
        .pair("user-2")
        .client_id("demo-client")
        .scopes(["users:read"])
        .issue()
        .unwrap();
    let (status, _, _) = post_form(
        &server,
        "/oauth/revoke",
        DEMO,
        &[("token", &other.access_token)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        get(&server, "/users", Some(&other.access_token)).await.0,
        401
    );
    assert!(auth.verify_unrevoked(&other.refresh_token).await.is_ok());

    // Garbage, foreign and already-revoked tokens: 200 all the same.
    for token in ["garbage", "", &pair.refresh_token] {
        let (status, _, _) = post_form(&server, "/oauth/revoke", DEMO, &[("token", token)]).await;
        assert!(
            status == 200 || (token.is_empty() && status == 400),
            "{token:?}: {status}"
        );
    }
    // GET is not a method of these endpoints.
    let res = client()
        .get(server.url("/oauth/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}

#[test]
fn oauth_clients_come_from_the_environment_and_never_show_their_secret() {
    let config = AuthConfig::builder()
        .secret_key(SECRET)
        .oauth_client("demo-client", "demo-secret")
        .build();
    let debug = format!("{config:?}");
    assert!(
        debug.contains("demo-client") && !debug.contains("demo-secret"),
        "{debug}"
    );
}

#[tokio::test]
async fn a_store_outage_never_makes_a_token_active() {
    // Nothing listens on port 9 (discard): every store call fails.
    let auth = Auth::connect(
        AuthConfig::builder()
            .secret_key(SECRET)
            .store_url("redis://127.0.0.1:9/")
            .store_timeout(std::time::Duration::from_millis(200))
            .oauth_client("demo-client", DEMO_SECRET)
            .build(),
    )
    .await
    .unwrap();
    let token = auth
        .tokens()
        .access("user-1")
        .client_id("demo-client")
        .issue()
        .unwrap();
    let server = TestServer::start(authx::oauth::router().with_state(auth)).await;
    for path in ["/oauth/introspect", "/oauth/revoke"] {
        let (status, body, _) = post_form(&server, path, DEMO, &[("token", &token)]).await;
        assert_eq!(
            (status, body),
            (
                503,
                serde_json::json!({ "error": "temporarily_unavailable" })
            ),
            "{path}"
        );
    }
}
