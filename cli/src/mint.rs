//! `authx mint`: issue a token with the `AUTHX_*` configuration, exactly as a service using
//! [`Tokens::access`](authx::Tokens::access) / [`Tokens::refresh`](authx::Tokens::refresh) would.

use std::time::Duration;

use authx::{Algorithm, Auth, AuthConfig};
use clap::{Args, ValueEnum};

use crate::CliError;

/// Arguments of `authx mint`.
#[derive(Debug, Args)]
pub struct MintArgs {
    /// Subject: who the token is about (a user id).
    #[arg(long, value_name = "USER")]
    pub sub: String,
    /// Scopes to grant, comma-separated (`users:read,orders:*`).
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub scopes: Option<Vec<String>>,
    /// Token type.
    #[arg(long = "type", value_enum, default_value_t = Kind::Access)]
    pub kind: Kind,
    /// Mark the access token fresh (as issued by a login).
    #[arg(long)]
    pub fresh: bool,
    /// Lifetime in seconds, instead of AUTHX_ACCESS_TOKEN_EXPIRES / AUTHX_REFRESH_TOKEN_EXPIRES.
    /// 0 or less makes a token that has already expired (for tests).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub expires: Option<i64>,
    /// Extra claims: a JSON object flattened into the token (`{"email":"a@example.com"}`).
    #[arg(long, value_name = "JSON")]
    pub extra: Option<String>,
}

/// The `type` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// An access token.
    Access,
    /// A refresh token.
    Refresh,
}

/// Issues the token `args` describe with the configuration `env` holds.
pub fn mint(args: &MintArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<String, CliError> {
    if args.sub.trim().is_empty() {
        return Err(CliError::Usage("--sub must not be empty".into()));
    }
    if args.fresh && args.kind == Kind::Refresh {
        return Err(CliError::Usage(
            "--fresh applies to access tokens only: a refresh token is never fresh".into(),
        ));
    }
    let extra = args.extra.as_deref().map(parse_extra).transpose()?;
    let config = AuthConfig::from_lookup(env).map_err(CliError::Config)?;
    let algorithm = config.algorithm;
    if !is_hmac(algorithm) && config.private_key.is_none() {
        return Err(CliError::NoPrivateKey {
            algorithm: format!("{algorithm:?}"),
        });
    }
    let auth = Auth::new(config).map_err(CliError::Config)?;

    let mut builder = match args.kind {
        Kind::Access => auth.tokens().access(args.sub.as_str()),
        Kind::Refresh => auth.tokens().refresh(args.sub.as_str()),
    }
    .fresh(args.fresh);
    if let Some(scopes) = &args.scopes {
        builder = builder.scopes(
            scopes
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    match args.expires {
        Some(secs) if secs > 0 => {
            builder = builder.expires_in(Duration::from_secs(secs.unsigned_abs()))
        }
        Some(secs) => builder = builder.expires_at(crate::time::now().saturating_add(secs)),
        None => {}
    }
    if let Some(extra) = extra {
        builder = builder.extra(extra);
    }
    builder.issue().map_err(CliError::Issue)
}

fn parse_extra(json: &str) -> Result<serde_json::Value, CliError> {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        Ok(_) => Err(CliError::Usage(
            "--extra must be a JSON object, like '{\"email\":\"a@example.com\"}'".into(),
        )),
        Err(e) => Err(CliError::Usage(format!("--extra is not valid JSON: {e}"))),
    }
}

fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    )
}
