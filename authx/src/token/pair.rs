//! [`PairBuilder`]: an access and a refresh token in one family, with options per token.

use std::time::Duration;

use super::claims::{Extra, TokenPair, TokenType};
use super::codec::TokenCodec;
use super::{Claims, IssueError, TokenBuilder, extra_data};
use crate::clock::Clock;

/// Issues an access token and a refresh token with the same subject, in one token family (the
/// `sid` claim: the session given with [`session`](Self::session), else a new family id).
/// Start with [`Tokens::pair`](crate::Tokens::pair).
///
/// Settings on the pair apply to both tokens; [`access`](Self::access) and
/// [`refresh`](Self::refresh) set one token's own expiry, scopes, extra data, audience and
/// header fields (AuthX's `create_token_pair(access_scopes=, refresh_scopes=,
/// access_expiry=, refresh_expiry=, headers=)`):
///
/// ```
/// # let auth = authx::Auth::new(authx::AuthConfig::builder().secret_key("k".repeat(32)).build()).unwrap();
/// use std::time::Duration;
///
/// let pair = auth
///     .tokens().pair("ada")
///     .extra(serde_json::json!({ "plan": "pro" }))
///     .access(|t| t.scopes(["orders:read"]).expires_in(Duration::from_secs(300)))
///     .refresh(|t| t.expires_in(Duration::from_secs(86_400)).header("typ", "refresh+jwt"))
///     .issue()
///     .unwrap();
/// let access = auth.verify(&pair.access_token).unwrap();
/// let refresh = auth.verify(&pair.refresh_token).unwrap();
/// assert_eq!(access.scopes(), ["orders:read"]);
/// assert!(refresh.scopes().is_empty());
/// assert_eq!(refresh.exp - access.exp, 86_400 - 300);
/// assert_eq!((access.sid.as_ref(), &access.extra["plan"]), (refresh.sid.as_ref(), &refresh.extra["plan"]));
/// ```
#[derive(Debug)]
#[must_use = "a token builder does nothing until `.issue()`"]
pub struct PairBuilder<'a> {
    base: TokenBuilder<'a>,
    access: TokenOptions,
    refresh: TokenOptions,
}

/// One token's own settings in a pair: see [`PairBuilder::access`] and
/// [`PairBuilder::refresh`]. Each overrides the pair's setting for that token; extra data is
/// merged into the pair's (this token's keys win) and header fields are added to the pair's.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct TokenOptions {
    scopes: Option<Vec<String>>,
    expires_in: Option<Duration>,
    expires_at: Option<i64>,
    audience: Option<Vec<String>>,
    extra: Option<Result<Extra, IssueError>>,
    headers: Vec<(String, serde_json::Value)>,
    header_error: Option<IssueError>,
}

impl TokenOptions {
    /// This token's scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// This token's lifetime.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = Some(lifetime);
        self
    }

    /// This token's `exp` (seconds since the epoch); wins over
    /// [`expires_in`](Self::expires_in).
    pub fn expires_at(mut self, exp: i64) -> Self {
        self.expires_at = Some(exp);
        self
    }

    /// This token's audience.
    pub fn audience<I, S>(mut self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = Some(audience.into_iter().map(Into::into).collect());
        self
    }

    /// Extra data for this token, merged into the pair's.
    pub fn extra(mut self, data: impl serde::Serialize) -> Self {
        self.extra = Some(extra_data(data));
        self
    }

    /// A header field of this token (see [`TokenBuilder::header`]).
    pub fn header(mut self, name: impl Into<String>, value: impl serde::Serialize) -> Self {
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(value) => self.headers.push((name, value)),
            Err(e) => {
                self.header_error = Some(IssueError::Invalid(format!("header `{name}`: {e}")));
            }
        }
        self
    }

    /// Applies these settings over the pair's, in `builder`.
    fn apply<'a>(&self, mut builder: TokenBuilder<'a>) -> Result<TokenBuilder<'a>, IssueError> {
        if let Some(e) = &self.header_error {
            return Err(e.clone());
        }
        if let Some(scopes) = &self.scopes {
            builder.scopes = Some(scopes.clone());
        }
        if let Some(lifetime) = self.expires_in {
            builder.expires_in = Some(lifetime);
        }
        if let Some(exp) = self.expires_at {
            builder.expires_at = Some(exp);
        }
        if let Some(audience) = &self.audience {
            builder.audience = Some(audience.clone());
        }
        if let Some(extra) = &self.extra {
            let own = extra.clone()?;
            let mut merged = builder.extra?;
            merged.extend(own);
            builder.extra = Ok(merged);
        }
        for (name, value) in &self.headers {
            builder = builder.header(name.clone(), value);
        }
        Ok(builder)
    }
}

impl<'a> PairBuilder<'a> {
    pub(crate) fn new(codec: &'a TokenCodec, clock: &'a dyn Clock, sub: String) -> Self {
        PairBuilder {
            base: TokenBuilder::new(codec, clock, sub, TokenType::Access),
            access: TokenOptions::default(),
            refresh: TokenOptions::default(),
        }
    }

    fn map(mut self, f: impl FnOnce(TokenBuilder<'a>) -> TokenBuilder<'a>) -> Self {
        self.base = f(self.base);
        self
    }

    /// Marks the access token fresh (a refresh token is never fresh).
    pub fn fresh(self, fresh: bool) -> Self {
        self.map(|b| b.fresh(fresh))
    }

    /// Grants scopes to both tokens.
    pub fn scopes<I, S>(self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.map(|b| b.scopes(scopes))
    }

    /// Sets `auth_time` on both tokens (see [`TokenBuilder::auth_time`]).
    pub fn auth_time(self, auth_time: i64) -> Self {
        self.map(|b| b.auth_time(auth_time))
    }

    /// Binds both tokens to a DPoP key (see [`TokenBuilder::dpop_jkt`]).
    pub fn dpop_jkt(self, jkt: impl Into<String>) -> Self {
        self.map(|b| b.dpop_jkt(jkt))
    }

    /// Sets `acr` on both tokens (see [`TokenBuilder::acr`]).
    pub fn acr(self, acr: impl Into<String>) -> Self {
        self.map(|b| b.acr(acr))
    }

    /// Sets `amr` on both tokens (see [`TokenBuilder::amr`]).
    pub fn amr<I, S>(self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.map(|b| b.amr(methods))
    }

    /// Issues both tokens to an OAuth client: `client_id` on the access and the refresh token,
    /// carried to every token rotation issues from them (see [`TokenBuilder::client_id`]).
    pub fn client_id(self, client_id: impl Into<String>) -> Self {
        self.map(|b| b.client_id(client_id))
    }

    /// Sets the user kind of both tokens.
    pub fn kind(self, kind: impl Into<String>) -> Self {
        self.map(|b| b.kind(kind))
    }

    /// Binds both tokens to a login session (their family; without one, the pair gets a
    /// family id of its own).
    pub fn session(self, session_id: impl Into<String>) -> Self {
        self.map(|b| b.session(session_id))
    }

    /// Extra data for both tokens.
    pub fn extra(self, data: impl serde::Serialize) -> Self {
        self.map(|b| b.extra(data))
    }

    /// Overrides the audience of both tokens.
    pub fn audience<I, S>(self, audience: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.map(|b| b.audience(audience))
    }

    /// A header field of both tokens (see [`TokenBuilder::header`]).
    pub fn header(self, name: impl Into<String>, value: impl serde::Serialize) -> Self {
        self.map(|b| b.header(name, value))
    }

    /// The access token's own settings.
    pub fn access(mut self, f: impl FnOnce(TokenOptions) -> TokenOptions) -> Self {
        self.access = f(self.access);
        self
    }

    /// The refresh token's own settings.
    pub fn refresh(mut self, f: impl FnOnce(TokenOptions) -> TokenOptions) -> Self {
        self.refresh = f(self.refresh);
        self
    }

    /// Signs both tokens.
    pub fn issue(self) -> Result<TokenPair, IssueError> {
        self.sign().map(|(pair, _, _)| pair)
    }

    /// Signs both tokens, in one family: the session when one was given, else a new random
    /// family id, so that [`Sessions::logout`](crate::Sessions::logout) and refresh-token reuse revoke
    /// the pair as a whole. The claims too (for the allowlist).
    pub(crate) fn sign(self) -> Result<(TokenPair, Claims, Claims), IssueError> {
        let mut base = self.base;
        let now = base.clock.now();
        if base.sid.is_none() {
            base.sid = Some(uuid::Uuid::new_v4().to_string());
        }
        let access_builder = self.access.apply(base.clone())?;
        base.token_type = TokenType::Refresh;
        let refresh_builder = self.refresh.apply(base)?;
        let access = access_builder.claims(now)?;
        let refresh = refresh_builder.claims(now)?;
        let pair = TokenPair::new(
            access_builder.encode(&access)?,
            refresh_builder.encode(&refresh)?,
        );
        Ok((pair, access, refresh))
    }
}
