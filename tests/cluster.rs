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
use authx_tests::redis::{RedisCluster, command, count_commands};
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

/// An engine on `url` whose connections are open: its first revocation and check succeeded
/// (retried for up to 10 s: opening a cluster connection may take longer than a check may).
async fn connected(config: AuthConfig) -> Auth {
    let auth = Auth::connect(config).await.unwrap();
    let started = Instant::now();
    loop {
        let token = auth.tokens().create_access("warm-up").unwrap();
        let claims = auth.verify(&token).unwrap();
        if auth.revocations().revoke(&claims).await.is_ok()
            && matches!(auth.verify_unrevoked(&token).await, Err(AuthError::Revoked))
        {
            return auth;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "could not reach the cluster within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Revokes `token` through `auth`, again while the store answers `503` (a replica slow to
/// confirm under load), as an app would: revoking twice is harmless. Up to 5 s.
async fn revoke(auth: &Auth, token: &str) {
    let claims = auth.verify(token).unwrap();
    let started = Instant::now();
    loop {
        match auth.revocations().revoke(&claims).await {
            Ok(()) => return,
            Err(AuthError::StoreUnavailable(e)) if started.elapsed() < Duration::from_secs(5) => {
                println!("revocation not confirmed yet ({e}); again");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("revocation failed: {e}"),
        }
    }
}

/// Waits up to `within` for `cond`.
async fn eventually(within: Duration, what: &str, mut cond: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !cond().await {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `token` is answered from `watcher`'s near-cache, then revoked by `writer`: `watcher`
/// refuses it within 2 s, which only its feed can tell it (the cached answer would otherwise
/// stand for a minute).
async fn feed_carries_revocation(watcher: &Auth, writer: &Auth, subject: &str) {
    let token = writer.tokens().create_access(subject).unwrap();
    assert!(watcher.verify_unrevoked(&token).await.is_ok());
    assert!(watcher.verify_unrevoked(&token).await.is_ok());
    revoke(writer, &token).await;
    eventually(
        Duration::from_secs(2),
        "the near-cache learns of the revocation",
        async || watcher.verify_unrevoked(&token).await.is_err(),
    )
    .await;
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
    authx::testing::stores::conformance(&stores).await;

    // Two instances, each with its own connections to the cluster: exactly 50 of 200
    // concurrent requests pass.
    let prefix = format!("authx-test-{}:", uuid::Uuid::new_v4());
    let stores = || Stores::redis(RedisStore::with_prefix(&url, &prefix).unwrap());
    let a = Auth::builder(config(&url))
        .stores(stores())
        .build()
        .unwrap();
    let b = Auth::builder(config(&url))
        .stores(stores())
        .build()
        .unwrap();
    let (sa, sb) = (serve(&a).await, serve(&b).await);
    let session = a
        .sessions()
        .create("u", SessionMeta::default())
        .await
        .unwrap();
    let token = a.tokens().access("u").session(&session.id).issue().unwrap();
    assert_eq!(burst(&[&sa, &sb], "/fifty", &token, 200).await, (50, 150));

    // Each request: one command (revocation of token and session, and the rate limit, in one
    // script), on the one master that serves the prefix's slot.
    let tagged = format!("{{{prefix}}}");
    let masters = cluster.masters().await.unwrap();
    let urls: Vec<String> = masters
        .iter()
        .map(|(port, _)| format!("redis://127.0.0.1:{port}"))
        .collect();
    let other = b.tokens().create_access("v").unwrap();
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
    revoke(&b, &other).await;
    eventually(
        Duration::from_secs(5),
        "the session is revoked",
        async || a.sessions().revoke(&session.id).await.is_ok(),
    )
    .await;
    for t in [&other, &token] {
        let res = authx_tests::client()
            .get(sa.url("/fifty"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }

    // The near-cache's feed, seeded with a master that does not serve authx's slot, follows
    // its MOVED to the one that does; a manual failover (the old master stays up, demoted)
    // ends the subscription, and the next one is on the new master.
    let owner = cluster.master_of("{authx:}").await;
    let other = masters
        .iter()
        .map(|(port, _)| *port)
        .find(|port| *port != owner)
        .unwrap();
    let mut near = config(&format!("redis+cluster://127.0.0.1:{other}"));
    near.near_cache.enabled = true;
    let watcher = connected(near).await;
    let writer = connected(config(&url)).await;
    let cache = || watcher.stores().near_cache().unwrap();
    eventually(Duration::from_secs(10), "the feed subscribes", async || {
        cache().is_live()
    })
    .await;
    feed_carries_revocation(&watcher, &writer, "before-failover").await;
    let losses = cache().feed_losses();
    let replica = cluster.replicas_of(owner).await[0];
    let _: String = command(replica, &["CLUSTER", "FAILOVER"]).await.unwrap();
    eventually(
        Duration::from_secs(15),
        "the replica takes over",
        async || {
            cluster
                .masters()
                .await
                .is_ok_and(|m| m.iter().any(|(p, _)| *p == replica))
        },
    )
    .await;
    eventually(
        Duration::from_secs(15),
        "the feed leaves the demoted master and comes back",
        async || cache().feed_losses() > losses && cache().is_live(),
    )
    .await;
    feed_carries_revocation(&watcher, &writer, "after-failover").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_failing_over_loses_no_revocation() {
    let mut cluster = RedisCluster::start(3, 1, Duration::from_secs(1)).await;
    let url = cluster.url("wait_replicas=1");
    let a = connected(config(&url)).await;
    let mut near = config(&url);
    near.near_cache.enabled = true;
    let b = connected(near).await;
    let (sa, sb) = (serve(&a).await, serve(&b).await);

    // Revocations from both instances, each acknowledged once a replica holds it.
    let live = a.tokens().create_access("live").unwrap();
    let mut revoked = Vec::new();
    for i in 0..100 {
        let auth = if i % 2 == 0 { &a } else { &b };
        let token = auth.tokens().create_access(format!("user-{i}")).unwrap();
        revoke(auth, &token).await;
        revoked.push(token);
    }
    let session = b
        .sessions()
        .create("s", SessionMeta::default())
        .await
        .unwrap();
    let in_session = b.tokens().access("s").session(&session.id).issue().unwrap();
    eventually(
        Duration::from_secs(5),
        "the session is revoked",
        async || b.sessions().revoke(&session.id).await.is_ok(),
    )
    .await;
    revoked.push(in_session);

    // Steady load; then a last revocation, and the master holding authx's slot dies the
    // moment it is acknowledged.
    let load = Load::start(&[&sa, &sb], &live, &revoked[0]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let master = cluster.master_of("{authx:}").await;
    let last = a.tokens().create_access("last").unwrap();
    revoke(&a, &last).await;
    cluster.node(master).kill();
    let killed = Instant::now();
    revoked.push(last);
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

    // The dead node comes back as a replica; revocations go on, and reach b's near-cache
    // through its feed, now on the new master.
    cluster.node(master).spawn().await;
    cluster.wait_until_healthy(3, 1).await;
    let later = a.tokens().create_access("later").unwrap();
    let feed_back = Instant::now();
    while !b.stores().near_cache().unwrap().is_live() {
        assert!(
            feed_back.elapsed() < Duration::from_secs(10),
            "b's revocation feed did not come back after the failover"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(b.verify_unrevoked(&later).await.is_ok());
    assert!(b.verify_unrevoked(&later).await.is_ok());
    assert!(
        !b.stores().near_cache().unwrap().is_empty(),
        "b answers from its near-cache"
    );
    revoke(&a, &later).await;
    let revoked_at = Instant::now();
    while b.verify_unrevoked(&later).await.is_ok() {
        assert!(
            revoked_at.elapsed() < Duration::from_secs(5),
            "b's near-cache missed a revocation after the failover"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// With `wait_replicas`, a revocation waits for the replica, over a connection of its own: a
/// replica that does not answer makes the revocation fail (503) and never holds up the checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_waits_for_its_replica_without_holding_up_the_checks() {
    let mut cluster = RedisCluster::start(3, 1, Duration::from_secs(5)).await;
    let url = cluster.url("wait_replicas=1&wait_timeout_ms=1500");
    let mut slow = config(&url);
    slow.store_timeout = Duration::from_secs(3);
    // Both connections open before a node hangs (a cluster client opens one to every node,
    // and would wait out the connect timeout on the paused one).
    let a = connected(slow).await;
    let live = a.tokens().create_access("live").unwrap();
    let first = a.tokens().create_access("first").unwrap();
    revoke(&a, &first).await;

    let master = cluster.master_of("{authx:}").await;
    let replica = cluster.replicas_of(master).await;
    assert_eq!(replica.len(), 1, "one replica of {master}: {replica:?}");
    cluster.node(replica[0]).pause();
    let stalled = a.tokens().create_access("stalled").unwrap();
    let revoking = {
        let (a, claims) = (a.clone(), a.verify(&stalled).unwrap());
        tokio::spawn(async move { a.revocations().revoke(&claims).await })
    };
    let waiting = async || {
        let clients: String = command(master, &["CLIENT", "LIST"]).await.unwrap();
        clients.lines().any(|c| c.contains("cmd=wait"))
    };
    eventually(
        Duration::from_secs(1),
        "the revocation waits for its replica",
        waiting,
    )
    .await;
    for _ in 0..5 {
        assert!(a.verify_unrevoked(&live).await.is_ok());
        assert!(matches!(
            a.verify_unrevoked(&first).await,
            Err(AuthError::Revoked)
        ));
    }
    assert!(
        waiting().await,
        "the checks were answered while the revocation waited (the WAIT is still on)"
    );
    let outcome = revoking.await.unwrap();
    assert!(
        matches!(outcome, Err(AuthError::StoreUnavailable(_))),
        "a revocation no replica confirmed is not acknowledged: {outcome:?}"
    );
    // The write stands on the master; revoking again, with the replica back, is acknowledged.
    assert!(matches!(
        a.verify_unrevoked(&stalled).await,
        Err(AuthError::Revoked)
    ));

    // A new instance connects although one node hangs: the cluster client waits for every
    // node (up to its 2 s connect timeout), longer than the 500 ms a check may take, so the
    // connection is made in a task no caller's timeout cancels.
    let fresh = Auth::connect(config(&url)).await.unwrap();
    let started = Instant::now();
    while fresh.verify_unrevoked(&live).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "a new instance never connected while a node hung"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cluster.node(replica[0]).resume();
    revoke(&a, &stalled).await;
}

#[test]
fn cluster_urls_that_cannot_work_are_refused_at_start() {
    for (url, why) in [
        ("redis+cluster://", "at least one node"),
        ("redis+cluster://h1:7000/3", "no database number"),
        ("redis+cluster://h1:7000?replicas=1", "not known"),
    ] {
        let err = RedisStore::new(url).unwrap_err().to_string();
        assert!(err.contains(why), "{url}: {err}");
    }
}
