//! Tests of the identity-provider configuration.

use super::*;

#[test]
fn defaults_and_serde() {
    let c: IssuerConfig = serde_json::from_value(serde_json::json!({
        "issuer": "https://idp.test",
        "audience": "api",
        "algorithms": ["RS256", "es256"],
        "fetch_timeout": 500,
        "claims": { "role_claims": ["realm_access.roles"], "role_scopes": { "admin": ["admin:*"] } }
    }))
    .unwrap();
    assert_eq!(c.audience, vec!["api"]);
    assert_eq!(c.algorithms, vec![Algorithm::RS256, Algorithm::ES256]);
    assert_eq!(c.fetch_timeout, Duration::from_millis(500));
    assert_eq!(c.refresh_interval, Duration::from_secs(600));
    assert_eq!(c.min_refetch_interval, Duration::from_secs(30));
    assert_eq!(c.claims.subject_claim, "sub");
    assert_eq!(c.claims.subject_prefix, None, "the issuer, by default");
    let empty = IssuerConfig::builder("https://idp.test")
        .audience("api")
        .subject_prefix("")
        .build();
    assert!(
        crate::jwks::JwksIssuer::new(empty).is_err(),
        "an empty prefix would let a provider's subjects collide with local ones"
    );
    assert_eq!(c.claims.scope_claims, vec!["scope", "scp"]);
    assert_eq!(c.claims.role_scopes["admin"], vec!["admin:*"]);
    assert_eq!(
        c.discovery_url(),
        "https://idp.test/.well-known/openid-configuration"
    );
    let built = IssuerConfig::builder("https://idp.test/")
        .audience("api")
        .build();
    assert_eq!(built.algorithms, DEFAULT_ALGORITHMS);
    assert_eq!(
        built.discovery_url(),
        "https://idp.test/.well-known/openid-configuration"
    );
}
