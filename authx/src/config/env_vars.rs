//! The table of every `AUTHX_*` variable [`AuthConfig::from_env`](super::AuthConfig::from_env)
//! reads.

/// Every variable [`AuthConfig::from_env`](super::AuthConfig::from_env) reads, for docs and `--help` output.
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
        "AUTHX_VERIFY_CACHE",
        "verified tokens remembered: off, asymmetric or all (default)",
    ),
    (
        "AUTHX_VERIFY_CACHE_CAPACITY",
        "most verified tokens remembered (default 16384)",
    ),
    (
        "AUTHX_NEAR_CACHE",
        "keep \"not revoked\" answers in the instance, invalidated by Redis/PostgreSQL (default false)",
    ),
    (
        "AUTHX_NEAR_CACHE_CAPACITY",
        "most keys in the near-cache (default 100000)",
    ),
    (
        "AUTHX_NEAR_CACHE_TTL",
        "longest a near-cache answer is kept, seconds (default 60)",
    ),
    (
        "AUTHX_API_KEY_PEPPER",
        "secret API keys are hashed with (required to create or check keys)",
    ),
    (
        "AUTHX_API_KEY_PREFIX",
        "what API keys start with, before `_` (default authx)",
    ),
    (
        "AUTHX_API_KEY_HEADER",
        "header carrying an API key (default X-API-Key)",
    ),
    (
        "AUTHX_API_KEY_QUERY_PARAM",
        "query parameter an API key may come in (default none)",
    ),
    (
        "AUTHX_API_KEY_FAILED_LOOKUPS",
        "failed API key lookups allowed per client IP, a rate spec (default 20/60s)",
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
        "AUTHX_JWT_ACCESS_TOKEN_PROFILE",
        "false (default); true: RFC 9068 access tokens (typ at+jwt, issued and required)",
    ),
    (
        "AUTHX_CLIENT_ID",
        "the client_id claim written, under the RFC 9068 profile, on the access and refresh tokens this service issues",
    ),
    (
        "AUTHX_KEYS_FILE",
        "a key file (current, next, previous asymmetric keys) published as a JWK Set",
    ),
    (
        "AUTHX_KEYS_RELOAD_INTERVAL",
        "how often the key file is re-read, seconds (default: only on auth.keys().reload())",
    ),
    (
        "AUTHX_RESOURCE",
        "this API's resource identifier (RFC 9728), an https URL (plain http for loopback only)",
    ),
    (
        "AUTHX_RESOURCE_NAME",
        "the resource_name of the protected-resource metadata (default: the issuer)",
    ),
    (
        "AUTHX_AUTHORIZATION_SERVERS",
        "issuer URLs listed in the protected-resource metadata, comma-separated",
    ),
    (
        "AUTHX_DPOP_BASE_URL",
        "the external URL DPoP proofs' htu is checked against (behind a proxy)",
    ),
    (
        "AUTHX_DPOP_MAX_AGE",
        "how old a DPoP proof may be, seconds (default 60)",
    ),
    (
        "AUTHX_DPOP_NONCE",
        "false (default); true: DPoP proofs need a server nonce",
    ),
    (
        "AUTHX_OAUTH_CLIENTS",
        "id:secret pairs, comma-separated: the clients of the introspection and revocation endpoints (secrets of 32 bytes or more)",
    ),
    (
        "AUTHX_OAUTH_INTROSPECTORS",
        "client ids of AUTHX_OAUTH_CLIENTS, comma-separated, that may introspect every token, not only their own",
    ),
    (
        "AUTHX_STORE_URL",
        "memory:// (default), sqlite://path.db, postgres://..., redis://..., redis+cluster://...",
    ),
    (
        "AUTHX_REFRESH_ROTATION",
        "true (default): a refresh token works once; reuse revokes its session",
    ),
    (
        "AUTHX_MAX_SESSIONS",
        "live login sessions per subject; a login past it ends the oldest (default 100)",
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
