//! Procedural macros of [authx](https://docs.rs/authx): `#[protect]`, `#[public]`,
//! `#[auth_subject]` and `routes!`.
//!
//! Use them through `authx` (`use authx::{protect, public, auth_subject, routes};`): the
//! generated code names items of the `authx` crate, so this crate is not meant to be used on
//! its own. Each macro checks its arguments at compile time with the `authx-spec` grammar (the
//! code the runtime uses too), reports **every** mistake of an attribute in one compile, each
//! spanned on the offending token, and still emits the annotated item unchanged so that one
//! mistake yields its own error and not a cascade.
#![deny(missing_docs, unsafe_code)]

mod args;
mod attr_names;
mod ctxt;
mod handler;
mod protect;
mod public;
mod routes;
mod spec;
mod subject;

use proc_macro::TokenStream;

/// Guards an axum handler: the route needs a valid token, and whatever else the keys require.
///
/// ```
/// use authx::{Claims, protect};
/// use axum::extract::Path;
///
/// #[protect(scopes = "admin:*", route = "DELETE /users/{id}")]
/// async fn delete_user(Path(id): Path<u64>, claims: Claims) -> String {
///     format!("{} deleted user {id}", claims.sub)
/// }
/// # let _: axum::Router<authx::Auth> = authx::routes![delete_user];
/// ```
///
/// `#[protect]` goes on a free `async fn` (not a method: next to the fn it declares a hidden
/// marker type of the same name, which carries the rules and which an impl block could not
/// hold). The handler keeps its signature. The macro adds a hidden first argument, a guard extractor
/// carrying the route's requirements as compile-time data ([`Rules`]), so the checks run
/// before every other extractor, and submits an entry to the route registry
/// (`authx::registry::entries()`: handler, module, file and line, requirements, route). The
/// router state must give the [`Auth`] handle: `Auth: FromRef<S>` (a `Router<Auth>`, or your
/// own state with `#[derive(FromRef)]` or a `FromRef` impl).
///
/// # Keys
///
/// | key | value | meaning |
/// |---|---|---|
/// | `access` | flag | an access token (the default) |
/// | `refresh` | flag | a refresh token instead, for the route that issues new tokens |
/// | `fresh` | flag | a fresh access token (issued by a login, not a refresh) |
/// | `max_age` | `"5m"` | the login (`auth_time`) is at most this old (RFC 9470 step-up; units `s sec m min h hour d day`) |
/// | `acr` | `"mfa"` or `["mfa", "hwk"]` | the token's `acr` is one of these (RFC 9470 step-up); checked at compile time against the values the crate declares, if it does (`[package.metadata.authx] acr-values = ["mfa", "phr"]` in its `Cargo.toml`, or `AUTHX_ACR_VALUES=mfa,phr`) |
/// | `amr` | `"hwk"` or `["pwd", "otp"]` | the token's `amr` contains every one of these methods (RFC 8176's registry: `face fpt geo hwk iris kba mca mfa otp pin pop pwd rba retina sc sms swk tel user vbm wia`); else the step-up refusal of `acr` |
/// | `dpop` | flag | a DPoP-bound token sent as `Authorization: DPoP` with its proof (RFC 9449); a bearer token is `401 InvalidDPoPProofError` |
/// | `api_key` | flag | an API key instead of a bearer token (short for `credentials = "api_key"`) |
/// | `credentials` | `"bearer \| api_key"` | the kinds of credential taken: `bearer`, `api_key`, or both separated by `\|` (default `"bearer"`) |
/// | `scopes` | `"a:b"` or `["a", "b:*"]` | every listed scope must be granted |
/// | `any_scopes` | `"a"` or `["a", "b"]` | at least one listed scope must be granted |
/// | `kind` | `"staff"` | the token's user kind (AuthX's `login_type`) must be this one, else `403 LoginTypeMismatchError` |
/// | `rate` | `"10/60s"` | at most 10 requests per 60 s (units `ms s sec m min h hour d day`) |
/// | `rate_key` | `ip`, `subject`, `api_key` or `path::to::key_fn` | what `rate` is counted per (default `subject`; `api_key`: per API key, on a route that takes keys) |
/// | `locations` | `[headers, cookies, query, json]` | where the token may be, overriding the configuration |
/// | `csrf` | `false` | no CSRF double-submit check for cookie tokens on this route |
/// | `verify_type` | `false` | an access or a refresh token (AuthX's `verify_type=False`); no token is `401 TokenRequiredError` |
/// | `policy` | `path::to::async_fn` | a last check of your own, after scopes |
/// | `action` | `"Document::edit"` | the Cedar action decided on the route's resource (authx feature `authz`); checked at compile time against the schema named by `[package.metadata.authx] cedar-schema` in the crate's `Cargo.toml` |
/// | `resource` | `path::to::loader` | loads that resource (sync or async fn of up to four extractors, returning `Option<T>` or `Result<Option<T>, E>` with `T: AuthzEntity`); the handler takes it as `Resource<T>`; none is `404` |
/// | `principal` | `User` | the `#[auth_subject]` type the decision's principal is (default: the token's subject) |
/// | `state` | `AppState` | the state the loader's extractors read, taken from the router state through `FromRef` |
/// | `route` | `"GET /users/{id}"` | method and path, so [`routes!`] can mount the handler |
/// | `crate` | `path` | where `authx` is, when renamed or re-exported (default `::authx`) |
///
/// Without keys, `#[protect]` requires a valid access token. Scope patterns are segments of
/// ASCII letters, digits, `_`, `-`, `.` separated by `:`, with an optional final `*`
/// (`users:read`, `admin:*`, `*`). A granted `admin:*` covers a required `admin:users`; a
/// required `admin:*` needs a granted `admin:*` or `*`.
///
/// A custom `rate_key` is a `fn(&Parts, Option<&Claims>) -> String` (`http::request::Parts`).
/// The bare names `ip`, `subject` and `api_key` always mean the built-in keys (name a function
/// of yours called `ip` by a path, `self::ip`); any other name is a function, so a typo is
/// reported by the compiler where it is written. `rate_key` also accepts the strings `"ip"`,
/// `"subject"` and `"api_key"`. `locations` also accepts a single name (`locations = cookies`).
///
/// A `policy` is an `async fn(&Claims, &Parts) -> T` where `T: Into<PolicyDecision>`: `bool`
/// (`false` refuses with AuthX's default message), [`PolicyDecision`], or
/// `Result<(), E: Display>` (`Err(e)` refuses with `e` as the message); a refusal answers
/// `403 PolicyDeniedError`.
///
/// ```
/// # use authx::{Claims, protect};
/// # use axum::{Json, http::{StatusCode, request::Parts}};
/// # #[derive(serde::Deserialize)] struct Order { amount: u64 }
/// async fn is_owner(claims: &Claims, parts: &Parts) -> bool {
///     parts.uri.path().ends_with(&claims.sub)
/// }
///
/// fn by_tenant(parts: &Parts, _: Option<&Claims>) -> String {
///     parts.headers.get("x-tenant").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
/// }
///
/// #[protect(fresh, any_scopes = ["billing:write", "admin:*"], rate = "5/1m",
///           rate_key = by_tenant, policy = is_owner, route = "POST /billing/{sub}")]
/// async fn pay(claims: Claims, Json(order): Json<Order>) -> StatusCode {
///     if order.amount > 0 { StatusCode::CREATED } else { StatusCode::BAD_REQUEST }
/// }
/// # let _: axum::Router<authx::Auth> = authx::routes![pay];
/// ```
///
/// # With `#[axum::debug_handler]`
///
/// Put `#[protect]` **above** `#[axum::debug_handler]` and name the state the guard reads
/// `Auth` from: `#[protect(...)] #[axum::debug_handler(state = AppState)]` (`state = Auth`
/// for a `Router<Auth>`). `debug_handler` then checks the handler with its guard. The other
/// order does not compile: `debug_handler` copies the fn into its checks and calls it with its
/// original arguments, before `#[protect]` has added the guard.
///
/// # Errors
///
/// All of these are reported together, each on the offending token, with the rule and a
/// valid example:
///
/// - an unknown key (the valid keys are listed, with the closest one), a key given twice;
/// - a value of the wrong kind (`fresh = 1`, `scopes = 3`, `csrf = "no"`, `policy = "f"`);
/// - `access` with `refresh`, `fresh` with `refresh`, `scopes` with `any_scopes`, `rate_key`
///   without `rate`;
/// - `api_key` with `credentials`; a malformed `credentials` string (unknown, repeated or empty
///   kind); a route taking API keys with `refresh`, `fresh`, `dpop`, `max_age`, `acr` or `amr`
///   (no API key could pass it); a route taking only API keys with `locations`, `verify_type` or
///   `csrf` (they concern bearer tokens); `rate_key = api_key` on a route taking no API keys;
/// - a malformed scope (empty, bad character, empty segment `admin::x`, wildcard not last
///   `*:read`, `**`, partial wildcard `adm*`), a scope listed twice, an empty list;
/// - a malformed `max_age`; an `acr` value that is empty, has a space, `"` or `\`, or is not
///   one of the crate's declared values (with the nearest one; a declaration that cannot be
///   read is an error too); an `amr` method outside RFC 8176's registry (with the nearest one);
///   a value listed twice; `max_age`, `acr` or `amr` with `refresh`;
/// - a malformed rate (zero count, count over `u32::MAX`, no `/`, zero window, unknown unit)
///   or rate key string (`rate_key = "ipp"`);
/// - a malformed route (unknown or lowercase method, no method, path not starting with `/`,
///   axum 0.7 `:id` / `*rest` syntax, empty segment, query string);
/// - an unknown, duplicate or empty list of `locations`;
/// - an item that is not an `async fn`, a method taking `self`, `#[protect]` twice,
///   `#[protect]` together with `#[public]`.
///
/// [`Rules`]: https://docs.rs/authx/latest/authx/guard/struct.Rules.html
/// [`Auth`]: https://docs.rs/authx/latest/authx/struct.Auth.html
/// [`PolicyDecision`]: https://docs.rs/authx/latest/authx/guard/enum.PolicyDecision.html
#[proc_macro_attribute]
pub fn protect(args: TokenStream, item: TokenStream) -> TokenStream {
    protect::protect(args.into(), item.into()).into()
}

/// Marks an axum handler as deliberately open to everyone.
///
/// ```
/// use authx::{Auth, AuthError, TokenPair, public};
/// use axum::{Json, extract::State};
/// # #[derive(serde::Deserialize)] struct LoginForm { username: String }
///
/// #[public(route = "POST /login", rate = "5/60s")]
/// async fn login(State(auth): State<Auth>, Json(form): Json<LoginForm>) -> Result<Json<TokenPair>, AuthError> {
///     // ...check the password...
///     Ok(Json(auth.tokens().pair(form.username).fresh(true).issue()?))
/// }
///
/// #[public]
/// async fn health() -> &'static str { "ok" }
/// # let _: axum::Router<Auth> = authx::routes![login];
/// ```
///
/// The handler is emitted unchanged; `#[public]` records the decision in the route registry
/// (`Decision::Public`) so an audit lists it, and with `route` lets [`routes!`] mount it:
/// `routes!` refuses a handler with neither `#[public]` nor `#[protect]`.
///
/// # Keys
///
/// | key | value | meaning |
/// |---|---|---|
/// | `route` | `"GET /health"` | method and path, for [`routes!`] |
/// | `rate` | `"5/60s"` | a rate limit: a guard counts requests before the handler runs |
/// | `rate_key` | `ip`, `subject` or `path::to::key_fn` | what `rate` is counted per (default `ip`) |
/// | `crate` | `path` | where `authx` is, when renamed or re-exported (default `::authx`) |
///
/// # Errors
///
/// Reported together, each on the offending token: an unknown key (a `#[protect]` key such as
/// `scopes` is pointed out as such), a key given twice, a malformed route, rate or rate key,
/// `rate_key` without `rate`, `rate_key = api_key` (a public route takes no credential), an
/// item that is not an `async fn`, a method taking `self`, `#[public]` twice, `#[public]`
/// together with `#[protect]`.
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    public::public(args.into(), item.into()).into()
}

/// Makes your user type an extractor: the token is verified, then your loader turns its
/// subject into the type.
///
/// ```
/// use authx::{auth_subject, Claims};
/// # #[derive(Clone)] struct Db;
/// # #[derive(Debug)] struct DbError;
/// # impl std::fmt::Display for DbError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("db") } }
/// # impl Db { async fn find_user(&self, sub: &str) -> Result<Option<User>, DbError> { Ok(sub.parse().ok().map(|id| User { id, name: sub.into() })) } }
/// # #[derive(Clone)] struct AppState { auth: authx::Auth, db: Db }
/// # impl axum::extract::FromRef<AppState> for authx::Auth { fn from_ref(s: &AppState) -> authx::Auth { s.auth.clone() } }
/// # impl axum::extract::FromRef<AppState> for Db { fn from_ref(s: &AppState) -> Db { s.db.clone() } }
///
/// #[auth_subject(loader = load_user, state = Db)]
/// struct User { id: u64, name: String }
///
/// async fn load_user(sub: String, claims: Claims, db: Db) -> Result<Option<User>, DbError> {
///     db.find_user(&sub).await
/// }
///
/// async fn me(user: User) -> String { user.name }
/// async fn maybe(user: Option<User>) -> String { user.map(|u| u.id.to_string()).unwrap_or_default() }
/// # let _: axum::Router<AppState> = axum::Router::new().route("/me", axum::routing::get(me)).route("/m", axum::routing::get(maybe));
/// ```
///
/// # Keys
///
/// | key | value | meaning |
/// |---|---|---|
/// | `loader` | `path::to::fn` | required: `fn(String, Claims) -> Result<Option<Self>, E>`, sync or `async`, `E: Display` |
/// | `state` | a type `T` | the loader takes a third argument `T`, taken from the router state (`T: FromRef<S>`) |
/// | `kind` | `"staff"` | only tokens of this user kind (AuthX's `login_type`) load a subject, else `403 LoginTypeMismatchError` |
/// | `crate` | `path` | where `authx` is, when renamed or re-exported (default `::authx`) |
///
/// The type implements `AuthSubject<S>` (verified claims to the loaded subject, which
/// `Auth::authenticate` uses outside requests), `FromRequestParts<S>` and
/// `OptionalFromRequestParts<S>` for every state `S` with `Auth: FromRef<S>`. The token is verified once per request (a `#[protect]` guard
/// or a `Claims` extractor in the same handler shares the work). A missing or bad token is
/// refused with the token's error; `Ok(None)` from the loader (the user was deleted) answers
/// `401 SubjectNotFoundError`; `Err(e)` answers a generic `500 InternalError` and logs `e`. As
/// `Option<User>`, no token at all gives `None`, while a bad token or a missing subject is
/// still refused.
///
/// # Errors
///
/// Reported together: no `loader`, `loader = "a string"`, an unknown or repeated key, an item
/// that is not a struct or an enum (a fn, a union...), a generic type (the loader returns
/// one concrete type, which the generated impls name).
#[proc_macro_attribute]
pub fn auth_subject(args: TokenStream, item: TokenStream) -> TokenStream {
    subject::auth_subject(args.into(), item.into()).into()
}

/// A `Router` with each handler mounted at the method and path its attribute names.
///
/// ```
/// use authx::{public, routes};
/// # use authx::{Auth, AuthConfig};
/// # #[public(route = "GET /health")] async fn health() -> &'static str { "ok" }
/// # mod users {
/// #     use authx::{Claims, protect};
/// #     #[protect(route = "GET /users/{id}")] pub async fn get_user(c: Claims) -> String { c.sub }
/// #     #[protect(scopes = "admin:*", route = "DELETE /users/{id}")] pub async fn delete_user() {}
/// # }
/// # let app_state = Auth::new(AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
///
/// let app: axum::Router = routes![health, users::get_user, users::delete_user,]
///     .with_state(app_state);
/// ```
///
/// Each handler must carry `#[protect(route = "...")]` or `#[public(route = "...")]`, so every
/// mounted route states its auth decision. The result is an ordinary `axum::Router<S>`: merge,
/// nest and layer it as usual. An optional first `crate = path;` names a renamed `authx`.
///
/// # Errors
///
/// - a handler with neither attribute: "expected type, found function `name`", on the name;
/// - a handler whose attribute names no `route`: "`name` cannot be mounted by `routes!`";
/// - an empty `routes![]`.
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    routes::routes(input.into()).into()
}
