//! A custom app state (`Auth: FromRef<AppState>`), `State` and other extractors before and
//! after the claims, and a body extractor last.

use authx::{Auth, Claims, protect, routes};
use authx_ui_tests::{auth, send, token};
use axum::Json;
use axum::extract::{FromRef, Path, Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

#[derive(Clone)]
struct AppState {
    auth: Auth,
    greeting: &'static str,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

#[derive(Deserialize)]
struct Page {
    page: u32,
}

#[derive(Deserialize, Serialize)]
struct Note {
    text: String,
}

#[protect(scopes = "notes:write", route = "POST /notes/{id}")]
async fn add_note(
    State(app): State<AppState>,
    Path(id): Path<u32>,
    Query(page): Query<Page>,
    headers: HeaderMap,
    claims: Claims,
    Json(note): Json<Note>,
) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "greeting": app.greeting,
        "id": id,
        "page": page.page,
        "agent": headers.get("user-agent").is_some(),
        "sub": claims.sub,
        "text": note.text,
    }))
}

/// Generic over the state: works in any router whose state gives `Auth`.
#[protect(route = "GET /generic")]
async fn generic<S: Send + Sync>(claims: Claims, _: std::marker::PhantomData<S>) -> String
where
    Auth: FromRef<S>,
{
    claims.sub
}

fn main() {
    let auth = auth();
    let state = AppState {
        auth: auth.clone(),
        greeting: "hi",
    };
    let app = routes![add_note].with_state(state);
    let t = token(&auth, "ann", &["notes:write"]);
    let (status, body) = send(
        &app,
        "POST",
        "/notes/3?page=2",
        Some(&t),
        Some(r#"{"text":"hello"}"#),
    );
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["greeting"], "hi");
    assert_eq!(v["id"], 3);
    assert_eq!(v["page"], 2);
    assert_eq!(v["sub"], "ann");
    assert_eq!(v["text"], "hello");
    // The guard runs first: without a token the body is never read.
    let (status, _) = send(&app, "POST", "/notes/3?page=2", None, Some("not json"));
    assert_eq!(status, 401);
    let _ = generic::<AppState>;
}
