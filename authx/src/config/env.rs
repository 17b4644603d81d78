//! `AUTHX_*` environment variables. The configuration guide's table
//! ([`crate::guide::configuration`]) lists the same names; `tests/docs.rs` keeps them in step.

use std::time::Duration;

use super::{AuthConfig, ConfigError, KeySource, Secret, TokenLocation, VerificationKey};

/// Reads configuration variables through a lookup (the process environment, or anything a test
/// or an app provides), with one rule for blanks and one error shape naming the variable: the
/// loader every configuration type (`AuthConfig`, `VaultConfig`) uses.
pub(crate) struct Env<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub(crate) fn new(lookup: F) -> Self {
        Env { lookup }
    }

    /// The value, trimmed; a blank value counts as unset.
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A comma list, blanks dropped.
    pub(crate) fn list(&self, name: &str) -> Option<Vec<String>> {
        self.string(name).map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
    }

    /// A value parsed with `FromStr`; its error names the variable.
    pub(crate) fn parse<T>(&self, name: &str) -> Result<Option<T>, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        self.string(name)
            .map(|v| {
                v.parse::<T>()
                    .map_err(|e| env_err(name, format!("{v:?}: {e}")))
            })
            .transpose()
    }

    /// A whole number.
    pub(crate) fn number(&self, name: &str) -> Result<Option<u64>, ConfigError> {
        self.string(name)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| env_err(name, format!("expected a whole number, got {v:?}")))
            })
            .transpose()
    }

    /// A duration in whole seconds.
    pub(crate) fn secs(&self, name: &str) -> Result<Option<Duration>, ConfigError> {
        Ok(self.number(name)?.map(Duration::from_secs))
    }

    /// A duration in milliseconds.
    pub(crate) fn millis(&self, name: &str) -> Result<Option<Duration>, ConfigError> {
        Ok(self.number(name)?.map(Duration::from_millis))
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, ConfigError> {
        self.string(name)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(env_err(name, format!("expected true or false, got {v:?}"))),
            })
            .transpose()
    }
}

/// Sets `slot` when the variable is set.
fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

pub(super) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<AuthConfig, ConfigError> {
    let env = Env::new(get);
    let mut c = AuthConfig::default();
    set(&mut c.algorithm, env.parse("AUTHX_ALGORITHM")?);
    c.secret_key = env.string("AUTHX_SECRET_KEY").map(Secret::from);
    c.private_key = env
        .string("AUTHX_PRIVATE_KEY")
        .map(|v| KeySource::parse(&v));
    c.public_key = env.string("AUTHX_PUBLIC_KEY").map(|v| KeySource::parse(&v));
    c.key_id = env.string("AUTHX_KEY_ID");
    let previous = match (
        env.string("AUTHX_PREVIOUS_SECRET_KEY"),
        env.string("AUTHX_PREVIOUS_PUBLIC_KEY"),
    ) {
        (Some(s), _) => Some(VerificationKey::secret(s)),
        (None, Some(p)) => Some(VerificationKey::public_key(KeySource::parse(&p))),
        (None, None) => None,
    };
    if let Some(mut key) = previous {
        key.kid = env.string("AUTHX_PREVIOUS_KEY_ID");
        c.previous_keys.push(key);
    }
    if let Some(names) = env.list("AUTHX_TOKEN_LOCATION") {
        c.token_locations = names
            .iter()
            .map(|n| TokenLocation::parse(n))
            .collect::<Result<_, _>>()
            .map_err(|e| env_err("AUTHX_TOKEN_LOCATION", e.to_string()))?;
    }
    set(
        &mut c.access_token_expires,
        env.secs("AUTHX_ACCESS_TOKEN_EXPIRES")?,
    );
    set(
        &mut c.refresh_token_expires,
        env.secs("AUTHX_REFRESH_TOKEN_EXPIRES")?,
    );
    c.issuer = env.string("AUTHX_ISSUER");
    set(&mut c.audience, env.list("AUTHX_AUDIENCE"));
    set(&mut c.leeway, env.secs("AUTHX_LEEWAY")?);
    set(&mut c.max_token_size, env.parse("AUTHX_MAX_TOKEN_SIZE")?);
    set(&mut c.verify_cache.mode, env.parse("AUTHX_VERIFY_CACHE")?);
    set(&mut c.near_cache.enabled, env.boolean("AUTHX_NEAR_CACHE")?);
    set(
        &mut c.near_cache.capacity,
        env.parse("AUTHX_NEAR_CACHE_CAPACITY")?,
    );
    set(&mut c.near_cache.ttl, env.secs("AUTHX_NEAR_CACHE_TTL")?);
    set(
        &mut c.verify_cache.capacity,
        env.parse("AUTHX_VERIFY_CACHE_CAPACITY")?,
    );
    c.api_keys.pepper = env.string("AUTHX_API_KEY_PEPPER").map(Secret::from);
    set(&mut c.api_keys.prefix, env.string("AUTHX_API_KEY_PREFIX"));
    set(
        &mut c.api_keys.header_name,
        env.string("AUTHX_API_KEY_HEADER"),
    );
    c.api_keys.query_param = env.string("AUTHX_API_KEY_QUERY_PARAM");
    set(
        &mut c.api_keys.failed_lookups,
        env.string("AUTHX_API_KEY_FAILED_LOOKUPS"),
    );
    set(&mut c.header_name, env.string("AUTHX_HEADER_NAME"));
    set(&mut c.header_type, env.string("AUTHX_HEADER_TYPE"));
    set(&mut c.query_param, env.string("AUTHX_QUERY_PARAM"));
    set(&mut c.cookies.secure, env.boolean("AUTHX_COOKIE_SECURE")?);
    set(
        &mut c.cookies.same_site,
        env.parse("AUTHX_COOKIE_SAMESITE")?,
    );
    c.cookies.domain = env.string("AUTHX_COOKIE_DOMAIN");
    c.cookies.max_age = env.secs("AUTHX_COOKIE_MAX_AGE")?;
    set(&mut c.csrf.enabled, env.boolean("AUTHX_CSRF_PROTECT")?);
    set(&mut c.trusted_proxies, env.list("AUTHX_TRUSTED_PROXIES"));
    set(
        &mut c.forwarded_header,
        env.string("AUTHX_FORWARDED_HEADER"),
    );
    if let Some(n) = env.number("AUTHX_IPV6_PREFIX")? {
        c.ipv6_prefix = u8::try_from(n)
            .ok()
            .filter(|n| *n <= 128)
            .ok_or_else(|| env_err("AUTHX_IPV6_PREFIX", format!("expected 0 to 128, got {n}")))?;
    }
    set(
        &mut c.ws_recheck_interval,
        env.secs("AUTHX_WS_RECHECK_INTERVAL")?,
    );
    set(&mut c.allowlist, env.boolean("AUTHX_ALLOWLIST")?);
    set(
        &mut c.oauth.jwt_access_token_profile,
        env.boolean("AUTHX_JWT_ACCESS_TOKEN_PROFILE")?,
    );
    if let Some(id) = env.string("AUTHX_CLIENT_ID") {
        c.oauth.client_id = Some(id);
    }
    if let Some(path) = env.string("AUTHX_KEYS_FILE") {
        c.keys_file = Some(path);
    }
    if let Some(every) = env.secs("AUTHX_KEYS_RELOAD_INTERVAL")? {
        c.keys_reload_interval = Some(every);
    }
    if let Some(resource) = env.string("AUTHX_RESOURCE") {
        c.oauth.resource = Some(resource);
    }
    if let Some(name) = env.string("AUTHX_RESOURCE_NAME") {
        c.oauth.resource_name = Some(name);
    }
    set(
        &mut c.oauth.authorization_servers,
        env.list("AUTHX_AUTHORIZATION_SERVERS"),
    );
    if let Some(url) = env.string("AUTHX_DPOP_BASE_URL") {
        c.oauth.dpop_base_url = Some(url);
    }
    set(&mut c.oauth.dpop_max_age, env.secs("AUTHX_DPOP_MAX_AGE")?);
    set(&mut c.oauth.dpop_nonce, env.boolean("AUTHX_DPOP_NONCE")?);
    if let Some(list) = env.list("AUTHX_OAUTH_CLIENTS") {
        c.oauth.clients = super::OAuthClient::parse_list(&list)
            .map_err(|reason| env_err("AUTHX_OAUTH_CLIENTS", reason))?;
    }
    if let Some(ids) = env.list("AUTHX_OAUTH_INTROSPECTORS") {
        super::OAuthClient::mark_introspectors(&mut c.oauth.clients, &ids)
            .map_err(|reason| env_err("AUTHX_OAUTH_INTROSPECTORS", reason))?;
    }
    set(&mut c.store_url, env.string("AUTHX_STORE_URL"));
    set(
        &mut c.refresh_rotation,
        env.boolean("AUTHX_REFRESH_ROTATION")?,
    );
    set(
        &mut c.max_sessions_per_subject,
        env.parse("AUTHX_MAX_SESSIONS")?,
    );
    set(&mut c.store_timeout, env.millis("AUTHX_STORE_TIMEOUT_MS")?);
    set(
        &mut c.store_fail_open,
        env.boolean("AUTHX_STORE_FAIL_OPEN")?,
    );
    Ok(c)
}

fn env_err(name: &str, reason: String) -> ConfigError {
    ConfigError::Env {
        name: name.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SameSite;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<AuthConfig, ConfigError> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn reads_every_documented_variable() {
        let c = cfg(&[
            ("AUTHX_SECRET_KEY", "s3cret"),
            ("AUTHX_ALGORITHM", "hs512"),
            ("AUTHX_TOKEN_LOCATION", "headers, cookies,query"),
            ("AUTHX_ACCESS_TOKEN_EXPIRES", "60"),
            ("AUTHX_REFRESH_TOKEN_EXPIRES", "3600"),
            ("AUTHX_ISSUER", "me"),
            ("AUTHX_AUDIENCE", "a, b"),
            ("AUTHX_LEEWAY", "5"),
            ("AUTHX_MAX_TOKEN_SIZE", "4096"),
            ("AUTHX_COOKIE_SECURE", "false"),
            ("AUTHX_COOKIE_SAMESITE", "strict"),
            ("AUTHX_CSRF_PROTECT", "off"),
            ("AUTHX_PREVIOUS_SECRET_KEY", "old"),
            ("AUTHX_PREVIOUS_KEY_ID", "k0"),
            ("AUTHX_STORE_URL", "redis://127.0.0.1:6379"),
            ("AUTHX_REFRESH_ROTATION", "false"),
            ("AUTHX_MAX_SESSIONS", "7"),
            ("AUTHX_STORE_TIMEOUT_MS", "100"),
            ("AUTHX_STORE_FAIL_OPEN", "true"),
        ])
        .unwrap();
        assert_eq!(c.algorithm, crate::token::Algorithm::HS512);
        assert_eq!(c.secret_key.unwrap().expose(), "s3cret");
        assert_eq!(
            c.token_locations,
            vec![
                TokenLocation::Headers,
                TokenLocation::Cookies,
                TokenLocation::Query
            ]
        );
        assert_eq!(c.access_token_expires, Duration::from_secs(60));
        assert_eq!(c.refresh_token_expires, Duration::from_secs(3600));
        assert_eq!(c.issuer.as_deref(), Some("me"));
        assert_eq!(c.audience, vec!["a", "b"]);
        assert_eq!(c.leeway, Duration::from_secs(5));
        assert_eq!(c.max_token_size, 4096);
        assert!(!c.cookies.secure);
        assert_eq!(c.cookies.same_site, SameSite::Strict);
        assert!(!c.csrf.enabled);
        assert_eq!(c.previous_keys[0].kid.as_deref(), Some("k0"));
        assert_eq!(c.store_timeout, Duration::from_millis(100));
        assert!(c.store_fail_open);
        assert_eq!(c.store_url, "redis://127.0.0.1:6379");
        assert!(!c.refresh_rotation);
        assert_eq!(c.max_sessions_per_subject, 7);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = cfg(&[("AUTHX_ALGORITHM", "HS999")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("AUTHX_ALGORITHM") && e.contains("HS999"), "{e}");
        let e = cfg(&[("AUTHX_ACCESS_TOKEN_EXPIRES", "soon")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("AUTHX_ACCESS_TOKEN_EXPIRES"), "{e}");
        let e = cfg(&[("AUTHX_TOKEN_LOCATION", "headers,body")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("body"), "{e}");
    }

    #[test]
    fn pem_or_path() {
        assert!(matches!(
            KeySource::parse("-----BEGIN PUBLIC KEY-----\n"),
            KeySource::Pem(_)
        ));
        assert!(
            matches!(KeySource::parse("file:/k.pem"), KeySource::File(p) if p.to_str() == Some("/k.pem"))
        );
        assert!(matches!(KeySource::parse("/k.pem"), KeySource::File(_)));
    }
}
