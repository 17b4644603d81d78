//! Store URLs, as logs and `Debug` may show them.

/// A URL with its password (`scheme://user:password@host`, or a `password=` query parameter)
/// replaced by `***`, for logs and `Debug`. Anything else comes back unchanged.
pub fn redact_url(url: &str) -> String {
    let redacted = redact_userinfo(url);
    let Some((base, query)) = redacted.split_once('?') else {
        return redacted;
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _))
                if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("pass") =>
            {
                format!("{k}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The authority ends at the first `/`, `?` or `#`; its userinfo at the last `@` in it.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = match userinfo.split_once(':') {
        Some((user, _password)) => user,
        // `redis://secret@host`: Redis clients read a lone userinfo as the password.
        None if scheme.starts_with("redis") => "",
        // A user name alone is no secret.
        None => return url.to_owned(),
    };
    format!("{scheme}://{user}:***@{host}{tail}")
}
