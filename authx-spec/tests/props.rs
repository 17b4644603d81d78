//! Property tests: no input makes any parser or matcher panic, valid inputs
//! round-trip, and every error is well-formed (span inside the input on char
//! boundaries, message with a valid example).

use std::time::Duration;

use authx_spec::scope::{covers, parse_list, satisfies, split_scope_string};
use authx_spec::{RateKey, RateSpec, RouteSpec, ScopeMode, ScopePattern, SpecError};
use proptest::prelude::*;

/// Strings made mostly of the characters the grammars care about, so that
/// the interesting branches are reached far more often than with random text.
fn grammar_soup() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9:*/ {}?#._\\-]{0,16}",
        "(GET|get|POST|FETCH)?[ \t]{0,2}[/a-z:*{}0-9 ]{0,12}",
        "[0-9 +-]{0,12}/?[0-9]{0,22}(ms|s|sec|m|min|h|hour|d|day|x|S| )?",
        "[a-zé✓]{0,3}(:[a-z*é]{0,3}){0,4}",
    ]
}

/// The example at the end of a message, if it needed no escaping.
fn example_of(e: &SpecError) -> Option<&str> {
    let (_, tail) = e.message.rsplit_once("; write e.g. \"")?;
    let ex = tail.strip_suffix('"')?;
    (!ex.contains('\\')).then_some(ex)
}

/// Checks shared by every error; `valid` says whether an example is valid.
fn check_error(input: &str, e: &SpecError, valid: impl Fn(&str) -> bool) {
    assert!(e.span.start <= e.span.end, "{input:?}: {e:?}");
    assert!(e.span.end <= input.len(), "{input:?}: {e:?}");
    assert!(input.is_char_boundary(e.span.start), "{input:?}: {e:?}");
    assert!(input.is_char_boundary(e.span.end), "{input:?}: {e:?}");
    assert!(
        input.is_empty() || !e.span.is_empty(),
        "empty span for {input:?}: {e:?}"
    );
    assert_eq!(e.to_string(), e.message);
    assert!(e.message.contains("; write e.g. "), "{input:?}: {e:?}");
    if let Some(ex) = example_of(e) {
        assert!(
            valid(ex),
            "invalid example {ex:?} for {input:?}: {}",
            e.message
        );
    }
}

const SCOPE_PATTERN: &str = "\\*|[A-Za-z0-9_.\\-]{1,8}(:[A-Za-z0-9_.\\-]{1,8}){0,3}(:\\*)?";
const RATE_STRING: &str = "[1-9][0-9]{0,8}/([1-9][0-9]{0,5})?(ms|s|sec|m|min|h|hour|d|day)";
const ROUTE_STRING: &str = "(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|TRACE|CONNECT) {1,3}\
     /(([a-z0-9._~\\-]{1,6}|\\{[a-z_][a-z0-9_]{0,5}\\})(/([a-z0-9._~\\-]{1,6}|\\{[a-z_][a-z0-9_]{0,5}\\})){0,3}(/\\{\\*[a-z_]{1,5}\\}|/)?)?";

proptest! {
    #[test]
    fn scope_parse_never_panics(s in grammar_soup()) {
        match ScopePattern::parse(&s) {
            Ok(p) => {
                prop_assert_eq!(p.as_str(), s.as_str());
                prop_assert_eq!(p.to_string().parse::<ScopePattern>().unwrap(), p);
            }
            Err(e) => check_error(&s, &e, |x| ScopePattern::parse(x).is_ok()),
        }
    }

    #[test]
    fn parse_list_never_panics(items in prop::collection::vec(grammar_soup(), 0..5)) {
        match parse_list(&items) {
            Ok(list) => prop_assert_eq!(list.len(), items.len()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for (i, e) in &errors {
                    check_error(&items[*i], e, |_| true);
                }
            }
        }
    }

    #[test]
    fn matching_never_panics(
        granted in prop::collection::vec(grammar_soup(), 0..4),
        required in prop::collection::vec(grammar_soup(), 0..4),
        line in grammar_soup(),
    ) {
        for g in &granted {
            for r in &required {
                let _ = covers(g, r);
            }
        }
        let all = satisfies(&granted, &required, ScopeMode::All);
        let any = satisfies(&granted, &required, ScopeMode::Any);
        if required.is_empty() {
            prop_assert!(all && any);
        } else if all {
            prop_assert!(any);
        }
        for scope in split_scope_string(&line) {
            prop_assert!(!scope.is_empty());
            prop_assert!(!scope.contains(|c: char| c.is_ascii_whitespace()));
        }
    }

    #[test]
    fn rate_and_route_parsers_never_panic(s in grammar_soup()) {
        match RateSpec::parse(&s) {
            Ok(r) => {
                prop_assert!(r.count > 0 && !r.window.is_zero());
                prop_assert_eq!(r.to_string().parse::<RateSpec>().unwrap(), r);
            }
            Err(e) => check_error(&s, &e, |x| RateSpec::parse(x).is_ok()),
        }
        match RateKey::parse_builtin(&s) {
            Ok(k) => prop_assert_eq!(k.to_string(), s.clone()),
            Err(e) => check_error(&s, &e, |x| RateKey::parse_builtin(x).is_ok()),
        }
        match RouteSpec::parse(&s) {
            Ok(r) => {
                prop_assert_eq!(r.to_string().parse::<RouteSpec>().unwrap(), r);
            }
            Err(e) => check_error(&s, &e, |x| RouteSpec::parse(x).is_ok()),
        }
    }

    #[test]
    fn valid_patterns_parse_and_round_trip(s in SCOPE_PATTERN) {
        let p = ScopePattern::parse(&s).unwrap();
        let shown = p.to_string();
        prop_assert_eq!(&shown, &s);
        prop_assert_eq!(p.is_wildcard(), s.ends_with('*'));
        prop_assert_eq!(ScopePattern::parse(&shown).unwrap(), p.clone());
        prop_assert!(p.is_granted_by(&[s.as_str()]));
        prop_assert!(p.is_granted_by(&["*"]));
    }

    #[test]
    fn covers_is_reflexive(p in grammar_soup()) {
        prop_assert!(covers(&p, &p));
    }

    #[test]
    fn star_covers_everything(x in grammar_soup()) {
        prop_assert!(covers("*", &x));
    }

    #[test]
    fn prefix_wildcard_rules(
        prefix in "[a-z]{1,6}(:[a-z]{1,6}){0,2}",
        rest in "[a-z*:]{0,8}",
        other in "[a-z]{1,6}",
    ) {
        let granted = format!("{prefix}:*");
        let below = format!("{prefix}:{rest}");
        let lookalike = format!("{prefix}{other}");
        let specific = format!("{prefix}:{other}");
        prop_assert!(covers(&granted, &prefix));
        prop_assert!(covers(&granted, &below));
        // Sharing a textual prefix without the ':' boundary is not enough.
        prop_assert!(!covers(&granted, &lookalike));
        // A specific grant never covers a wildcard requirement.
        prop_assert!(!covers(&specific, &granted));
    }

    #[test]
    fn rate_specs_round_trip(count in 1u32.., millis in 1u64..) {
        let r = RateSpec::new(count, Duration::from_millis(millis)).unwrap();
        prop_assert_eq!(r.window_millis(), millis);
        let shown = r.to_string();
        prop_assert_eq!(RateSpec::parse(&shown).unwrap(), r);
    }

    #[test]
    fn generated_rate_strings_parse(s in RATE_STRING) {
        let r = RateSpec::parse(&s).unwrap();
        prop_assert_eq!(RateSpec::parse(&r.to_string()).unwrap(), r);
    }

    #[test]
    fn generated_routes_parse(s in ROUTE_STRING) {
        let r = RouteSpec::parse(&s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        prop_assert_eq!(RouteSpec::parse(&r.to_string()).unwrap(), r);
    }
}
