//! With acr values declared (`AUTHX_ACR_VALUES=mfa,phr` here), routes may require any of them.

use authx::{protect, routes};

#[protect(acr = ["mfa", "phr"], route = "GET /strong")]
async fn strong() {}

#[protect(acr = "phr", max_age = "5m", route = "GET /phr")]
async fn phishing_resistant() {}

fn main() {
    let rules = authx::registry::entries()
        .into_iter()
        .find(|e| e.handler == "strong")
        .and_then(|e| e.rules())
        .expect("strong is registered");
    assert_eq!(rules.acr, ["mfa", "phr"]);
    let _: axum::Router<authx::Auth> = routes![strong, phishing_resistant];
}
