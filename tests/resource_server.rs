//! `examples/resource_server.rs` over real HTTP: keys generated on first start and published,
//! login (bearer, and DPoP-bound with a proof), refresh, the bearer/DPoP/step-up routes, the
//! protected-resource metadata, introspection and revocation for the demo client, and a key
//! rotation picked up without a restart.

#[path = "../examples/resource_server.rs"]
#[allow(dead_code)]
mod resource_server;

use authx::token::{KeyFile, SigningKeyEntry};
use authx::{Auth, AuthConfig};
use authx_examples::demo::Users;
use authx_tests::dpop::DpopClient;
use authx_tests::{TestServer, client};
use serde_json::{Value, json};

struct Service {
    server: TestServer,
    auth: Auth,
    keys: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Service {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json").to_str().unwrap().to_owned();
    resource_server::ensure_keys(&keys).unwrap();
    // Generated once: a second start keeps them.
    let first = KeyFile::load(&keys).unwrap();
    resource_server::ensure_keys(&keys).unwrap();
    assert_eq!(KeyFile::load(&keys).unwrap(), first);
    let mut made = None;
    let server = TestServer::start_with(|base| {
        let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
        let mut config: AuthConfig = resource_server::config(&keys, port).unwrap();
        config.keys_reload_interval = None;
        // The resource is named as the client reaches it: DPoP proofs name that URL.
        config.oauth.resource = Some(base.to_owned());
        let auth = Auth::new(config).unwrap();
        made = Some(auth.clone());
        resource_server::app(auth, Users::demo())
    })
    .await;
    let auth = made.unwrap();
    Service {
        server,
        auth,
        keys,
        _dir: dir,
    }
}

async fn json_of(res: reqwest::Response) -> (u16, Value, reqwest::header::HeaderMap) {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

async fn login(s: &Service, body: Value, proof: Option<String>) -> Value {
    let mut req = client().post(s.server.url("/login")).json(&body);
    if let Some(p) = proof {
        req = req.header("dpop", p);
    }
    let (status, body, _) = json_of(req.send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn get(
    s: &Service,
    path: &str,
    auth: &str,
    proof: Option<String>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = client()
        .get(s.server.url(path))
        .header("authorization", auth);
    if let Some(p) = proof {
        req = req.header("dpop", p);
    }
    json_of(req.send().await.unwrap()).await
}

#[tokio::test]
async fn every_route_of_the_resource_server() {
    let s = start().await;

    // Published keys: current and next, public only.
    let (status, jwks, _) = json_of(
        client()
            .get(s.server.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, jwks["keys"].as_array().unwrap().len()), (200, 2));
    let (status, meta, _) = json_of(
        client()
            .get(s.server.url("/.well-known/oauth-protected-resource"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(meta["resource"], s.server.base.as_str());
    assert!(
        meta["dpop_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );

    // A bearer login: /protected yes, /dpop/protected no, /stepup challenges (no MFA).
    let bearer = login(
        &s,
        json!({"username": "user1", "password": "password1"}),
        None,
    )
    .await;
    assert_eq!(bearer["token_type"], "Bearer");
    let at = bearer["access_token"].as_str().unwrap();
    let kid = authx::insecure_decode(at).unwrap().header["kid"].clone();
    assert_eq!(kid, jwks["keys"][0]["kid"]);
    let (status, body, _) = get(&s, "/protected", &format!("Bearer {at}"), None).await;
    assert_eq!((status, body["dpop"].clone()), (200, json!(false)));
    let (status, _, headers) = get(&s, "/dpop/protected", &format!("Bearer {at}"), None).await;
    assert_eq!(status, 401);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("DPoP ")
    );
    let (status, body, headers) = get(&s, "/stepup", &format!("Bearer {at}"), None).await;
    assert_eq!(
        (status, body["error_type"].as_str()),
        (401, Some("InsufficientUserAuthenticationError"))
    );
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.contains(r#"error="insufficient_user_authentication""#),
        "{challenge}"
    );
    assert!(challenge.contains("max_age=300") && challenge.contains(r#"acr_values="mfa""#));
    assert!(challenge.contains(&format!(
        r#"resource_metadata="{}/.well-known/oauth-protected-resource""#,
        s.server.base
    )));

    // An MFA login passes step-up.
    let mfa = login(
        &s,
        json!({"username": "admin", "password": "admin", "otp": "000000"}),
        None,
    )
    .await;
    let mfa_at = mfa["access_token"].as_str().unwrap();
    let (status, body, _) = get(&s, "/stepup", &format!("Bearer {mfa_at}"), None).await;
    assert_eq!((status, body["acr"].as_str()), (200, Some("mfa")));

    // A DPoP login: bound tokens, usable with proofs on both routes, refreshable with a proof.
    let dpop = DpopClient::p256();
    let proof = dpop.sign(&dpop.proof_for("POST", &s.server.url("/login"), None));
    let bound = login(
        &s,
        json!({"username": "user1", "password": "password1"}),
        Some(proof),
    )
    .await;
    assert_eq!(bound["token_type"], "DPoP");
    let bat = bound["access_token"].as_str().unwrap();
    for path in ["/protected", "/dpop/protected"] {
        let proof = dpop.sign(&dpop.proof_for("GET", &s.server.url(path), Some(bat)));
        let (status, body, _) = get(&s, path, &format!("DPoP {bat}"), Some(proof)).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, ..) = get(&s, "/protected", &format!("Bearer {bat}"), None).await;
    assert_eq!(status, 401, "a bound token is not a bearer token");
    let brt = bound["refresh_token"].as_str().unwrap();
    let proof = dpop.sign(&dpop.proof_for("POST", &s.server.url("/refresh"), Some(brt)));
    let (status, pair, _) = json_of(
        client()
            .post(s.server.url("/refresh"))
            .header("authorization", format!("DPoP {brt}"))
            .header("dpop", proof)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{pair}");
    let refreshed = s
        .auth
        .verify(pair["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(refreshed.dpop_jkt(), Some(dpop.jkt().as_str()));

    // Introspection and revocation for the demo client.
    let form = |token: &str| format!("token={token}");
    let introspect = |token: String| {
        client()
            .post(s.server.url("/oauth/introspect"))
            .basic_auth(
                resource_server::DEMO_CLIENT,
                Some(resource_server::DEMO_SECRET),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&token))
            .send()
    };
    let (status, body, _) = json_of(introspect(at.to_owned()).await.unwrap()).await;
    assert_eq!(
        (status, body["active"].clone(), body["sub"].clone()),
        (200, json!(true), json!("user1"))
    );
    assert_eq!(body["scope"], "users:read");
    let res = client()
        .post(s.server.url("/oauth/revoke"))
        .basic_auth(
            resource_server::DEMO_CLIENT,
            Some(resource_server::DEMO_SECRET),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(bearer["refresh_token"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, body, _) = json_of(introspect(at.to_owned()).await.unwrap()).await;
    assert_eq!(body, json!({"active": false}));
    let (status, ..) = get(&s, "/protected", &format!("Bearer {at}"), None).await;
    assert_eq!(status, 401);
    let res = client()
        .post(s.server.url("/oauth/introspect"))
        .basic_auth("demo-client", Some("wrong"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(mfa_at))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // A rotation: the next key signs, tokens of the old one still verify.
    let mut file = KeyFile::load(&s.keys).unwrap();
    let pair = authx_cli::keygen::p256_pair().unwrap();
    let next_kid = file.next.kid.clone();
    file.rotate(
        SigningKeyEntry::new(
            "k-new",
            pair.private_pem.as_str(),
            pair.public_pem.as_str(),
            0,
        ),
        0,
        std::time::Duration::from_secs(86_400 * 365 * 100),
    );
    file.save(&s.keys).unwrap();
    s.auth.keys().reload().unwrap();
    let after = login(
        &s,
        json!({"username": "admin", "password": "admin", "otp": "000000"}),
        None,
    )
    .await;
    let after_at = after["access_token"].as_str().unwrap();
    assert_eq!(
        authx::insecure_decode(after_at).unwrap().header["kid"],
        json!(next_kid)
    );
    for token in [mfa_at, after_at] {
        let (status, ..) = get(&s, "/stepup", &format!("Bearer {token}"), None).await;
        assert_eq!(status, 200);
    }
}
