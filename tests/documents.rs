//! The documents example (`examples/documents.rs`) over real HTTP: each rule of its Cedar
//! policies, the resource loaded once and handed to the handler, `404` before any decision,
//! the list filtered per user, evaluation errors failing closed, and policies reloaded
//! without a restart (a set that does not validate is refused and the old one stays).

#[path = "../examples/documents.rs"]
#[allow(dead_code)]
mod documents;

use std::path::{Path, PathBuf};

use authx::authz::Authz;
use authx::{Auth, AuthConfig};
use authx_tests::{TestServer, assert_error, client, status_json};
use documents::Library;
use serde_json::{Value, json};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");

/// The example's policies, copied to a directory of this test's own (a reload test edits it).
fn policies_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authx-documents-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let from = Path::new(EXAMPLES)
        .join(documents::POLICIES)
        .join("documents.cedar");
    std::fs::copy(from, dir.join("documents.cedar")).unwrap();
    dir
}

struct App {
    server: TestServer,
    library: Library,
    authz: Authz,
    auth: Auth,
}

async fn start(name: &str) -> App {
    let schema = Path::new(EXAMPLES).join(documents::SCHEMA);
    let authz = Authz::from_files(schema, policies_copy(name)).unwrap();
    let config = AuthConfig::builder()
        .secret_key("documents-test-secret-0123456789abcdef")
        .build();
    let auth = Auth::builder(config).authz(authz.clone()).build().unwrap();
    let library = Library::demo();
    let server = TestServer::start(documents::app(auth.clone(), library.clone())).await;
    App {
        server,
        library,
        authz,
        auth,
    }
}

impl App {
    fn token(&self, user: &str) -> String {
        self.auth.tokens().access(user).issue().unwrap()
    }

    async fn call(&self, method: &str, path: &str, user: Option<&str>) -> (u16, Value) {
        let method = http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = client().request(method.clone(), self.server.url(path));
        if let Some(user) = user {
            req = req.bearer_auth(self.token(user));
        }
        if method == http::Method::PUT {
            req = req.json(&json!({ "body": format!("edited by {}", user.unwrap_or("-")) }));
        }
        status_json(req.send().await.unwrap()).await
    }

    async fn status(&self, method: &str, path: &str, user: &str) -> u16 {
        self.call(method, path, Some(user)).await.0
    }
}

#[tokio::test]
async fn each_rule_allows_what_it_says_and_nothing_more() {
    let app = start("rules").await;
    // Document 1: olivia's, shared with victor to read and edith to edit; 2 is public;
    // 3 is ada's; ada administers the organization.
    let cases = [
        ("GET", "/documents/1", "olivia", 200),
        ("PUT", "/documents/1", "olivia", 200),
        ("GET", "/documents/1", "victor", 200),
        ("PUT", "/documents/1", "victor", 403),
        ("DELETE", "/documents/1", "victor", 403),
        ("GET", "/documents/1", "edith", 200),
        ("PUT", "/documents/1", "edith", 200),
        ("DELETE", "/documents/1", "edith", 403),
        ("GET", "/documents/1", "mallory", 403),
        ("PUT", "/documents/1", "mallory", 403),
        ("GET", "/documents/2", "mallory", 200),
        ("PUT", "/documents/2", "mallory", 403),
        ("GET", "/documents/3", "olivia", 403),
        ("PUT", "/documents/3", "ada", 200),
        ("DELETE", "/documents/1", "ada", 200),
        ("DELETE", "/documents/2", "olivia", 200),
    ];
    for (method, path, user, expected) in cases {
        let (status, body) = app.call(method, path, Some(user)).await;
        assert_eq!(status, expected, "{method} {path} as {user}: {body}");
        if expected == 403 {
            assert_error(status, &body, 403, "PolicyDeniedError");
            assert_eq!(
                body["message"], "Policy denied access",
                "no policy text leaks"
            );
        }
    }
    // Deleted by ada and olivia above.
    assert_eq!(app.status("GET", "/documents/1", "olivia").await, 404);
    assert_eq!(app.status("GET", "/documents/2", "mallory").await, 404);
}

#[tokio::test]
async fn the_handler_gets_the_loaded_resource_and_the_loader_runs_once() {
    let app = start("once").await;
    let (status, body) = app.call("GET", "/documents/1", Some("victor")).await;
    assert_eq!((status, &body["title"]), (200, &json!("Plan")), "{body}");
    assert_eq!(body["editors"], json!(["edith"]));
    assert_eq!(app.library.loads(), 1);

    let (status, body) = app.call("PUT", "/documents/1", Some("edith")).await;
    assert_eq!((status, &body["body"]), (200, &json!("edited by edith")));
    assert_eq!(
        app.library.loads(),
        2,
        "one load for the guard and the handler"
    );

    // The actions route takes the resource, the user and the claims: still one load.
    let (status, body) = app.call("GET", "/documents/1/actions", Some("edith")).await;
    assert_eq!(status, 200);
    assert_eq!(body["actions"], json!(["Document::edit", "Document::read"]));
    assert_eq!(app.library.loads(), 3);

    // A refused token is refused before anything is loaded.
    let (status, body) = app.call("GET", "/documents/1", None).await;
    assert_error(status, &body, 401, "MissingTokenError");
    let forged = client()
        .get(app.server.url("/documents/1"))
        .bearer_auth("e30.e30.sig")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    assert_eq!(app.library.loads(), 3);
}

#[tokio::test]
async fn a_missing_resource_is_404_before_any_decision_and_a_bad_path_400() {
    let app = start("missing").await;
    for user in ["mallory", "ada"] {
        let (status, body) = app.call("GET", "/documents/99", Some(user)).await;
        assert_error(status, &body, 404, "ResourceNotFoundError");
        let (status, body) = app.call("DELETE", "/documents/99", Some(user)).await;
        assert_error(status, &body, 404, "ResourceNotFoundError");
    }
    for path in [
        "/documents/abc",
        "/documents/-1",
        "/documents/99999999999999999999999",
    ] {
        let (status, body) = app.call("GET", path, Some("olivia")).await;
        assert_error(status, &body, 400, "InvalidResourceRequestError");
    }
}

#[tokio::test]
async fn the_list_is_filtered_per_user() {
    let app = start("list").await;
    let ids = |body: &Value| -> Vec<u64> {
        body["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_u64().unwrap())
            .collect()
    };
    for (user, expected) in [
        ("olivia", vec![1, 2]),
        ("victor", vec![1, 2]),
        ("edith", vec![1, 2]),
        ("ada", vec![1, 2, 3]),
        ("mallory", vec![2]),
    ] {
        let (status, body) = app.call("GET", "/documents", Some(user)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(ids(&body), expected, "{user}");
    }
    // A user the directory does not know is no principal at all.
    let (status, body) = app.call("GET", "/documents/2", Some("stranger")).await;
    assert_error(status, &body, 401, "SubjectNotFoundError");
}

/// Writes `text` as the policy file, atomically (a new file renamed over the old).
fn write_policies(dir: &Path, text: &str) {
    let tmp = dir.join(".documents.cedar.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, dir.join("documents.cedar")).unwrap();
}

#[tokio::test]
async fn policies_reload_without_a_restart_and_a_bad_set_keeps_the_old_one() {
    let app = start("reload").await;
    let dir = std::env::temp_dir().join(format!("authx-documents-reload-{}", std::process::id()));
    let original = std::fs::read_to_string(dir.join("documents.cedar")).unwrap();
    assert_eq!(app.status("PUT", "/documents/1", "victor").await, 403);

    // Viewers may edit now.
    let viewers_edit = format!(
        "{original}\n@id(\"viewers-edit\")\npermit(principal, action == Docs::Action::\"edit\", \
         resource) when {{ resource.viewers.contains(principal) }};\n"
    );
    write_policies(&dir, &viewers_edit);
    assert_eq!(app.authz.reload().unwrap(), 6);
    assert_eq!(app.status("PUT", "/documents/1", "victor").await, 200);

    // A file that does not parse, then one that does not validate against the schema: both
    // refused, and the set in force stays.
    for bad in [
        "permit(principal, action, resource) when { resource.owner == ",
        "permit(principal, action, resource) when { resource.colour == \"red\" };",
    ] {
        write_policies(&dir, bad);
        assert!(app.authz.reload().is_err(), "{bad}");
        assert_eq!(app.status("PUT", "/documents/1", "victor").await, 200);
        assert_eq!(app.status("GET", "/documents/1", "mallory").await, 403);
    }

    // Back to the original through the watcher: it swaps the file in once it holds still.
    let watch = app.authz.watch(std::time::Duration::from_millis(50));
    write_policies(&dir, &original);
    let mut swapped = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if app.authz.policy_ids().len() == 5 {
            swapped = true;
            break;
        }
    }
    watch.abort();
    assert!(swapped, "the watcher took the edited file");
    assert_eq!(app.status("PUT", "/documents/1", "victor").await, 403);
}

#[tokio::test]
async fn a_policy_that_errs_refuses_and_the_context_carries_the_route_and_address() {
    let app = start("errors").await;
    let dir = std::env::temp_dir().join(format!("authx-documents-errors-{}", std::process::id()));
    // The owner may read, but a `forbid` that overflows errs on every request: the decision
    // fails closed rather than letting the `permit` stand.
    write_policies(
        &dir,
        r#"@id("owner") permit(principal, action, resource) when { resource.owner == principal };
           @id("overflow") forbid(principal, action, resource)
               when { context.time + 9223372036854775807 > 0 };"#,
    );
    app.authz.reload().unwrap();
    let (status, body) = app.call("GET", "/documents/1", Some("olivia")).await;
    assert_error(status, &body, 403, "PolicyEvaluationError");
    assert_eq!(
        body["message"], "Policy evaluation failed",
        "no detail leaks"
    );

    // Reads allowed only on the `read` route, from a known address, within the token's hour.
    write_policies(
        &dir,
        r#"permit(principal, action == Docs::Action::"read", resource)
               when { context has route && context.route == "GET /documents/{id}"
                      && context has ip && context.ip.isLoopback()
                      && context.ip.isInRange(ip("127.0.0.0/8"))
                      && context.time > 1700000000 && !context.dpop };"#,
    );
    app.authz.reload().unwrap();
    assert_eq!(app.status("GET", "/documents/3", "mallory").await, 200);
    // The actions route decides `Document::read` too, on another route.
    assert_eq!(
        app.status("GET", "/documents/3/actions", "mallory").await,
        403
    );
}

/// A decision point (OpenID AuthZEN 1.0) that lets owners do anything, and records what it
/// was asked.
async fn pdp(
    axum::extract::State(asked): axum::extract::State<std::sync::Arc<std::sync::Mutex<Vec<Value>>>>,
    axum::Json(request): axum::Json<Value>,
) -> axum::Json<Value> {
    let owner = &request["resource"]["properties"]["owner"]["__entity"]["id"];
    let allowed = request["subject"]["id"] == *owner;
    asked.lock().unwrap().push(request);
    axum::Json(json!({ "decision": allowed }))
}

#[tokio::test]
async fn the_same_routes_decided_by_an_authzen_decision_point() {
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let pdp_server = TestServer::start(
        axum::Router::new()
            .route("/access/v1/evaluation", axum::routing::post(pdp))
            .with_state(asked.clone()),
    )
    .await;
    let pdp_client = authx::authz::AuthzenClient::new(&pdp_server.url(""))
        .unwrap()
        .allow_insecure_http(true);
    let config = AuthConfig::builder()
        .secret_key("documents-test-secret-0123456789abcdef")
        .build();
    // Local policies and a decision point at once would be two sets of rules: refused.
    let both = Auth::builder(config.clone())
        .authz(
            Authz::from_sources(
                &std::fs::read_to_string(Path::new(EXAMPLES).join(documents::SCHEMA)).unwrap(),
                &[],
            )
            .unwrap(),
        )
        .authzen(pdp_client.clone())
        .build();
    assert!(both.is_err());
    let auth = Auth::builder(config).authzen(pdp_client).build().unwrap();
    let library = Library::demo();
    let server = TestServer::start(documents::app(auth.clone(), library.clone())).await;
    let call = |path: &'static str, user: &'static str| {
        let token = auth.tokens().access(user).issue().unwrap();
        let req = client().get(server.url(path)).bearer_auth(token);
        async move { status_json(req.send().await.unwrap()).await }
    };

    let (status, body) = call("/documents/1", "olivia").await;
    assert_eq!((status, &body["title"]), (200, &json!("Plan")), "{body}");
    let (status, body) = call("/documents/1", "edith").await;
    assert_error(status, &body, 403, "PolicyDeniedError");
    let (status, body) = call("/documents/99", "olivia").await;
    assert_error(status, &body, 404, "ResourceNotFoundError");

    // What the decision point was asked: the #[auth_subject] principal with its attributes,
    // the action, the loaded resource and the request's context.
    let first = asked.lock().unwrap()[0].clone();
    assert_eq!(first["subject"]["type"], "User");
    assert_eq!(first["subject"]["id"], "olivia");
    assert_eq!(first["subject"]["properties"]["admin_of"], json!([]));
    assert_eq!(first["action"]["name"], "read");
    assert_eq!(
        (&first["resource"]["type"], &first["resource"]["id"]),
        (&json!("Document"), &json!("1"))
    );
    assert_eq!(first["context"]["ip"], "127.0.0.1");
    assert_eq!(
        asked.lock().unwrap().len(),
        2,
        "no decision for a missing resource"
    );

    // A decision point that is down refuses, it never allows.
    drop(pdp_server);
    let (status, body) = call("/documents/1", "olivia").await;
    assert_error(status, &body, 403, "PolicyEvaluationError");
}

#[test]
fn policies_on_a_schema_without_a_routes_action_are_refused_at_start_up() {
    // The routes compiled against the example's schema; a service started with a schema that
    // renamed `edit` would refuse every edit at request time. It does not start.
    let schema = std::fs::read_to_string(Path::new(EXAMPLES).join(documents::SCHEMA)).unwrap();
    let renamed = schema.replace("read, edit, share", "read, modify, share");
    assert_ne!(schema, renamed);
    let authz = Authz::from_sources(&renamed, &[]).unwrap();
    let config = || {
        AuthConfig::builder()
            .secret_key("documents-test-secret-0123456789abcdef")
            .build()
    };
    let err = Auth::builder(config()).authz(authz).build().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("1 route(s)"), "{text}");
    assert!(text.contains("PUT /documents/{id}"), "{text}");
    assert!(text.contains("Document::edit"), "{text}");
    // The example's own schema starts.
    let authz = Authz::from_sources(&schema, &[]).unwrap();
    Auth::builder(config()).authz(authz).build().unwrap();
}

/// Not a test of its own: the program `authx routes` runs below (this test binary, filtered
/// to this test). With `AUTHX_ROUTES` set it prints the registry, documents' routes included.
#[test]
fn print_routes_when_asked() {
    authx::registry::print_if_asked();
}

#[test]
fn authx_routes_lists_each_routes_action() {
    use clap::Parser as _;
    let me = std::env::current_exe().unwrap();
    let me = me.to_str().unwrap();
    let cli = authx_cli::Cli::try_parse_from([
        "authx",
        "routes",
        "--actions",
        "--",
        me,
        "--exact",
        "print_routes_when_asked",
        "--nocapture",
    ])
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let io = authx_cli::Io {
        stdin: &mut std::io::empty(),
        stdout: &mut out,
        stderr: &mut err,
    };
    authx_cli::run(cli, &|_| None, io).unwrap();
    let out = String::from_utf8(out).unwrap();
    let row = |route: &str| {
        out.lines()
            .find(|l| l.starts_with(route))
            .map(|l| l.split_whitespace().skip(3).take(2).collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no {route} in\n{out}"))
    };
    assert!(out.contains("ROUTE"), "{out}");
    assert_eq!(row("PUT /documents/{id} "), ["Document::edit", "Document"]);
    assert_eq!(
        row("DELETE /documents/{id} "),
        ["Document::delete", "Document"]
    );
    assert_eq!(row("GET /documents "), ["-", "-"]);

    // A program that does not list its routes is an error that says what to add.
    let cli = authx_cli::Cli::try_parse_from(["authx", "routes", "--", "true"]).unwrap();
    let io = authx_cli::Io {
        stdin: &mut std::io::empty(),
        stdout: &mut Vec::new(),
        stderr: &mut Vec::new(),
    };
    let e = authx_cli::run(cli, &|_| None, io).unwrap_err();
    assert!(e.to_string().contains("print_if_asked"), "{e}");
}
