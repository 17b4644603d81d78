//! Shared support for the HTTP integration tests: a real server on a loopback port and a
//! client, so every test goes through hyper, axum's routing and real headers.

pub mod api_keys;
pub mod dpop;
pub mod load;
pub mod redis;

use std::net::SocketAddr;

use axum::Router;
use serde_json::Value;

/// A running server on `127.0.0.1:<random port>`, stopped when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The bound address.
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `app` on a fresh loopback port.
    pub async fn start(app: Router) -> Self {
        Self::start_with(|_| app).await
    }

    /// Binds a fresh loopback port, then serves the app `make` builds knowing its base URL
    /// (`http://127.0.0.1:<port>`), for apps whose configuration names their own URL.
    pub async fn start_with(make: impl FnOnce(&str) -> Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let app = make(&format!("http://{addr}"));
        let task = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("server");
        });
        TestServer {
            base: format!("http://{addr}"),
            addr,
            task,
        }
    }

    /// `base + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A client without a cookie store (tests set cookies by hand when they mean to).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("client")
}

/// A client that keeps cookies like a browser.
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
}

/// Status, JSON body (`null` when empty) and headers of a response.
pub async fn status_json_headers(
    res: reqwest::Response,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, body, headers)
}

/// Status and JSON body of a response; the body must be JSON.
pub async fn status_json(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: body is not JSON ({e}): {text:?}"));
    (status, body)
}

/// Asserts an AuthX-shaped error body: `{"message": <non-empty>, "error_type": <expected>}`.
pub fn assert_error(status: u16, body: &Value, expected_status: u16, error_type: &str) {
    assert_eq!(
        status, expected_status,
        "status for {error_type}: body {body}"
    );
    assert_eq!(body["error_type"], error_type, "body {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message in {body}"
    );
}

/// `POST /login` with a JSON `{username, password}` (and a `User-Agent`), asserting `200`:
/// the token pair.
pub async fn login_as(server: &TestServer, user: &str, password: &str, agent: &str) -> Value {
    let res = client()
        .post(server.url("/login"))
        .header("user-agent", agent)
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .expect("login request");
    let (status, body) = status_json(res).await;
    assert_eq!(status, 200, "login as {user}: {body}");
    body
}

/// [`login_as`] with a generic user agent.
pub async fn login(server: &TestServer, user: &str, password: &str) -> Value {
    login_as(server, user, password, "authx-tests").await
}

/// `GET path` with `token` as a bearer token: status and JSON body (within 10 s: a hang fails).
pub async fn get_bearer(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    bearer(client().get(server.url(path)), token).await
}

/// `POST path` with `token` as a bearer token: status and JSON body (within 10 s).
pub async fn post_bearer(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    bearer(client().post(server.url(path)), token).await
}

async fn bearer(request: reqwest::RequestBuilder, token: &str) -> (u16, Value) {
    let res = request
        .bearer_auth(token)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .expect("the service answers (no hang)");
    status_json(res).await
}

/// Fires `n` concurrent requests at `path` (split over `servers`): how many got 200 and 429;
/// any other status panics.
pub async fn burst(servers: &[&TestServer], path: &str, token: &str, n: usize) -> (usize, usize) {
    let c = client();
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let req = c
                .get(servers[i % servers.len()].url(path))
                .bearer_auth(token);
            tokio::spawn(async move { req.send().await.expect("request").status().as_u16() })
        })
        .collect();
    let (mut ok, mut limited) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            200 => ok += 1,
            429 => limited += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    (ok, limited)
}
