//! The quickstart's cookie login page (`GET /app`, `examples/app.html`) in a real browser:
//! headless Chromium driven through WebDriver (chromedriver) with fantoccini. It logs in, sees
//! the user, makes the CSRF-protected POST, adds an authenticator app (the key it shows, a code
//! computed from it), meets the step-up challenge of a route that needs a second factor, logs
//! out, and sees the same POST refused.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`, `/usr/bin/chromedriver`;
//! `.ci/run` installs them). When either is missing or does not start, the test fails and says
//! so: it never skips. Every wait is bounded, and so is the whole scenario.

#[path = "../examples/quickstart.rs"]
#[allow(dead_code)]
mod quickstart;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use authx::{Auth, AuthConfig, TokenLocation};
use authx_examples::demo::Users;
use authx_tests::TestServer;
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const INSTALL_HINT: &str = "install Debian's packages: apt-get update && \
     apt-get install -y chromium chromium-driver (.ci/run does this)";
/// Bound on each wait for the page (an element, a text, chromedriver's port).
const WAIT: Duration = Duration::from_secs(10);
/// Bound on starting the browser (a WebDriver session).
const BROWSER_START: Duration = Duration::from_secs(60);
/// Bound on the whole scenario once the browser runs.
const SCENARIO: Duration = Duration::from_secs(120);

fn config() -> AuthConfig {
    AuthConfig::builder()
        .secret_key("browser-test-secret-0123456789abcdef")
        .token_locations([TokenLocation::Headers, TokenLocation::Cookies])
        .cookie_secure(false)
        .build()
}

/// A chromedriver child process on a free loopback port, in its own process group; dropping it
/// kills the group (chromedriver and the browser it started).
struct ChromeDriver {
    child: Child,
    port: u16,
    /// chromedriver's log (`--log-path`).
    log: PathBuf,
    /// chromedriver's stdout and stderr, where the browser's own output lands too.
    output: PathBuf,
}

impl ChromeDriver {
    /// Starts chromedriver, writing its log and output into `dir`.
    async fn start(dir: &Path) -> Self {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(Path::new(bin).exists(), "{bin} not found: {INSTALL_HINT}");
        }
        let port = free_port();
        let log = dir.join("chromedriver.log");
        let output = dir.join("chromedriver.out");
        let out = std::fs::File::create(&output).expect("chromedriver output file");
        let err = out.try_clone().expect("chromedriver output file");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}; {INSTALL_HINT}"));
        let mut driver = ChromeDriver {
            child,
            port,
            log,
            output,
        };
        driver.wait_until_listening().await;
        driver
    }

    async fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{CHROMEDRIVER} exited at start ({status}); its log:\n{}",
                    self.log_tail()
                );
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{CHROMEDRIVER} did not listen on 127.0.0.1:{} within {WAIT:?}; its log:\n{}",
                self.port,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The last entries of chromedriver's log (first lines only, no JSON bodies) and the end
    /// of its output, for failure messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let entries: Vec<&str> = log.lines().filter(|l| l.starts_with('[')).collect();
        let output = std::fs::read_to_string(&self.output).unwrap_or_default();
        let output: Vec<&str> = output.lines().collect();
        format!(
            "{}\n-- chromedriver and browser output:\n{}",
            entries[entries.len().saturating_sub(8)..].join("\n"),
            output[output.len().saturating_sub(20)..].join("\n")
        )
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The negative id names the process group that `process_group(0)` created.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free on the loopback interface right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A WebDriver session on headless Chromium with a fresh profile in `profile`.
async fn open_browser(driver: &ChromeDriver, profile: &Path) -> Client {
    let options = json!({
        "binary": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1000,800",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let connect = async {
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
    };
    let client = match tokio::time::timeout(BROWSER_START, connect).await {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => panic!(
            "{CHROMIUM} did not start through {CHROMEDRIVER}: {e}\n\
             (`{CHROMIUM} --headless --no-sandbox --dump-dom about:blank` shows the browser's own \
             error)\nchromedriver log:\n{}",
            driver.log_tail()
        ),
        Err(_) => panic!(
            "{CHROMIUM} did not start within {BROWSER_START:?}\nchromedriver log:\n{}",
            driver.log_tail()
        ),
    };
    client
        .update_timeouts(TimeoutConfiguration::new(
            Some(WAIT),
            Some(WAIT),
            Some(Duration::ZERO),
        ))
        .await
        .expect("set WebDriver timeouts");
    client
}

/// Waits (at most [`WAIT`]) until `#id`'s text satisfies `done`, and returns that text.
async fn wait_text(c: &Client, id: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = None;
    loop {
        if let Ok(element) = c.find(Locator::Id(id)).await {
            match element.text().await {
                Ok(text) if done(&text) => return text,
                Ok(text) => last = Some(text),
                Err(_) => {}
            }
        }
        assert!(
            Instant::now() < deadline,
            "#{id}: waited {WAIT:?} for {what}; its text is {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click #{id}: {e}"));
}

async fn type_into(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into #{id}: {e}"));
}

/// Clicks `#call` and returns the outcome the page shows for the protected POST.
async fn protected_post(c: &Client) -> String {
    click(c, "call").await;
    wait_text(c, "result", "the protected POST's outcome", |t| {
        t.starts_with("POST /cookie/protected →")
    })
    .await
}

async fn scenario(c: &Client, server: &TestServer, screenshot: &Path) {
    c.goto(&server.url("/app")).await.expect("load /app");
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Id("login-form"))
        .await
        .expect("the login form on /app");
    wait_text(c, "who", "the signed-out state", |t| t == "Not signed in").await;

    // A wrong password is refused and shown.
    type_into(c, "username", "user1").await;
    type_into(c, "password", "wrong").await;
    click(c, "login").await;
    let refused = wait_text(c, "result", "the refused login", |t| t.contains("→")).await;
    assert!(refused.contains("401 InvalidCredentialsError"), "{refused}");

    // Log in as user1: the page then shows the user from GET /cookie/protected.
    c.find(Locator::Id("password"))
        .await
        .expect("#password")
        .clear()
        .await
        .expect("clear #password");
    type_into(c, "password", "password1").await;
    click(c, "login").await;
    wait_text(c, "user", "the signed-in user", |t| t == "user1").await;
    let who = wait_text(c, "who", "the signed-in line", |t| t.contains("user1")).await;
    assert_eq!(who, "Signed in: user1");

    // The tokens are HttpOnly: the page's script sees only the CSRF cookie.
    let visible = c
        .execute("return document.cookie;", vec![])
        .await
        .expect("read document.cookie");
    let visible = visible.as_str().unwrap_or_default();
    assert!(visible.contains("csrf_access_token="), "{visible}");
    assert!(!visible.contains("access_token_cookie"), "{visible}");
    assert!(!visible.contains("refresh_token_cookie"), "{visible}");

    // The protected POST carries X-CSRF-TOKEN and succeeds.
    let ok = protected_post(c).await;
    assert_eq!(ok, "POST /cookie/protected → 200 Access granted as user1");
    save_screenshot(
        c,
        &screenshot.with_file_name("authx-browser-app-signed-in.png"),
    )
    .await;

    second_factor(c).await;
    save_screenshot(
        c,
        &screenshot.with_file_name("authx-browser-app-stepped-up.png"),
    )
    .await;

    // Log out: cookies cleared, the page is signed out again.
    click(c, "logout").await;
    let out = wait_text(c, "result", "the logout", |t| {
        t.starts_with("POST /cookie/logout →")
    })
    .await;
    assert_eq!(out, "POST /cookie/logout → 200 Logged out");
    wait_text(c, "who", "the signed-out state", |t| t == "Not signed in").await;
    let visible: Value = c
        .execute("return document.cookie;", vec![])
        .await
        .expect("read document.cookie");
    assert_eq!(visible, json!(""), "cookies left after logout");

    // The same POST is now refused: no token at all.
    let refused = protected_post(c).await;
    assert!(
        refused.starts_with("POST /cookie/protected → 401 MissingTokenError:"),
        "{refused}"
    );

    save_screenshot(c, screenshot).await;
}

/// Adds an authenticator app from the page (the key it shows, a code from it), then meets the
/// step-up challenge of `GET /cookie/sensitive` with the next code.
async fn second_factor(c: &Client) {
    wait_text(c, "mfa-state", "the factor state", |t| {
        t == "Authenticator app: none"
    })
    .await;
    click(c, "enrol").await;
    let enrolled = wait_text(c, "result", "the enrolment", |t| {
        t.starts_with("POST /mfa/totp/enrol →")
    })
    .await;
    assert_eq!(enrolled, "POST /mfa/totp/enrol → 200 OK");
    let qr: Value = c
        .execute("return document.querySelector('#qr img').src;", vec![])
        .await
        .expect("the QR image");
    assert!(
        qr.as_str()
            .unwrap_or_default()
            .starts_with("data:image/svg+xml"),
        "{qr}"
    );
    let secret = wait_text(c, "secret", "the key", |t| !t.is_empty()).await;
    let app = authenticator(&secret);
    type_into(c, "confirm-code", &app.generate(unix_now())).await;
    click(c, "confirm").await;
    let confirmed = wait_text(c, "result", "the confirmation", |t| {
        t.starts_with("POST /mfa/totp/confirm →")
    })
    .await;
    assert_eq!(confirmed, "POST /mfa/totp/confirm → 200 OK");
    let codes = wait_text(c, "recovery-codes", "the recovery codes", |t| !t.is_empty()).await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    wait_text(c, "mfa-state", "the enrolled state", |t| {
        t == "Authenticator app: enrolled (10 recovery codes left)"
    })
    .await;

    // The password-only cookie meets the challenge; the page asks for a code.
    click(c, "sensitive").await;
    let challenged = wait_text(c, "result", "the challenge", |t| {
        t.starts_with("GET /cookie/sensitive →")
    })
    .await;
    assert!(
        challenged.contains("401 InsufficientUserAuthenticationError"),
        "{challenged}"
    );
    // The confirmation spent this step's code: the next one (taken a step early).
    type_into(c, "step-up-code", &app.generate(unix_now() + 30)).await;
    click(c, "step-up").await;
    // The challenge's own line is still shown until the code's answer replaces it.
    let stepped = wait_text(c, "result", "the stepped-up request", |t| {
        t.starts_with("GET /cookie/sensitive → 200") || t.starts_with("POST /mfa/totp/verify → 4")
    })
    .await;
    assert_eq!(
        stepped,
        "GET /cookie/sensitive → 200 Second factor verified as user1"
    );
}

/// The user's authenticator app, from the key the page shows.
fn authenticator(secret: &str) -> totp_rs::TOTP {
    let secret = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("the page shows a base32 key");
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        None,
        String::new(),
    )
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

async fn save_screenshot(c: &Client, path: &Path) {
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    std::fs::write(path, &png).expect("write the screenshot");
    eprintln!("screenshot: {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_login_page_in_headless_chromium() {
    let auth = Auth::new(config()).expect("auth");
    let server = TestServer::start(quickstart::app(auth, Users::demo())).await;
    let scratch = tempfile::tempdir().expect("temp dir");
    let profile = scratch.path().join("profile");
    std::fs::create_dir(&profile).expect("profile dir");
    let driver = ChromeDriver::start(scratch.path()).await;
    let client = open_browser(&driver, &profile).await;

    let screenshot = std::env::temp_dir().join("authx-browser-app.png");
    let outcome = tokio::time::timeout(SCENARIO, scenario(&client, &server, &screenshot)).await;
    // Close the session (and the browser) before judging; `driver`'s drop is the backstop.
    let _ = tokio::time::timeout(WAIT, client.close()).await;
    drop(driver);
    outcome.unwrap_or_else(|_| panic!("the browser scenario took more than {SCENARIO:?}"));
}
