use super::*;

#[test]
fn slots_reject_duplicates() {
    let cx = Ctxt::new();
    let mut slot = Slot::new(attr_names::SCOPES);
    let key: Ident = syn::parse_quote!(scopes);
    slot.set(&cx, attr_names::PROTECT, &key, 0, Some(1));
    slot.set(&cx, attr_names::PROTECT, &key, 1, Some(2));
    assert_eq!(slot.get(), Some(&1));
    let errors: Vec<String> = cx
        .check()
        .unwrap_err()
        .into_iter()
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors[0].starts_with("duplicate key `scopes` in `#[protect]`"),
        "{errors:?}"
    );
}
