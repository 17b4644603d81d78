//! [`SessionMeta`]: what a login request says about the client, for a new session.

use std::net::IpAddr;

use http::request::Parts;

/// What a login request says about the client: its IP, `User-Agent` and a coarse device name.
/// An extractor that never fails; [`Sessions::meta`](crate::Sessions::meta) reads the same from `Parts`.
///
/// The IP is found as rate limits find it ([`Auth::client_ip`](crate::Auth::client_ip)): the socket peer (with
/// `into_make_service_with_connect_info::<SocketAddr>()`), or what a trusted proxy wrote in
/// the configured forwarding header; never a header the client wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionMeta {
    /// The client IP.
    pub ip: Option<String>,
    /// The `User-Agent` header (at most 512 characters).
    pub user_agent: Option<String>,
    /// A coarse device description (`Firefox on Linux`).
    pub device: Option<String>,
    /// The app's own device information, as JSON (AuthX's `device_info` dict), kept with the
    /// session as given. At most 4 KiB serialized: a larger one makes
    /// [`Sessions::create`](crate::Sessions::create) fail with
    /// [`AuthError::InvalidSessionMeta`](crate::AuthError::InvalidSessionMeta), a
    /// `400 InvalidSessionMetaError`.
    pub device_info: Option<serde_json::Value>,
}

impl SessionMeta {
    /// The metadata of a request whose client is `ip`.
    pub fn new(ip: Option<IpAddr>, parts: &Parts) -> Self {
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect::<String>());
        let device = user_agent.as_deref().map(describe_device);
        SessionMeta {
            ip: ip.map(|ip| ip.to_string()),
            user_agent,
            device,
            device_info: None,
        }
    }

    /// Sets the device description (for clients that name themselves, a kiosk...).
    pub fn with_device(mut self, device: impl Into<String>) -> Self {
        self.device = Some(device.into());
        self
    }

    /// Sets the app's device information: any JSON (`{"platform": "ios", "app": "7.2"}`),
    /// stored with the session and returned by [`Sessions::list`](crate::Sessions::list). At
    /// most 4 KiB serialized: [`Sessions::create`](crate::Sessions::create) refuses more with
    /// `400 InvalidSessionMetaError`.
    pub fn with_device_info(mut self, device_info: serde_json::Value) -> Self {
        self.device_info = Some(device_info);
        self
    }
}

/// `Firefox on Linux`, `Safari on iOS`, `curl`... Good enough for a "your devices" page; not a
/// security signal.
fn describe_device(ua: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(o)) => o.to_owned(),
        (None, None) => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices() {
        let ff = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";
        assert_eq!(describe_device(ff), "Firefox on Linux");
        let ios = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(ios), "Safari on iOS");
        assert_eq!(describe_device("curl/8.5.0"), "curl");
        assert_eq!(describe_device(""), "unknown");
    }
}
