//! [`RequestToken`] and [`VerifyOptions`]: the manual style of AuthX's basic-usage guide
//! ("Method 1"): fetch the token from the request, then verify it with flags.

use http::Method;

use crate::config::TokenLocation;
use crate::token::TokenType;

/// A token found in a request, not verified yet (AuthX's `RequestToken`). Get one with
/// [`Auth::request_token`](crate::Auth::request_token), check it with
/// [`Auth::verify_request_token`](crate::Auth::verify_request_token).
///
/// Its `Debug` output never shows the token or the CSRF value.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestToken {
    /// The encoded token.
    pub token: String,
    /// Where it was found.
    pub location: TokenLocation,
    /// The type that was asked for: it chose the cookie looked in, and
    /// [`VerifyOptions::verify_type`] compares the token's `type` claim with it.
    pub token_type: TokenType,
    /// The CSRF header that came with a cookie token (`None` for other locations, or when the
    /// request had none).
    pub csrf: Option<String>,
    /// The request's method: CSRF is checked only on the configured methods.
    pub method: Method,
}

impl RequestToken {
    /// A token as if found in `location` of a `method` request (for tests, and for tokens your
    /// own code read from somewhere authx does not look).
    pub fn new(
        token: impl Into<String>,
        location: TokenLocation,
        token_type: TokenType,
        method: Method,
    ) -> Self {
        RequestToken {
            token: token.into(),
            location,
            token_type,
            csrf: None,
            method,
        }
    }

    /// Sets the CSRF value that came with the token.
    pub fn with_csrf(mut self, csrf: impl Into<String>) -> Self {
        self.csrf = Some(csrf.into());
        self
    }
}

impl std::fmt::Debug for RequestToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestToken")
            .field("token", &"<redacted>")
            .field("location", &self.location)
            .field("token_type", &self.token_type)
            .field("csrf", &self.csrf.as_ref().map(|_| "<redacted>"))
            .field("method", &self.method)
            .finish()
    }
}

/// The checks of [`Auth::verify_request_token`](crate::Auth::verify_request_token), as AuthX's
/// `verify_token(token, verify_type=True, verify_fresh=False, verify_csrf=True)`. Signature,
/// expiry, issuer, audience and revocation are always checked.
///
/// ```
/// use authx::VerifyOptions;
///
/// let options = VerifyOptions { verify_fresh: true, ..VerifyOptions::default() };
/// assert!(options.verify_type && options.verify_csrf);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The token's `type` must be the one asked for (default `true`).
    pub verify_type: bool,
    /// The token must be fresh (default `false`).
    pub verify_fresh: bool,
    /// A cookie token on a CSRF-protected method must come with the matching CSRF header
    /// (default `true`; only when CSRF protection is configured).
    pub verify_csrf: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            verify_type: true,
            verify_fresh: false,
            verify_csrf: true,
        }
    }
}
