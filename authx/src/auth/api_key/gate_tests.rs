use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Charged, Left, Lookups, MEMORY};

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

fn at(t: i64) -> impl Fn() -> i64 {
    move || t
}

#[tokio::test]
async fn an_unknown_address_has_one_lookup_at_a_time_then_count_once_a_key_was_found() {
    let lookups = Arc::new(Lookups::default());
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let first = lookups.enter(IP, 3, at(0)).await.unwrap();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (lookups, running, most) = (lookups.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                let pass = lookups.enter(IP, 3, at(0)).await.unwrap();
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                pass.found();
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        running.load(Ordering::SeqCst),
        0,
        "one at a time while unknown"
    );
    // Another address is not held up by the first.
    drop(lookups.enter("ip:192.0.2.2", 3, at(0)).await.unwrap());
    first.found();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        most.load(Ordering::SeqCst),
        3,
        "a fresh bucket's worth once a key was found"
    );
}

#[tokio::test]
async fn a_failure_sets_what_is_left_and_waiters_look_again_without_wedging() {
    let lookups = Arc::new(Lookups::default());
    let first = lookups.enter(IP, 3, at(0)).await.unwrap();
    let waiter = {
        let lookups = lookups.clone();
        tokio::spawn(async move { lookups.enter(IP, 3, at(10)).await.is_some() })
    };
    tokio::task::yield_now().await;
    // The limiter says two are left: the waiter starts.
    lookups.failed(first, charged(2, 10));
    assert!(waiter.await.unwrap());
    assert_eq!(lookups.blocked(IP, 10), None);

    // Two under way of two left; a third waits, and the first failure's count (none left)
    // refuses it only once nothing is under way.
    let a = lookups.enter(IP, 3, at(10)).await.unwrap();
    let b = lookups.enter(IP, 3, at(10)).await.unwrap();
    let third = {
        let lookups = lookups.clone();
        tokio::spawn(async move { lookups.enter(IP, 3, at(20)).await.is_some() })
    };
    tokio::task::yield_now().await;
    lookups.failed(a, charged(0, 20));
    tokio::task::yield_now().await;
    assert!(!third.is_finished(), "one is still under way");
    drop(b); // the store failed: nothing learnt, but it ended
    assert!(
        !third.await.unwrap(),
        "nothing left and nothing under way: refused"
    );
    assert_eq!(lookups.blocked(IP, 20), Some(1_020), "until one refills");
    assert_eq!(lookups.blocked(IP, 1_020), None, "one failure refilled");
    let again = lookups.enter(IP, 3, at(1_020)).await;
    assert!(again.is_some());
    // The limiter may know of more than this instance estimated: its next count is taken.
    lookups.failed(again.unwrap(), charged(2, 1_030));
    let (x, y) = (
        lookups.enter(IP, 3, at(1_030)).await,
        lookups.enter(IP, 3, at(1_030)).await,
    );
    assert!(x.is_some() && y.is_some(), "two left, two at once");
}

#[test]
fn what_is_left_refills_one_per_interval_up_to_the_count_and_never_on_a_clock_stepping_back() {
    let left = Left {
        failures: 0,
        at: 1_000,
        interval: 100,
        count: 3,
        until: 1_500,
    };
    assert_eq!(left.now(1_499), 0, "refused until its end");
    assert_eq!(left.now(1_500), 3, "refilled to the count, no more");
    let left = Left { until: 0, ..left };
    assert_eq!(left.now(1_150), 1);
    assert_eq!(left.now(0), 0, "a clock stepping back refills nothing");
    assert_eq!(left.next(), 1_100);
}

#[tokio::test]
async fn an_address_with_nothing_to_remember_is_forgotten_and_memory_stays_bounded() {
    let lookups = Lookups::default();
    drop(lookups.enter(IP, 3, at(0)).await);
    assert_eq!(
        lookups.remembered(),
        0,
        "a lookup that learnt nothing leaves nothing"
    );
    for i in 0..MEMORY + 10 {
        let pass = lookups.enter(&format!("ip:{i}"), 3, at(0)).await.unwrap();
        lookups.failed(pass, charged(0, 0));
    }
    assert!(
        lookups.remembered() <= MEMORY,
        "{} addresses remembered",
        lookups.remembered()
    );
    let last = format!("ip:{}", MEMORY + 9);
    assert_eq!(
        lookups.blocked(&last, 1),
        Some(1_000),
        "the newest are kept"
    );
}
