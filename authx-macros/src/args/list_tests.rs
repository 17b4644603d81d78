use quote::quote;

use super::*;
use crate::attr_names;

fn keys(tokens: TokenStream) -> (Vec<String>, Vec<String>) {
    let cx = Ctxt::new();
    let args = parse(&cx, tokens, &[attr_names::STATE]);
    let keys = args
        .iter()
        .map(|a| match &a.value {
            None => a.key.to_string(),
            Some(v) => format!("{}={}", a.key, quote!(#v).to_string().replace(' ', "")),
        })
        .collect();
    let errors = match cx.check() {
        Ok(()) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    };
    (keys, errors)
}

#[test]
fn flags_values_and_types() {
    let (k, e) = keys(quote!(access, scopes = ["a", "b"], crate = ::my::authx, state = Arc<Db>,));
    assert_eq!(
        k,
        [
            "access",
            "scopes=[\"a\",\"b\"]",
            "crate=::my::authx",
            "state=Arc<Db>"
        ]
    );
    assert!(e.is_empty(), "{e:?}");
    let (k, _) = keys(quote!(state = HashMap<String, Db>, loader = load));
    assert_eq!(k, ["state=HashMap<String,Db>", "loader=load"]);
}

#[test]
fn keeps_going_after_a_mistake() {
    let (k, e) = keys(quote!("oops", fresh, rate = , route = "GET /"));
    assert_eq!(k, ["fresh", "route=\"GET/\""]);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("expected a key"), "{e:?}");
    assert!(e[1].starts_with("missing value after `rate =`"), "{e:?}");
    let (k, e) = keys(quote!(access refresh, fresh));
    assert_eq!(k, ["access", "fresh"]);
    assert!(e[0].starts_with("expected `,`"), "{e:?}");
}
