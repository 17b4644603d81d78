//! Resource identifiers (RFC 9728): checked once when the configuration is built, split for
//! the metadata URL and the DPoP `htu` comparison.

/// Where a resource server serves its metadata (RFC 9728 section 3).
pub(crate) const WELL_KNOWN_PATH: &str = "/.well-known/oauth-protected-resource";

/// The metadata URL of a checked resource: its origin, the well-known path, then the
/// resource's own path (RFC 9728 section 3.1).
pub(crate) fn metadata_url(resource: &str) -> Option<String> {
    let (origin, path) = split_resource(resource)?;
    Some(format!("{origin}{WELL_KNOWN_PATH}{path}"))
}

/// `https://host[:port]` and the path (`""` for `/` or none), of a checked resource URL.
pub(crate) fn split_resource(resource: &str) -> Option<(&str, &str)> {
    let after_scheme = resource.find("://")? + 3;
    let path_at = resource[after_scheme..]
        .find('/')
        .map_or(resource.len(), |i| after_scheme + i);
    let path = resource[path_at..].trim_end_matches('/');
    Some((&resource[..path_at], path))
}

/// Why `resource` cannot be a resource identifier (RFC 9728 section 1.2: an `https` URL with
/// no query and no fragment; plain `http` is accepted only for the loopback hosts
/// `localhost`, `127.0.0.1` and `[::1]`, for development).
pub(crate) fn check_resource(resource: &str) -> Result<(), String> {
    let rest = if let Some(rest) = resource.strip_prefix("https://") {
        rest
    } else if let Some(rest) = resource.strip_prefix("http://") {
        let authority = rest.split('/').next().unwrap_or("");
        let loopback = ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .any(|h| authority == *h || authority.starts_with(&format!("{h}:")));
        if !loopback {
            return Err(format!(
                "{resource:?} must be an https URL (plain http only for a loopback host: localhost, 127.0.0.1, [::1])"
            ));
        }
        rest
    } else {
        return Err(format!("{resource:?} must be an https URL"));
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Err(format!("{resource:?} needs a host and no user info"));
    }
    if resource.contains(['?', '#']) || resource.chars().any(|c| c.is_whitespace() || c == '"') {
        return Err(format!(
            "{resource:?} must have no query, no fragment, no space and no quote"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_identifiers() {
        for ok in [
            "https://api.example.com",
            "https://api.example.com/",
            "https://api.example.com:8443/v1",
            "http://localhost:3000",
            "http://127.0.0.1:8080/api",
        ] {
            assert_eq!(check_resource(ok), Ok(()), "{ok}");
        }
        for bad in [
            "api.example.com",
            "http://api.example.com",
            "https://",
            "https://user@api.example.com",
            "https://api.example.com/?x=1",
            "https://api.example.com/#frag",
            "https://api.example.com/a b",
            "https://api.example.com/\"",
        ] {
            assert!(check_resource(bad).is_err(), "{bad}");
        }
    }
}
