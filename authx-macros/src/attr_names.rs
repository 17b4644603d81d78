//! Every attribute and key name the macros understand, in one place.

use std::fmt;

use syn::{Ident, Path};

/// A key or attribute name.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) struct Name(pub(crate) &'static str);

impl PartialEq<Name> for Ident {
    fn eq(&self, name: &Name) -> bool {
        self == name.0
    }
}

impl PartialEq<Name> for Path {
    fn eq(&self, name: &Name) -> bool {
        self.is_ident(name.0)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

// ----- attributes -----
pub(crate) const PROTECT: Name = Name("protect");
pub(crate) const PUBLIC: Name = Name("public");
pub(crate) const AUTH_SUBJECT: Name = Name("auth_subject");
/// The crate the attributes come from, when written with a path (`#[authx::protect]`).
pub(crate) const AUTHX: Name = Name("authx");

// ----- #[protect] -----
pub(crate) const ACCESS: Name = Name("access");
pub(crate) const REFRESH: Name = Name("refresh");
pub(crate) const FRESH: Name = Name("fresh");
pub(crate) const SCOPES: Name = Name("scopes");
pub(crate) const ANY_SCOPES: Name = Name("any_scopes");
pub(crate) const LOCATIONS: Name = Name("locations");
pub(crate) const CSRF: Name = Name("csrf");
/// `#[protect(verify_type = false)]`: either token type (AuthX's `verify_type=False`).
pub(crate) const VERIFY_TYPE: Name = Name("verify_type");
pub(crate) const POLICY: Name = Name("policy");
/// `#[protect(max_age = "5m")]`: the login (`auth_time`) must be this recent (RFC 9470).
pub(crate) const MAX_AGE: Name = Name("max_age");
/// `#[protect(acr = "mfa")]`: the token's `acr` must be one of these (RFC 9470).
pub(crate) const ACR: Name = Name("acr");
/// `#[protect(amr = "hwk")]`: the token's `amr` must contain every one of these (RFC 8176).
pub(crate) const AMR: Name = Name("amr");
/// `#[protect(dpop)]`: a DPoP-bound token with its proof (RFC 9449).
pub(crate) const DPOP: Name = Name("dpop");
/// `#[protect(api_key)]`: only API keys, no bearer token.
pub(crate) const API_KEY: Name = Name("api_key");
/// `#[protect(credentials = "bearer | api_key")]`: the kinds of credential the route takes.
pub(crate) const CREDENTIALS: Name = Name("credentials");
/// `#[protect(kind = "staff")]`, `#[auth_subject(kind = "staff")]`: the user kind (AuthX's
/// `login_type`).
pub(crate) const KIND: Name = Name("kind");
/// `#[protect(action = "Document::edit")]`: the Cedar action decided on the route's resource.
pub(crate) const ACTION: Name = Name("action");
/// `#[protect(resource = load_document)]`: the loader of the resource an action is taken on.
pub(crate) const RESOURCE: Name = Name("resource");
/// `#[protect(principal = User)]`: the `#[auth_subject]` entity a decision's principal is.
pub(crate) const PRINCIPAL: Name = Name("principal");

// ----- #[protect] and #[public] -----
pub(crate) const RATE: Name = Name("rate");
pub(crate) const RATE_KEY: Name = Name("rate_key");
pub(crate) const ROUTE: Name = Name("route");

// ----- #[auth_subject] -----
pub(crate) const LOADER: Name = Name("loader");
pub(crate) const STATE: Name = Name("state");

// ----- everywhere -----
pub(crate) const CRATE: Name = Name("crate");

/// The keys of `#[protect(...)]`, in the order the docs list them.
pub(crate) const PROTECT_KEYS: &[Name] = &[
    ACCESS,
    REFRESH,
    FRESH,
    MAX_AGE,
    ACR,
    AMR,
    DPOP,
    API_KEY,
    CREDENTIALS,
    SCOPES,
    ANY_SCOPES,
    KIND,
    RATE,
    RATE_KEY,
    LOCATIONS,
    CSRF,
    VERIFY_TYPE,
    POLICY,
    ACTION,
    RESOURCE,
    PRINCIPAL,
    STATE,
    ROUTE,
    CRATE,
];

/// The keys of `#[public(...)]`.
pub(crate) const PUBLIC_KEYS: &[Name] = &[ROUTE, RATE, RATE_KEY, CRATE];

/// The keys of `#[auth_subject(...)]`.
pub(crate) const AUTH_SUBJECT_KEYS: &[Name] = &[LOADER, STATE, KIND, CRATE];

// ----- values -----
/// The built-in rate keys (`rate_key = ip`).
pub(crate) const RATE_KEY_IP: Name = Name("ip");
pub(crate) const RATE_KEY_SUBJECT: Name = Name("subject");
pub(crate) const RATE_KEY_API_KEY: Name = Name("api_key");

/// Token locations (`locations = [headers, cookies]`) and the `TokenLocation` variant of each.
pub(crate) const LOCATION_NAMES: &[(Name, &str)] = &[
    (Name("headers"), "Headers"),
    (Name("cookies"), "Cookies"),
    (Name("query"), "Query"),
    (Name("json"), "Json"),
];

/// `a, b, c` for a message.
pub(crate) fn list(names: &[Name]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The known name closest to `word` (one or two edits away), for "did you mean" hints.
pub(crate) fn closest<'a>(word: &str, names: impl IntoIterator<Item = &'a Name>) -> Option<Name> {
    names
        .into_iter()
        .map(|n| (authx_spec::edit_distance(word, n.0), *n))
        .filter(|(d, n)| *d <= 2 && *d < n.0.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(closest("scope", PROTECT_KEYS), Some(SCOPES));
        assert_eq!(closest("ratekey", PROTECT_KEYS), Some(RATE_KEY));
        assert_eq!(closest("acess", PROTECT_KEYS), Some(ACCESS));
        assert_eq!(closest("apikey", PROTECT_KEYS), Some(API_KEY));
        assert_eq!(closest("credential", PROTECT_KEYS), Some(CREDENTIALS));
        assert_eq!(closest("zzzzzz", PROTECT_KEYS), None);
        assert_eq!(
            closest("headr", LOCATION_NAMES.iter().map(|(n, _)| n)),
            Some(Name("headers"))
        );
    }

    #[test]
    fn distances() {
        assert_eq!(authx_spec::edit_distance("", "abc"), 3);
        assert_eq!(authx_spec::edit_distance("kitten", "sitting"), 3);
        assert_eq!(authx_spec::edit_distance("same", "same"), 0);
    }

    #[test]
    fn lists_names() {
        assert_eq!(list(&[ROUTE, RATE]), "`route`, `rate`");
    }
}
