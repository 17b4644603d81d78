//! `AUTHX_*` environment variables. The README's configuration table lists the same names;
//! keep them in step.

use std::time::Duration;

use super::{
    AuthConfig, KeySource, SameSite, Secret, TokenLocation, VerificationKey, parse_algorithm,
};
use crate::error::ConfigError;

/// Every variable [`AuthConfig::from_env`] reads, for docs and `--help` output.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("AUTHX_SECRET_KEY", "HMAC secret (HS256/384/512)"),
    (
        "AUTHX_ALGORITHM",
        "HS256 (default), HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA",
    ),
    (
        "AUTHX_PRIVATE_KEY",
        "private key: PEM text or a path (optionally `file:`-prefixed)",
    ),
    ("AUTHX_PUBLIC_KEY", "public key: PEM text or a path"),
    ("AUTHX_KEY_ID", "`kid` header of issued tokens"),
    (
        "AUTHX_PREVIOUS_SECRET_KEY",
        "previous HMAC secret, still accepted (rotation)",
    ),
    (
        "AUTHX_PREVIOUS_PUBLIC_KEY",
        "previous public key, still accepted (rotation)",
    ),
    ("AUTHX_PREVIOUS_KEY_ID", "`kid` of the previous key"),
    (
        "AUTHX_TOKEN_LOCATION",
        "comma list of headers, cookies, query, json (default headers)",
    ),
    (
        "AUTHX_ACCESS_TOKEN_EXPIRES",
        "access token lifetime, seconds (default 900)",
    ),
    (
        "AUTHX_REFRESH_TOKEN_EXPIRES",
        "refresh token lifetime, seconds (default 1728000)",
    ),
    ("AUTHX_ISSUER", "`iss` to issue and require"),
    (
        "AUTHX_AUDIENCE",
        "comma list of audiences to issue and accept",
    ),
    ("AUTHX_LEEWAY", "clock skew allowed, seconds (default 0)"),
    (
        "AUTHX_MAX_TOKEN_SIZE",
        "longest token accepted, bytes (default 8192)",
    ),
    (
        "AUTHX_HEADER_NAME",
        "header carrying the token (default Authorization)",
    ),
    (
        "AUTHX_HEADER_TYPE",
        "scheme in that header (default Bearer)",
    ),
    (
        "AUTHX_QUERY_PARAM",
        "query parameter carrying the token (default token)",
    ),
    ("AUTHX_COOKIE_SECURE", "true (default) or false"),
    ("AUTHX_COOKIE_SAMESITE", "lax (default), strict or none"),
    ("AUTHX_COOKIE_DOMAIN", "cookie Domain attribute"),
    (
        "AUTHX_COOKIE_MAX_AGE",
        "cookie Max-Age, seconds (default: session cookies)",
    ),
    ("AUTHX_CSRF_PROTECT", "true (default) or false"),
    (
        "AUTHX_TRUSTED_PROXIES",
        "comma list of proxy addresses/CIDRs whose X-Forwarded-For is believed (default none)",
    ),
    (
        "AUTHX_FORWARDED_HEADER",
        "the one header trusted proxies write the client chain into (default X-Forwarded-For; or Forwarded, X-Real-IP...)",
    ),
    (
        "AUTHX_IPV6_PREFIX",
        "IPv6 clients share a rate-limit bucket per network of this prefix length (default 64)",
    ),
    (
        "AUTHX_WS_RECHECK_INTERVAL",
        "how often an open WebSocket re-checks its token's revocation, seconds (default 30)",
    ),
    (
        "AUTHX_ALLOWLIST",
        "false (default); true: only tokens recorded at issue are accepted",
    ),
    (
        "AUTHX_STORE_URL",
        "memory:// (default), sqlite://path.db, postgres://..., redis://...",
    ),
    (
        "AUTHX_REFRESH_ROTATION",
        "true (default): a refresh token works once; reuse revokes its session",
    ),
    (
        "AUTHX_STORE_TIMEOUT_MS",
        "bound on each store call, milliseconds (default 250)",
    ),
    (
        "AUTHX_STORE_FAIL_OPEN",
        "false (default): store outage answers 503; true lets requests through",
    ),
];

pub(super) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<AuthConfig, ConfigError> {
    let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let mut c = AuthConfig::default();
    if let Some(v) = get("AUTHX_ALGORITHM") {
        c.algorithm = parse_algorithm(&v).map_err(|e| env_err("AUTHX_ALGORITHM", e.to_string()))?;
    }
    c.secret_key = get("AUTHX_SECRET_KEY").map(Secret::from);
    c.private_key = get("AUTHX_PRIVATE_KEY").map(|v| KeySource::parse(&v));
    c.public_key = get("AUTHX_PUBLIC_KEY").map(|v| KeySource::parse(&v));
    c.key_id = get("AUTHX_KEY_ID");
    let previous = match (
        get("AUTHX_PREVIOUS_SECRET_KEY"),
        get("AUTHX_PREVIOUS_PUBLIC_KEY"),
    ) {
        (Some(s), _) => Some(VerificationKey::secret(s)),
        (None, Some(p)) => Some(VerificationKey::public_key(KeySource::parse(&p))),
        (None, None) => None,
    };
    if let Some(mut key) = previous {
        key.kid = get("AUTHX_PREVIOUS_KEY_ID");
        c.previous_keys.push(key);
    }
    if let Some(v) = get("AUTHX_TOKEN_LOCATION") {
        c.token_locations = v
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(TokenLocation::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| env_err("AUTHX_TOKEN_LOCATION", e.to_string()))?;
    }
    if let Some(d) = secs(&get, "AUTHX_ACCESS_TOKEN_EXPIRES")? {
        c.access_token_expires = d;
    }
    if let Some(d) = secs(&get, "AUTHX_REFRESH_TOKEN_EXPIRES")? {
        c.refresh_token_expires = d;
    }
    c.issuer = get("AUTHX_ISSUER");
    if let Some(v) = get("AUTHX_AUDIENCE") {
        c.audience = v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
    }
    if let Some(d) = secs(&get, "AUTHX_LEEWAY")? {
        c.leeway = d;
    }
    if let Some(n) = number(&get, "AUTHX_MAX_TOKEN_SIZE")? {
        c.max_token_size =
            usize::try_from(n).map_err(|e| env_err("AUTHX_MAX_TOKEN_SIZE", e.to_string()))?;
    }
    if let Some(v) = get("AUTHX_HEADER_NAME") {
        c.header_name = v;
    }
    if let Some(v) = get("AUTHX_HEADER_TYPE") {
        c.header_type = v;
    }
    if let Some(v) = get("AUTHX_QUERY_PARAM") {
        c.query_param = v;
    }
    if let Some(b) = boolean(&get, "AUTHX_COOKIE_SECURE")? {
        c.cookies.secure = b;
    }
    if let Some(v) = get("AUTHX_COOKIE_SAMESITE") {
        c.cookies.same_site = match v.trim().to_ascii_lowercase().as_str() {
            "lax" => SameSite::Lax,
            "strict" => SameSite::Strict,
            "none" => SameSite::None,
            _ => {
                return Err(env_err(
                    "AUTHX_COOKIE_SAMESITE",
                    "use lax, strict or none".into(),
                ));
            }
        };
    }
    c.cookies.domain = get("AUTHX_COOKIE_DOMAIN");
    c.cookies.max_age = secs(&get, "AUTHX_COOKIE_MAX_AGE")?;
    if let Some(b) = boolean(&get, "AUTHX_CSRF_PROTECT")? {
        c.csrf.enabled = b;
    }
    if let Some(v) = get("AUTHX_TRUSTED_PROXIES") {
        c.trusted_proxies = v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
    }
    if let Some(v) = get("AUTHX_FORWARDED_HEADER") {
        c.forwarded_header = v.trim().to_owned();
    }
    if let Some(n) = number(&get, "AUTHX_IPV6_PREFIX")? {
        c.ipv6_prefix = u8::try_from(n)
            .ok()
            .filter(|n| *n <= 128)
            .ok_or_else(|| env_err("AUTHX_IPV6_PREFIX", format!("expected 0 to 128, got {n}")))?;
    }
    if let Some(d) = secs(&get, "AUTHX_WS_RECHECK_INTERVAL")? {
        c.ws_recheck_interval = d;
    }
    if let Some(b) = boolean(&get, "AUTHX_ALLOWLIST")? {
        c.allowlist = b;
    }
    if let Some(v) = get("AUTHX_STORE_URL") {
        c.store_url = v;
    }
    if let Some(b) = boolean(&get, "AUTHX_REFRESH_ROTATION")? {
        c.refresh_rotation = b;
    }
    if let Some(n) = number(&get, "AUTHX_STORE_TIMEOUT_MS")? {
        c.store_timeout = Duration::from_millis(n);
    }
    if let Some(b) = boolean(&get, "AUTHX_STORE_FAIL_OPEN")? {
        c.store_fail_open = b;
    }
    Ok(c)
}

fn env_err(name: &str, reason: String) -> ConfigError {
    ConfigError::Env {
        name: name.to_owned(),
        reason,
    }
}

fn number(get: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<u64>, ConfigError> {
    get(name)
        .map(|v| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| env_err(name, format!("expected a whole number, got {v:?}")))
        })
        .transpose()
}

fn secs(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<Duration>, ConfigError> {
    Ok(number(get, name)?.map(Duration::from_secs))
}

fn boolean(get: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<bool>, ConfigError> {
    get(name)
        .map(|v| match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(env_err(name, format!("expected true or false, got {v:?}"))),
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
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
            ("AUTHX_STORE_TIMEOUT_MS", "100"),
            ("AUTHX_STORE_FAIL_OPEN", "true"),
        ])
        .unwrap();
        assert_eq!(c.algorithm, jsonwebtoken::Algorithm::HS512);
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
