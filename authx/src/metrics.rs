//! Metrics (cargo feature `metrics`), through the [`metrics`](https://docs.rs/metrics) facade:
//! install any recorder (`metrics-exporter-prometheus`, for instance) and these appear.
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `authx_decisions_total` | counter | `route`, `outcome` (`allowed`, `refused`), `error_type` (`none` when allowed) |
//! | `authx_decision_seconds` | histogram | `outcome` |
//! | `authx_store_call_seconds` | histogram | `backend` (`sqlite`, `postgres`, `redis`; in-process `memory` calls are not timed) |
//! | `authx_store_errors_total` | counter | `backend`, `kind` (`timeout`, `unavailable`, `full`, `config`) |
//! | `authx_rate_limited_total` | counter | `route` |
//! | `authx_api_key_requests_total` | counter | `key_id` (the first 1,000 key ids seen, then `other`), `outcome` |
//! | `authx_jwks_fetches_total` | counter | `issuer` (as configured), `outcome` (`ok`, `error`) |
//! | `authx_authz_decisions_total` | counter | `action` (the schema's, `Document::edit`; `invalid` for one it does not have), `outcome` (`allow`, `deny`, `error`) (feature `authz`) |
//! | `authx_authz_decision_seconds` | histogram | `outcome` (feature `authz`) |
//!
//! With `metrics-exporter-prometheus`, give the histograms buckets
//! (`PrometheusBuilder::set_buckets`, in seconds; the quickstart's are in `examples/lib.rs`):
//! without them it renders summaries, whose sketches grow with the spread of the values seen,
//! to hundreds of KiB per series on a long-running server.
//!
//! Label values are bounded: a route is its guard's handler path or the matched route template
//! (`unmatched` before routing), never a raw path; no label carries a token, a subject, an
//! address or any other value a client chooses. Without the feature every call below is empty.
//!
//! Each event asks the recorder in place (the global one, or a thread's local one in tests) for
//! its handle, as the `metrics` macros do, so a recorder installed late or per test sees every
//! event. What is kept is only what no recorder owns: each route's metric keys, built once per
//! thread with their labels shared, so recording a decision allocates nothing and hashes no
//! label.

#![cfg_attr(not(feature = "metrics"), allow(unused_variables))]

use std::time::Duration;

use crate::store::StoreError;

/// Metric keys built once: the static ones, and each route's, per thread.
#[cfg(feature = "metrics")]
mod keys {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use metrics::{Key, Label, Metadata, Recorder};

    /// The metadata every authx metric is registered with.
    static METADATA: Metadata<'static> =
        Metadata::new("authx", metrics::Level::INFO, Some(module_path!()));

    /// The `outcome` labels of `authx_decision_seconds`.
    static ALLOWED: [Label; 1] = [Label::from_static_parts("outcome", "allowed")];
    static REFUSED: [Label; 1] = [Label::from_static_parts("outcome", "refused")];

    /// `authx_decision_seconds`, by outcome.
    static SECONDS: [Key; 2] = [
        Key::from_static_parts("authx_decision_seconds", &ALLOWED),
        Key::from_static_parts("authx_decision_seconds", &REFUSED),
    ];

    /// Routes a thread keeps keys for before it starts over: routes are an app's handlers and
    /// route templates, so only an app with thousands of them gets here.
    pub(super) const MAX_ROUTES: usize = 4096;

    /// One route's keys: its decision counters by error type (`none` when allowed), and its
    /// rate-limit counter.
    #[derive(Default)]
    struct RouteKeys {
        decisions: Vec<(&'static str, Key)>,
        rate_limited: Option<Key>,
    }

    thread_local! {
        static ROUTES: RefCell<HashMap<Box<str>, RouteKeys, foldhash::fast::RandomState>> =
            RefCell::default();
    }

    /// Runs `f` on `route`'s keys, made on first use on this thread.
    fn with_route<T>(route: &str, f: impl FnOnce(&mut RouteKeys) -> T) -> T {
        ROUTES.with(|routes| {
            let mut routes = routes.borrow_mut();
            if let Some(keys) = routes.get_mut(route) {
                return f(keys);
            }
            if routes.len() >= MAX_ROUTES {
                routes.clear();
            }
            f(routes.entry(route.into()).or_default())
        })
    }

    /// A key whose labels are shared from now on (cloning it copies no string).
    fn retained(name: &'static str, labels: Vec<Label>) -> Key {
        Key::from_parts(name, labels).to_retained()
    }

    /// Counts one decision on `route`, and its time.
    pub(super) fn decision(route: &str, error_type: Option<&'static str>, seconds: f64) {
        let error_type = error_type.unwrap_or("none");
        let refused = error_type != "none";
        metrics::with_recorder(|recorder: &dyn Recorder| {
            with_route(route, |keys| {
                let key = match keys.decisions.iter().find(|(t, _)| *t == error_type) {
                    Some((_, key)) => key,
                    None => {
                        let outcome = if refused { "refused" } else { "allowed" };
                        let key = retained(
                            "authx_decisions_total",
                            vec![
                                Label::new("route", route.to_owned()),
                                Label::from_static_parts("outcome", outcome),
                                Label::from_static_parts("error_type", error_type),
                            ],
                        );
                        keys.decisions.push((error_type, key));
                        &keys.decisions[keys.decisions.len() - 1].1
                    }
                };
                recorder.register_counter(key, &METADATA).increment(1);
            });
            recorder
                .register_histogram(&SECONDS[usize::from(refused)], &METADATA)
                .record(seconds);
        });
    }

    /// Counts one request `route`'s rate limit refused.
    pub(super) fn rate_limited(route: &str) {
        metrics::with_recorder(|recorder: &dyn Recorder| {
            with_route(route, |keys| {
                let key = keys.rate_limited.get_or_insert_with(|| {
                    retained(
                        "authx_rate_limited_total",
                        vec![Label::new("route", route.to_owned())],
                    )
                });
                recorder.register_counter(key, &METADATA).increment(1);
            });
        });
    }
}

/// One auth decision.
pub(crate) fn decision(route: &str, error_type: Option<&'static str>, elapsed: Duration) {
    #[cfg(feature = "metrics")]
    keys::decision(route, error_type, elapsed.as_secs_f64());
}
/// One store call of `backend`, and its result; `elapsed` when it was timed.
pub(crate) fn store_call<T>(
    backend: &'static str,
    elapsed: Option<Duration>,
    result: &Result<T, StoreError>,
) {
    #[cfg(feature = "metrics")]
    {
        if let Some(elapsed) = elapsed {
            ::metrics::histogram!("authx_store_call_seconds", "backend" => backend)
                .record(elapsed.as_secs_f64());
        }
        if let Err(e) = result {
            let kind = match e {
                StoreError::Timeout(_) => "timeout",
                StoreError::Unavailable(_) => "unavailable",
                StoreError::Full(_) => "full",
                _ => "config",
            };
            ::metrics::counter!("authx_store_errors_total", "backend" => backend, "kind" => kind)
                .increment(1);
        }
    }
}

/// A request refused by a rate limit on `route`.
pub(crate) fn rate_limited(route: &str) {
    #[cfg(feature = "metrics")]
    keys::rate_limited(route);
}

/// The key ids labelled before every further one counts as `other`: ids are bounded by what
/// the app creates, not by clients, but an app with many keys must not blow up a time series
/// database.
#[cfg(feature = "metrics")]
const MAX_KEY_IDS: usize = 1000;

/// A decision on a request that came with API key `id` (its public id, never the key).
pub(crate) fn api_key(id: &str, allowed: bool) {
    #[cfg(feature = "metrics")]
    {
        use std::collections::HashSet;
        use std::sync::{Mutex, OnceLock, PoisonError};
        static LABELLED: OnceLock<Mutex<HashSet<Box<str>>>> = OnceLock::new();
        let labelled = LABELLED.get_or_init(Default::default);
        let id = {
            let mut ids = labelled.lock().unwrap_or_else(PoisonError::into_inner);
            if ids.contains(id) || (ids.len() < MAX_KEY_IDS && ids.insert(id.into())) {
                id.to_owned()
            } else {
                "other".to_owned()
            }
        };
        let outcome = if allowed { "allowed" } else { "refused" };
        ::metrics::counter!("authx_api_key_requests_total", "key_id" => id, "outcome" => outcome)
            .increment(1);
    }
}

/// One Cedar decision on `action` (a schema's action, or `invalid`): `allow`, `deny` or
/// `error`, and how long it took.
#[cfg(feature = "authz")]
pub(crate) fn authz(action: &str, outcome: &'static str, elapsed: Duration) {
    #[cfg(feature = "metrics")]
    {
        ::metrics::counter!(
            "authx_authz_decisions_total",
            "action" => action.to_owned(),
            "outcome" => outcome,
        )
        .increment(1);
        ::metrics::histogram!("authx_authz_decision_seconds", "outcome" => outcome)
            .record(elapsed.as_secs_f64());
    }
}

/// One fetch of an identity provider's keys.
#[cfg(feature = "jwks")]
pub(crate) fn jwks_fetch(issuer: &str, ok: bool) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!(
        "authx_jwks_fetches_total",
        "issuer" => issuer.to_owned(),
        "outcome" => if ok { "ok" } else { "error" },
    )
    .increment(1);
}

#[cfg(all(test, feature = "metrics"))]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use metrics::{
        Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    /// A recorder that keeps counters by their rendered key, and counts histogram samples.
    #[derive(Default)]
    struct Counts(Mutex<BTreeMap<String, Arc<AtomicU64>>>);

    impl Counts {
        fn handle(&self, key: &Key) -> Arc<AtomicU64> {
            let mut labels: Vec<_> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            labels.sort();
            let name = format!("{}{{{}}}", key.name(), labels.join(","));
            self.0.lock().unwrap().entry(name).or_default().clone()
        }

        fn get(&self, name: &str) -> u64 {
            self.0
                .lock()
                .unwrap()
                .get(name)
                .map_or(0, |c| c.load(Ordering::Relaxed))
        }
    }

    impl Recorder for Counts {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            Counter::from_arc(self.handle(key))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
            struct Samples(Arc<AtomicU64>);
            impl metrics::HistogramFn for Samples {
                fn record(&self, _: f64) {
                    self.0.fetch_add(1, Ordering::Relaxed);
                }
            }
            Histogram::from_arc(Arc::new(Samples(self.handle(key))))
        }
    }

    const ALLOWED: &str = "authx_decisions_total{error_type=none,outcome=allowed,route=app::get}";
    const EXPIRED: &str =
        "authx_decisions_total{error_type=ExpiredSignatureError,outcome=refused,route=app::get}";

    fn decide_three_times() {
        let t = Duration::from_micros(3);
        super::decision("app::get", None, t);
        super::decision("app::get", None, t);
        super::decision("app::get", Some("ExpiredSignatureError"), t);
        super::rate_limited("app::get");
    }

    #[test]
    fn each_recorder_in_turn_sees_its_own_events_with_the_keys_kept_between_them() {
        let (first, second) = (Counts::default(), Counts::default());
        metrics::with_local_recorder(&first, decide_three_times);
        metrics::with_local_recorder(&second, || {
            decide_three_times();
            decide_three_times();
        });
        for (counts, times) in [(&first, 1), (&second, 2)] {
            assert_eq!(counts.get(ALLOWED), 2 * times);
            assert_eq!(counts.get(EXPIRED), times);
            assert_eq!(
                counts.get("authx_rate_limited_total{route=app::get}"),
                times
            );
            assert_eq!(
                counts.get("authx_decision_seconds{outcome=allowed}"),
                2 * times
            );
            assert_eq!(counts.get("authx_decision_seconds{outcome=refused}"), times);
            assert_eq!(counts.0.lock().unwrap().len(), 5);
        }
    }

    #[test]
    fn api_key_ids_are_labelled_up_to_a_bound_then_counted_as_other() {
        let counts = Counts::default();
        metrics::with_local_recorder(&counts, || {
            for i in 0..super::MAX_KEY_IDS + 5 {
                super::api_key(&format!("ak_{i}"), true);
            }
            super::api_key("ak_0", false);
        });
        assert_eq!(
            counts.get("authx_api_key_requests_total{key_id=ak_0,outcome=allowed}"),
            1
        );
        assert_eq!(
            counts.get("authx_api_key_requests_total{key_id=ak_0,outcome=refused}"),
            1
        );
        assert_eq!(
            counts.get("authx_api_key_requests_total{key_id=other,outcome=allowed}"),
            5
        );
    }

    #[test]
    fn a_thread_with_more_routes_than_it_keeps_still_counts_every_one() {
        let counts = Counts::default();
        metrics::with_local_recorder(&counts, || {
            for i in 0..super::keys::MAX_ROUTES + 10 {
                super::decision(&format!("r{i}"), None, Duration::ZERO);
            }
            super::decision("r0", None, Duration::ZERO);
        });
        assert_eq!(
            counts.get("authx_decisions_total{error_type=none,outcome=allowed,route=r0}"),
            2
        );
        assert_eq!(
            counts.get("authx_decision_seconds{outcome=allowed}"),
            super::keys::MAX_ROUTES as u64 + 11
        );
    }
}
