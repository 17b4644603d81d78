//! [`ConfigError`]: a configuration that cannot work, refused when the engine is built.

use super::UnknownAlgorithm;

/// A configuration that cannot work. Returned when [`Auth`](crate::Auth) is built, so a bad
/// config fails at start-up, never at the first request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An HMAC algorithm without `secret_key`.
    #[error("algorithm {0} needs a secret: set `secret_key` (env AUTHX_SECRET_KEY)")]
    MissingSecret(String),
    /// An asymmetric algorithm without its private or public key.
    #[error(
        "algorithm {algorithm} needs a {which} key: set `{which}_key` (env AUTHX_{upper}_KEY) to a PEM string or `file:/path.pem`",
        upper = which.to_uppercase()
    )]
    MissingKey {
        /// The algorithm.
        algorithm: String,
        /// `private` or `public`.
        which: &'static str,
    },
    /// A key that does not parse for its algorithm.
    #[error("the {which} key is not a valid PEM key for {algorithm}: {reason}")]
    BadKey {
        /// The algorithm.
        algorithm: String,
        /// Which key (`private`, `public`, `previous[0]`...).
        which: String,
        /// What the parser said (never the key itself).
        reason: String,
    },
    /// A key file that cannot be read.
    #[error("cannot read key file {path}: {reason}")]
    KeyFile {
        /// The path.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// `token_locations` is empty.
    #[error("token_locations is empty: configure at least one of headers, cookies, query, json")]
    NoLocations,
    /// An unknown algorithm name.
    #[error(transparent)]
    UnknownAlgorithm(#[from] UnknownAlgorithm),
    /// An unknown token location name.
    #[error("unknown token location {0:?}: use headers, cookies, query or json")]
    UnknownLocation(String),
    /// An environment variable with a value that does not parse.
    #[error("environment variable {name}: {reason}")]
    Env {
        /// The variable.
        name: String,
        /// Why its value was refused.
        reason: String,
    },
    /// The store named by `store_url` cannot be opened (a bad URL, a backend this build has no
    /// feature for).
    #[error("store_url: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Any other invalid setting.
    #[error("invalid setting `{field}`: {reason}")]
    Invalid {
        /// The setting.
        field: &'static str,
        /// Why.
        reason: String,
    },
}
