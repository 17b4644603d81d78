//! Claims a check vouched for: a fresh access token's, a refresh token's. The extractors of
//! the same names ([`crate::extract`]) run the check.

use std::ops::Deref;

use super::{Claims, Extra};

macro_rules! claims_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name<E = Extra>(pub Claims<E>);

        impl<E> Deref for $name<E> {
            type Target = Claims<E>;
            fn deref(&self) -> &Claims<E> {
                &self.0
            }
        }

        impl<E> $name<E> {
            /// The claims.
            pub fn into_inner(self) -> Claims<E> {
                self.0
            }
        }
    };
}

claims_newtype!(
    /// A fresh access token's claims (AuthX's `FRESH_REQUIRED`): issued by a login, not a
    /// refresh. Guard password changes and payments with it.
    FreshClaims
);

claims_newtype!(
    /// A refresh token's claims (AuthX's `REFRESH_REQUIRED`), for the route that issues new
    /// access tokens. Cookie-borne refresh tokens are read from `refresh_token_cookie` and need
    /// the CSRF header on unsafe methods.
    RefreshClaims
);
