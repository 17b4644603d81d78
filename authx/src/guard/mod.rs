//! Route guards: the requirements [`#[protect]`](crate::protect) declares, as compile-time
//! data, checked on every request.
//!
//! `#[protect(...)]` validates its arguments at compile time and turns them into a
//! `&'static` [`Rules`]; it adds a hidden guard argument (first, so it runs before every
//! other extractor) that enforces them through the engine's one verification path: IP rate
//! limit, then the token (located, decoded and verified, type, freshness, CSRF for cookie-borne
//! tokens, DPoP, revocation with the subject rate limit), then kind, step-up (`max_age`,
//! `acr`), scopes, policy. The verified claims stay in the request's cache, so `Claims` and `#[auth_subject]`
//! types in the same handler reuse them. Macros check, the runtime enforces: nothing from a
//! token is trusted because the macro validated the route's spec.
//!
//! Each guard's decision is one `tracing` event, target `authx`, name `auth decision`, level
//! `DEBUG`, with `route`, `method`, `path`, `subject` (once a token verified), `outcome`
//! (`allowed` / `refused`), `error_type` and `status` (refused) and `duration_us`; never a
//! token, secret, CSRF value or cookie. Extractors that verify a token themselves (no guard on
//! the route) emit the same event, with the matched route as `route`.

mod credentials;
mod policy;
pub(crate) use policy::evaluate;
mod rules;
mod rules_builder;

pub use rules::{
    BoxFuture, Credentials, PolicyDecision, PolicyFn, RateKeyFn, RateKeyRule, RateRule, Rules,
    RulesBuilder, RulesError,
};
