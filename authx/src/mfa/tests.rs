//! Unit tests of [`Mfa`](super::Mfa) on a controlled clock and the memory stores.

use std::time::Duration;

use totp_rs::TOTP;

use super::{Mfa, MfaConfig};
use crate::clock::ManualClock;
use crate::error::{AuthError, FactorFailure};
use crate::{Auth, AuthConfig};

/// 2025-10-09T08:53:20Z: the start of a 30-second step.
const T0: i64 = 1_760_000_000;
const IP: Option<&str> = Some("203.0.113.7");

fn setup(config: impl FnOnce(MfaConfig) -> MfaConfig) -> (Mfa, ManualClock) {
    let clock = ManualClock::at(T0);
    let auth = Auth::builder(AuthConfig::builder().secret_key("k".repeat(32)).build())
        .clock(clock.clone())
        .build()
        .unwrap();
    let config = config(MfaConfig::new("Acme", crate::vault::Vault::generate_key()));
    (Mfa::new(auth, config).unwrap(), clock)
}

/// The code the user's app shows at `at`.
fn code(uri: &str, at: i64) -> String {
    TOTP::from_url_unchecked(uri)
        .unwrap()
        .generate(u64::try_from(at).unwrap())
}

fn rejected(result: Result<impl std::fmt::Debug, AuthError>) -> bool {
    matches!(result, Err(AuthError::Factor(FactorFailure::Rejected)))
}

/// Enrols and confirms `who`; the app's URI and the recovery codes.
async fn enrolled(mfa: &Mfa, who: &str, at: i64) -> (String, Vec<String>) {
    let enrolment = mfa.enrol_totp(who, who).await.unwrap();
    assert!(enrolment.uri.starts_with("otpauth://totp/Acme:"));
    assert!(enrolment.qr_svg.contains("<svg"));
    let codes = mfa
        .confirm_totp(who, &code(&enrolment.uri, at), IP)
        .await
        .unwrap();
    (enrolment.uri, codes)
}

#[tokio::test]
async fn a_code_is_taken_once_per_step_and_the_neighbouring_steps_too() {
    // Room for the failures below (the budget has its own test).
    let (mfa, clock) = setup(|c| c.user_rate(20, Duration::from_secs(900)));
    // Confirmation used the code of T0's step.
    let (uri, codes) = enrolled(&mfa, "ada", T0).await;
    assert_eq!(codes.len(), 10);
    let status = mfa.totp_status("ada").await.unwrap();
    assert!(status.enrolled && !status.pending && status.recovery_codes == 10);

    // The same step again: refused, though the code is right.
    assert!(rejected(mfa.verify_totp("ada", &code(&uri, T0), IP).await));
    // The next step's code, a step early (the user's clock runs fast): taken, once.
    let next = code(&uri, T0 + 30);
    mfa.verify_totp("ada", &next, IP).await.unwrap();
    clock.advance(Duration::from_secs(30));
    assert!(rejected(mfa.verify_totp("ada", &next, IP).await));
    // Two steps late: refused.
    clock.advance(Duration::from_secs(60));
    assert!(rejected(mfa.verify_totp("ada", &next, IP).await));
    // Spaces are ignored; anything but six digits is refused.
    let now = code(&uri, T0 + 90);
    mfa.verify_totp("ada", &format!("{} {}", &now[..3], &now[3..]), IP)
        .await
        .unwrap();
    for bad in ["", "12345", "1234567", "abcdef", "12345\u{0663}"] {
        assert!(rejected(mfa.verify_totp("ada", bad, IP).await), "{bad:?}");
    }
}

#[tokio::test]
async fn attempts_are_limited_per_user_and_per_client() {
    let (mfa, clock) = setup(|c| {
        c.user_rate(3, Duration::from_secs(900))
            .ip_rate(5, Duration::from_secs(900))
    });
    // The confirmation is an attempt too: Ada has two left.
    let (uri, _) = enrolled(&mfa, "ada", T0).await;
    clock.advance(Duration::from_secs(60));
    for _ in 0..2 {
        assert!(rejected(mfa.verify_totp("ada", "000000", IP).await));
    }
    // The budget is spent: even the right code waits.
    let right = code(&uri, T0 + 60);
    let refused = mfa.verify_totp("ada", &right, IP).await.unwrap_err();
    assert!(
        matches!(refused, AuthError::RateLimited { .. }),
        "{refused:?}"
    );
    // Bob, from the same client, spends the client's budget (five attempts it counted: the
    // refusal of Ada's budget came first and charged nothing more).
    let (uri_b, _) = enrolled(&mfa, "bob", T0 + 60).await;
    assert!(rejected(mfa.verify_totp("bob", "000000", IP).await));
    let refused = mfa.verify_totp("bob", &code(&uri_b, T0 + 90), IP).await;
    assert!(matches!(refused, Err(AuthError::RateLimited { .. })));
    // From another client, once the user's window has passed, Ada gets in.
    clock.advance(Duration::from_secs(900));
    let now = T0 + 960;
    mfa.verify_totp("ada", &code(&uri, now), Some("198.51.100.1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn concurrent_guesses_cannot_outrun_the_budget() {
    let (mfa, clock) = setup(|c| c.user_rate(4, Duration::from_secs(900)));
    enrolled(&mfa, "ada", T0).await;
    clock.advance(Duration::from_secs(60));
    // Each attempt is charged before its code is looked at: of 40 at once, three are.
    let guesses = (0..40).map(|i| {
        let mfa = mfa.clone();
        tokio::spawn(async move { mfa.verify_totp("ada", &format!("{i:06}"), IP).await })
    });
    let mut looked_at = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            Err(AuthError::Factor(FactorFailure::Rejected)) => looked_at += 1,
            Err(AuthError::RateLimited { .. }) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(looked_at, 3);
}

#[tokio::test]
async fn recovery_codes_work_once_and_regenerating_voids_the_old_ones() {
    let (mfa, _) = setup(|c| c.recovery_codes(3).user_rate(20, Duration::from_secs(900)));
    let (_, codes) = enrolled(&mfa, "ada", T0).await;
    assert_eq!(codes.len(), 3);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
    );
    // Case, spaces and the dash do not matter; a code works once.
    let shouted = codes[0].to_uppercase().replace('-', " ");
    mfa.use_recovery_code("ada", &shouted, IP).await.unwrap();
    assert!(rejected(mfa.use_recovery_code("ada", &codes[0], IP).await));
    assert_eq!(mfa.recovery_codes_left("ada").await.unwrap(), 2);
    // Another user's code is not this user's.
    let (_, bobs) = enrolled(&mfa, "bob", T0).await;
    assert!(rejected(mfa.use_recovery_code("ada", &bobs[0], IP).await));
    // New codes void the old.
    let fresh = mfa.new_recovery_codes("ada").await.unwrap();
    assert!(rejected(mfa.use_recovery_code("ada", &codes[1], IP).await));
    mfa.use_recovery_code("ada", &fresh[1], IP).await.unwrap();
}

#[tokio::test]
async fn enrolment_states() {
    let (mfa, clock) = setup(|c| c.enrol_window(Duration::from_secs(120)));
    // Nothing to verify or confirm yet.
    let not_enrolled =
        |r: Result<_, AuthError>| matches!(r, Err(AuthError::Factor(FactorFailure::NotEnrolled)));
    assert!(not_enrolled(
        mfa.verify_totp("ada", "123456", IP).await.map(|_| ())
    ));
    assert!(not_enrolled(
        mfa.confirm_totp("ada", "123456", IP).await.map(|_| ())
    ));
    // A pending enrolment is not a factor, and lapses.
    let first = mfa.enrol_totp("ada", "ada@example.com").await.unwrap();
    assert!(first.uri.contains("ada%40example.com"), "{}", first.uri);
    assert!(mfa.totp_status("ada").await.unwrap().pending);
    assert!(not_enrolled(
        mfa.verify_totp("ada", &code(&first.uri, T0), IP).await
    ));
    clock.advance(Duration::from_secs(180));
    let late = code(&first.uri, T0 + 180);
    assert!(not_enrolled(
        mfa.confirm_totp("ada", &late, IP).await.map(|_| ())
    ));
    // Enrolling again replaces the pending secret.
    let second = mfa.enrol_totp("ada", "ada").await.unwrap();
    assert_ne!(first.secret, second.secret);
    let stale = code(&first.uri, T0 + 180);
    assert!(rejected(mfa.confirm_totp("ada", &stale, IP).await));
    mfa.confirm_totp("ada", &code(&second.uri, T0 + 180), IP)
        .await
        .unwrap();
    // Confirmed: a new enrolment is refused until the app is removed.
    let again = mfa.enrol_totp("ada", "ada").await.map(|_| ());
    assert!(matches!(
        again,
        Err(AuthError::Factor(FactorFailure::AlreadyEnrolled))
    ));
    assert!(mfa.remove_totp("ada").await.unwrap());
    let status = mfa.totp_status("ada").await.unwrap();
    assert!(!status.enrolled && status.recovery_codes == 0);
    mfa.enrol_totp("ada", "ada").await.unwrap();
}

#[tokio::test]
async fn secrets_are_sealed_and_bound_to_their_user() {
    let (mfa, _) = setup(|c| c);
    let (uri, _) = enrolled(&mfa, "ada", T0).await;
    let store = mfa.auth().factor_store();
    let sealed = store
        .get_factor("ada", "totp", "primary")
        .await
        .unwrap()
        .unwrap();
    // The secret is nowhere in the stored bytes.
    let secret = TOTP::from_url_unchecked(&uri).unwrap().get_secret_base32();
    let text = String::from_utf8_lossy(&sealed);
    assert!(!text.contains(&secret) && !text.contains(&secret.to_lowercase()));
    // Ada's record copied to Mallory's row does not give Mallory Ada's codes.
    store
        .put_factor("mallory", "totp", "primary", &sealed)
        .await
        .unwrap();
    assert!(rejected(
        mfa.verify_totp("mallory", &code(&uri, T0 + 30), IP).await
    ));
    // Nor does a record sealed under another key open.
    let (other, _) = setup(|c| c);
    let theirs = other.auth().factor_store();
    theirs
        .put_factor("ada", "totp", "primary", &sealed)
        .await
        .unwrap();
    assert!(rejected(
        other.verify_totp("ada", &code(&uri, T0 + 30), IP).await
    ));
}

#[tokio::test]
async fn a_step_up_token_keeps_the_session_and_adds_the_methods() {
    let (mfa, clock) = setup(|c| c.acr("mfa", ["otp"]).acr("phr", ["hwk", "user"]));
    let auth = mfa.auth().clone();
    let login = auth
        .tokens()
        .access("ada")
        .fresh(true)
        .session("s-1")
        .scopes(["docs:read"])
        .amr(["pwd"])
        .auth_time(T0 - 3600)
        .extra(serde_json::json!({ "email": "ada@example.com" }))
        .issue()
        .unwrap();
    let claims = auth.verify(&login).unwrap();
    clock.advance(Duration::from_secs(5));
    let token = mfa.step_up(&claims, &["otp"]).await.unwrap();
    let stepped = auth.verify(&token).unwrap();
    assert_eq!(stepped.sub, "ada");
    assert_eq!(stepped.sid.as_deref(), Some("s-1"));
    assert!(stepped.has_scope("docs:read"));
    assert!(stepped.fresh);
    assert_eq!(stepped.auth_time, Some(T0 + 5));
    assert_eq!(stepped.amr(), ["pwd", "otp"]);
    assert_eq!(stepped.acr(), Some("mfa"));
    assert_eq!(stepped.extra["email"], "ada@example.com");
    assert_ne!(stepped.jti, claims.jti);
    // Methods are not repeated; without a level they reach, the token's acr stays.
    let again = auth
        .verify(&mfa.step_up(&stepped, &["otp"]).await.unwrap())
        .unwrap();
    assert_eq!(again.amr(), ["pwd", "otp"]);
    // A factor is not a login: a token that was not fresh stays so.
    let refreshed = auth.tokens().access("ada").amr(["pwd"]).issue().unwrap();
    let refreshed = auth.verify(&refreshed).unwrap();
    let stepped = auth
        .verify(&mfa.step_up(&refreshed, &["otp"]).await.unwrap())
        .unwrap();
    assert!(!stepped.fresh);
    assert_eq!(stepped.sid.as_deref(), Some(refreshed.jti.as_str()));
    // Only this engine's access tokens.
    let refresh = auth.tokens().refresh("ada").issue().unwrap();
    let refresh = auth.verify(&refresh).unwrap();
    assert!(matches!(
        mfa.step_up(&refresh, &["otp"]).await,
        Err(AuthError::AccessTokenRequired)
    ));
    let mut foreign = refreshed.clone();
    foreign.iss = Some("https://idp.example".into());
    assert!(matches!(
        mfa.step_up(&foreign, &["otp"]).await,
        Err(AuthError::AccessTokenRequired)
    ));
    let (plain, _) = setup(|c| c);
    let keeps = plain.step_up(&stepped, &["otp"]).await.unwrap();
    assert_eq!(plain.auth().verify(&keeps).unwrap().acr(), Some("mfa"));
}

#[test]
fn the_configuration_is_checked() {
    let auth = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
    let key = crate::vault::Vault::generate_key();
    let err = |config| Mfa::new(auth.clone(), config).unwrap_err().to_string();
    assert!(err(MfaConfig::new("Acme", "short")).contains("mfa.key"));
    assert!(err(MfaConfig::new("", key.clone())).contains("mfa.issuer"));
    assert!(err(MfaConfig::new("Acme:Corp", key.clone())).contains("mfa.issuer"));
    let config = MfaConfig::new("Acme", key);
    assert!(!format!("{config:?}").contains(config.key.expose()));
    Mfa::new(auth, config).unwrap();
}
