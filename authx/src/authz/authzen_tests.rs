//! The AuthZEN client against a small axum PDP on 127.0.0.1 (axum is built here without its
//! server, so the test serves its router over a few lines of HTTP/1.1 on a tokio socket).

use std::io::ErrorKind;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use super::{AuthzDecision, AuthzenClient, action_name, read_answer};
use crate::authz::{Attr, Attrs, AuthzContext, AuthzEntity, Principal};
use crate::error::AuthError;

struct Document {
    id: u64,
    owner: &'static str,
}

impl AuthzEntity for Document {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn attrs(&self) -> Attrs {
        Attrs::new()
            .with("owner", Attr::entity("User", self.owner))
            .with("title", "Plans")
    }
    fn parents(&self) -> Vec<(String, String)> {
        vec![("Folder".into(), "f1".into())]
    }
}

/// What the PDP answers, and what it saw (headers, body).
#[derive(Clone)]
struct Pdp {
    mode: &'static str,
    seen: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
}

/// The rule: the owner may edit. Other modes misbehave.
async fn evaluate(State(pdp): State<Pdp>, headers: HeaderMap, body: String) -> Response {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let token = headers.get("authorization").map(|v| v.to_str().unwrap());
    let token = token.unwrap_or_default().to_owned();
    pdp.seen.lock().unwrap().push((headers, body.clone()));
    match pdp.mode {
        "500" => return (StatusCode::INTERNAL_SERVER_ERROR, "policy store down").into_response(),
        "no-decision" => return axum::Json(json!({ "allowed": true })).into_response(),
        "slow" => tokio::time::sleep(Duration::from_secs(5)).await,
        "huge" => {
            let pad = "x".repeat(70 * 1024);
            return axum::Json(json!({ "decision": true, "context": { "pad": pad } }))
                .into_response();
        }
        // Echoes what it got, as a careless PDP might.
        "bearer" if token != "Bearer s3cret" => {
            return (StatusCode::UNAUTHORIZED, format!("invalid token {token}")).into_response();
        }
        _ => {}
    }
    let owner = &body["resource"]["properties"]["owner"]["__entity"];
    let allowed = body["action"]["name"] == "edit"
        && owner["type"] == "User"
        && owner["id"] == body["subject"]["id"];
    let context = if allowed {
        json!({ "id": "owners-edit" })
    } else {
        json!({ "reason_admin": { "403": "not the owner" }, "reason_user": { "403": "no" } })
    };
    axum::Json(json!({ "decision": allowed, "context": context })).into_response()
}

/// A PDP in `mode` on 127.0.0.1: its base URL and what it saw.
async fn pdp(mode: &'static str) -> (String, Arc<Mutex<Vec<(HeaderMap, Value)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/pdp/access/v1/evaluation", post(evaluate))
        .with_state(Pdp {
            mode,
            seen: seen.clone(),
        });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/pdp", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_one(stream, app.clone()));
        }
    });
    (base, seen)
}

/// One HTTP/1.1 request on `stream`, answered by `app`, then the connection closes.
async fn serve_one(stream: TcpStream, app: Router) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let head_end = loop {
        if read_some(&stream, &mut buf).await? == 0 {
            return Ok(());
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or("GET");
    let mut request = http::Request::builder()
        .method(method)
        .uri(first.next().unwrap());
    let mut len = 0;
    for (name, value) in lines.filter_map(|l| l.split_once(':')) {
        if name.eq_ignore_ascii_case("content-length") {
            len = value.trim().parse().unwrap_or(0);
        }
        request = request.header(name.trim(), value.trim());
    }
    while buf.len() < head_end + len {
        if read_some(&stream, &mut buf).await? == 0 {
            return Ok(());
        }
    }
    let body = Body::from(buf[head_end..head_end + len].to_vec());
    let response = app.oneshot(request.body(body).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let status = parts.status.as_u16();
    let mut out = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (name, value) in parts.headers.iter().filter(|(n, _)| *n != "content-length") {
        out += &format!("{name}: {}\r\n", value.to_str().unwrap());
    }
    out += &format!("content-length: {}\r\n\r\n", body.len());
    write_all(&stream, &[out.as_bytes(), &body].concat()).await
}

async fn read_some(stream: &TcpStream, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0; 8192];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut chunk) {
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(n);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

async fn write_all(stream: &TcpStream, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        stream.writable().await?;
        match stream.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn client(base: &str) -> AuthzenClient {
    AuthzenClient::new(base).unwrap().allow_insecure_http(true)
}

fn context() -> AuthzContext {
    AuthzContext::at(1_700_000_000)
        .with_ip("203.0.113.9")
        .with_route("docs::edit")
}

const DOC: Document = Document {
    id: 1,
    owner: "alice",
};

async fn ask(pdp: &AuthzenClient, who: &Principal, action: &str) -> AuthzDecision {
    pdp.evaluate(who, action, &DOC, &context()).await
}

#[tokio::test]
async fn the_owner_may_edit_and_the_request_is_authzen_shaped() {
    let (base, seen) = pdp("rule").await;
    let alice = Principal::new("alice")
        .with_attrs(json!({ "department": "eng" }))
        .with_parent("Team", "writers");
    let decision = ask(&client(&base), &alice, "Document::edit").await;
    assert!(decision.allowed, "{decision:?}");
    assert!(decision.errors.is_empty());
    assert_eq!(decision.policies, ["owners-edit"]);
    assert!(decision.clone().into_result().is_ok());

    let seen = seen.lock().unwrap();
    let (headers, body) = &seen[0];
    assert_eq!(headers["content-type"], "application/json");
    assert!(headers.get("authorization").is_none());
    assert!(uuid::Uuid::parse_str(headers["x-request-id"].to_str().unwrap()).is_ok());
    assert_eq!(
        *body,
        json!({
            "subject": {
                "type": "User",
                "id": "alice",
                "properties": {
                    "department": "eng",
                    "__parents": [{ "type": "Team", "id": "writers" }],
                },
            },
            "action": { "name": "edit" },
            "resource": {
                "type": "Document",
                "id": "1",
                "properties": {
                    "owner": { "__entity": { "type": "User", "id": "alice" } },
                    "title": "Plans",
                    "__parents": [{ "type": "Folder", "id": "f1" }],
                },
            },
            "context": {
                "time": 1_700_000_000,
                "dpop": false,
                "ip": "203.0.113.9",
                "route": "docs::edit",
            },
        })
    );
}

#[tokio::test]
async fn others_are_denied_with_the_pdps_reason() {
    let (base, seen) = pdp("rule").await;
    let pdp = client(&base).principal_type("Employee");
    let bob = Principal::new("bob");
    let decision = ask(&pdp, &bob, "Document::edit").await;
    assert!(
        !decision.allowed && decision.errors.is_empty(),
        "{decision:?}"
    );
    assert_eq!(decision.policies, ["not the owner"]);
    let denied = matches!(decision.into_result(), Err(AuthError::PolicyDenied { .. }));
    assert!(denied);
    // The configured type, unless the principal names its own.
    let typed = Principal::new("alice").with_type("Admin");
    ask(&pdp, &typed, "Document::edit").await;
    let seen = seen.lock().unwrap();
    let bob = json!({ "type": "Employee", "id": "bob", "properties": {} });
    assert_eq!(seen[0].1["subject"], bob);
    assert_eq!(seen[1].1["subject"]["type"], "Admin");
}

/// A refusal with an error, as `403 PolicyEvaluationError`.
fn assert_failed(decision: &AuthzDecision, why: &str) {
    let [error] = &decision.errors[..] else {
        panic!("one error expected: {decision:?}")
    };
    assert!(error.contains(why), "expected {why:?} in {error:?}");
    assert!(!decision.allowed && decision.policies.is_empty());
    let result = decision.clone().into_result();
    assert!(matches!(result, Err(AuthError::PolicyEvaluation { .. })));
}

#[tokio::test]
async fn a_failing_pdp_refuses() {
    for (mode, why) in [
        (
            "500",
            r#"status 500 Internal Server Error: "policy store down""#,
        ),
        ("no-decision", "no boolean `decision`"),
        ("huge", "the answer: length limit exceeded"),
    ] {
        let (base, _) = pdp(mode).await;
        let decision = ask(&client(&base), &Principal::new("alice"), "Document::edit").await;
        assert_failed(&decision, why);
    }
}

#[tokio::test]
async fn a_slow_pdp_times_out() {
    let (base, seen) = pdp("slow").await;
    let started = Instant::now();
    let pdp = client(&base).timeout(Duration::from_millis(200));
    let decision = ask(&pdp, &Principal::new("alice"), "Document::edit").await;
    assert_failed(&decision, "no answer within 200ms");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(decision.elapsed >= Duration::from_millis(200));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_refuses() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let decision = ask(&client(&base), &Principal::new("alice"), "Document::edit").await;
    assert_failed(&decision, "POST http://127.0.0.1:");
}

#[tokio::test]
async fn the_bearer_token_is_sent_and_never_shown() {
    let (base, seen) = pdp("bearer").await;
    let alice = Principal::new("alice");
    let with = client(&base).bearer("s3cret");
    let decision = ask(&with, &alice, "Document::edit").await;
    assert!(decision.allowed, "{decision:?}");
    assert_eq!(seen.lock().unwrap()[0].0["authorization"], "Bearer s3cret");
    assert!(!format!("{with:?}").contains("s3cret"));

    let without = client(&base);
    let decision = ask(&without, &alice, "Document::edit").await;
    assert_failed(&decision, r#"status 401 Unauthorized: "invalid token""#);

    // The PDP's 401 echoes the wrong token: redacted from the reason.
    let wrong = client(&base).bearer("wrong-token");
    let decision = ask(&wrong, &alice, "Document::edit").await;
    assert_failed(
        &decision,
        r#"status 401 Unauthorized: "invalid token Bearer <redacted>""#,
    );
    assert!(!decision.errors[0].contains("wrong-token"));
}

#[tokio::test]
async fn https_is_required_unless_allowed() {
    let (base, seen) = pdp("rule").await;
    let strict = AuthzenClient::new(&base).unwrap();
    let decision = ask(&strict, &Principal::new("alice"), "Document::edit").await;
    assert_failed(&decision, "is plain HTTP: use HTTPS");
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");

    assert!(AuthzenClient::new("https://pdp.example.com").is_ok());
    assert!(AuthzenClient::new("https://pdp.example.com/authzen/").is_ok());
    for bad in [
        "pdp.example.com",
        "ftp://pdp.example.com",
        "https://user:pw@pdp.example.com",
        "https://pdp.example.com/?tenant=1",
        "https://pdp.example.com/#x",
        "https://pdp.example.com/access/v1/evaluation",
        "not a url",
    ] {
        assert!(AuthzenClient::new(bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn an_action_on_another_type_is_not_asked() {
    let (base, seen) = pdp("rule").await;
    let decision = ask(&client(&base), &Principal::new("alice"), "Folder::edit").await;
    assert_failed(
        &decision,
        "a `Document` is not the resource of `Folder::edit`",
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn action_names() {
    assert_eq!(action_name("Document::edit", "Document"), Ok("edit"));
    assert_eq!(action_name("Docs::Document::edit", "Document"), Ok("edit"));
    assert_eq!(action_name("Document::edit", "Docs::Document"), Ok("edit"));
    assert_eq!(action_name("edit", "Document"), Ok("edit"));
    assert!(action_name("Other::Document::edit", "Docs::Document").is_err());
    assert!(action_name("MyDocument::edit", "Document").is_err());
    assert!(action_name("Document::", "Document").is_err());
    assert!(action_name("::edit", "Document").is_err());
}

#[test]
fn answers() {
    assert_eq!(read_answer(br#"{"decision": true}"#), Ok((true, vec![])));
    let reasons = br#"{"decision": false, "context": {"id": "0", "reason_admin": {"en": "failed C076E82F"}}}"#;
    assert_eq!(
        read_answer(reasons),
        Ok((false, vec!["0".into(), "failed C076E82F".into()]))
    );
    assert!(read_answer(br#"{"decision": "true"}"#).is_err());
    assert!(read_answer(br#"[true]"#).is_err());
    assert!(read_answer(b"<html>").is_err());
}

#[test]
fn evaluating_is_send() {
    fn send<T: Send>(_: T) {}
    let pdp = AuthzenClient::new("https://pdp.example.com").unwrap();
    let loaded: crate::authz::Loaded = Arc::new(DOC);
    let alice = Principal::new("alice");
    send(pdp.evaluate(&alice, "Document::edit", &*loaded, &context()));
}
