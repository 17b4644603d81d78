//! `#[public(rate)]` keeps its rate guard whatever else the handler carries: inner attributes,
//! doc comments, `#[allow]`, `#[cfg_attr]`, `#[tracing::instrument]` and
//! `#[axum::debug_handler]`. Without `rate`, the same attributes leave an open handler open.

use authx::{Auth, public, routes};
use authx_ui_tests::{auth, send};

// The confirmed case of the security review: 6 of 6 requests went through a 2/60s limit.
#[public(rate = "2/60s", route = "GET /inner-rate")]
async fn inner_rate() -> &'static str {
    #![allow(clippy::all)]
    "ok"
}

#[public(route = "GET /inner")]
async fn inner() -> &'static str {
    #![allow(clippy::all)]
    "ok"
}

/// A documented, rate-limited handler.
#[public(rate = "2/60s", route = "GET /doc-rate")]
async fn doc_rate() -> &'static str {
    "ok"
}

/// A documented handler.
#[public(route = "GET /doc")]
async fn doc() -> &'static str {
    "ok"
}

#[public(rate = "2/60s", route = "GET /allow-rate")]
#[allow(unused_variables)]
async fn allow_rate() -> &'static str {
    let unused = 1;
    "ok"
}

#[public(route = "GET /allow")]
#[allow(unused_variables)]
async fn allow() -> &'static str {
    let unused = 1;
    "ok"
}

#[public(rate = "2/60s", route = "GET /cfg-attr-rate")]
#[cfg_attr(not(test), allow(unused_variables))]
async fn cfg_attr_rate() -> &'static str {
    let unused = 1;
    "ok"
}

#[public(route = "GET /cfg-attr")]
#[cfg_attr(not(test), allow(unused_variables))]
async fn cfg_attr() -> &'static str {
    let unused = 1;
    "ok"
}

#[public(rate = "2/60s", route = "GET /instrument-rate")]
#[tracing::instrument]
async fn instrument_rate() -> &'static str {
    "ok"
}

#[public(route = "GET /instrument")]
#[tracing::instrument]
async fn instrument() -> &'static str {
    "ok"
}

#[public(rate = "2/60s", route = "GET /debug-rate")]
#[axum::debug_handler(state = Auth)]
async fn debug_rate() -> &'static str {
    #![allow(clippy::all)]
    "ok"
}

#[public(route = "GET /debug")]
#[axum::debug_handler(state = Auth)]
async fn debug() -> &'static str {
    "ok"
}

fn main() {
    let app = routes![
        inner_rate,
        inner,
        doc_rate,
        doc,
        allow_rate,
        allow,
        cfg_attr_rate,
        cfg_attr,
        instrument_rate,
        instrument,
        debug_rate,
        debug,
    ]
    .with_state(auth());
    for path in [
        "/inner-rate",
        "/doc-rate",
        "/allow-rate",
        "/cfg-attr-rate",
        "/instrument-rate",
        "/debug-rate",
    ] {
        let statuses: Vec<u16> = (0..6)
            .map(|_| send(&app, "GET", path, None, None).0.as_u16())
            .collect();
        assert_eq!(statuses, [200, 200, 429, 429, 429, 429], "{path}");
    }
    for path in ["/inner", "/doc", "/allow", "/cfg-attr", "/instrument", "/debug"] {
        for _ in 0..6 {
            assert_eq!(send(&app, "GET", path, None, None).0, 200, "{path}");
        }
    }
}
