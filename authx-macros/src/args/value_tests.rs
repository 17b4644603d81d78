use super::*;

#[test]
fn value_kinds() {
    let e: Expr = syn::parse_quote!("x");
    assert_eq!(as_lit_str(&e).unwrap().value(), "x");
    let e: Expr = syn::parse_quote!(false);
    assert!(!as_lit_bool(&e).unwrap().value);
    let e: Expr = syn::parse_quote!(a::b);
    assert!(as_path(&e).is_some() && as_ident(&e).is_none());
    let e: Expr = syn::parse_quote!([a, b]);
    assert_eq!(as_list(&e).len(), 2);
    let e: Expr = syn::parse_quote!(<T as X>::f);
    assert!(as_path(&e).is_none());
}
