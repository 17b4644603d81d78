//! Pieces the runnable examples share: a demo user store, configuration from the
//! environment, and serving. The examples themselves (`quickstart.rs`, `manual.rs`) hold
//! everything about authx.
#![deny(missing_docs)]

pub mod demo {
    //! The demo's in-memory users and start-up helpers.

    use std::collections::HashMap;
    use std::net::SocketAddr;
    use std::sync::{Arc, RwLock};

    use authx::{AuthConfig, TokenLocation};
    use serde::{Deserialize, Serialize};
    use subtle::ConstantTimeEq;

    /// A demo user. Passwords in plain text: a demo, not a pattern (hash them for real).
    #[derive(Debug, Clone, Serialize)]
    pub struct DemoUser {
        /// Login name, also the token subject.
        pub username: String,
        /// Email shown by `/protected` and `/me`.
        pub email: String,
        /// Scopes granted at login.
        pub scopes: Vec<String>,
        #[serde(skip)]
        password: String,
    }

    /// The body of `POST /login`.
    #[derive(Debug, Deserialize)]
    pub struct LoginBody {
        /// Login name.
        pub username: String,
        /// Password.
        pub password: String,
    }

    /// The demo's users: `user1/password1` (`users:read`), `user2/password2` (no scopes),
    /// `admin/admin` (`admin:*`).
    #[derive(Debug, Clone)]
    pub struct Users(Arc<RwLock<HashMap<String, DemoUser>>>);

    impl Users {
        /// The three demo users.
        pub fn demo() -> Self {
            let users = [
                ("user1", "password1", &["users:read"][..]),
                ("user2", "password2", &[][..]),
                ("admin", "admin", &["admin:*"][..]),
            ]
            .into_iter()
            .map(|(u, p, s)| {
                let user = DemoUser {
                    username: u.into(),
                    email: format!("{u}@example.com"),
                    scopes: s.iter().map(|s| (*s).to_owned()).collect(),
                    password: p.into(),
                };
                (u.to_owned(), user)
            })
            .collect();
            Users(Arc::new(RwLock::new(users)))
        }

        /// The user, when the password matches (compared in constant time).
        pub fn login(&self, body: &LoginBody) -> Option<DemoUser> {
            let user = self.get(&body.username)?;
            bool::from(user.password.as_bytes().ct_eq(body.password.as_bytes())).then_some(user)
        }

        /// The user named `username`.
        pub fn get(&self, username: &str) -> Option<DemoUser> {
            self.0
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(username)
                .cloned()
        }

        /// Deletes a user; `true` when it existed.
        pub fn remove(&self, username: &str) -> bool {
            self.0
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .remove(username)
                .is_some()
        }
    }

    /// The examples' configuration: `AUTHX_*` variables over the defaults, with two demo
    /// conveniences when they are unset: tokens from headers **and** cookies, and cookies
    /// without `Secure` (the demo serves plain HTTP on localhost). Without
    /// `AUTHX_SECRET_KEY` it warns loudly and uses a random key: tokens die with the process.
    pub fn config_from_env() -> Result<AuthConfig, authx::ConfigError> {
        let mut config = AuthConfig::from_env()?;
        if std::env::var_os("AUTHX_TOKEN_LOCATION").is_none() {
            config.token_locations = vec![TokenLocation::Headers, TokenLocation::Cookies];
        }
        if std::env::var_os("AUTHX_COOKIE_SECURE").is_none() {
            config.cookies.secure = false;
        }
        if config.secret_key.is_none() && config.algorithm == authx::Algorithm::HS256 {
            eprintln!(
                "\n  WARNING: AUTHX_SECRET_KEY is not set. Using a random key for this run:\n  \
                 every token dies when the process stops. Set AUTHX_SECRET_KEY (32+ random bytes).\n"
            );
            config.secret_key = Some(random_secret().into());
        }
        if config.api_keys.pepper.is_none() {
            // API keys made in this run die with it, as its tokens do without a secret.
            config.api_keys.pepper = Some(random_secret().into());
        }
        Ok(config)
    }

    fn random_secret() -> String {
        let mut bytes = [0u8; 32];
        // getrandom only fails where the OS has no entropy source; the demo cannot run there.
        getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `401 {"message": ..., "error_type": "InvalidCredentialsError"}` for a failed login, in
    /// AuthX's error shape.
    pub fn bad_credentials() -> axum::response::Response {
        use axum::response::IntoResponse;
        let body = authx::ErrorBody::new("Invalid username or password", "InvalidCredentialsError");
        (http::StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
    }

    /// Echoes every text message back, prefixed with `subject: `, until the client closes or
    /// the token ends (the socket is then closed with 1008: see `authx::ws`).
    pub async fn echo(mut socket: authx::ws::TokenSocket, subject: String) {
        use axum::extract::ws::Message;
        while let Some(Ok(msg)) = socket.recv().await {
            match msg {
                Message::Text(text) => {
                    let reply = format!("{subject}: {}", text.as_str());
                    if socket.send(Message::Text(reply.into())).await.is_err() {
                        break;
                    }
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
    }

    /// What `GET /metrics` answers: the recorder's metrics, and what `auth`'s verified-token
    /// cache holds now (`authx_verify_cache_entries`, `authx_verify_cache_bytes`).
    #[cfg(feature = "metrics")]
    pub fn render_metrics(auth: &authx::Auth) -> String {
        let cache = auth.keys().verify_cache_size();
        let mut text = metrics().render();
        for (name, help, value) in [
            (
                "entries",
                "Tokens the verified-token cache holds.",
                cache.entries,
            ),
            (
                "bytes",
                "Bytes the verified-token cache holds.",
                cache.bytes,
            ),
        ] {
            text.push_str(&format!(
                "# HELP authx_verify_cache_{name} {help}\n\
                 # TYPE authx_verify_cache_{name} gauge\n\
                 authx_verify_cache_{name} {value}\n"
            ));
        }
        text
    }

    /// The process's Prometheus recorder, installed on first use (feature `metrics`): what
    /// `GET /metrics` renders.
    #[cfg(feature = "metrics")]
    pub fn metrics() -> &'static metrics_exporter_prometheus::PrometheusHandle {
        static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
            std::sync::OnceLock::new();
        HANDLE.get_or_init(|| {
            // Histograms as Prometheus histograms (fixed buckets, seconds): a few counters per
            // series. Without buckets the exporter renders summaries, whose sketches grow with
            // the spread of the values seen (hundreds of KiB per series under load: the soak
            // found RSS creeping up by that).
            const SECONDS: &[f64] = &[
                0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05,
                0.1, 0.25, 0.5, 1.0,
            ];
            let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
                .set_buckets(SECONDS)
                .expect("the buckets are not empty")
                .install_recorder()
                .expect("no other metrics recorder is installed in this process");
            // Without the exporter's own HTTP listener nothing drains the histograms' samples
            // between scrapes: without this upkeep, memory grows with every request until
            // `/metrics` is read (the soak found it).
            let upkeep = handle.clone();
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
            handle
        })
    }

    /// Logs to stderr, filtered by `RUST_LOG` or else `default` (`info,authx=debug` shows every
    /// auth decision).
    pub fn init_tracing(default: &str) {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
            )
            .init();
    }

    /// Serves `app` on `127.0.0.1:$PORT` (default 3000) until Ctrl-C.
    pub async fn serve(app: axum::Router) -> std::io::Result<()> {
        let port: u16 = std::env::var("PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(3000);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening on http://{}", listener.local_addr()?);
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    }
}
