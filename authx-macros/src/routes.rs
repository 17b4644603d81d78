//! `routes![a, b, path::to::c]`: a `Router` with each handler mounted at the method and path
//! its `#[protect]`/`#[public]` attribute names.
//!
//! Each handler path is used twice: as a type (the marker the attribute generated, which
//! implements `Mountable`) and as a value (the fn). A handler with neither attribute has no
//! marker, so the compiler refuses it where it is named ("expected type, found function");
//! a handler whose attribute names no route fails the `Mountable` bound.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Path, Token};

/// The input: `[crate = path;] handler, handler, ...` (trailing comma allowed).
struct RoutesInput {
    krate: Option<Path>,
    handlers: Punctuated<Path, Token![,]>,
}

impl Parse for RoutesInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let krate = if input.peek(Token![crate]) && input.peek2(Token![=]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            let path = input.parse()?;
            input.parse::<Token![;]>()?;
            Some(path)
        } else {
            None
        };
        let handlers = Punctuated::parse_terminated(input)?;
        Ok(RoutesInput { krate, handlers })
    }
}

pub(crate) fn routes(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<RoutesInput>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    if input.handlers.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "`routes![]` needs at least one handler: list the handlers to mount, each marked \
             with `#[protect(route = ...)]` or `#[public(route = ...)]`; write e.g. \
             `routes![list_users, get_user]`",
        )
        .to_compile_error();
    }
    let krate = input.krate.unwrap_or_else(|| syn::parse_quote!(::authx));
    // `(h)` is a type for sure (a bare path in generic arguments could be a const), so a
    // handler without a marker fails with "expected type, found function `h`".
    let mounts = input.handlers.iter().map(|h| {
        quote! {
            #[allow(unused_parens)]
            let router = #krate::__private::mount::<(#h), _, _, _>(router, #h);
        }
    });
    quote! {
        {
            let router = #krate::__private::axum::Router::new();
            #(#mounts)*
            router
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_every_handler() {
        let out = routes(quote!(a, m::b,)).to_string();
        assert!(
            out.contains("mount :: < (a) , _ , _ , _ > (router , a)"),
            "{out}"
        );
        assert!(
            out.contains("mount :: < (m :: b) , _ , _ , _ > (router , m :: b)"),
            "{out}"
        );
        let out = routes(quote!(crate = x::authx; a)).to_string();
        assert!(
            out.starts_with("{ let router = x :: authx :: __private"),
            "{out}"
        );
    }

    #[test]
    fn refuses_an_empty_list() {
        assert!(
            routes(quote!())
                .to_string()
                .contains("needs at least one handler")
        );
    }
}
