//! A second outside review of da5d03d (the per-address lookup gate, keys in the request cache,
//! the WebSocket re-check of a key's record, `service:<name>`, the Redis round trip). Each test
//! here failed on the code as reviewed; all pass since: the gate counts lookups under way
//! against what the limiter last said is left (re-read whenever one ends, so nothing waits on a
//! count that cannot change), an address it never met gets one lookup at a time until one
//! answers, and `api_key_name` is reserved (refused in `TokenBuilder::extra` and in any token,
//! dropped from an identity provider's claims).
//!
//! - `a_refill_between_failures_does_not_wedge_an_address_for_good`: the gate of an address
//!   (`authx/src/auth/api_key/gate.rs`) is sized once, from this instance's estimate of what
//!   the address has left, and only shrinks (a failure forgets its permit); it closes only when
//!   the limiter says nothing is left. When the limiter has more left than the gate has permits
//!   (GCRA's refill between failures, which the estimate rounds down, or a lookup slower than
//!   one refill interval), the last permit is forgotten while the limiter still allows
//!   failures: the gate stays open with no permit, and every later request of that address, a
//!   good key's included, waits forever, also after the waiters gave up and hours passed.
//! - `another_instance_looks_up_at_most_one_key_for_an_address_past_its_limit`: an instance
//!   with no memory of an address opens a gate of the whole `count` for it, so an address the
//!   shared limiter refuses gets `count` lookups per instance (`still_blocked` promises "on
//!   another instance, at most the one that finds it over").
//! - `a_token_carrying_api_key_name_keeps_its_socket` and
//!   `a_token_carrying_api_key_name_is_not_let_past_the_allowlist`: the re-check of decoded
//!   claims (`authx/src/auth/verification/run.rs`, `Source::Decoded`) takes any claims with the
//!   extra claim `api_key_name` for a key's. `TokenBuilder::extra` (user data) and identity
//!   providers' claims may carry it (the docs say authx reserves it; nothing does): a live
//!   token's socket is ended at its first re-check, and a token whose `jti` is a key id of its
//!   subject skips the allowlist (introspection and the implicit refresh take the same path).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use authx::api_key::IssuedApiKey;
use authx::clock::{Clock, ManualClock};
use authx::guard::Rules;
use authx::ws::TokenEnd;
use authx::{Auth, AuthConfig, AuthError, Stores};
use authx_tests::api_keys::CountingKeys;
use axum::extract::ConnectInfo;
use serde_json::json;

const SECRET: &str = "api-key-review2-secret-0123456789abcdef0";
const PEPPER: &str = "api-key-review2-pepper-0123456789abcdef0";
const PREFIX: &str = "acme_rev2";
const PEER: &str = "198.51.100.7:40000";

fn config(failed_lookups: &str) -> AuthConfig {
    let mut config = AuthConfig::builder()
        .secret_key(SECRET)
        .api_key_pepper(PEPPER)
        .api_key_prefix(PREFIX)
        .build();
    config.api_keys.failed_lookups = failed_lookups.into();
    config.ws_recheck_interval = Duration::from_millis(100);
    config
}

/// Memory stores on `clock`, whose key lookups each take `delay` (a store a hop away).
fn stores(clock: &ManualClock, delay: Duration) -> (Stores, Arc<AtomicUsize>) {
    let mut stores = Stores::memory_with_clock(Arc::new(clock.clone()));
    let lookups = CountingKeys::wrap(&mut stores, delay);
    (stores, lookups)
}

fn engine(config: AuthConfig, clock: &ManualClock, stores: Stores) -> Auth {
    Auth::builder(config)
        .clock(clock.clone())
        .stores(stores)
        .build()
        .unwrap()
}

async fn key_for(auth: &Auth, owner: &str) -> IssuedApiKey {
    auth.api_keys().create(owner).issue().await.unwrap()
}

/// Keys of the right form and checksum that no record matches (made, then deleted).
async fn unknown_keys(auth: &Auth, n: usize) -> Vec<String> {
    let mut keys = Vec::with_capacity(n);
    for _ in 0..n {
        let issued = key_for(auth, "nobody").await;
        auth.api_keys().delete(&issued.record.id).await.unwrap();
        keys.push(issued.key().to_owned());
    }
    keys
}

/// `key` from the one peer address, through a guard taking keys (`Auth::enforce`).
async fn present(auth: Auth, key: String) -> Result<(), AuthError> {
    let rules = Rules::builder().credentials("api_key").build().unwrap();
    let peer: SocketAddr = PEER.parse().unwrap();
    let (mut parts, ()) = http::Request::builder()
        .uri("/k")
        .header("x-api-key", key)
        .extension(ConnectInfo(peer))
        .body(())
        .unwrap()
        .into_parts();
    auth.enforce(&mut parts, &rules).await.map(|_| ())
}

fn answer(r: &Result<(), AuthError>) -> &'static str {
    match r {
        Ok(()) => "200",
        Err(AuthError::RateLimited { .. }) => "429",
        Err(_) => "401",
    }
}

// =================================================================================================
// The failed-lookup gate.
// =================================================================================================

/// `failed_lookups = 3/3s` (one failure back per second). Two failures half a second apart
/// leave the limiter (GCRA) one failure; 0.7 s later it has two (1.2 intervals refilled), while
/// this instance's estimate (`Left::now`: what was left, plus whole intervals since) says one.
/// Two guesses sent together then get a gate of one permit: the first fails, the limiter
/// answers "one left", so its permit is forgotten and the gate is not closed (`Lookups::failed`,
/// `gate.rs` ~L118-123): no permit is ever added back, and the gate stays in the map while a
/// waiter holds it, or after its waiter gave up (`Pass::drop` removes it only when a pass is
/// dropped; `enter` sweeps only at 100 000 gates). The second guess, and then the good key of
/// the same address an hour later, wait forever. No lookup here is slower than the clock: the
/// clock moves only between requests.
///
/// Fix: keep the gate's permits in step with the limiter: in `failed`, when `charged.failures`
/// exceeds the gate's available permits plus the lookups under way, `add_permits` the
/// difference (or size the gate by the limiter's answer on every failure); and never let an
/// unheld gate outlive its last pass (remove it in `enter`'s waiter-drop path too, e.g. a guard
/// around `acquire_owned` that removes the entry when it is the last holder).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refill_between_failures_does_not_wedge_an_address_for_good() {
    let clock = ManualClock::starting_now();
    let (stores, _) = stores(&clock, Duration::from_millis(200));
    let auth = engine(config("3/3s"), &clock, stores);
    let good = key_for(&auth, "svc").await;
    let bad = unknown_keys(&auth, 4).await;

    // Two failures, half a second apart: the limiter has one failure left.
    assert_eq!(answer(&present(auth.clone(), bad[0].clone()).await), "401");
    clock.advance(Duration::from_millis(500));
    assert_eq!(answer(&present(auth.clone(), bad[1].clone()).await), "401");
    // 0.7 s later: the limiter has two left, this instance counts one.
    clock.advance(Duration::from_millis(700));
    let first = tokio::spawn(present(auth.clone(), bad[2].clone()));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut second = tokio::spawn(present(auth.clone(), bad[3].clone()));
    let first = first.await.unwrap();
    assert_eq!(
        answer(&first),
        "401",
        "the first guess is looked up and fails"
    );
    let second_answer = tokio::time::timeout(Duration::from_secs(2), &mut second).await;
    // A client that gave up, an hour, then the address's good key.
    second.abort();
    clock.advance(Duration::from_secs(3600));
    let later = tokio::time::timeout(
        Duration::from_secs(2),
        present(auth.clone(), good.key().to_owned()),
    )
    .await;
    assert!(
        second_answer.is_ok() && later.is_ok(),
        "the second guess was {} and the address's good key, an hour later, {}",
        match &second_answer {
            Ok(r) => answer(r.as_ref().unwrap()),
            Err(_) => "never answered (2 s)",
        },
        match &later {
            Ok(r) => answer(r),
            Err(_) => "never answered (2 s)",
        }
    );
    assert_eq!(answer(&later.unwrap()), "200");
}

/// Two instances sharing the rate limiter (as on Redis). The address exhausts `3/60s` on the
/// first; a burst of ten guesses then reaches the second, which remembers nothing of the
/// address and opens a gate of three permits: three lookups, each refused only after it ran.
/// `still_blocked` says "an address past its limit gets no lookup (on another instance, at
/// most the one that finds it over)"; N instances give an address N x `count` guesses per
/// window instead of `count` (`enter`, `gate.rs` ~L88-103, `let left = ... map_or(count, ..)`).
///
/// Fix: for an address this instance has no memory of, open a gate of one permit and, when
/// the first lookup's failure is charged, add the limiter's `remaining` (or `peek` the limiter
/// before the first lookup: `RateLimiter::peek` exists for callers that charge only failures).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_instance_looks_up_at_most_one_key_for_an_address_past_its_limit() {
    let clock = ManualClock::starting_now();
    let (stores, lookups) = stores(&clock, Duration::from_millis(100));
    let one = engine(config("3/60s"), &clock, stores.clone());
    let two = engine(config("3/60s"), &clock, stores);
    let bad = unknown_keys(&one, 13).await;
    for k in &bad[..3] {
        assert_eq!(answer(&present(one.clone(), k.clone()).await), "401");
    }
    assert_eq!(
        answer(&present(one.clone(), bad[3].clone()).await),
        "429",
        "the first instance refuses the address without a lookup"
    );
    let before = lookups.load(Ordering::SeqCst);
    let burst = futures_util::future::join_all(
        bad[3..]
            .iter()
            .map(|k| tokio::spawn(present(two.clone(), k.clone()))),
    )
    .await;
    let looked_up = lookups.load(Ordering::SeqCst) - before;
    let answers: Vec<_> = burst.iter().map(|r| answer(r.as_ref().unwrap())).collect();
    assert!(
        looked_up <= 1,
        "an address past its limit had {looked_up} keys looked up on another instance \
         (answers {answers:?})"
    );
}

// =================================================================================================
// `api_key_name` on a token.
// =================================================================================================

/// A token whose extra data (user data, which `TokenBuilder::extra` documents as safe for
/// data from users, or an identity provider's claim) holds `api_key_name` is re-checked as a
/// key at each WebSocket re-check (`is_key_claims`, `run.rs` ~L48): its `jti` names no key,
/// so a live, unrevoked token's socket is closed as "revoked" at once. The same claims fail
/// `Sessions::rotate`, the implicit refresh and introspection.
///
/// Fix: tell a key's claims by something a token cannot carry (a `Source::DecodedKey` chosen
/// where the claims came from the key step, e.g. `TokenSocket::new` reading `KeyUsed`), and
/// reserve `api_key_name` as the docs say (refuse it in `TokenBuilder::extra`, drop it from
/// identity providers' claims in `jwks/claims.rs`, refuse it in `verify_token`).
#[tokio::test]
async fn a_token_carrying_api_key_name_keeps_its_socket() {
    let clock = ManualClock::starting_now();
    let (stores, _) = stores(&clock, Duration::ZERO);
    let auth = engine(config("20/60s"), &clock, stores);
    let issued = auth
        .tokens()
        .access("user-1")
        .extra(json!({ "api_key_name": "my laptop", "theme": "dark" }))
        .issue();
    assert!(
        issued.is_err(),
        "`TokenBuilder::extra` refuses the claim only an API key's claims carry"
    );
    // A token signed with the same secret elsewhere and carrying it is refused outright.
    let forged = signed(json!({
        "sub": "user-1", "jti": "t-1", "type": "access", "fresh": false,
        "exp": clock.now() + 600, "api_key_name": "my laptop", "theme": "dark",
    }));
    let refused = auth.verify_unrevoked(&forged).await;
    assert!(
        refused.is_err(),
        "a token carrying `api_key_name`: {refused:?}"
    );
    // Without the claim the same token verifies, and its socket lives.
    let plain = signed(json!({
        "sub": "user-1", "jti": "t-2", "type": "access", "fresh": false,
        "exp": clock.now() + 600, "theme": "dark",
    }));
    let claims = auth.verify_unrevoked(&plain).await.unwrap();
    let end = tokio::time::timeout(Duration::from_millis(800), auth.token_end(&claims)).await;
    assert!(end.is_err(), "a live token lost its socket: {end:?}");
}

/// `claims` as an HS256 token under [`SECRET`].
fn signed(claims: serde_json::Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
}

/// Allowlist mode: a token must be on the allowlist (`verify_unrevoked` refuses this one). The
/// same token, carrying `api_key_name` and as `jti` the id of a key its subject owns
/// (`TokenBuilder::jti`, the earlier review's `a_bearer_token_whose_jti_is_a_key_id...`), is
/// taken for that key at each re-check: the key's record is read and the allowlist skipped
/// (`v.allowlist = false`, `run.rs` ~L50), so its socket outlives its removal from the
/// allowlist (a logout), and introspection (`Live::ReadOnly`, `Verification::decoded`) calls
/// it active.
///
/// Fix: as above; with a key's claims told apart out of band, no token skips the allowlist.
#[tokio::test]
async fn a_token_carrying_api_key_name_is_not_let_past_the_allowlist() {
    let clock = ManualClock::starting_now();
    let (stores, _) = stores(&clock, Duration::ZERO);
    let mut config = config("20/60s");
    config.allowlist = true;
    let auth = engine(config, &clock, stores);
    let key = key_for(&auth, "user-1").await;
    let issued = auth
        .tokens()
        .access("user-1")
        .jti(key.record.id.as_str())
        .extra(json!({ "api_key_name": "anything" }))
        .issue();
    assert!(
        issued.is_err(),
        "`TokenBuilder::extra` refuses `api_key_name`"
    );
    // Signed elsewhere with the same secret: refused, so no token's claims pass for a key's.
    let token = signed(json!({
        "sub": "user-1", "jti": key.record.id, "type": "access", "fresh": false,
        "exp": clock.now() + 600, "api_key_name": "anything",
    }));
    let refused = auth.verify_unrevoked(&token).await;
    assert!(
        refused.is_err(),
        "a token carrying `api_key_name`: {refused:?}"
    );
    assert!(auth.verify(&token).is_err(), "refused at decoding");
    // Claims made by hand (not a verified token's) that name a key of their subject are
    // re-checked as that key: its record is read, and ends the socket once it is revoked.
    let mut claims = authx::Claims::new(
        "user-1",
        key.record.id.as_str(),
        authx::TokenType::Access,
        clock.now() + 600,
    );
    claims
        .extra
        .insert("api_key_name".into(), json!("anything"));
    auth.api_keys().revoke(&key.record.id).await.unwrap();
    let end = tokio::time::timeout(Duration::from_millis(800), auth.token_end(&claims)).await;
    assert!(
        matches!(end, Ok(TokenEnd::Revoked)),
        "a revoked key's claims kept their socket past the re-checks: {end:?}"
    );
}
