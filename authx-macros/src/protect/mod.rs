//! `#[protect(...)]`: parse the arguments, validate them, and either expand the guarded handler
//! or report every error next to the unchanged fn.

mod acr_values;
mod cedar;
mod credentials;
mod expand;
mod manifest;
mod parse;
mod validate;

use proc_macro2::TokenStream;

use crate::attr_names::PROTECT;
use crate::ctxt::Ctxt;
use crate::handler::check;
use crate::handler::expand::fallback;

pub(crate) fn protect(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = parse::parse(&cx, args);
    let req = validate::validate(&cx, &args);
    let Some(f) = check::parse_fn(&cx, PROTECT, item.clone()) else {
        return check::not_a_fn(cx, item);
    };
    let shape = check::check_fn(&cx, PROTECT, &req.common.krate, &f);
    match cx.check() {
        Ok(()) => expand::expand(f, &req),
        Err(errors) => fallback(
            errors,
            &req.common.krate,
            &f,
            !shape.has_sibling && !shape.has_receiver,
            req.common.route.as_ref(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;
    use quote::quote;

    use super::protect;

    fn expand(args: TokenStream, item: TokenStream) -> String {
        protect(args, item).to_string()
    }

    #[test]
    fn expands_the_documented_shape() {
        let out = expand(
            quote!(access, scopes = "admin:*", route = "DELETE /users/{id}"),
            quote!(
                pub async fn delete_user(claims: Claims) {}
            ),
        );
        for part in [
            "pub struct delete_user { }",
            "impl :: authx :: __private :: RouteRules for delete_user",
            "& [\"admin:*\"] , :: authx :: __private :: ScopeMode :: All",
            "MethodFilter :: DELETE",
            "const PATH : & 'static str = \"/users/{id}\"",
            ":: core :: option :: Option :: Some (\"DELETE /users/{id}\")",
            "pub async fn delete_user (_ : :: authx :: __private :: Guard < delete_user > , claims : Claims)",
        ] {
            assert!(out.contains(part), "missing {part:?} in\n{out}");
        }
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn credentials_are_chained_unless_bearer_only() {
        let f = quote!(
            async fn h() {}
        );
        for (args, chained) in [
            (quote!(api_key), Some("API_KEY")),
            (quote!(credentials = "api_key"), Some("API_KEY")),
            (quote!(credentials = "api_key | bearer"), Some("ANY")),
            (quote!(credentials = "bearer"), None),
            (quote!(), None),
        ] {
            let out = expand(args, f.clone());
            assert!(!out.contains("compile_error"), "{out}");
            match chained {
                Some(kinds) => assert!(
                    out.contains(&format!(
                        ". __with_credentials (:: authx :: __private :: Credentials :: {kinds})"
                    )),
                    "{out}"
                ),
                None => assert!(!out.contains("__with_credentials"), "{out}"),
            }
        }
        let out = expand(quote!(api_key, rate = "1/s", rate_key = api_key), f);
        assert!(
            out.contains(":: authx :: __private :: RateKeyRule :: ApiKey"),
            "{out}"
        );
    }

    #[test]
    fn step_up_keys_chain_their_rules_and_acr_tracks_its_declaration() {
        let f = quote!(
            async fn h() {}
        );
        let out = expand(quote!(amr = ["pwd", "otp"]), f.clone());
        assert!(
            out.contains(". __with_amr (& [\"pwd\" , \"otp\"])"),
            "{out}"
        );
        assert!(!out.contains("__with_step_up"), "{out}");
        assert!(!out.contains("AUTHX_ACR_VALUES"), "{out}");
        let out = expand(quote!(acr = "mfa", max_age = "5m"), f.clone());
        assert!(out.contains(". __with_step_up ("), "{out}");
        assert!(out.contains("option_env ! (\"AUTHX_ACR_VALUES\")"), "{out}");
        assert!(out.contains("include_bytes !"), "{out}");
        let out = expand(quote!(amr = "totp"), f);
        assert!(out.contains("did you mean `otp`"), "{out}");
    }

    #[test]
    fn a_crate_path_replaces_every_authx_path() {
        let out = expand(
            quote!(
                crate = my::auth,
                credentials = "bearer | api_key",
                rate = "1/s",
                rate_key = ip,
                policy = p,
                route = "GET /"
            ),
            quote!(
                async fn h() {}
            ),
        );
        assert!(!out.contains(":: authx"), "{out}");
        assert!(
            out.contains("my :: auth :: __private :: Guard < h >"),
            "{out}"
        );
    }

    #[test]
    fn errors_keep_the_fn_unchanged() {
        let out = expand(
            quote!(scopes = "a::b"),
            quote!(
                async fn h(x: u8) {}
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("async fn h (x : u8) { }"), "{out}");
        assert!(!out.contains("Guard"), "{out}");
        assert!(out.contains("struct h { }"), "{out}");
    }

    /// The regression of the guard-dropping bug: with `rate`, an inner attribute used to be
    /// copied in front of the generated fn, the re-parse failed and the bare fn came out.
    #[test]
    fn inner_attributes_stay_in_the_body_and_the_guard_stays() {
        for args in [
            quote!(scopes = "admin:*", rate = "100/60s", rate_key = ip),
            quote!(scopes = "admin:*"),
        ] {
            let out = expand(
                args,
                quote!(
                    /// Docs.
                    #[allow(clippy::all)]
                    #[cfg_attr(test, allow(dead_code))]
                    pub async fn h(x: u8) -> Result<String, Error> {
                        #![allow(unused_variables)]
                        let y = f()?;
                        Ok(y)
                    }
                ),
            );
            assert!(!out.contains("compile_error"), "{out}");
            assert!(out.contains("Guard < h >"), "{out}");
            let sig = out.find("pub async fn h").expect("the fn");
            let inner = out
                .find("# ! [allow (unused_variables)]")
                .expect("inner attr");
            assert!(inner > sig, "the inner attribute stays in the body: {out}");
            assert!(
                out.contains("# [cfg_attr (test , allow (dead_code))]"),
                "{out}"
            );
        }
    }

    #[test]
    fn a_rate_limited_body_keeps_its_return_type() {
        let out = expand(
            quote!(rate = "1/s"),
            quote!(
                async fn h() -> Result<u8, E> {
                    Ok(1)
                }
            ),
        );
        assert!(
            out.contains("let __authx_out : Result < u8 , E > = async move"),
            "{out}"
        );
        let out = expand(
            quote!(rate = "1/s"),
            quote!(
                async fn h() -> impl IntoResponse {
                    1
                }
            ),
        );
        assert!(out.contains("let __authx_out = async move"), "{out}");
    }

    #[test]
    fn not_a_fn_is_an_error() {
        let out = expand(
            quote!(),
            quote!(
                struct S;
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
    }

    #[test]
    fn a_sibling_attribute_keeps_the_marker_to_it() {
        let out = expand(
            quote!(),
            quote!(
                #[public]
                async fn h() {}
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(!out.contains("struct h"), "{out}");
    }
}
