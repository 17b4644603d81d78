//! What can go wrong with a token itself, independently of HTTP: decoding and verifying
//! ([`TokenError`], [`DecodeFailure`]) and issuing ([`IssueError`]). The HTTP mapping lives in
//! [`crate::error`].

use jsonwebtoken::errors::ErrorKind;

/// Why a token failed to decode. The variant is for the operator (in the error's `Debug` and
/// `Display`, and [`detail`](Self::detail)); the client sees one coarse
/// [`message`](Self::message), so it cannot tell which check tripped: which key ids exist,
/// which algorithms are accepted, or how the server's clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeFailure {
    /// Not three base64url parts, bad base64, bad JSON, or claims of the wrong shape.
    Malformed,
    /// The header names an algorithm this service does not accept (`none` included).
    Algorithm,
    /// A required claim (`sub`, `jti`, `type`, `exp`) is missing or has the wrong type.
    MissingClaim(&'static str),
    /// The token is longer than `max_token_size`.
    TooLarge,
    /// `nbf` is in the future.
    NotYetValid,
    /// `iat` is in the future beyond the leeway.
    IssuedInFuture,
    /// The token names a `kid` no configured key has.
    UnknownKey,
    /// The `type` claim is neither `access` nor `refresh`.
    UnknownType,
    /// Under the RFC 9068 profile, an access token whose header `typ` is not `at+jwt`.
    NotAnAccessTokenJwt,
    /// The header has a `crit` parameter: it names extensions that must be understood, and
    /// authx understands none (RFC 7515 section 4.1.11).
    UnsupportedCritical,
    /// The header's `typ` is another kind of token's: a [`JwtCodec`](super::JwtCodec) token
    /// presented as an authx access or refresh token, or the reverse.
    WrongTyp,
}

impl DecodeFailure {
    /// The client-facing message: `Invalid token` whatever the check, apart from the two
    /// that describe only the bytes the client sent (`malformed`, `too large`).
    pub fn message(self) -> &'static str {
        match self {
            DecodeFailure::Malformed => "Invalid token: malformed",
            DecodeFailure::TooLarge => "Invalid token: token is too large",
            _ => "Invalid token",
        }
    }

    /// What tripped, for the operator (logs, `authx inspect`); never sent to a client.
    pub fn detail(self) -> &'static str {
        match self {
            DecodeFailure::Malformed => "malformed",
            DecodeFailure::Algorithm => "algorithm not allowed",
            DecodeFailure::MissingClaim(_) => "a required claim is missing or invalid",
            DecodeFailure::TooLarge => "token is too large",
            DecodeFailure::NotYetValid => "the token is not yet valid",
            DecodeFailure::IssuedInFuture => "issued in the future",
            DecodeFailure::UnknownKey => "unknown key id",
            DecodeFailure::UnknownType => "unknown token type",
            DecodeFailure::NotAnAccessTokenJwt => "not a JWT access token (typ)",
            DecodeFailure::UnsupportedCritical => "unsupported critical header",
            DecodeFailure::WrongTyp => "another kind of token (typ)",
        }
    }
}

/// A token that does not verify: a pure function of bytes, keys and time said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token could not be decoded or failed a structural check.
    #[error("token could not be decoded: {}", .0.detail())]
    Decode(DecodeFailure),
    /// The signature does not verify with any configured key.
    #[error("invalid signature")]
    InvalidSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `iss` is missing or not the configured issuer.
    #[error("invalid issuer")]
    InvalidIssuer,
    /// `aud` is missing or names none of the configured audiences.
    #[error("invalid audience")]
    InvalidAudience,
}

impl From<DecodeFailure> for TokenError {
    fn from(f: DecodeFailure) -> Self {
        TokenError::Decode(f)
    }
}

impl TokenError {
    /// The one mapping of the JWT library's errors onto ours (own keys and identity providers
    /// alike).
    pub(crate) fn from_jwt(e: &jsonwebtoken::errors::Error) -> Self {
        match e.kind() {
            ErrorKind::InvalidSignature => TokenError::InvalidSignature,
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::MissingAlgorithm => TokenError::Decode(DecodeFailure::Algorithm),
            ErrorKind::ExpiredSignature => TokenError::Expired,
            ErrorKind::ImmatureSignature => TokenError::Decode(DecodeFailure::NotYetValid),
            ErrorKind::InvalidIssuer => TokenError::InvalidIssuer,
            ErrorKind::InvalidAudience => TokenError::InvalidAudience,
            _ => TokenError::Decode(DecodeFailure::Malformed),
        }
    }
}

/// Issuing a token failed: the caller's input (reserved claim in extra data, data that does
/// not serialize to a JSON object, an id of the wrong shape) or signing.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// Extra data used a name authx manages itself.
    #[error("extra claim `{0}` is reserved by authx; rename it")]
    ReservedClaim(String),
    /// Extra data did not serialize to a JSON object.
    #[error("extra data must serialize to a JSON object: {0}")]
    Data(String),
    /// Signing failed.
    #[error("signing failed")]
    Signing(#[source] std::sync::Arc<jsonwebtoken::errors::Error>),
    /// No private key is configured: this service can only verify.
    #[error("no private key configured: this service can only verify")]
    NoSigningKey,
    /// A setting of the builder cannot make a valid token (an id of the wrong shape, a
    /// session-bound token outliving its session's revocation).
    #[error("invalid token settings: {0}")]
    Invalid(String),
}
