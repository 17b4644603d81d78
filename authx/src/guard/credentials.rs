//! [`Credentials`]: the kinds of credential a route takes.

use std::fmt;

/// The kinds of credential a route takes: bearer tokens (JWTs, from the configured locations),
/// API keys, or either. `#[protect]` takes bearer tokens; `#[protect(api_key)]` only API keys;
/// `#[protect(credentials = "bearer | api_key")]` either (the grammar is checked at compile
/// time, and by [`RulesBuilder::credentials`](crate::guard::RulesBuilder::credentials) at run time).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Credentials(u8);

impl Credentials {
    /// Bearer tokens: authx's JWTs (and an identity provider's), wherever the route looks.
    pub const BEARER: Credentials = Credentials(1);
    /// API keys, from the configured header.
    pub const API_KEY: Credentials = Credentials(2);
    /// Either.
    pub const ANY: Credentials = Credentials(3);

    /// These kinds and `other`'s.
    pub const fn or(self, other: Credentials) -> Credentials {
        Credentials(self.0 | other.0)
    }

    /// Whether every kind of `other` is taken.
    pub const fn takes(self, other: Credentials) -> bool {
        self.0 & other.0 == other.0
    }

    /// The kinds `spec` names (`"bearer | api_key"`), with the grammar `#[protect]` checks.
    pub(crate) fn from_spec(spec: authx_spec::CredentialKinds) -> Credentials {
        let mut kinds = Credentials(0);
        if spec.bearer {
            kinds = kinds.or(Credentials::BEARER);
        }
        if spec.api_key {
            kinds = kinds.or(Credentials::API_KEY);
        }
        kinds
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials::BEARER
    }
}

impl fmt::Display for Credentials {
    /// As the attribute writes them: `bearer`, `api_key`, `bearer | api_key`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (Credentials::BEARER, "bearer"),
            (Credentials::API_KEY, "api_key"),
        ]
        .into_iter()
        .filter(|(kind, _)| self.takes(*kind))
        .map(|(_, name)| name)
        .collect();
        f.write_str(&names.join(" | "))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::Credentials;

    #[test]
    fn kinds_combine_and_print_as_the_attribute_writes_them() {
        assert_eq!(Credentials::default(), Credentials::BEARER);
        assert_eq!(
            Credentials::BEARER.or(Credentials::API_KEY),
            Credentials::ANY
        );
        assert!(Credentials::ANY.takes(Credentials::API_KEY));
        assert!(!Credentials::BEARER.takes(Credentials::API_KEY));
        assert_eq!(Credentials::ANY.to_string(), "bearer | api_key");
        assert_eq!(Credentials::API_KEY.to_string(), "api_key");
    }
}
