//! Authorization over resources with Cedar policies (feature `authz`): owners, viewer and
//! editor shares, organization admins, public documents, and a list filtered per user.
//!
//! ```sh
//! cargo run --example documents --features authz
//! TOKEN=$(curl -s -X POST localhost:3000/token -H 'content-type: application/json' -d '{"username":"edith","password":"edith"}' | jq -r .access_token)
//! curl -H "Authorization: Bearer $TOKEN" localhost:3000/documents            # what edith may read
//! curl -H "Authorization: Bearer $TOKEN" localhost:3000/documents/1          # 200: she edits it
//! curl -X DELETE -H "Authorization: Bearer $TOKEN" localhost:3000/documents/1  # 403 PolicyDeniedError
//! cargo run --example documents --features authz -- --routes --actions  # each route's action
//! ```
//!
//! The rules are in `examples/documents/policies/documents.cedar`, checked against
//! `examples/documents/schema.cedarschema`: the schema is named in `Cargo.toml`
//! (`[package.metadata.authx] cedar-schema`), so `action = "Document::edti"` would not compile.
//! Edit the policies while the service runs: a set that validates replaces the old one within
//! two seconds; one that does not is refused and logged, and the old one stays.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use authx::authz::{Attr, Attrs, AuthzContext, AuthzEntity, Principal, Resource};
use authx::{Auth, AuthError, Claims, auth_subject, protect, public, routes};
use axum::extract::{FromRef, Path, State};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A document. Its owner, organization, shares and visibility are what the policies read.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Its id.
    pub id: u64,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// The user who owns it.
    pub owner: String,
    /// The organization it belongs to.
    pub org: String,
    /// Readable by anyone logged in.
    pub public: bool,
    /// Users it is shared with to read.
    pub viewers: Vec<String>,
    /// Users it is shared with to edit.
    pub editors: Vec<String>,
}

impl AuthzEntity for Document {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn attrs(&self) -> Attrs {
        Attrs::new()
            .with("owner", Attr::entity("User", &self.owner))
            .with("org", Attr::entity("Org", &self.org))
            .with("public", self.public)
            .with("viewers", Attr::entities("User", &self.viewers))
            .with("editors", Attr::entities("User", &self.editors))
    }
}

/// The documents, and how many times a route loaded one (the tests read it: once per request).
#[derive(Clone, Default)]
pub struct Library {
    docs: Arc<RwLock<HashMap<u64, Document>>>,
    loads: Arc<AtomicUsize>,
}

impl Library {
    /// The demo's documents: olivia's plan (shared with victor to read and edith to edit),
    /// her public handbook, and ada's notes.
    pub fn demo() -> Self {
        let doc = |id, title: &str, owner: &str, public, viewers: &[&str], editors: &[&str]| {
            let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
            Document {
                id,
                title: title.into(),
                body: format!("The text of {title}."),
                owner: owner.into(),
                org: "acme".into(),
                public,
                viewers: names(viewers),
                editors: names(editors),
            }
        };
        let docs = [
            doc(1, "Plan", "olivia", false, &["victor"], &["edith"]),
            doc(2, "Handbook", "olivia", true, &[], &[]),
            doc(3, "Notes", "ada", false, &[], &[]),
        ];
        Library {
            docs: Arc::new(RwLock::new(docs.into_iter().map(|d| (d.id, d)).collect())),
            loads: Arc::default(),
        }
    }

    /// How many times a route loaded a document.
    pub fn loads(&self) -> usize {
        self.loads.load(Ordering::Relaxed)
    }

    fn all(&self) -> Vec<Document> {
        let mut docs: Vec<Document> = self.docs.read().unwrap().values().cloned().collect();
        docs.sort_by_key(|d| d.id);
        docs
    }
}

/// The user a token names: the principal of every decision, with the organizations they
/// administer.
#[auth_subject(loader = load_user, state = Directory)]
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Login name, the token's subject.
    pub id: String,
    /// The organizations this user administers.
    pub admin_of: Vec<String>,
}

impl AuthzEntity for User {
    const TYPE: &'static str = "User";
    fn id(&self) -> String {
        self.id.clone()
    }
    fn attrs(&self) -> Attrs {
        Attrs::new().with("admin_of", Attr::entities("Org", &self.admin_of))
    }
    fn parents(&self) -> Vec<(String, String)> {
        vec![("Org".into(), "acme".into())]
    }
}

/// The demo's users (the password is the name: a demo, not a pattern): olivia owns documents,
/// victor and edith have shares, ada administers acme, mallory has nothing.
#[derive(Clone)]
pub struct Directory(Arc<HashMap<&'static str, Vec<String>>>);

impl Directory {
    /// The five demo users.
    pub fn demo() -> Self {
        let mut users = HashMap::new();
        for name in ["olivia", "victor", "edith", "mallory"] {
            users.insert(name, Vec::new());
        }
        users.insert("ada", vec!["acme".to_owned()]);
        Directory(Arc::new(users))
    }
}

fn load_user(
    sub: String,
    _claims: Claims,
    dir: Directory,
) -> Result<Option<User>, std::convert::Infallible> {
    let admin_of = dir.0.get(sub.as_str()).cloned();
    Ok(admin_of.map(|admin_of| User { id: sub, admin_of }))
}

/// The router state.
#[derive(Clone)]
pub struct AppState {
    auth: Auth,
    library: Library,
    directory: Directory,
}

impl FromRef<AppState> for Auth {
    fn from_ref(s: &AppState) -> Auth {
        s.auth.clone()
    }
}

impl FromRef<AppState> for Library {
    fn from_ref(s: &AppState) -> Library {
        s.library.clone()
    }
}

impl FromRef<AppState> for Directory {
    fn from_ref(s: &AppState) -> Directory {
        s.directory.clone()
    }
}

/// The loader of every document route: runs once per request, before the decision; `None`
/// answers `404`.
async fn load_document(Path(id): Path<u64>, State(library): State<Library>) -> Option<Document> {
    library.loads.fetch_add(1, Ordering::Relaxed);
    library.docs.read().unwrap().get(&id).cloned()
}

/// The body of `POST /token`.
#[derive(Deserialize)]
struct Login {
    username: String,
    password: String,
}

/// An access token for a demo user.
#[public(route = "POST /token")]
async fn token(
    State(s): State<AppState>,
    Json(login): Json<Login>,
) -> Result<Json<authx::TokenPair>, AuthError> {
    let known = s.directory.0.contains_key(login.username.as_str());
    // Constant time is for real secrets; the demo's are the names.
    if !known || login.password != login.username {
        return Err(AuthError::MissingToken);
    }
    Ok(Json(s.auth.tokens().pair(&login.username).issue()?))
}

/// One document, for whoever may read it: the guard loaded it and the policies allowed
/// `Document::read`; the handler gets it without loading it again.
#[protect(
    action = "Document::read",
    resource = load_document,
    principal = User,
    state = AppState,
    route = "GET /documents/{id}"
)]
async fn read(Resource(doc): Resource<Document>) -> Json<Document> {
    Json(Document::clone(&doc))
}

/// The new text of a document.
#[derive(Deserialize)]
struct Edit {
    body: String,
}

/// Replaces a document's text: owners, editors and organization admins.
#[protect(
    action = "Document::edit",
    resource = load_document,
    principal = User,
    state = AppState,
    route = "PUT /documents/{id}"
)]
async fn edit(
    State(library): State<Library>,
    doc: Resource<Document>,
    Json(edit): Json<Edit>,
) -> Result<Json<Document>, AuthError> {
    let mut docs = library.docs.write().unwrap();
    // Deleted since the decision: not brought back.
    let stored = docs
        .get_mut(&doc.id)
        .ok_or(AuthError::Resource(authx::error::ResourceFailure::NotFound))?;
    stored.body = edit.body;
    Ok(Json(stored.clone()))
}

/// Deletes a document: its owner and organization admins.
#[protect(
    action = "Document::delete",
    resource = load_document,
    principal = User,
    state = AppState,
    route = "DELETE /documents/{id}"
)]
async fn delete(State(library): State<Library>, doc: Resource<Document>) -> Json<Value> {
    library.docs.write().unwrap().remove(&doc.id);
    Json(json!({ "deleted": doc.id }))
}

/// What the caller may do with a document, for a UI's buttons.
#[protect(
    action = "Document::read",
    resource = load_document,
    principal = User,
    state = AppState,
    route = "GET /documents/{id}/actions"
)]
async fn actions(
    State(auth): State<Auth>,
    user: User,
    claims: Claims,
    doc: Resource<Document>,
) -> Result<Json<Value>, AuthError> {
    let authz = auth
        .authz()
        .ok_or(AuthError::Internal("no policies".into()))?;
    let principal = Principal::from_entity(&user, &claims);
    let context = AuthzContext::at(claims.iat.unwrap_or_default());
    Ok(Json(
        json!({ "actions": authz.actions_on(&principal, &*doc, &context) }),
    ))
}

/// The documents the caller may read: every document, filtered by the same policies.
#[protect(route = "GET /documents")]
async fn list(
    State(s): State<AppState>,
    user: User,
    claims: Claims,
) -> Result<Json<Value>, AuthError> {
    let authz = s
        .auth
        .authz()
        .ok_or(AuthError::Internal("no policies".into()))?;
    let principal = Principal::from_entity(&user, &claims);
    let context = AuthzContext::at(claims.iat.unwrap_or_default());
    let readable = authz.filter(&principal, "Document::read", s.library.all(), &context);
    let titles: Vec<Value> = readable
        .iter()
        .map(|d| json!({ "id": d.id, "title": d.title }))
        .collect();
    Ok(Json(json!({ "documents": titles })))
}

/// The service. `auth` must carry the policies (`Auth::builder(..).authz(..)`).
pub fn app(auth: Auth, library: Library) -> Router {
    routes![token, read, edit, delete, actions, list].with_state(AppState {
        auth,
        library,
        directory: Directory::demo(),
    })
}

/// The example's schema and policies, relative to the `examples` directory.
pub const SCHEMA: &str = "documents/schema.cedarschema";
/// The directory of the example's policies.
pub const POLICIES: &str = "documents/policies";

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file as a module
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `--routes --actions` (or `authx routes --actions -- <this binary>`): each route's action.
    if authx::registry::print_if_asked() {
        return Ok(());
    }
    // Each decision explained: the determining policies and the time taken (RUST_LOG overrides).
    authx_examples::demo::init_tracing("info,authx::authz=debug");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let authz = authx::authz::Authz::from_files(dir.join(SCHEMA), dir.join(POLICIES))?;
    // Edited policies are taken once they validate; a bad file is logged and the old set stays.
    let _watch = authz.watch(std::time::Duration::from_secs(1));
    let config = authx_examples::demo::config_from_env()?;
    let auth = Auth::builder(config).authz(authz).build()?;
    authx_examples::demo::serve(app(auth, Library::demo())).await?;
    Ok(())
}
