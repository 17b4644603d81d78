//! API keys: `api_key` (only keys), `credentials = "..."` (either kind, or bearer tokens only,
//! the default) and a rate limit counted per key, in both `rate_key` forms.

use authx::__private::RateKeyRule;
use authx::guard::Credentials;
use authx::{Claims, protect, routes};

#[protect(api_key, route = "GET /keys/only")]
async fn keys_only() -> &'static str {
    "ok"
}

#[protect(
    credentials = "bearer | api_key",
    scopes = "reports:read",
    route = "GET /either"
)]
async fn either(claims: Claims) -> String {
    claims.sub
}

#[protect(credentials = "bearer")]
async fn bearer_spelled_out() {}

#[protect(
    api_key,
    rate = "5/60s",
    rate_key = "api_key",
    route = "POST /keys/limited"
)]
async fn per_key() {}

#[protect(credentials = "api_key|bearer", rate = "10/1m", rate_key = api_key)]
async fn per_key_ident() {}

fn main() {
    let rules = |name: &str| {
        authx::registry::entries()
            .into_iter()
            .find(|e| e.handler == name)
            .and_then(|e| e.rules())
            .unwrap_or_else(|| panic!("{name} is registered as protected"))
    };
    assert_eq!(rules("keys_only").credentials, Credentials::API_KEY);
    assert_eq!(rules("either").credentials, Credentials::ANY);
    assert_eq!(rules("either").scopes, ["reports:read"]);
    assert_eq!(rules("bearer_spelled_out").credentials, Credentials::BEARER);
    assert_eq!(rules("per_key").credentials, Credentials::API_KEY);
    for name in ["per_key", "per_key_ident"] {
        let rate = rules(name).rate.expect("a rate");
        assert!(matches!(rate.key, RateKeyRule::ApiKey), "{name}: {rate:?}");
        assert_eq!(rate.key.name(), "api_key");
    }
    assert_eq!(rules("per_key").rate.unwrap().count, 5);
    assert_eq!(rules("per_key_ident").credentials, Credentials::ANY);

    let table = authx::registry::audit_table();
    assert!(table.contains("credentials=api_key"), "{table}");
    assert!(table.contains("credentials=bearer|api_key"), "{table}");

    let _app: axum::Router<authx::Auth> = routes![keys_only, either, per_key];
    let _ = (bearer_spelled_out, per_key_ident);
}
