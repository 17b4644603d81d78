//! Finding the token in a request: headers, cookies, query, JSON body, in configured order.
//!
//! The first location holding a token wins; later ones are not consulted, so a valid token in a
//! cookie never rescues a bad one in the header. A location holding the token twice (two
//! `Authorization` headers, two cookies of the same name, `?token=a&token=b`) is refused as
//! ambiguous rather than guessed at.

use std::borrow::Cow;

use http::request::Parts;

use crate::config::{AuthConfig, TokenLocation};
use crate::error::{AuthError, DecodeFailure};
use crate::request::json::JsonTokens;
use crate::token::TokenType;

/// A token and where it was found.
#[derive(Debug)]
pub(crate) struct Located<'a> {
    pub token: Cow<'a, str>,
    pub location: TokenLocation,
    /// Sent as `Authorization: DPoP <token>` (RFC 9449): a proof must come with it.
    pub dpop: bool,
}

const AMBIGUOUS: AuthError = AuthError::Decode(DecodeFailure::Malformed);

pub(crate) fn locate<'a>(
    parts: &'a Parts,
    config: &AuthConfig,
    token_type: TokenType,
    locations: &[TokenLocation],
) -> Result<Option<Located<'a>>, AuthError> {
    for &location in locations {
        let mut dpop = false;
        let found = match location {
            TokenLocation::Headers => from_header(parts, config)?.map(|(token, is_dpop)| {
                dpop = is_dpop;
                token
            }),
            TokenLocation::Cookies => {
                let name = match token_type {
                    TokenType::Access => &config.cookies.access_cookie_name,
                    TokenType::Refresh => &config.cookies.refresh_cookie_name,
                };
                cookie(parts, name)?.map(Cow::Borrowed)
            }
            TokenLocation::Query => from_query(parts, &config.query_param)?,
            TokenLocation::Json => parts.extensions.get::<JsonTokens>().and_then(|j| {
                match token_type {
                    TokenType::Access => j.access.as_deref(),
                    TokenType::Refresh => j.refresh.as_deref(),
                }
                .map(Cow::Borrowed)
            }),
        };
        if let Some(token) = found {
            return Ok(Some(Located {
                token,
                location,
                dpop,
            }));
        }
    }
    Ok(None)
}

/// The header's token, and whether it came with the `DPoP` scheme (accepted beside the
/// configured `Bearer`).
fn from_header<'a>(
    parts: &'a Parts,
    config: &AuthConfig,
) -> Result<Option<(Cow<'a, str>, bool)>, AuthError> {
    let mut values = parts.headers.get_all(config.header_name.as_str()).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(AMBIGUOUS);
    }
    let value = value
        .to_str()
        .map_err(|_| AuthError::Decode(DecodeFailure::Malformed))?
        .trim();
    let scheme = config.header_type.as_str();
    if scheme.is_empty() {
        return Ok(Some((Cow::Borrowed(value), false)));
    }
    let dpop_too = scheme.eq_ignore_ascii_case("bearer");
    // Another scheme (Basic, Digest...) in the same header is not ours: keep looking.
    match value.split_once(' ') {
        Some((s, token)) if s.eq_ignore_ascii_case(scheme) => {
            Ok(Some((Cow::Borrowed(token.trim()), false)))
        }
        Some((s, token)) if dpop_too && s.eq_ignore_ascii_case("dpop") => {
            Ok(Some((Cow::Borrowed(token.trim()), true)))
        }
        None if value.eq_ignore_ascii_case(scheme) => Ok(Some((Cow::Borrowed(""), false))),
        _ => Ok(None),
    }
}

/// An API key sent with the request: the whole value of the configured header,
/// `Authorization: <scheme> <key>` with the configured scheme (`ApiKey`), or the configured
/// query parameter when there is one. Sent twice, or in two of these places, is ambiguous.
pub(crate) fn api_key<'a>(
    parts: &'a Parts,
    config: &AuthConfig,
) -> Result<Option<Cow<'a, str>>, AuthError> {
    let keys = &config.api_keys;
    let mut found: Option<Cow<'a, str>> = None;
    let mut take = |key: Cow<'a, str>| {
        if found.replace(key).is_some() {
            return Err(AMBIGUOUS);
        }
        Ok(())
    };
    for value in parts.headers.get_all(keys.header_name.as_str()) {
        let value = value.to_str().map_err(|_| AMBIGUOUS)?;
        take(Cow::Borrowed(value.trim()))?;
    }
    for value in parts.headers.get_all(http::header::AUTHORIZATION) {
        if let Some((scheme, key)) = value.to_str().ok().and_then(|v| v.trim().split_once(' '))
            && scheme.eq_ignore_ascii_case(&keys.scheme)
        {
            take(Cow::Borrowed(key.trim()))?;
        }
    }
    if let Some(param) = &keys.query_param
        && let Some(key) = from_query(parts, param)?
    {
        take(key)?;
    }
    Ok(found)
}

/// The value of cookie `name`, on the one cookie reader ([`crate::cookies::request`]).
pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Result<Option<&'a str>, AuthError> {
    crate::cookies::request::find(&parts.headers, name).map_err(|_| AMBIGUOUS)
}

fn from_query<'a>(parts: &'a Parts, param: &str) -> Result<Option<Cow<'a, str>>, AuthError> {
    let Some(query) = parts.uri.query() else {
        return Ok(None);
    };
    let mut found = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k == param {
            if found.is_some() {
                return Err(AMBIGUOUS);
            }
            found = Some(v);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts(headers: &[(&str, &str)], uri: &str) -> Parts {
        let mut b = http::Request::builder().uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    fn all() -> Vec<TokenLocation> {
        vec![
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::Query,
        ]
    }

    #[test]
    fn order_is_respected_and_first_location_wins() {
        let c = AuthConfig::default();
        let p = parts(
            &[
                ("authorization", "Bearer h"),
                ("cookie", "access_token_cookie=c"),
            ],
            "/?token=q",
        );
        let l = locate(&p, &c, TokenType::Access, &all()).unwrap().unwrap();
        assert_eq!(
            (l.token.as_ref(), l.location),
            ("h", TokenLocation::Headers)
        );
        let rev = [TokenLocation::Query, TokenLocation::Cookies];
        let l = locate(&p, &c, TokenType::Access, &rev).unwrap().unwrap();
        assert_eq!((l.token.as_ref(), l.location), ("q", TokenLocation::Query));
    }

    #[test]
    fn refresh_uses_refresh_cookie() {
        let c = AuthConfig::default();
        let p = parts(
            &[("cookie", "access_token_cookie=a; refresh_token_cookie=r")],
            "/",
        );
        let l = locate(&p, &c, TokenType::Refresh, &[TokenLocation::Cookies])
            .unwrap()
            .unwrap();
        assert_eq!(l.token, "r");
    }

    #[test]
    fn other_schemes_are_not_ours_and_scheme_is_case_insensitive() {
        let c = AuthConfig::default();
        let p = parts(&[("authorization", "Basic dXNlcjpwdw==")], "/");
        assert!(locate(&p, &c, TokenType::Access, &all()).unwrap().is_none());
        let p = parts(&[("authorization", "bearer t")], "/");
        assert_eq!(
            locate(&p, &c, TokenType::Access, &all())
                .unwrap()
                .unwrap()
                .token,
            "t"
        );
    }

    #[test]
    fn duplicates_are_refused() {
        let c = AuthConfig::default();
        let p = parts(
            &[("authorization", "Bearer a"), ("authorization", "Bearer b")],
            "/",
        );
        assert!(locate(&p, &c, TokenType::Access, &all()).is_err());
        let p = parts(
            &[
                ("cookie", "access_token_cookie=a"),
                ("cookie", "access_token_cookie=b"),
            ],
            "/",
        );
        assert!(locate(&p, &c, TokenType::Access, &all()).is_err());
        let p = parts(&[], "/?token=a&token=b");
        assert!(locate(&p, &c, TokenType::Access, &all()).is_err());
    }

    #[test]
    fn an_api_key_comes_from_its_header_or_scheme_once() {
        let mut c = AuthConfig::default();
        let key = |p: &Parts, c: &AuthConfig| api_key(p, c).map(|k| k.map(|k| k.into_owned()));
        let p = parts(&[("x-api-key", " k1 ")], "/?api_key=q");
        assert_eq!(key(&p, &c).unwrap().as_deref(), Some("k1"));
        let p = parts(&[("authorization", "apikey k2")], "/");
        assert_eq!(key(&p, &c).unwrap().as_deref(), Some("k2"));
        let p = parts(&[("authorization", "Bearer t")], "/?api_key=q");
        assert_eq!(
            key(&p, &c).unwrap(),
            None,
            "not in the query unless configured"
        );
        c.api_keys.query_param = Some("api_key".into());
        assert_eq!(key(&p, &c).unwrap().as_deref(), Some("q"));
        for twice in [
            parts(&[("x-api-key", "a"), ("x-api-key", "b")], "/"),
            parts(&[("x-api-key", "a"), ("authorization", "ApiKey b")], "/"),
            parts(&[("x-api-key", "a")], "/?api_key=b"),
        ] {
            assert!(key(&twice, &c).is_err());
        }
    }

    proptest! {
        #[test]
        fn arbitrary_headers_never_panic(h in proptest::collection::vec(any::<u8>(), 0..512),
                                         q in "[ -~]{0,256}") {
            let c = AuthConfig::default();
            let mut p = parts(&[], "/");
            if let Ok(v) = http::HeaderValue::from_bytes(&h) {
                p.headers.insert(http::header::AUTHORIZATION, v.clone());
                p.headers.insert(http::header::COOKIE, v);
            }
            if let Ok(uri) = format!("/?{}", q.replace(['#', ' '], "")).parse() {
                p.uri = uri;
            }
            let _ = locate(&p, &c, TokenType::Access, &all());
            let _ = locate(&p, &c, TokenType::Refresh, &all());
            let _ = api_key(&p, &c);
        }
    }
}
