//! The last differences from Python AuthX, fastapi-auth-jwt and fastapi-authix, end to end:
//! the manual style (find the token, verify it with flags) with CSRF, `verify_type = false`,
//! policy failures, per-token pair options and header fields, per-call cookie `Max-Age`,
//! implicit refresh from the access token alone, a token to its subject outside a request, the
//! standalone codec and `insecure_decode`.

use std::time::Duration;

use authx::layer::{ImplicitRefreshLayer, RefreshSource};
use authx::token::JwtCodec;
use authx::{
    Auth, AuthConfig, AuthError, Claims, PolicyDecision, RefreshClaims, TokenLocation, TokenType,
    VerifyOptions, auth_subject, protect,
};
use authx_tests::{TestServer, assert_error, client, status_json};
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use http::request::Parts;
use serde_json::{Value, json};

const SECRET: &str = "manual-test-secret-0123456789abcdef";

fn cookie_config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key(SECRET)
        .token_locations([
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::Query,
        ])
        .cookie_secure(false)
        .build()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn csrf_of(auth: &Auth, token: &str) -> String {
    auth.verify(token).unwrap().csrf.expect("a csrf claim")
}

// ----- the manual API ------------------------------------------------------------------

/// AuthX's "Method 1": the handler finds the token, then verifies it with flags taken from the
/// query string (`?fresh=1&any_type=1&no_csrf=1&optional=1&only=query`).
async fn manual(State(auth): State<Auth>, parts: Parts) -> Result<String, AuthError> {
    let q = parts.uri.query().unwrap_or("");
    let has = |flag: &str| q.split('&').any(|kv| kv == format!("{flag}=1"));
    let only_query = [TokenLocation::Query];
    let locations = q
        .split('&')
        .any(|kv| kv == "only=query")
        .then_some(&only_query[..]);
    let token = if has("optional") {
        match auth.request_token_optional(&parts, TokenType::Access, locations)? {
            Some(token) => token,
            None => return Ok("anonymous".into()),
        }
    } else {
        auth.request_token(&parts, TokenType::Access, locations)?
    };
    let options = VerifyOptions {
        verify_type: !has("any_type"),
        verify_fresh: has("fresh"),
        verify_csrf: !has("no_csrf"),
    };
    let claims = auth.verify_request_token(&token, options).await?;
    Ok(format!(
        "{} {} {:?}",
        claims.sub,
        claims.token_type.as_str(),
        token.location
    ))
}

async fn manual_server() -> (TestServer, Auth) {
    let auth = Auth::new(cookie_config()).unwrap();
    let app = Router::new()
        .route("/manual", get(manual).post(manual))
        .with_state(auth.clone());
    (TestServer::start(app).await, auth)
}

async fn send(req: reqwest::RequestBuilder) -> (u16, String) {
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn error_type(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    v["error_type"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn manual_path_checks_csrf_against_the_method() {
    let (s, auth) = manual_server().await;
    let c = client();
    let token = auth.tokens().create_access("ada").unwrap();
    let csrf = csrf_of(&auth, &token);
    let cookie = format!("access_token_cookie={token}");

    // A cookie token on POST without the CSRF header: refused, as AuthX refuses it.
    let (status, body) = send(c.post(s.url("/manual")).header("cookie", &cookie)).await;
    assert_eq!(
        (status, error_type(&body)),
        (401, "MissingCSRFTokenError".into())
    );
    // With a wrong header: refused.
    let (status, body) = send(
        c.post(s.url("/manual"))
            .header("cookie", &cookie)
            .header("x-csrf-token", "not-the-value"),
    )
    .await;
    assert_eq!((status, error_type(&body)), (401, "CSRFError".into()));
    // With the right one: through.
    let (status, body) = send(
        c.post(s.url("/manual"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "ada access Cookies"));
    // GET is not a CSRF-protected method.
    let (status, _) = send(c.get(s.url("/manual")).header("cookie", &cookie)).await;
    assert_eq!(status, 200);
    // verify_csrf = false skips it, as AuthX's verify_csrf=False.
    let (status, _) = send(c.post(s.url("/manual?no_csrf=1")).header("cookie", &cookie)).await;
    assert_eq!(status, 200);
    // A header token needs no CSRF header.
    let (status, body) = send(c.post(s.url("/manual")).bearer_auth(&token)).await;
    assert_eq!((status, body.as_str()), (200, "ada access Headers"));
}

#[tokio::test]
async fn manual_path_finds_verifies_types_freshness_and_revocation() {
    let (s, auth) = manual_server().await;
    let c = client();
    // No token: MissingTokenError; the optional variant gives None.
    let (status, body) = send(c.get(s.url("/manual"))).await;
    assert_eq!(
        (status, error_type(&body)),
        (401, "MissingTokenError".into())
    );
    let (status, body) = send(c.get(s.url("/manual?optional=1"))).await;
    assert_eq!((status, body.as_str()), (200, "anonymous"));
    // A present but bad token is an error even when optional.
    let (status, body) = send(c.get(s.url("/manual?optional=1")).bearer_auth("garbage")).await;
    assert_eq!((status, error_type(&body)), (401, "JWTDecodeError".into()));

    // The per-call locations override: only the query is looked in.
    let token = auth.tokens().create_access("ada").unwrap();
    let (status, body) = send(c.get(s.url("/manual?only=query")).bearer_auth(&token)).await;
    assert_eq!(
        (status, error_type(&body)),
        (401, "MissingTokenError".into())
    );
    let (status, body) = send(c.get(s.url(&format!("/manual?only=query&token={token}")))).await;
    assert_eq!((status, body.as_str()), (200, "ada access Query"));

    // Type: a refresh token where an access token is asked for, unless verify_type = false.
    let refresh = auth.tokens().create_refresh("ada").unwrap();
    let (status, body) = send(c.get(s.url("/manual")).bearer_auth(&refresh)).await;
    assert_eq!(
        (status, error_type(&body)),
        (401, "AccessTokenRequiredError".into())
    );
    let (status, body) = send(c.get(s.url("/manual?any_type=1")).bearer_auth(&refresh)).await;
    assert_eq!((status, body.as_str()), (200, "ada refresh Headers"));

    // Freshness.
    let (status, body) = send(c.get(s.url("/manual?fresh=1")).bearer_auth(&token)).await;
    assert_eq!(
        (status, error_type(&body)),
        (401, "FreshTokenRequiredError".into())
    );
    let fresh = auth.tokens().access("ada").fresh(true).issue().unwrap();
    let (status, _) = send(c.get(s.url("/manual?fresh=1")).bearer_auth(&fresh)).await;
    assert_eq!(status, 200);

    // Revocation is checked (the call is async for it).
    auth.revocations()
        .revoke(&auth.verify(&token).unwrap())
        .await
        .unwrap();
    let (status, body) = send(c.get(s.url("/manual")).bearer_auth(&token)).await;
    assert_eq!(
        (status, error_type(&body)),
        (401, "RevokedTokenError".into())
    );
    // Tampered.
    let mut tampered = fresh.clone();
    tampered.pop();
    tampered.push(if fresh.ends_with('A') { 'B' } else { 'A' });
    let (status, body) = send(c.get(s.url("/manual")).bearer_auth(&tampered)).await;
    assert_eq!(status, 401, "{body}");
}

// ----- verify_type = false --------------------------------------------------------------

#[protect(verify_type = false)]
async fn either(claims: Claims) -> String {
    format!("{} {}", claims.sub, claims.token_type.as_str())
}

#[protect(verify_type = false, refresh)]
async fn either_from_refresh_cookie(claims: Claims) -> String {
    claims.token_type.as_str().to_owned()
}

#[tokio::test]
async fn verify_type_false_accepts_either_type_and_needs_a_token() {
    let auth = Auth::new(cookie_config()).unwrap();
    let app = Router::new()
        .route("/either", get(either))
        .route("/either-refresh", get(either_from_refresh_cookie))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let c = client();
    let pair = auth.tokens().pair("ada").issue().unwrap();
    for (token, kind) in [
        (&pair.access_token, "access"),
        (&pair.refresh_token, "refresh"),
    ] {
        let (status, body) = send(c.get(s.url("/either")).bearer_auth(token)).await;
        assert_eq!((status, body), (200, format!("ada {kind}")));
    }
    // No token: AuthX's generic TokenRequiredError.
    let (status, body) = status_json(c.get(s.url("/either")).send().await.unwrap()).await;
    assert_error(status, &body, 401, "TokenRequiredError");
    // Still a verified, live token.
    let (status, _) = send(c.get(s.url("/either")).bearer_auth("a.b.c")).await;
    assert_eq!(status, 401);
    auth.sessions()
        .logout(&auth.verify(&pair.refresh_token).unwrap())
        .await
        .unwrap();
    let (status, body) = send(c.get(s.url("/either")).bearer_auth(&pair.refresh_token)).await;
    assert_eq!(
        (status, error_type(&body)),
        (401, "RevokedTokenError".into())
    );
    // The declared type names the cookie looked in: the refresh cookie here.
    let access = auth.tokens().create_access("ada").unwrap();
    let (status, body) = send(
        c.get(s.url("/either-refresh"))
            .header("cookie", format!("refresh_token_cookie={access}")),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "access"));
    // And the audit table says so.
    let entry = authx::registry::entries()
        .into_iter()
        .find(|e| e.handler == "either")
        .expect("registered");
    assert!(
        format!("{entry:?}").contains("verify_type: false"),
        "{entry:?}"
    );
}

// ----- policy failures ------------------------------------------------------------------

async fn flaky_policy(claims: &Claims, _parts: &Parts) -> Result<bool, std::io::Error> {
    match claims.sub.as_str() {
        "ok" => Ok(true),
        "no" => Ok(false),
        _ => Err(std::io::Error::other("policy database down")),
    }
}

async fn panicking_policy(claims: &Claims, _parts: &Parts) -> PolicyDecision {
    if claims.sub == "boom" {
        panic!("a bug in the policy");
    }
    PolicyDecision::Allow
}

#[protect(policy = flaky_policy)]
async fn flaky() -> &'static str {
    "in"
}

#[protect(policy = panicking_policy)]
async fn fragile() -> &'static str {
    "in"
}

#[tokio::test]
async fn a_failing_or_panicking_policy_refuses_with_403_policy_evaluation_error() {
    let auth = Auth::new(cookie_config()).unwrap();
    let app = Router::new()
        .route("/flaky", get(flaky))
        .route("/fragile", get(fragile))
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let c = client();
    let token = |sub: &str| auth.tokens().create_access(sub).unwrap();
    let (status, body) = send(c.get(s.url("/flaky")).bearer_auth(token("ok"))).await;
    assert_eq!((status, body.as_str()), (200, "in"));
    let (status, body) = status_json(
        c.get(s.url("/flaky"))
            .bearer_auth(token("no"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 403, "PolicyDeniedError");
    let (status, body) = status_json(
        c.get(s.url("/flaky"))
            .bearer_auth(token("err"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 403, "PolicyEvaluationError");
    assert!(
        !body.to_string().contains("database"),
        "the detail is logged, not sent: {body}"
    );
    // A panic is a failure to decide, answered like one; the server keeps serving.
    let (status, body) = status_json(
        c.get(s.url("/fragile"))
            .bearer_auth(token("boom"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 403, "PolicyEvaluationError");
    let (status, _) = send(c.get(s.url("/fragile")).bearer_auth(token("fine"))).await;
    assert_eq!(status, 200);
}

// ----- per-token options, header fields, cookie Max-Age -----------------------------------

#[test]
fn pair_options_apply_per_token_and_header_fields_are_settable() {
    let auth = Auth::new(cookie_config()).unwrap();
    let pair = auth
        .tokens()
        .pair("ada")
        .fresh(true)
        .scopes(["shared:read"])
        .extra(json!({"plan": "pro", "tier": 1}))
        .header("x-tenant", "acme")
        .access(|t| {
            t.scopes(["orders:read"])
                .expires_in(Duration::from_secs(300))
                .audience(["api"])
                .header("typ", "at+jwt")
        })
        .refresh(|t| {
            t.expires_in(Duration::from_secs(86_400))
                .extra(json!({"tier": 2}))
                .audience(["refresh"])
        })
        .issue()
        .unwrap();
    let peek = |t: &str| authx::insecure_decode(t).unwrap();
    let (access, refresh) = (peek(&pair.access_token), peek(&pair.refresh_token));
    assert_eq!(access.claims["scopes"], json!(["orders:read"]));
    assert_eq!(refresh.claims["scopes"], json!(["shared:read"]));
    let exp = |v: &authx::token::InsecureToken| v.claims["exp"].as_i64().unwrap();
    assert_eq!(exp(&refresh) - exp(&access), 86_400 - 300);
    assert_eq!(
        (access.claims["aud"].clone(), refresh.claims["aud"].clone()),
        (json!("api"), json!("refresh"))
    );
    assert_eq!(access.claims["tier"], 1);
    assert_eq!(
        (
            refresh.claims["tier"].clone(),
            refresh.claims["plan"].clone()
        ),
        (json!(2), json!("pro"))
    );
    assert_eq!(access.claims["sid"], refresh.claims["sid"], "one family");
    assert_eq!(
        (access.header["typ"].clone(), refresh.header["typ"].clone()),
        (json!("at+jwt"), json!("JWT"))
    );
    assert_eq!(
        (
            access.header["x-tenant"].clone(),
            refresh.header["x-tenant"].clone()
        ),
        (json!("acme"), json!("acme"))
    );
    assert!(
        access.claims["fresh"].as_bool().unwrap() && !refresh.claims["fresh"].as_bool().unwrap()
    );
    assert!(access.claims.contains_key("auth_time") && refresh.claims.contains_key("auth_time"));

    // Every registered header field is settable, and the token still verifies.
    let token = auth
        .tokens()
        .access("ada")
        .header("typ", "at+jwt")
        .header("cty", "JWT")
        .header("x5t", "dGh1bWJwcmludA")
        .header("jku", "https://keys.example/jwks.json")
        .header("kid", "k-2024")
        .header("x5c", ["MIIB"])
        .issue()
        .unwrap();
    let header = peek(&token).header;
    for (name, value) in [
        ("typ", json!("at+jwt")),
        ("cty", json!("JWT")),
        ("x5t", json!("dGh1bWJwcmludA")),
        ("jku", json!("https://keys.example/jwks.json")),
        ("kid", json!("k-2024")),
        ("x5c", json!(["MIIB"])),
        ("alg", json!("HS256")),
    ] {
        assert_eq!(header[name], value, "{name}");
    }
    assert_eq!(auth.verify(&token).unwrap().sub, "ada");
    // alg (and crit, b64) cannot be set; a registered field of the wrong shape fails too.
    for (name, value) in [
        ("alg", json!("none")),
        ("crit", json!(["exp"])),
        ("b64", json!(false)),
        ("x5c", json!(5)),
    ] {
        assert!(
            auth.tokens()
                .access("ada")
                .header(name, value.clone())
                .issue()
                .is_err(),
            "{name} = {value}"
        );
        assert!(
            auth.tokens()
                .pair("ada")
                .refresh(|t| t.header(name, value.clone()))
                .issue()
                .is_err()
        );
    }
}

#[tokio::test]
async fn cookies_take_a_max_age_per_call() {
    let auth = Auth::new(cookie_config()).unwrap();
    let app = Router::new()
        .route(
            "/login",
            post(|State(auth): State<Auth>| async move {
                let pair = auth.tokens().pair("ada").fresh(true).issue()?;
                let remember = auth
                    .cookies()
                    .set_with_max_age(&pair, Duration::from_secs(30 * 86_400))?;
                Ok::<_, AuthError>((remember, "in"))
            }),
        )
        .route(
            "/session-login",
            post(|State(auth): State<Auth>| async move {
                let pair = auth.tokens().pair("ada").issue()?;
                Ok::<_, AuthError>((auth.cookies().set(&pair)?, "in"))
            }),
        )
        .with_state(auth);
    let s = TestServer::start(app).await;
    let set_cookies = |res: &reqwest::Response| -> Vec<String> {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    };
    let res = client().post(s.url("/login")).send().await.unwrap();
    let cookies = set_cookies(&res);
    assert_eq!(cookies.len(), 4, "{cookies:?}");
    assert!(
        cookies.iter().all(|c| c.contains("Max-Age=2592000")),
        "{cookies:?}"
    );
    // Without it, the configuration (none by default: session cookies).
    let res = client().post(s.url("/session-login")).send().await.unwrap();
    assert!(set_cookies(&res).iter().all(|c| !c.contains("Max-Age")));
}

// ----- implicit refresh from the access token alone --------------------------------------

#[tokio::test]
async fn implicit_refresh_from_the_access_token_is_bounded() {
    let auth = Auth::new(cookie_config()).unwrap();
    let app = Router::new()
        .route("/whoami", get(|c: Claims| async move { c.sub }))
        .layer(
            ImplicitRefreshLayer::new(auth.clone())
                .source(RefreshSource::AccessToken)
                .window(Duration::from_secs(120))
                .max_login_age(Duration::from_secs(3600)),
        )
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let renewed = |res: &reqwest::Response| {
        res.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("access_token_cookie="))
            .map(|c| c.split(';').next().unwrap().to_owned())
    };
    let get = |token: &str| {
        client()
            .get(s.url("/whoami"))
            .header("cookie", format!("access_token_cookie={token}"))
            .send()
    };

    // A login's fresh token, due within the window: renewed from itself, no refresh cookie.
    let session = auth
        .sessions()
        .create("ada", authx::SessionMeta::default())
        .await
        .unwrap();
    let soon = auth
        .tokens()
        .access("ada")
        .fresh(true)
        .scopes(["orders:read"])
        .extra(json!({"plan": "pro"}))
        .session(&session.id)
        .expires_in(Duration::from_secs(60))
        .issue()
        .unwrap();
    let old = auth.verify(&soon).unwrap();
    let res = get(&soon).await.unwrap();
    assert_eq!(res.status(), 200);
    let new = renewed(&res).expect("a renewed access cookie");
    let claims = auth.verify(&new).unwrap();
    assert!(claims.exp > old.exp && !claims.fresh);
    assert_eq!(claims.scopes(), ["orders:read"]);
    assert_eq!(claims.extra["plan"], "pro");
    assert_eq!(
        (claims.sid.as_ref(), claims.csrf.as_ref()),
        (old.sid.as_ref(), old.csrf.as_ref())
    );
    assert_eq!(
        claims.auth_time, old.auth_time,
        "the login's time travels with the chain"
    );

    // Far from expiry: untouched.
    let later = auth.tokens().access("ada").fresh(true).issue().unwrap();
    assert!(renewed(&get(&later).await.unwrap()).is_none());
    // Expired: never renewed from itself.
    let expired = auth
        .tokens()
        .access("ada")
        .fresh(true)
        .expires_at(now() - 5)
        .issue()
        .unwrap();
    let res = get(&expired).await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(renewed(&res).is_none());
    // A login older than max_login_age: served while valid, but the chain ends.
    let old_login = auth
        .tokens()
        .access("ada")
        .auth_time(now() - 7200)
        .expires_in(Duration::from_secs(60))
        .issue()
        .unwrap();
    let res = get(&old_login).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(renewed(&res).is_none());
    // A revoked session ends the chain at once.
    auth.sessions().revoke(&session.id).await.unwrap();
    let res = get(&new).await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(renewed(&res).is_none());
}

// ----- a token to its subject, outside a request -----------------------------------------

#[derive(Debug)]
#[auth_subject(loader = load_user)]
struct User {
    id: String,
}

async fn load_user(id: String, _claims: Claims) -> Result<Option<User>, std::io::Error> {
    Ok((id != "deleted").then_some(User { id }))
}

#[tokio::test]
async fn authenticate_turns_a_token_into_its_subject_outside_a_request() {
    let auth = Auth::new(cookie_config()).unwrap();
    let token = auth.tokens().create_access("ada").unwrap();
    let user: User = auth.authenticate(&token, &auth).await.unwrap();
    assert_eq!(user.id, "ada");
    let refresh = auth.tokens().create_refresh("ada").unwrap();
    assert!(matches!(
        auth.authenticate::<User, _>(&refresh, &auth).await,
        Err(AuthError::AccessTokenRequired)
    ));
    let gone = auth.tokens().create_access("deleted").unwrap();
    assert!(matches!(
        auth.authenticate::<User, _>(&gone, &auth).await,
        Err(AuthError::SubjectNotFound)
    ));
    auth.revocations()
        .revoke(&auth.verify(&token).unwrap())
        .await
        .unwrap();
    assert!(matches!(
        auth.authenticate::<User, _>(&token, &auth).await,
        Err(AuthError::Revoked)
    ));
    // In allowlist mode, only registered tokens.
    let strict = Auth::new(
        AuthConfig::builder()
            .secret_key(SECRET)
            .allowlist(true)
            .build(),
    )
    .unwrap();
    let unregistered = strict.tokens().create_access("ada").unwrap();
    assert!(
        strict
            .authenticate::<User, _>(&unregistered, &strict)
            .await
            .is_err()
    );
    let registered = strict
        .tokens()
        .register(strict.tokens().access("ada"))
        .await
        .unwrap();
    assert!(
        strict
            .authenticate::<User, _>(&registered, &strict)
            .await
            .is_ok()
    );
}

// ----- the standalone codec and insecure_decode ------------------------------------------

#[test]
fn jwt_codec_signs_any_payload_and_adds_nothing_unless_asked() {
    let config = AuthConfig::builder().secret_key(SECRET).build();
    let codec = JwtCodec::new(&config).unwrap();
    let token = codec.encode(&json!({"username": "ada", "n": 1})).unwrap();
    let payload = authx::insecure_decode(&token).unwrap().claims;
    assert_eq!(Value::Object(payload), json!({"username": "ada", "n": 1}));
    let back: Value = codec.decode(&token).unwrap();
    assert_eq!(back["username"], "ada");
    // Not an authx token: Auth refuses it, JwtCodec accepts it.
    assert!(Auth::new(config.clone()).unwrap().verify(&token).is_err());

    // With expires_in: iat and exp, checked on decode.
    let expiring = JwtCodec::new(&config)
        .unwrap()
        .expires_in(Duration::from_secs(60));
    let token = expiring.encode(&json!({"u": 1})).unwrap();
    let claims = authx::insecure_decode(&token).unwrap().claims;
    assert!(
        claims.contains_key("iat") && claims.contains_key("exp") && !claims.contains_key("sub")
    );
    let stale = codec.encode(&json!({"u": 1, "exp": now() - 100})).unwrap();
    assert!(matches!(
        codec.decode::<Value>(&stale),
        Err(authx::error::TokenError::Expired)
    ));
    let early = codec.encode(&json!({"u": 1, "nbf": now() + 1000})).unwrap();
    assert!(codec.decode::<Value>(&early).is_err());
    let bad_exp = codec.encode(&json!({"u": 1, "exp": "tomorrow"})).unwrap();
    assert!(codec.decode::<Value>(&bad_exp).is_err());

    // Another key, a tampered token, the wrong shape: refused.
    let other = JwtCodec::new(
        &AuthConfig::builder()
            .secret_key("another-secret-0123456789abcdefgh")
            .build(),
    )
    .unwrap();
    let token = codec.encode(&json!({"u": 1})).unwrap();
    assert!(matches!(
        other.decode::<Value>(&token),
        Err(authx::error::TokenError::InvalidSignature)
    ));
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged_payload = base64_url(br#"{"u":2}"#);
    parts[1] = &forged_payload;
    assert!(codec.decode::<Value>(&parts.join(".")).is_err());
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Shape {
        username: String,
    }
    assert!(codec.decode::<Shape>(&token).is_err());
}

#[test]
fn insecure_decode_reads_without_verifying_and_never_panics() {
    let forged = format!(
        "{}.{}.sig",
        base64_url(br#"{"alg":"none"}"#),
        base64_url(br#"{"sub":"root","admin":true}"#)
    );
    let seen = authx::insecure_decode(&forged).unwrap();
    assert_eq!(
        (seen.header["alg"].clone(), seen.claims["sub"].clone()),
        (json!("none"), json!("root"))
    );
    for garbage in [
        "",
        "a",
        "a.b",
        "a.b.c.d",
        "!!.??.x",
        "e30.W10.x",
        &"a".repeat(70_000),
    ] {
        assert!(authx::insecure_decode(garbage).is_err(), "{garbage:.20}");
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

// ----- RefreshClaims still refuse what verify_type = false would accept -------------------

#[tokio::test]
async fn plain_extractors_keep_their_type_checks() {
    let auth = Auth::new(cookie_config()).unwrap();
    let app = Router::new()
        .route(
            "/refresh",
            post(|c: RefreshClaims| async move { c.sub.clone() }),
        )
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let access = auth.tokens().create_access("ada").unwrap();
    let (status, body) = status_json(
        client()
            .post(s.url("/refresh"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(status, &body, 401, "RefreshTokenRequiredError");
}
