//! The OpenAPI document the quickstart serves (`GET /openapi.json`, over real HTTP) against
//! the route registry and against enforcement: every registered route is documented with its
//! method, path, schemes and exact scopes, and what the document says is secured is what the
//! guards refuse. Documentation and enforcement cannot drift.

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)]
mod quickstart;

use authx::registry::{self, Decision, RouteEntry};
use authx::{Auth, AuthConfig, Rules, TokenLocation, TokenType};
use authx_examples::demo::Users;
use authx_tests::{TestServer, client, status_json};
use serde_json::{Value, json};

const LOCATIONS: [TokenLocation; 2] = [TokenLocation::Headers, TokenLocation::Cookies];

fn config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key("openapi-test-secret-0123456789abcdef")
        .token_locations(LOCATIONS)
        .cookie_secure(false)
        .build()
}

async fn start() -> (TestServer, Auth, Value) {
    let auth = Auth::new(config()).unwrap();
    let s = TestServer::start(quickstart::app(auth.clone(), Users::demo())).await;
    let (status, doc) =
        status_json(client().get(s.url("/openapi.json")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{doc}");
    (s, auth, doc)
}

fn routed() -> Vec<&'static RouteEntry> {
    registry::entries()
        .into_iter()
        .filter(|e| e.route.is_some())
        .collect()
}

fn operation<'d>(doc: &'d Value, e: &RouteEntry) -> &'d Value {
    let op = &doc["paths"][e.path().unwrap()][e.method().unwrap().to_lowercase()];
    assert!(op.is_object(), "{} is not documented", e.route.unwrap());
    op
}

/// The `security` the rules mean, worked out here independently of `authx::openapi`.
fn expected_security(rules: &Rules) -> Value {
    use authx::guard::Credentials;
    let bearer: &[TokenLocation] = match rules.credentials.takes(Credentials::BEARER) {
        true => rules.locations.unwrap_or(&LOCATIONS),
        false => &[],
    };
    let mut schemes: Vec<&str> = bearer
        .iter()
        .filter_map(|l| match l {
            TokenLocation::Headers => Some("bearer"),
            TokenLocation::Cookies if rules.token_type == TokenType::Refresh => {
                Some("refresh_cookie")
            }
            TokenLocation::Cookies => Some("cookie"),
            TokenLocation::Query => Some("query"),
            _ => None,
        })
        .collect();
    // A route that takes API keys lists the key's scheme last.
    if rules.credentials.takes(Credentials::API_KEY) {
        schemes.push("api_key");
    }
    // `ScopeMode` is not re-exported publicly; its `Debug` names the variant.
    let any = format!("{:?}", rules.scope_mode) == "Any" && rules.scopes.len() > 1;
    let mut out = Vec::new();
    for scheme in schemes {
        if any {
            out.extend(rules.scopes.iter().map(|s| json!({ scheme: [s] })));
        } else {
            out.push(json!({ scheme: rules.scopes }));
        }
    }
    Value::Array(out)
}

#[tokio::test]
async fn every_registered_route_is_documented_with_its_rules() {
    let (_s, _, doc) = start().await;
    let entries = routed();
    assert!(entries.len() >= 20, "the quickstart registers its routes");
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        entries.len(),
        "one operation per registered route"
    );

    for e in entries {
        let route = e.route.unwrap();
        let op = operation(&doc, e);
        assert_eq!(op["operationId"], e.handler, "{route}");
        assert_eq!(op["tags"], json!([e.module]), "{route}");
        let responses = &op["responses"];
        assert_eq!(
            responses.get("429").is_some(),
            e.rate().is_some(),
            "{route}"
        );
        match e.decision {
            Decision::Public { .. } => {
                assert_eq!(op["security"], json!([]), "{route} is public");
                assert!(responses.get("401").is_none(), "{route}");
            }
            Decision::Protected(rules) => {
                assert_eq!(op["security"], expected_security(rules), "{route}");
                assert_eq!(
                    responses["401"]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/AuthErrorBody",
                    "{route}"
                );
                assert_eq!(
                    responses.get("403").is_some(),
                    !rules.scopes.is_empty() || rules.policy.is_some(),
                    "{route}"
                );
                let description = op["description"].as_str().unwrap();
                if rules.token_type == TokenType::Refresh {
                    assert!(description.contains("refresh token"), "{route}");
                }
                if rules.fresh {
                    assert!(description.contains("fresh"), "{route}");
                }
            }
            other => panic!("{route}: a decision this test does not know: {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_named_routes_say_what_the_attributes_say() {
    let (_s, _, doc) = start().await;
    let op = |path: &str, method: &str| doc["paths"][path][method].clone();
    assert_eq!(
        op("/admin", "get")["security"],
        json!([{"bearer": ["admin:*"]}, {"cookie": ["admin:*"]}])
    );
    assert_eq!(
        op("/protected", "get")["security"],
        json!([{"bearer": []}, {"cookie": []}])
    );
    assert_eq!(
        op("/refresh", "post")["security"],
        json!([{"bearer": []}, {"refresh_cookie": []}])
    );
    assert_eq!(
        op("/ws", "get")["security"],
        json!([{"query": []}, {"bearer": []}])
    );
    for (path, method) in [("/", "get"), ("/login", "post"), ("/openapi.json", "get")] {
        assert_eq!(op(path, method)["security"], json!([]), "{method} {path}");
    }
    assert!(op("/login", "post")["responses"]["429"].is_object());
    assert_eq!(
        op("/sessions/{id}", "delete")["parameters"][0]["name"],
        "id"
    );
    // Cookie-borne tokens on unsafe methods need the CSRF header.
    assert_eq!(
        op("/cookie/protected", "post")["parameters"][0]["name"],
        "X-CSRF-TOKEN"
    );

    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes["bearer"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    );
    assert_eq!(schemes["cookie"]["type"], "apiKey");
    assert_eq!(schemes["cookie"]["in"], "cookie");
    assert_eq!(schemes["cookie"]["name"], "access_token_cookie");
    assert_eq!(schemes["refresh_cookie"]["name"], "refresh_token_cookie");
    let body = &doc["components"]["schemas"]["AuthErrorBody"];
    assert_eq!(body["required"], json!(["message", "error_type"]));
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// What the document says is secured, the server refuses without a token; what it says is
/// public, it does not; documented scopes and freshness are enforced.
#[tokio::test]
async fn the_document_matches_enforcement() {
    let (s, auth, doc) = start().await;
    let plain = auth.tokens().access("user1").issue().unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let url = s.url(&concrete(path));
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = client().request(method.clone(), &url).send().await.unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            let secured = !op["security"].as_array().unwrap().is_empty();
            if secured {
                assert_eq!(status, 401, "{method} {path}: {body}");
                assert_eq!(body["error_type"], "MissingTokenError", "{method} {path}");
            } else {
                assert_ne!(body["error_type"], "MissingTokenError", "{method} {path}");
            }
            let needs_scope = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|req| req.as_object().unwrap().values())
                .any(|scopes| !scopes.as_array().unwrap().is_empty());
            let needs_fresh = op["description"]
                .as_str()
                .is_some_and(|d| d.contains("fresh access token"));
            if secured && (needs_scope || needs_fresh) {
                let res = client()
                    .request(method.clone(), &url)
                    .bearer_auth(&plain)
                    .send()
                    .await
                    .unwrap();
                let (status, body) = status_json(res).await;
                let expected = if needs_scope {
                    (403, "InsufficientScopeError")
                } else {
                    (401, "FreshTokenRequiredError")
                };
                assert_eq!(
                    (status, body["error_type"].as_str().unwrap()),
                    expected,
                    "{method} {path}"
                );
            }
        }
    }
}
