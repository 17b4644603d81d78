//! `#[public]` output: the handler unchanged, its marker, the `Mountable` impl and a registry
//! entry saying it is deliberately open.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::handler::Common;
use crate::handler::expand::{
    fallback, guard_handler, marker, mountable, rate_rule, rate_rule_value, registry_entry,
};

pub(crate) fn expand(f: ItemFn, common: &Common) -> TokenStream {
    let krate = &common.krate;
    let name = &f.sig.ident;
    let marker = marker(&f);
    let mountable = common.route.as_ref().map(|r| mountable(krate, name, r));
    let rate = rate_rule(krate, common.rate.as_ref());
    let entry = registry_entry(
        krate,
        name,
        common.route.as_ref(),
        quote!(#krate::__private::Decision::Public { rate: #rate }),
    );
    // A rate limit needs a guard even on an open route (brute-force protection for /login).
    let (rules, f) = match common.rate.as_ref() {
        Some(rate) => {
            let rule = rate_rule_value(krate, rate);
            let rules = quote! {
                impl #krate::__private::PublicRules for #name {
                    const RATE: #krate::__private::RateRule = #rule;
                }
            };
            let guard = quote!(#krate::__private::PublicGuard<#name>);
            match guard_handler(krate, f.clone(), guard, true) {
                Ok(guarded) => (rules, guarded),
                Err(e) => return fallback(e, krate, &f, true, common.route.as_ref()),
            }
        }
        None => (quote!(), f.clone()),
    };
    quote! {
        #marker
        #rules
        #mountable
        #entry
        #f
    }
}
