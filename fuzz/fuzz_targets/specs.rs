//! The spec grammar the macros check at compile time and the runtime shares: scopes, scope
//! lists, rates, rate keys, route specs, `max_age`, `acr` (and declared acr values) and `amr`.
//! Nothing may panic, a pattern that parses is granted by itself, and an error's span lies
//! within the input.
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
    if let Err(e) = step_up::parse_acr_declaration(s) {
        assert!(s.get(e.span.clone()).is_some(), "{s:?}: span {:?}", e.span);
    }
    let _ = step_up::check_declared_acr(a, &items, "the fuzzer");
    if let Err(e) = authx_spec::amr::parse_amr(s) {
        assert!(s.get(e.span.clone()).is_some(), "{s:?}: span {:?}", e.span);
    }
    let _ = authx_spec::amr::parse_amr_list(&items);
});
