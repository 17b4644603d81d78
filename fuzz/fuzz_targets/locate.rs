//! The token locator on raw requests: a method, a URI and header lines from the fuzzer (split at
//! newlines, `name: value`), with tokens looked for in headers, cookies and the query, as access
//! and as refresh tokens. Nothing may panic, and a token found comes from the request (it is
//! never longer than it; the scheme alone locates an empty token, refused when verified).
#![no_main]

use std::sync::OnceLock;

use authx::{Auth, AuthConfig, TokenLocation, TokenType};
use libfuzzer_sys::fuzz_target;

fn auth() -> &'static Auth {
    static A: OnceLock<Auth> = OnceLock::new();
    A.get_or_init(|| {
        Auth::new(
            AuthConfig::builder()
                .secret_key("fuzz-secret-0123456789abcdef0123456789")
                .token_locations([
                    TokenLocation::Headers,
                    TokenLocation::Cookies,
                    TokenLocation::Query,
                ])
                .build(),
        )
        .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let uri = lines.next().unwrap_or("/");
    let mut req = http::Request::get("/");
    if let Ok(uri) = uri.parse::<http::Uri>() {
        req = req.uri(uri);
    }
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            req = req.header(name.trim(), value.trim_start());
        }
    }
    let Ok(req) = req.body(()) else { return };
    let (parts, ()) = req.into_parts();
    for kind in [TokenType::Access, TokenType::Refresh] {
        if let Ok(Some((token, _where))) = auth().locate(&parts, kind) {
            assert!(token.len() <= text.len(), "a token longer than the request");
        }
    }
});
