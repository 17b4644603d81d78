//! Reading cookies from a request, on the `cookie` crate, with one rule for every reader (the
//! token locator, implicit refresh, the vault): a cookie with an empty value counts as absent,
//! and two non-empty values of one name are ambiguous (refused, never guessed at). Values are
//! taken as sent, surrounding double quotes removed.

use http::{HeaderMap, HeaderValue, header};

/// A cookie name that appears twice with values: which one the browser meant cannot be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ambiguous;

/// The value of cookie `name` across every `Cookie` header.
pub(crate) fn find<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Ambiguous> {
    let mut found = None;
    for (cookie_name, value) in pairs(headers) {
        if cookie_name != name || value.is_empty() {
            continue;
        }
        if found.is_some() {
            return Err(Ambiguous);
        }
        found = Some(value);
    }
    Ok(found)
}

/// Every `name=value` pair of every `Cookie` header, in order (unparsable pieces skipped).
fn pairs(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .filter_map(|c| Some((c.name_raw()?, unquote(c.value_raw()?))))
}

fn unquote(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
}

/// Replaces the value of cookie `name` in the request's `Cookie` headers (implicit refresh
/// hands the handlers the token it just issued); the other cookies are kept as they were.
pub(crate) fn replace(headers: &mut HeaderMap, name: &str, value: &str) {
    let rebuilt: Vec<String> = pairs(headers)
        .map(|(k, v)| {
            let v = if k == name { value } else { v };
            format!("{k}={v}")
        })
        .collect();
    headers.remove(header::COOKIE);
    if let Ok(joined) = HeaderValue::from_str(&rebuilt.join("; ")) {
        headers.insert(header::COOKIE, joined);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookies: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for c in cookies {
            h.append(header::COOKIE, HeaderValue::from_str(c).unwrap());
        }
        h
    }

    #[test]
    fn one_rule_for_empty_quoted_and_repeated_cookies() {
        let h = headers(&["a=1; b=\"2\"; c=", "d=4"]);
        assert_eq!(find(&h, "a"), Ok(Some("1")));
        assert_eq!(find(&h, "b"), Ok(Some("2")), "quotes removed");
        assert_eq!(find(&h, "c"), Ok(None), "empty is absent");
        assert_eq!(find(&h, "d"), Ok(Some("4")), "across header lines");
        assert_eq!(find(&h, "zz"), Ok(None));
        assert_eq!(find(&headers(&["a=1", "a=2"]), "a"), Err(Ambiguous));
        assert_eq!(find(&headers(&["a=; a=2"]), "a"), Ok(Some("2")));
        assert_eq!(find(&headers(&["garbage; =x; a=1"]), "a"), Ok(Some("1")));
    }

    #[test]
    fn replace_keeps_the_other_cookies() {
        let mut h = headers(&["a=1; tok=old", "b=2"]);
        replace(&mut h, "tok", "new");
        assert_eq!(h.get(header::COOKIE).unwrap(), "a=1; tok=new; b=2");
    }
}
