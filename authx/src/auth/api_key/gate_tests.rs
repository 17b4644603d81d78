use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Charged, Lookups, MEMORY};

const IP: &str = "ip:192.0.2.1";

fn charged(failures: u32, at: i64) -> Charged {
    Charged {
        failures,
        at,
        interval: 1_000,
        count: 3,
        until: 0,
    }
}

#[tokio::test]
async fn lookups_that_find_a_key_run_at_most_count_at_once_and_the_gate_goes_after() {
    let lookups = Arc::new(Lookups::default());
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (lookups, running, most) = (lookups.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                let _pass = lookups.enter(IP, 3, 0).await;
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                running.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    // Another address is not held up by the first.
    drop(lookups.enter("ip:192.0.2.2", 3, 0).await);
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(most.load(Ordering::SeqCst), 3);
    assert_eq!(
        lookups.gates(),
        0,
        "no gate is kept once its lookups are done"
    );
}

#[tokio::test]
async fn failed_lookups_keep_their_permit_and_the_last_closes_the_gate() {
    let lookups = Arc::new(Lookups::default());
    let first = lookups.enter(IP, 3, 0).await;
    let second = lookups.enter(IP, 3, 0).await;
    let third = lookups.enter(IP, 3, 0).await;
    let waiter = {
        let lookups = lookups.clone();
        tokio::spawn(async move { lookups.enter(IP, 3, 0).await.permit.is_some() })
    };
    lookups.failed(first, charged(2, 10));
    drop(second); // found a key: its permit goes back, and the waiter takes it
    assert!(
        waiter.await.unwrap(),
        "a permit given back lets a waiter in"
    );
    assert_eq!(lookups.blocked(IP, 10), None);
    // Two permits left (one was kept by the failure): `third` and `fourth` hold them.
    let fourth = lookups.enter(IP, 3, 10).await;
    let waiting = {
        let lookups = lookups.clone();
        tokio::spawn(async move { lookups.enter(IP, 3, 10).await.permit.is_some() })
    };
    tokio::task::yield_now().await;
    lookups.failed(third, charged(0, 20));
    assert!(
        !waiting.await.unwrap(),
        "a closed gate answers its waiters at once"
    );
    assert_eq!(
        lookups.blocked(IP, 20),
        Some(1_020),
        "nothing left until one refills"
    );
    drop(fourth);
    assert_eq!(lookups.blocked(IP, 1_020), None, "one failure refilled");
    let again = lookups.enter(IP, 3, 1_020).await;
    assert!(again.permit.is_some(), "a fresh gate of what is left");
    assert_eq!(again.gate.available_permits(), 0, "one failure left, taken");
}

#[test]
fn what_is_left_refills_one_per_interval_up_to_the_count_and_a_refusal_holds_until_its_end() {
    let lookups = Lookups::default();
    lookups.left.lock().unwrap().insert(
        IP.into(),
        super::Left {
            failures: 0,
            at: 0,
            interval: 100,
            count: 3,
            until: 500,
        },
    );
    assert_eq!(lookups.blocked(IP, 499), Some(500));
    let left = *lookups.left.lock().unwrap().get(IP).unwrap();
    assert_eq!(left.now(500), 3, "refilled to the count, no more");
    assert_eq!(left.now(150), 0);
}

#[tokio::test]
async fn a_full_memory_drops_the_ip_refilling_first() {
    let lookups = Lookups::default();
    for i in 0..MEMORY {
        let pass = lookups.enter(&format!("ip:{i}"), 3, 0).await;
        let mut c = charged(0, 0);
        c.until = 1_000 + i as i64;
        lookups.failed(pass, c);
    }
    let pass = lookups.enter("ip:new", 3, 0).await;
    lookups.failed(pass, charged(0, 0));
    assert_eq!(
        lookups.blocked("ip:0", 1),
        None,
        "the one refilling first went"
    );
    assert_eq!(lookups.blocked("ip:new", 1), Some(1_000));
    assert_eq!(lookups.blocked("ip:1", 1), Some(1_001));
}
