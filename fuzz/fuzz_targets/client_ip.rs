//! The `Forwarded` (RFC 7239) and `X-Forwarded-For` parsers behind a trusted proxy: fuzzed
//! header values, repeated, from a trusted peer. Nothing may panic; the client key is always
//! bounded (an address or the peer's, never the raw header).
#![no_main]

use std::net::SocketAddr;
use std::sync::OnceLock;

use authx::rate::{Forwarding, TrustedProxies};
use axum::extract::ConnectInfo;
use libfuzzer_sys::fuzz_target;

fn forwardings() -> &'static [Forwarding; 2] {
    static F: OnceLock<[Forwarding; 2]> = OnceLock::new();
    F.get_or_init(|| {
        let trusted = || TrustedProxies::parse(&["127.0.0.0/8", "::1"]).unwrap();
        [
            Forwarding::new(trusted(), "Forwarded", 64).unwrap(),
            Forwarding::new(trusted(), "X-Forwarded-For", 56).unwrap(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let mut req = http::Request::get("/");
    for value in data.split(|b| *b == b'\n') {
        if let Ok(v) = http::HeaderValue::from_bytes(value) {
            req = req
                .header("forwarded", v.clone())
                .header("x-forwarded-for", v);
        }
    }
    let Ok(req) = req.body(()) else { return };
    let (mut parts, ()) = req.into_parts();
    parts
        .extensions
        .insert(ConnectInfo("127.0.0.1:4000".parse::<SocketAddr>().unwrap()));
    for f in forwardings() {
        let key = f.client_ip(&parts).key();
        assert!(key.len() <= 64, "an unbounded client key: {key:?}");
    }
});
