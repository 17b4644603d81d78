//! `#[public]` output: the handler unchanged, its marker, the `Mountable` impl and a registry
//! entry saying it is deliberately open.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::handler::Common;
use crate::handler::expand::{marker, mountable, rate_rule, registry_entry};

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
    quote! {
        #marker
        #mountable
        #entry
        #f
    }
}
