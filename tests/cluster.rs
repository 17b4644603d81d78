//! The Redis store on a Redis Cluster (`redis+cluster://`), against clusters these tests start
//! themselves: `redis-server --cluster-enabled yes` processes on free ports joined by
//! `redis-cli --cluster create`, three masters with a replica each. They need `redis-server`
//! and `redis-cli` on the `PATH` and fail, never skip, without them.
//!
//! What must hold: the store conformance suite; rate limits exact across two instances; a
//! token's revocation and its route's rate limit still one command on one master (every key in
//! one hash slot); and a master failing over to its replica with no revocation lost (with
//! `wait_replicas=1`), no `500`, no revoked token let through, and recovery without a restart.

use std::time::{Duration, Instant};

use authx::store::{RedisStore, connect};
use authx::{Auth, AuthConfig, AuthError, Claims, SessionMeta, Stores, protect, routes};
use authx_tests::load::{Load, always};
use authx_tests::redis::{RedisCluster, count_commands};
use authx_tests::{TestServer, burst};

#[protect(rate = "50/60s", route = "GET /fifty")]
async fn fifty(claims: Claims) -> String {
    claims.sub
}

#[protect(route = "GET /p")]
async fn protected(claims: Claims) -> String {
    claims.sub
}

fn config(url: &str) -> AuthConfig {
    AuthConfig::builder()
        .secret_key("cluster-test-secret-0123456789abcdef")
        .store_url(url)
        .store_timeout(Duration::from_millis(500))
        .build()
}

async fn serve(auth: &Auth) -> TestServer {
    TestServer::start(routes![fifty, protected].with_state(auth.clone())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_store_conforms_counts_exactly_and_checks_in_one_trip() {
    let cluster = RedisCluster::start(3, 1, Duration::from_secs(5)).await;
    let url = cluster.url("wait_replicas=1");

    // The suite every backend passes, with each revocation waiting for a replica.
    let stores = connect(&url).await.unwrap();
    authx::store::testing::conformance(&stores).await;

    // Two instances sharing the cluster: exactly 50 of 200 concurrent requests pass.
    let prefix = format!("authx-test-{}:", uuid::Uuid::new_v4());
    let shared = Stores::redis(RedisStore::with_prefix(&url, &prefix).unwrap());
    let a = Auth::builder(config(&url))
        .stores(shared.clone())
        .build()
        .unwrap();
    let b = Auth::builder(config(&url)).stores(shared).build().unwrap();
    let (sa, sb) = (serve(&a).await, serve(&b).await);
    let session = a.create_session("u", SessionMeta::default()).await.unwrap();
    let token = a.access_token("u").session(&session.id).issue().unwrap();
    assert_eq!(burst(&[&sa, &sb], "/fifty", &token, 200).await, (50, 150));

    // Each request: one command (revocation of token and session, and the rate limit, in one
    // script), on the one master that serves the prefix's slot.
    let tagged = format!("{{{prefix}}}");
    let masters = cluster.masters().await.unwrap();
    let urls: Vec<String> = masters
        .iter()
        .map(|(port, _)| format!("redis://127.0.0.1:{port}"))
        .collect();
    let other = b.create_access_token("v").unwrap();
    assert_eq!(burst(&[&sb], "/fifty", &other, 1).await, (1, 0));
    let (tasks, seen) = count_commands(&urls, &tagged).await;
    assert_eq!(burst(&[&sa, &sb], "/fifty", &other, 20).await, (20, 0));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let counts: Vec<usize> = seen
        .iter()
        .map(|n| n.load(std::sync::atomic::Ordering::SeqCst))
        .collect();
    tasks.iter().for_each(tokio::task::JoinHandle::abort);
    let serving = cluster.master_of(&tagged).await;
    for ((port, _), n) in masters.iter().zip(&counts) {
        let expected = if *port == serving { 20 } else { 0 };
        assert_eq!(
            *n, expected,
            "commands per master {counts:?} for 20 requests"
        );
    }

    // Revoked in the same trip: a token, and a token of a revoked session.
    b.revoke(&b.verify(&other).unwrap()).await.unwrap();
    a.revoke_session(&session.id).await.unwrap();
    for t in [&other, &token] {
        let res = authx_tests::client()
            .get(sa.url("/fifty"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_failing_over_loses_no_revocation() {
    let mut cluster = RedisCluster::start(3, 1, Duration::from_secs(1)).await;
    let url = cluster.url("wait_replicas=1");
    let a = Auth::connect(config(&url)).await.unwrap();
    let mut near = config(&url);
    near.near_cache.enabled = true;
    let b = Auth::connect(near).await.unwrap();
    let (sa, sb) = (serve(&a).await, serve(&b).await);

    // Revocations from both instances, each acknowledged once a replica holds it.
    let live = a.create_access_token("live").unwrap();
    let mut revoked = Vec::new();
    for i in 0..100 {
        let auth = if i % 2 == 0 { &a } else { &b };
        let token = auth.create_access_token(format!("user-{i}")).unwrap();
        auth.revoke(&auth.verify(&token).unwrap()).await.unwrap();
        revoked.push(token);
    }
    let session = b.create_session("s", SessionMeta::default()).await.unwrap();
    let in_session = b.access_token("s").session(&session.id).issue().unwrap();
    b.revoke_session(&session.id).await.unwrap();
    revoked.push(in_session);

    // Steady load, then the master holding authx's slot dies.
    let load = Load::start(&[&sa, &sb], &live, &revoked[0]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let master = cluster.master_of("{authx:}").await;
    cluster.kill(master);
    let killed = Instant::now();
    let recovered = loop {
        let a_ok = a.verify_unrevoked(&live).await.is_ok();
        let b_ok = b.verify_unrevoked(&live).await.is_ok();
        if a_ok && b_ok {
            break killed.elapsed();
        }
        assert!(
            killed.elapsed() < Duration::from_secs(20),
            "no recovery within 20 s of the master's death"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let samples = load.stop().await;
    println!("cluster: master {master} killed, both instances served again after {recovered:?}");

    // Never a 500 or a hang, never a revoked token let through; an outage is a 503.
    always(&samples);
    for s in &samples {
        assert!(
            s.status == 200
                || (s.status == 401 && s.revoked)
                || (s.status, s.error_type.as_deref()) == (503, Some("StoreUnavailableError")),
            "{s:?}"
        );
    }
    assert_ne!(
        cluster.master_of("{authx:}").await,
        master,
        "a replica took over"
    );

    // Every revocation survived, on both instances.
    for auth in [&a, &b] {
        for (i, token) in revoked.iter().enumerate() {
            assert!(
                matches!(auth.verify_unrevoked(token).await, Err(AuthError::Revoked)),
                "revocation {i} was lost in the failover"
            );
        }
        assert!(auth.verify_unrevoked(&live).await.is_ok());
    }

    // The dead node comes back as a replica; revocations go on, and reach b's near-cache.
    let node = cluster.nodes.iter_mut().find(|n| n.port == master).unwrap();
    node.spawn().await;
    cluster.wait_until_healthy(3, 1).await;
    let later = a.create_access_token("later").unwrap();
    assert!(b.verify_unrevoked(&later).await.is_ok());
    a.revoke(&a.verify(&later).unwrap()).await.unwrap();
    let revoked_at = Instant::now();
    while b.verify_unrevoked(&later).await.is_ok() {
        assert!(
            revoked_at.elapsed() < Duration::from_secs(5),
            "b's near-cache missed a revocation after the failover"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn cluster_urls_that_cannot_work_are_refused_at_start() {
    for (url, why) in [
        ("redis+cluster://", "at least one node"),
        ("redis+cluster://h1:7000/3", "no database number"),
        ("redis+cluster://h1:7000?replicas=1", "unknown option"),
    ] {
        let err = RedisStore::new(url).unwrap_err().to_string();
        assert!(err.contains(why), "{url}: {err}");
    }
}
