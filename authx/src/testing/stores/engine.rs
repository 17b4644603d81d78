//! The conformance suite's engine-level check: what the engine does on the stores.

use std::time::Duration;

use super::unique;
use crate::clock::unix_now as now;
use crate::store::Stores;
use crate::{Auth, AuthConfig, AuthError, RefreshClaims, SessionMeta, TokenType};

/// The engine on these stores: sessions revoked one by one or all but the current one, ids
/// that name nothing, logout of a whole family, refresh rotation with reuse detection (the
/// reused token, its family and every successor refused), and revocations that outlive the
/// leeway.
pub async fn engine(stores: Stores) {
    let config = AuthConfig::builder()
        .secret_key("authx-store-conformance-secret-0123456789")
        .leeway(Duration::from_secs(30))
        // Conformance, not speed: a loaded machine's SQLite fsync may take longer than the
        // default 250 ms bound.
        .store_timeout(Duration::from_secs(10))
        .build();
    let auth = Auth::builder(config).stores(stores).build().unwrap();
    let subject = unique("user");
    let meta = SessionMeta::default;
    let a = auth.create_session(&subject, meta()).await.unwrap();
    let b = auth.create_session(&subject, meta()).await.unwrap();
    let c = auth.create_session(&subject, meta()).await.unwrap();
    let token_b = auth.access_token(&subject).session(&b.id).issue().unwrap();
    assert!(auth.verify_unrevoked(&token_b).await.is_ok());
    assert_eq!(
        auth.revoke_all_sessions(&subject, Some(&a.id))
            .await
            .unwrap(),
        2,
        "all sessions but the current one"
    );
    assert!(matches!(
        auth.verify_unrevoked(&token_b).await,
        Err(AuthError::Revoked)
    ));
    let left = auth.sessions().list(&subject).await.unwrap();
    assert_eq!(left.iter().map(|s| &s.id).collect::<Vec<_>>(), [&a.id]);
    assert!(
        !auth.revoke_session(&c.id).await.unwrap(),
        "already revoked"
    );
    for bad in ["", "a\0b", &"x".repeat(200)] {
        assert_eq!(
            auth.session(bad).await.unwrap(),
            None,
            "{bad:?} names nothing"
        );
        assert!(!auth.revoke_session(bad).await.unwrap());
    }

    // Rotation: the first use wins; the second revokes the family, successors included.
    let refresh = auth
        .refresh_token(&subject)
        .session(&a.id)
        .scopes(["x:y"])
        .issue()
        .unwrap();
    let claims = auth.verify_unrevoked(&refresh).await.unwrap();
    let claims = RefreshClaims(claims);
    let pair = auth.rotate(&claims).await.unwrap();
    let successor = auth.verify_unrevoked(&pair.refresh_token).await.unwrap();
    assert_eq!(
        (successor.token_type, successor.sid.as_deref()),
        (TokenType::Refresh, Some(a.id.as_str()))
    );
    assert_eq!(auth.verify(&pair.access_token).unwrap().scopes(), ["x:y"]);
    assert!(
        matches!(
            auth.verify_unrevoked(&refresh).await,
            Err(AuthError::RefreshTokenReused)
        ),
        "a retired refresh token is refused wherever it is presented"
    );
    assert!(
        matches!(auth.rotate(&claims).await, Err(AuthError::Revoked)),
        "its family is revoked, the retired token with it"
    );
    for token in [&pair.refresh_token, &pair.access_token] {
        assert!(
            matches!(auth.verify_unrevoked(token).await, Err(AuthError::Revoked)),
            "reuse revokes the whole family"
        );
    }

    // A pair without a session is a family of its own; logout ends all of it.
    let pair = auth.token_pair(&subject).issue().unwrap();
    let access = auth.verify_unrevoked(&pair.access_token).await.unwrap();
    assert!(access.sid.is_some(), "every pair carries a family id");
    auth.logout(&access).await.unwrap();
    for token in [&pair.access_token, &pair.refresh_token] {
        assert!(
            matches!(auth.verify_unrevoked(token).await, Err(AuthError::Revoked)),
            "logout revokes the refresh token too"
        );
    }

    // A token that expired 5 s ago still verifies under a 30 s leeway: its revocation must
    // still hold.
    let late = auth
        .access_token(&subject)
        .expires_at(now() - 5)
        .issue()
        .unwrap();
    let late_claims = auth.verify_unrevoked(&late).await.unwrap();
    auth.revoke(&late_claims).await.unwrap();
    assert!(
        matches!(auth.verify_unrevoked(&late).await, Err(AuthError::Revoked)),
        "a revocation outlives the leeway"
    );
}
