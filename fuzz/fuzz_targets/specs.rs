//! The spec grammar the macros check at compile time and the runtime shares: scopes, scope
//! lists, rates, rate keys, route specs, `max_age` and `acr`. Nothing may panic, and a pattern
//! that parses is granted by itself.
#![no_main]

use authx_spec::rate::{RateKey, RateSpec};
use authx_spec::route::RouteSpec;
use authx_spec::scope::{self, ScopePattern};
use authx_spec::step_up;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = ScopePattern::parse(s) {
        assert!(
            p.is_granted_by(&[p.as_str()]),
            "{s:?} is not granted by itself"
        );
    }
    let items: Vec<&str> = s.split(',').collect();
    let _ = scope::parse_list(&items);
    let granted: Vec<&str> = scope::split_scope_string(s).collect();
    let mid = (0..=s.len() / 2)
        .rev()
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(0);
    let (a, b) = s.split_at(mid);
    let _ = scope::covers(a, b);
    let _ = scope::satisfies(&granted, &items, authx_spec::ScopeMode::All);
    if let Ok(r) = RateSpec::parse(s) {
        assert!(r.window_millis() > 0);
    }
    let _ = RateKey::parse_builtin(s);
    let _ = RouteSpec::parse(s);
    let _ = step_up::parse_max_age(s);
    let _ = step_up::parse_acr(s);
    let _ = step_up::parse_acr_list(&items);
});
