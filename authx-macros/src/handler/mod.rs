//! What `#[protect]` and `#[public]` share: the keys both accept (`route`, `rate`, `rate_key`,
//! `crate`), the checks on the handler fn they annotate, and the items generated next to it
//! (marker type, `Mountable` impl, registry entry).

pub(crate) mod check;
pub(crate) mod expand;

use authx_spec::{RateSpec, RouteSpec};
use syn::{Expr, LitStr, Path};

use crate::args::{self, Arg, Slot};
use crate::attr_names::{self as names, Name};
use crate::ctxt::Ctxt;
use crate::spec::{self, RateKeyArg};

/// The raw values of the shared keys, as written.
pub(crate) struct CommonArgs {
    attr: Name,
    pub(crate) route: Slot<LitStr>,
    pub(crate) rate: Slot<LitStr>,
    pub(crate) rate_key: Slot<Expr>,
    pub(crate) krate: Slot<Path>,
}

/// The shared keys, validated.
pub(crate) struct Common {
    /// `crate = path`, `::authx` by default.
    pub(crate) krate: Path,
    pub(crate) route: Option<RouteSpec>,
    pub(crate) rate: Option<Rate>,
}

/// A validated rate limit.
pub(crate) struct Rate {
    pub(crate) spec: RateSpec,
    pub(crate) key: RateKeyArg,
}

impl CommonArgs {
    pub(crate) fn new(attr: Name) -> Self {
        CommonArgs {
            attr,
            route: Slot::new(names::ROUTE),
            rate: Slot::new(names::RATE),
            rate_key: Slot::new(names::RATE_KEY),
            krate: Slot::new(names::CRATE),
        }
    }

    /// Takes `arg` if it is a shared key; `false` if it is not one of them.
    pub(crate) fn accept(&mut self, cx: &Ctxt, arg: &Arg, index: usize) -> bool {
        let attr = self.attr;
        let key = &arg.key;
        if *key == names::ROUTE {
            let value = args::expr(cx, arg, r#"route = "GET /users/{id}""#)
                .and_then(|e| spec::lit_str(cx, names::ROUTE, e, r#"route = "GET /users/{id}""#));
            self.route.set(cx, attr, key, index, value.cloned());
        } else if *key == names::RATE {
            let value = args::expr(cx, arg, r#"rate = "10/60s""#)
                .and_then(|e| spec::lit_str(cx, names::RATE, e, r#"rate = "10/60s""#));
            self.rate.set(cx, attr, key, index, value.cloned());
        } else if *key == names::RATE_KEY {
            let value = args::expr(cx, arg, "rate_key = ip");
            self.rate_key.set(cx, attr, key, index, value.cloned());
        } else if *key == names::CRATE {
            let example = format!("#[{attr}(crate = my_authx)]");
            let value = args::expr(cx, arg, &example).and_then(|e| {
                let path = args::as_path(e);
                if path.is_none() {
                    cx.error_spanned_by(
                        e,
                        format!(
                            "`crate` takes the path of the authx crate (when it is renamed or \
                             re-exported), not a string or another expression: write e.g. \
                             `{example}`"
                        ),
                    );
                }
                path
            });
            self.krate.set(cx, attr, key, index, value.cloned());
        } else {
            return false;
        }
        true
    }

    /// Validates the shared keys. `default_key` keys a rate limit without `rate_key`.
    pub(crate) fn validate(&self, cx: &Ctxt, default_key: RateKeyArg) -> Common {
        let route = self.route.get().and_then(|lit| spec::route(cx, lit));
        let rate_spec = self.rate.get().and_then(|lit| spec::rate(cx, lit));
        let rate_key = self.rate_key.get().and_then(|e| spec::rate_key(cx, e));
        if let (Some(key), false) = (self.rate_key.key(), self.rate.is_set()) {
            cx.error_at(
                key.span(),
                format!(
                    "`rate_key` without `rate`: the key only says what a rate limit is counted \
                     per; add the limit, e.g. `#[{}(rate = \"10/60s\", rate_key = ip)]`",
                    self.attr
                ),
            );
        }
        Common {
            krate: self
                .krate
                .get()
                .cloned()
                .unwrap_or_else(|| syn::parse_quote!(::authx)),
            route,
            rate: rate_spec.map(|spec| Rate {
                spec,
                key: rate_key.unwrap_or(default_key),
            }),
        }
    }
}
