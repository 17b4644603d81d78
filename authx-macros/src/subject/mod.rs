//! `#[auth_subject(...)]`: parse the arguments and the type, validate them, and either expand
//! the extractor impls or report every error next to the unchanged type.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

pub(crate) fn auth_subject(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = parse::parse(&cx, args);
    let subject = parse::parse_item(&cx, item.clone());
    let spec = validate::validate(&cx, &args, subject.as_ref());
    match (cx.check(), subject) {
        (Ok(()), Some(subject)) => {
            let impls = expand::impls(&subject.ident, &spec, spec.loader.as_ref());
            quote!(#item #impls)
        }
        (result, subject) => {
            let errors = result.err().map(|e| e.to_compile_error());
            // A concrete type still gets its (never run) impls, so handlers that extract it
            // report nothing more.
            let impls = subject
                .filter(|s| s.generics.params.is_empty() && s.generics.where_clause.is_none())
                .map(|s| expand::impls(&s.ident, &spec, None));
            quote!(#errors #item #impls)
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::auth_subject;

    #[test]
    fn passes_the_state_to_the_loader() {
        let out = auth_subject(
            quote!(loader = load, state = Db, crate = a::b),
            quote!(
                struct User;
            ),
        )
        .to_string();
        assert!(out.starts_with("struct User ;"), "{out}");
        assert!(
            out.contains("Db : a :: b :: __private :: axum :: extract :: FromRef < S >"),
            "{out}"
        );
        assert!(
            out.contains("load (claims . sub . clone () , claims , < Db as"),
            "{out}"
        );
        assert!(!out.contains(":: authx"), "{out}");
    }

    #[test]
    fn errors_keep_the_type_and_never_run_impls() {
        let out = auth_subject(
            quote!(),
            quote!(
                struct User;
            ),
        )
        .to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(
            out.contains("failed to compile"),
            "the impls only return an error: {out}"
        );
        let out = auth_subject(
            quote!(loader = l),
            quote!(
                struct User<T>(T);
            ),
        )
        .to_string();
        assert!(
            out.contains("compile_error") && !out.contains("impl"),
            "{out}"
        );
    }
}
