//! [`ApiKeyConfig`]: how API keys look, where they come from and what they are hashed with.

use serde::Deserialize;

use super::Secret;

/// API keys (`#[protect(api_key)]`, [`Auth::api_keys`](crate::Auth::api_keys)).
///
/// A key is `<prefix>_<43 base62 characters: 32 random bytes><6 base62 characters: a CRC32 of
/// what precedes them>`, such as `authx_3Fq…Zt0b1LkQ`: secret scanners can match the prefix,
/// and a mistyped key is refused by its checksum before any store lookup. Only a keyed hash of
/// a key is stored (HMAC-SHA-256 under [`pepper`](Self::pepper)); the key is shown once, when
/// created.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ApiKeyConfig {
    /// What every key starts with, before `_`: ASCII letters, digits and `_`, such as
    /// `authx_live`. Default `authx`.
    pub prefix: String,
    /// The server secret keys are hashed with. Required to create or check keys; changing it
    /// invalidates every key. Default none (env `AUTHX_API_KEY_PEPPER`).
    pub pepper: Option<Secret>,
    /// The header a key comes in, as its whole value. Default `X-API-Key`.
    pub header_name: String,
    /// The `Authorization` scheme a key may also come with (`Authorization: ApiKey <key>`,
    /// compared case-insensitively). Default `ApiKey`.
    pub scheme: String,
    /// A query parameter a key may come in. Default none: keys in URLs end up in logs.
    pub query_param: Option<String>,
    /// Failed key lookups allowed per client IP, as a rate spec; past it, that IP's keys are
    /// refused with `429` before any lookup. Default `"20/60s"`.
    pub failed_lookups: String,
    /// How often a key's last-used time is written at most, in seconds (a busy key costs one
    /// write per interval, not one per request). Default 60.
    pub touch_interval_secs: u64,
}

impl Default for ApiKeyConfig {
    fn default() -> Self {
        ApiKeyConfig {
            prefix: "authx".into(),
            pepper: None,
            header_name: "X-API-Key".into(),
            scheme: "ApiKey".into(),
            query_param: None,
            failed_lookups: "20/60s".into(),
            touch_interval_secs: 60,
        }
    }
}

impl std::fmt::Debug for ApiKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyConfig")
            .field("prefix", &self.prefix)
            .field("pepper", &self.pepper.as_ref().map(|_| "<redacted>"))
            .field("header_name", &self.header_name)
            .field("scheme", &self.scheme)
            .field("query_param", &self.query_param)
            .field("failed_lookups", &self.failed_lookups)
            .field("touch_interval_secs", &self.touch_interval_secs)
            .finish()
    }
}

impl ApiKeyConfig {
    /// Checks the prefix, header and rate spec: what [`AuthConfig`](super::AuthConfig)'s
    /// validation reports.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let prefix_ok = !self.prefix.is_empty()
            && self.prefix.len() <= 32
            && self
                .prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !prefix_ok {
            return Err(format!(
                "api_keys.prefix {:?}: 1 to 32 ASCII letters, digits or `_`, such as \"authx_live\"",
                self.prefix
            ));
        }
        if http::HeaderName::from_bytes(self.header_name.as_bytes()).is_err() {
            return Err(format!(
                "api_keys.header_name {:?} is not a header name",
                self.header_name
            ));
        }
        authx_spec::RateSpec::parse(&self.failed_lookups)
            .map_err(|e| format!("api_keys.failed_lookups: {e}"))?;
        Ok(())
    }

    /// Refuses a key transport that would take bearer tokens for keys: every token on a route
    /// taking either would be two credentials.
    pub(crate) fn apart_from_tokens(
        &self,
        header_name: &str,
        header_type: &str,
        query_param: &str,
    ) -> Result<(), String> {
        if self.header_name.eq_ignore_ascii_case(header_name) {
            return Err(format!(
                "api_keys.header_name {:?} is the token header: keys come in a header of their own",
                self.header_name
            ));
        }
        if self.scheme.eq_ignore_ascii_case(header_type) || self.scheme.eq_ignore_ascii_case("dpop")
        {
            return Err(format!(
                "api_keys.scheme {:?} is a token scheme: use another, such as \"ApiKey\"",
                self.scheme
            ));
        }
        if self.query_param.as_deref() == Some(query_param) {
            return Err(format!(
                "api_keys.query_param {query_param:?} is the token query parameter"
            ));
        }
        Ok(())
    }
}
