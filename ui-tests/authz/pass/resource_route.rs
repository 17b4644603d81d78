//! A route deciding a Cedar action on the resource it loads: a loader reading part of the
//! router state (`state = AppState`, the loader's `State<Library>` through `FromRef`), the
//! principal an `#[auth_subject]` (`principal = User`), the handler taking the loaded
//! `Resource<Doc>`, mounted with `routes!`. The owner reads (`200`), another user is refused
//! (`403`), a missing document is `404`, no token `401`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use authx::authz::{Attr, Attrs, Authz, AuthzEntity, Resource};
use authx::{Auth, AuthConfig, Claims, auth_subject, protect, routes};
use authx_ui_tests::{send, token};
use axum::extract::{FromRef, Path, State};
use serde_json::{Value, json};

/// A document of the schema's `Document` type.
#[derive(Clone)]
struct Doc {
    id: u64,
    owner: String,
    title: String,
}

impl AuthzEntity for Doc {
    const TYPE: &'static str = "Document";
    fn id(&self) -> String {
        self.id.to_string()
    }
    fn attrs(&self) -> Attrs {
        Attrs::new()
            .with("owner", Attr::entity("User", &self.owner))
            .with("org", Attr::entity("Org", "acme"))
            .with("public", false)
            .with("viewers", Attr::set(Vec::<Attr>::new()))
            .with("editors", Attr::set(Vec::<Attr>::new()))
    }
}

#[derive(Clone)]
struct Library(Arc<HashMap<u64, Doc>>);

#[derive(Clone)]
struct AppState {
    auth: Auth,
    library: Library,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

impl FromRef<AppState> for Library {
    fn from_ref(state: &AppState) -> Library {
        state.library.clone()
    }
}

#[auth_subject(loader = load_user)]
struct User {
    id: String,
}

impl AuthzEntity for User {
    const TYPE: &'static str = "User";
    fn id(&self) -> String {
        self.id.clone()
    }
    fn attrs(&self) -> Attrs {
        Attrs::new().with("admin_of", Attr::set(Vec::<Attr>::new()))
    }
}

fn load_user(sub: String, _claims: Claims) -> Result<Option<User>, Infallible> {
    Ok(Some(User { id: sub }))
}

async fn load_doc(Path(id): Path<u64>, State(library): State<Library>) -> Option<Doc> {
    library.0.get(&id).cloned()
}

#[protect(
    action = "Document::read",
    resource = load_doc,
    principal = User,
    state = AppState,
    route = "GET /docs/{id}"
)]
async fn read(Resource(doc): Resource<Doc>) -> String {
    doc.title.clone()
}

const POLICY: &str = r#"
permit(principal, action == Docs::Action::"read", resource)
when { resource.owner == principal };
"#;

fn main() {
    let schema = include_str!("../schema.cedarschema");
    let authz = Authz::from_sources(schema, &[("owner.cedar", POLICY)]).expect("policies load");
    let config = AuthConfig::builder()
        .secret_key("ui-tests-secret-0123456789abcdef")
        .build();
    let auth = Auth::builder(config)
        .authz(authz)
        .build()
        .expect("test config is valid");
    let plan = Doc {
        id: 1,
        owner: "olivia".into(),
        title: "Plan".into(),
    };
    let library = Library(Arc::new(HashMap::from([(1, plan)])));
    let app = routes![read].with_state(AppState {
        auth: auth.clone(),
        library,
    });

    let olivia = token(&auth, "olivia", &[]);
    let victor = token(&auth, "victor", &[]);
    assert_eq!(send(&app, "GET", "/docs/1", None, None).0, 401);
    let (status, body) = send(&app, "GET", "/docs/1", Some(&olivia), None);
    assert_eq!((status.as_u16(), body.as_str()), (200, "Plan"));
    let (status, body) = send(&app, "GET", "/docs/1", Some(&victor), None);
    assert_eq!(status, 403, "{body}");
    let (status, body) = send(&app, "GET", "/docs/2", Some(&olivia), None);
    assert_eq!(status, 404, "{body}");
}
