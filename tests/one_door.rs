//! One door, over real HTTP: every way a credential is checked runs the same verification,
//! and every refusal is rendered by the same path.
//!
//! - The implicit refresh never renews a DPoP-bound token into a bearer token (it used to: the
//!   layer re-issued the token without its binding and sent it back in `Set-Cookie`).
//! - Rotation keeps a DPoP-bound family bound (it always did; a regression guard).
//! - Guard, layer, extractor and `#[auth_subject]` refusals all carry `resource_metadata` and
//!   pass through the app's refusal hook.

use std::time::Duration;

use authx::layer::{AuthLayer, ImplicitRefreshLayer, RefreshSource};
use authx::{Auth, AuthConfig, AuthError, Claims, RefreshClaims, TokenLocation};
use authx::{auth_subject, protect};
use authx_tests::{TestServer, client};
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use http::StatusCode;

const SECRET: &str = "one-door-test-secret-0123456789abcdef0123";
const JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

fn config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key(SECRET)
        .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
        .cookie_secure(false)
        .resource("https://api.example.com/v1")
        .build()
}

#[tokio::test]
async fn implicit_refresh_never_renews_a_dpop_bound_token_into_a_bearer_one() {
    let auth = Auth::new(config()).unwrap();
    let app = Router::new()
        .route("/whoami", get(|c: Claims| async move { c.sub }))
        .layer(
            ImplicitRefreshLayer::new(auth.clone())
                .source(RefreshSource::AccessToken)
                .window(Duration::from_secs(24 * 3600)),
        )
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let send = |token: String| {
        let url = s.url("/whoami");
        async move {
            let res = client()
                .get(url)
                .header("cookie", format!("access_token_cookie={token}"))
                .send()
                .await
                .unwrap();
            let renewed = res
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|c| {
                    c.starts_with("access_token_cookie=") && !c.starts_with("access_token_cookie=;")
                });
            (res.status().as_u16(), renewed)
        }
    };

    // The control: an unbound token due for renewal is renewed.
    let plain = auth.tokens().access("ada").fresh(true).issue().unwrap();
    assert_eq!(send(plain).await, (200, true));

    // A stolen DPoP-bound token, replayed from a cookie without a proof: refused, not renewed.
    let bound = auth
        .tokens()
        .access("ada")
        .fresh(true)
        .dpop_jkt(JKT)
        .issue()
        .unwrap();
    assert_eq!(send(bound).await, (401, false));
}

#[tokio::test]
async fn rotation_keeps_a_dpop_bound_family_bound() {
    let auth = Auth::new(config()).unwrap();
    let pair = auth.tokens().pair("ada").dpop_jkt(JKT).issue().unwrap();
    let refresh = auth.verify(&pair.refresh_token).unwrap();
    assert_eq!(refresh.dpop_jkt(), Some(JKT));
    let next = auth
        .sessions()
        .rotate(&RefreshClaims(refresh))
        .await
        .unwrap();
    for token in [&next.access_token, &next.refresh_token] {
        assert_eq!(auth.verify(token).unwrap().dpop_jkt(), Some(JKT));
    }
}

#[protect(access, scopes = "admin")]
async fn guarded(claims: Claims) -> String {
    claims.sub
}

#[auth_subject(loader = load_user)]
struct User {
    id: String,
}

fn load_user(id: String, _claims: Claims) -> Result<Option<User>, std::convert::Infallible> {
    Ok((id != "gone").then_some(User { id }))
}

async fn subject(user: User) -> String {
    user.id
}

#[tokio::test]
async fn every_refusal_carries_resource_metadata_and_goes_through_the_hook() {
    let auth = Auth::builder(config())
        .on_refusal(|error, mut default| {
            if matches!(error, AuthError::InsufficientScope { .. }) {
                // Hide what exists from those who may not see it.
                return StatusCode::NOT_FOUND.into_response();
            }
            default
                .headers_mut()
                .insert("x-rendered-by", error.error_type().parse().unwrap());
            default
        })
        .build()
        .unwrap();
    let layered = Router::new()
        .route("/layered", get(|c: Claims| async move { c.sub }))
        .layer(AuthLayer::new(auth.clone()));
    let app = Router::new()
        .route("/guarded", get(guarded))
        .route("/extractor", get(|c: Claims| async move { c.sub }))
        .route("/subject", get(subject))
        .merge(layered)
        .with_state(auth.clone());
    let s = TestServer::start(app).await;
    let metadata =
        "resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource/v1\"";

    for path in ["/guarded", "/extractor", "/subject", "/layered"] {
        let res = client().get(s.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{path}");
        let challenge = res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.contains(metadata), "{path}: {challenge}");
        assert_eq!(
            res.headers()["x-rendered-by"],
            "MissingTokenError",
            "{path}"
        );
    }

    // A refresh token where an access token is needed: 401 with the metadata, everywhere.
    let refresh = auth.tokens().create_refresh("ada").unwrap();
    for path in ["/guarded", "/extractor", "/subject", "/layered"] {
        let res = client()
            .get(s.url(path))
            .bearer_auth(&refresh)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{path}");
        let challenge = res.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.contains(metadata), "{path}: {challenge}");
        assert!(res.headers().contains_key("x-rendered-by"), "{path}");
    }

    // The subject is gone: the loader's refusal is rendered the same way.
    let gone = auth.tokens().create_access("gone").unwrap();
    let res = client()
        .get(s.url("/subject"))
        .bearer_auth(&gone)
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("x-rendered-by"));

    // The hook hides a 403 as a 404.
    let ada = auth.tokens().create_access("ada").unwrap();
    let res = client()
        .get(s.url("/guarded"))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = client()
        .get(s.url("/extractor"))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// A refusal a handler returns itself (`?` on an `AuthError`) is rendered by the engine too
/// under a `RefusalLayer`: the challenge's `resource_metadata`, the app's hook, and the headers
/// the handler set next to the error (its `Set-Cookie`s) kept.
#[tokio::test]
async fn a_refusal_layer_renders_the_errors_handlers_return() {
    use authx::layer::RefusalLayer;

    let auth = Auth::builder(config())
        .on_refusal(|error, mut default| {
            default
                .headers_mut()
                .insert("x-rendered-by", error.error_type().parse().unwrap());
            default
        })
        .build()
        .unwrap();
    let logout_auth = auth.clone();
    let app = Router::new()
        .route(
            "/refresh",
            axum::routing::post(|| async { Err::<(), _>(AuthError::RefreshTokenReused) }),
        )
        .route(
            "/logout",
            axum::routing::post(move || {
                let auth = logout_auth.clone();
                async move { (auth.cookies().unset(), AuthError::Revoked) }
            }),
        )
        .route("/ok", get(|| async { "fine" }))
        .layer(RefusalLayer::new(auth.clone()));
    let s = TestServer::start(app).await;
    let metadata =
        "resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource/v1\"";

    let res = client().post(s.url("/refresh")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["x-rendered-by"], "RefreshTokenReusedError");
    let challenge = res.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains(metadata), "{challenge}");

    let res = client().post(s.url("/logout")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["x-rendered-by"], "RevokedTokenError");
    let cleared = res.headers().get_all("set-cookie").iter().count();
    assert_eq!(cleared, 4, "the handler's four cookie removals are kept");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error_type"], "RevokedTokenError");

    let res = client().get(s.url("/ok")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(!res.headers().contains_key("x-rendered-by"));
}
