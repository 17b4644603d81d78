//! Loaders taking part of the router state (`state = T`, `T: FromRef<S>`), sync and async.

use std::collections::HashMap;
use std::sync::Arc;

use authx::{Auth, Claims, auth_subject};
use authx_ui_tests::{auth, send, token};
use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;

#[derive(Clone, Default)]
struct Db(Arc<HashMap<String, u32>>);

#[derive(Clone)]
struct AppState {
    auth: Auth,
    db: Db,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

#[auth_subject(loader = find_account, state = Db)]
struct Account {
    id: u32,
}

fn find_account(sub: String, _claims: Claims, db: Db) -> Result<Option<Account>, String> {
    Ok(db.0.get(&sub).map(|&id| Account { id }))
}

#[auth_subject(state = Arc<HashMap<String, u32>>, loader = fetch_profile)]
struct Profile {
    id: u32,
}

async fn fetch_profile(
    sub: String,
    _claims: Claims,
    map: Arc<HashMap<String, u32>>,
) -> Result<Option<Profile>, String> {
    Ok(map.get(&sub).map(|&id| Profile { id }))
}

impl FromRef<AppState> for Arc<HashMap<String, u32>> {
    fn from_ref(state: &AppState) -> Self {
        state.db.0.clone()
    }
}

async fn account(a: Account) -> String {
    a.id.to_string()
}

async fn profile(p: Profile, a: Option<Account>) -> String {
    format!("{} {:?}", p.id, a.map(|a| a.id))
}

fn main() {
    let auth = auth();
    let db = Db(Arc::new(HashMap::from([("ann".to_owned(), 7)])));
    let app = Router::new()
        .route("/account", get(account))
        .route("/profile", get(profile))
        .with_state(AppState {
            auth: auth.clone(),
            db,
        });
    let ann = token(&auth, "ann", &[]);
    let bob = token(&auth, "bob", &[]);
    assert_eq!(send(&app, "GET", "/account", Some(&ann), None).1, "7");
    assert_eq!(send(&app, "GET", "/account", Some(&bob), None).0, 401);
    assert_eq!(
        send(&app, "GET", "/profile", Some(&ann), None).1,
        "7 Some(7)"
    );
    assert_eq!(send(&app, "GET", "/profile", None, None).0, 401);
}
