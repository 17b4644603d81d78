//! The clients of the introspection (RFC 7662) and revocation (RFC 7009) endpoints, over real
//! HTTP: failed client authentication is rate-limited (per IP, per client id, across instances
//! on Redis), short secrets are refused at start-up, tokens carry the `client_id` of the client
//! they were issued to, and a client introspects and revokes only its own tokens. Also: asking
//! about a retired refresh token logs nobody out, and the metadata names the resource.

use authx::{Auth, AuthConfig, RefreshClaims};
use authx_tests::{TestServer, client};
use serde_json::{Value, json};

const SECRET: &str = "oauth-clients-test-secret-0123456789";
const A_SECRET: &str = "client-a-secret-0123456789abcdef";
const B_SECRET: &str = "client-b-secret-0123456789abcdef";
const RS_SECRET: &str = "resource-server-secret-0123456789";
const A: (&str, &str) = ("client-a", A_SECRET);
const B: (&str, &str) = ("client-b", B_SECRET);
const RS: (&str, &str) = ("resource-server", RS_SECRET);

fn builder() -> authx::config::AuthConfigBuilder {
    AuthConfig::builder()
        .secret_key(SECRET)
        .oauth_client(A.0, A.1)
        .oauth_client(B.0, B.1)
        .oauth_introspector(RS.0, RS.1)
}

async fn serve(auth: &Auth) -> TestServer {
    TestServer::start(authx::oauth::router().with_state(auth.clone())).await
}

/// POSTs `token=<token>` to `path` as `as_client`, optionally from `forwarded_for` (through
/// a trusted proxy): status, body (`Null` when empty) and headers.
async fn post(
    server: &TestServer,
    path: &str,
    as_client: (&str, &str),
    token: &str,
    forwarded_for: Option<&str>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .finish();
    let mut req = client()
        .post(server.url(path))
        .basic_auth(as_client.0, Some(as_client.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    authx_tests::status_json_headers(req.send().await.unwrap()).await
}

async fn introspect(server: &TestServer, as_client: (&str, &str), token: &str) -> Value {
    let (status, body, _) = post(server, "/oauth/introspect", as_client, token, None).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn assert_limited(status: u16, body: &Value, headers: &reqwest::header::HeaderMap) {
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(headers["cache-control"], "no-store");
}

// ----- rate limits on failed client authentication ------------------------------------------

#[tokio::test]
async fn failed_client_authentication_is_limited_per_ip_even_for_the_right_secret() {
    let auth = Auth::new(builder().build()).unwrap();
    let server = serve(&auth).await;
    let token = auth.tokens().access("u").client_id(A.0).issue().unwrap();
    let failures = authx::oauth::CLIENT_AUTH_FAILURES;
    // Wrong secrets of different clients (and unknown ones) from one IP, on both endpoints.
    for i in 0..failures {
        let path = ["/oauth/introspect", "/oauth/revoke"][i as usize % 2];
        let who = [("client-a", "wrong"), ("nobody", "wrong"), ("client-b", "")][i as usize % 3];
        let (status, body, _) = post(&server, path, who, &token, None).await;
        assert_eq!((status, &body["error"]), (401, &json!("invalid_client")));
    }
    let (status, body, headers) = post(
        &server,
        "/oauth/introspect",
        ("client-a", "wrong"),
        &token,
        None,
    )
    .await;
    assert_limited(status, &body, &headers);
    // The right secret from that IP is refused too: guessing stops at the limit.
    for path in ["/oauth/introspect", "/oauth/revoke"] {
        let (status, body, headers) = post(&server, path, A, &token, None).await;
        assert_limited(status, &body, &headers);
    }
    // And nothing was revoked.
    assert!(auth.verify_unrevoked(&token).await.is_ok());
}

#[tokio::test]
async fn failed_client_authentication_is_limited_per_client_id_across_ips() {
    let auth = Auth::new(builder().trusted_proxy("127.0.0.1/32").build()).unwrap();
    let server = serve(&auth).await;
    let token = auth.tokens().access("u").client_id(A.0).issue().unwrap();
    let failures = authx::oauth::CLIENT_AUTH_FAILURES;
    for i in 0..failures {
        let ip = format!("198.51.100.{i}");
        let (status, ..) = post(
            &server,
            "/oauth/introspect",
            ("client-a", "wrong"),
            &token,
            Some(&ip),
        )
        .await;
        assert_eq!(status, 401, "{ip}");
    }
    // One more failure for client-a from a new address is one too many...
    let (status, body, headers) = post(
        &server,
        "/oauth/introspect",
        ("client-a", "wrong"),
        &token,
        Some("203.0.113.1"),
    )
    .await;
    assert_limited(status, &body, &headers);
    // ... and client-a is held, right secret included, from any address.
    let (status, body, headers) =
        post(&server, "/oauth/introspect", A, &token, Some("203.0.113.2")).await;
    assert_limited(status, &body, &headers);
    // Another client, and made-up ids (no bucket of their own), are not.
    let (status, body, _) = post(
        &server,
        "/oauth/introspect",
        RS,
        &token,
        Some("203.0.113.3"),
    )
    .await;
    assert_eq!((status, &body["active"]), (200, &json!(true)));
    let (status, ..) = post(
        &server,
        "/oauth/introspect",
        ("made-up", "wrong"),
        &token,
        Some("203.0.113.4"),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_client_authentication_is_limited_across_instances_on_redis() {
    let url =
        std::env::var("AUTHX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("authx-test-{}:", uuid::Uuid::new_v4());
    let store = authx::store::RedisStore::with_prefix(&url, &prefix).unwrap();
    let stores = authx::Stores::redis(store);
    let one = Auth::builder(builder().build())
        .stores(stores.clone())
        .build()
        .unwrap();
    let two = Auth::builder(builder().build())
        .stores(stores)
        .build()
        .unwrap();
    let (s1, s2) = (serve(&one).await, serve(&two).await);
    let token = one.tokens().access("u").client_id(A.0).issue().unwrap();
    // Half the failures on each instance.
    for i in 0..authx::oauth::CLIENT_AUTH_FAILURES {
        let server = if i % 2 == 0 { &s1 } else { &s2 };
        let (status, body, _) =
            post(server, "/oauth/revoke", ("client-a", "wrong"), &token, None).await;
        assert_eq!(status, 401, "{body}");
    }
    for server in [&s1, &s2] {
        let (status, body, headers) = post(server, "/oauth/introspect", A, &token, None).await;
        assert_limited(status, &body, &headers);
    }
}

#[tokio::test]
async fn successful_client_authentications_are_not_limited() {
    let auth = Auth::new(builder().build()).unwrap();
    let server = serve(&auth).await;
    let token = auth.tokens().access("u").client_id(A.0).issue().unwrap();
    for _ in 0..(authx::oauth::CLIENT_AUTH_FAILURES * 5) {
        assert_eq!(introspect(&server, A, &token).await["active"], true);
    }
}

/// A successful client authentication only reads the failure buckets: on a clock that does not
/// move, a thousand of them (on both endpoints) leave exactly `CLIENT_AUTH_FAILURES` failures
/// before the 429, for the IP's bucket and the client's alike.
#[tokio::test]
async fn successful_client_authentications_leave_the_failure_buckets_untouched() {
    let clock = authx::clock::ManualClock::starting_now();
    let auth = Auth::builder(builder().build())
        .clock(clock)
        .build()
        .unwrap();
    let server = serve(&auth).await;
    let token = auth.tokens().access("u").client_id(A.0).issue().unwrap();
    for i in 0..1_000 {
        if i % 2 == 0 {
            assert_eq!(introspect(&server, A, &token).await["active"], true);
        } else {
            let (status, ..) = post(&server, "/oauth/revoke", A, "garbage", None).await;
            assert_eq!(status, 200);
        }
    }
    for i in 0..authx::oauth::CLIENT_AUTH_FAILURES {
        let (status, body, _) = post(
            &server,
            "/oauth/introspect",
            ("client-a", "wrong"),
            &token,
            None,
        )
        .await;
        assert_eq!(
            (status, &body["error"]),
            (401, &json!("invalid_client")),
            "failure {i}"
        );
    }
    for who in [("client-a", "wrong"), A] {
        let (status, body, headers) = post(&server, "/oauth/introspect", who, &token, None).await;
        assert_limited(status, &body, &headers);
    }
}

// ----- client secrets -----------------------------------------------------------------------

#[test]
fn client_secrets_shorter_than_32_bytes_are_refused_by_the_builder() {
    for short in ["", "demo-secret", &"s".repeat(31)] {
        let err = Auth::new(
            AuthConfig::builder()
                .secret_key(SECRET)
                .oauth_client("demo", short)
                .build(),
        )
        .err()
        .unwrap_or_else(|| panic!("a {}-byte secret was accepted", short.len()));
        let message = err.to_string();
        assert!(
            message.contains("oauth.clients") && message.contains("32"),
            "{message}"
        );
        assert!(short.is_empty() || !message.contains(short), "{message}");
    }
    assert_eq!(authx::config::MIN_CLIENT_SECRET_LEN, 32);
    assert!(
        Auth::new(
            AuthConfig::builder()
                .secret_key(SECRET)
                .oauth_client("demo", "s".repeat(32))
                .build()
        )
        .is_ok()
    );
}

#[test]
fn client_secrets_shorter_than_32_bytes_are_refused_by_the_environment() {
    let load = |clients: &'static str, introspectors: Option<&'static str>| {
        AuthConfig::from_lookup(move |name| match name {
            "AUTHX_SECRET_KEY" => Some(SECRET.to_owned()),
            "AUTHX_OAUTH_CLIENTS" => Some(clients.to_owned()),
            "AUTHX_OAUTH_INTROSPECTORS" => introspectors.map(str::to_owned),
            _ => None,
        })
    };
    let err = load("a:short-secret", None).unwrap_err().to_string();
    assert!(
        err.contains("AUTHX_OAUTH_CLIENTS") && err.contains("32") && !err.contains("short-secret"),
        "{err}"
    );
    let ok = format!("a:{A_SECRET},rs:{RS_SECRET}");
    let ok: &'static str = Box::leak(ok.into_boxed_str());
    let config = load(ok, Some("rs")).unwrap();
    let flags: Vec<_> = config
        .oauth
        .clients
        .iter()
        .map(|c| (c.id.as_str(), c.introspects_all))
        .collect();
    assert_eq!(flags, [("a", false), ("rs", true)]);
    let err = load(ok, Some("nobody")).unwrap_err().to_string();
    assert!(err.contains("AUTHX_OAUTH_INTROSPECTORS"), "{err}");
}

// ----- clients touch only their own tokens --------------------------------------------------

#[tokio::test]
async fn tokens_issued_for_a_client_carry_its_client_id_through_rotation() {
    let auth = Auth::new(builder().build()).unwrap();
    let pair = auth.tokens().pair("u").client_id(A.0).issue().unwrap();
    for token in [&pair.access_token, &pair.refresh_token] {
        assert_eq!(auth.verify(token).unwrap().client_id(), Some(A.0));
    }
    let refresh = auth.verify(&pair.refresh_token).unwrap();
    let next = auth
        .sessions()
        .rotate(&RefreshClaims(refresh))
        .await
        .unwrap();
    for token in [&next.access_token, &next.refresh_token] {
        assert_eq!(auth.verify(token).unwrap().client_id(), Some(A.0));
    }
    // client_id cannot be smuggled in as extra data.
    assert!(
        auth.tokens()
            .access("u")
            .extra(json!({ "client_id": B.0 }))
            .issue()
            .is_err()
    );
}

#[tokio::test]
async fn another_client_cannot_revoke_a_clients_refresh_token_or_its_family() {
    // Under the RFC 9068 profile every token is issued to the configured client: the refresh
    // token too, so another client cannot end the login.
    let auth = Auth::new(
        builder()
            .jwt_access_token_profile(true)
            .client_id(A.0)
            .build(),
    )
    .unwrap();
    let server = serve(&auth).await;
    let pair = auth.tokens().pair("u").issue().unwrap();
    for token in [&pair.refresh_token, &pair.access_token] {
        let (status, body, _) = post(&server, "/oauth/revoke", B, token, None).await;
        assert_eq!(
            (status, body),
            (400, json!({ "error": "unauthorized_client" }))
        );
    }
    // An introspector may read them, never revoke them.
    let (status, ..) = post(&server, "/oauth/revoke", RS, &pair.refresh_token, None).await;
    assert_eq!(status, 400);
    assert!(auth.verify_unrevoked(&pair.refresh_token).await.is_ok());
    assert!(auth.verify_unrevoked(&pair.access_token).await.is_ok());

    // The owner revokes its refresh token, and the family with it.
    let (status, body, _) = post(&server, "/oauth/revoke", A, &pair.refresh_token, None).await;
    assert_eq!((status, body), (200, Value::Null));
    assert!(auth.verify_unrevoked(&pair.access_token).await.is_err());

    // A token issued to no client is no client's to revoke; garbage is still 200.
    let plain = Auth::new(builder().build()).unwrap();
    let server = serve(&plain).await;
    let first_party_plain = plain.tokens().pair("u").issue().unwrap();
    let (status, ..) = post(
        &server,
        "/oauth/revoke",
        A,
        &first_party_plain.refresh_token,
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        plain
            .verify_unrevoked(&first_party_plain.access_token)
            .await
            .is_ok()
    );
    let (status, ..) = post(&server, "/oauth/revoke", A, "garbage", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn introspection_answers_only_for_the_clients_own_tokens_unless_it_introspects_all() {
    let auth = Auth::new(builder().build()).unwrap();
    let server = serve(&auth).await;
    let of_a = auth
        .tokens()
        .pair("u")
        .client_id(A.0)
        .scopes(["r"])
        .issue()
        .unwrap();
    let of_nobody = auth.tokens().access("u").issue().unwrap();
    for token in [&of_a.access_token, &of_a.refresh_token] {
        let body = introspect(&server, A, token).await;
        assert_eq!(
            (&body["active"], &body["client_id"]),
            (&json!(true), &json!(A.0))
        );
        assert_eq!(
            introspect(&server, B, token).await,
            json!({ "active": false })
        );
        assert_eq!(introspect(&server, RS, token).await["active"], true);
    }
    assert_eq!(
        introspect(&server, A, &of_nobody).await,
        json!({ "active": false })
    );
    assert_eq!(introspect(&server, RS, &of_nobody).await["active"], true);
}

#[tokio::test]
async fn introspecting_a_retired_refresh_token_does_not_revoke_its_family() {
    let auth = Auth::new(builder().build()).unwrap();
    let server = serve(&auth).await;
    let pair = auth.tokens().pair("u").client_id(A.0).issue().unwrap();
    let retired = auth.verify(&pair.refresh_token).unwrap();
    let next = auth
        .sessions()
        .rotate(&RefreshClaims(retired))
        .await
        .unwrap();
    for as_client in [A, RS] {
        assert_eq!(
            introspect(&server, as_client, &pair.refresh_token).await,
            json!({ "active": false })
        );
    }
    // The login goes on: its current tokens are live.
    assert!(auth.verify_unrevoked(&next.access_token).await.is_ok());
    assert!(auth.verify_unrevoked(&next.refresh_token).await.is_ok());
    assert_eq!(
        introspect(&server, A, &next.refresh_token).await["active"],
        true
    );
}

#[tokio::test]
async fn introspection_says_inactive_once_the_subjects_sessions_are_all_ended() {
    let auth = Auth::new(builder().build()).unwrap();
    let server = serve(&auth).await;
    let session = auth
        .sessions()
        .create("ada", authx::SessionMeta::default())
        .await
        .unwrap();
    let pair = auth
        .tokens()
        .pair("ada")
        .session(&session.id)
        .client_id(A.0)
        .issue()
        .unwrap();
    for token in [&pair.access_token, &pair.refresh_token] {
        assert_eq!(introspect(&server, A, token).await["active"], true);
    }
    // "Log out everywhere": introspection reads liveness as the guards do.
    auth.sessions().revoke_all("ada", None).await.unwrap();
    for token in [&pair.access_token, &pair.refresh_token] {
        assert_eq!(
            introspect(&server, A, token).await,
            json!({ "active": false })
        );
    }
}

// ----- metadata -----------------------------------------------------------------------------

#[tokio::test]
async fn the_metadata_document_carries_the_configured_resource_name() {
    let doc = |config: AuthConfig| async move {
        let auth = Auth::new(config).unwrap();
        let server =
            TestServer::start(authx::oauth::metadata_router().with_state(auth.clone())).await;
        let res = client()
            .get(server.url("/.well-known/oauth-protected-resource"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()
    };
    let named = doc(AuthConfig::builder()
        .secret_key(SECRET)
        .resource("https://api.example.com")
        .resource_name("Example API")
        .issuer("https://login.example.com")
        .build())
    .await;
    assert_eq!(named["resource_name"], "Example API");
    let by_issuer = doc(AuthConfig::builder()
        .secret_key(SECRET)
        .resource("https://api.example.com")
        .issuer("https://login.example.com")
        .build())
    .await;
    assert_eq!(by_issuer["resource_name"], "https://login.example.com");
    let from_env = AuthConfig::from_lookup(|name| match name {
        "AUTHX_SECRET_KEY" => Some(SECRET.to_owned()),
        "AUTHX_RESOURCE" => Some("https://api.example.com".to_owned()),
        "AUTHX_RESOURCE_NAME" => Some("Example API".to_owned()),
        _ => None,
    })
    .unwrap();
    assert_eq!(doc(from_env).await["resource_name"], "Example API");
}
