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

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn urls_lose_their_passwords() {
        for (url, shown) in [
            ("postgres://u:p@h/db", "postgres://u:***@h/db"),
            ("redis://:p@h:6379/0", "redis://:***@h:6379/0"),
            ("redis://p@h:6379", "redis://:***@h:6379"),
            ("rediss://user:p%40ss@h", "rediss://user:***@h"),
            (
                "redis+cluster://:p@h1:7000,h2:7001?wait_replicas=1",
                "redis+cluster://:***@h1:7000,h2:7001?wait_replicas=1",
            ),
            ("postgres://u:p@h/db?x=a@b", "postgres://u:***@h/db?x=a@b"),
            (
                "postgres://h/db?user=u&password=p&sslmode=require",
                "postgres://h/db?user=u&password=***&sslmode=require",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("memory://", "memory://"),
            ("sqlite://authx.db", "sqlite://authx.db"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
