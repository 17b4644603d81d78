//! The quickstart's router state (the auth engine, second factors and the demo users), and the
//! `User` subject loaded from it.

use authx::mfa::Mfa;
use authx::{Auth, Claims, auth_subject};
use authx_examples::demo::Users;
use axum::extract::FromRef;
use serde::Serialize;

/// The router state: the auth engine, second factors and the demo users.
#[derive(Clone)]
pub struct AppState {
    pub(super) auth: Auth,
    pub(super) mfa: Mfa,
    pub(super) users: Users,
}

impl FromRef<AppState> for Mfa {
    fn from_ref(state: &AppState) -> Mfa {
        state.mfa.clone()
    }
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

impl FromRef<AppState> for Users {
    fn from_ref(state: &AppState) -> Users {
        state.users.clone()
    }
}

/// The current user, loaded from the verified token's subject.
#[auth_subject(loader = load_user, state = Users)]
#[derive(Debug, Serialize)]
pub struct User {
    username: String,
    email: String,
    scopes: Vec<String>,
}

/// `Ok(None)` when the user was deleted: the extractor then answers 401 SubjectNotFoundError.
fn load_user(
    sub: String,
    _claims: Claims,
    users: Users,
) -> Result<Option<User>, std::convert::Infallible> {
    Ok(users.get(&sub).map(|u| User {
        username: u.username,
        email: u.email,
        scopes: u.scopes,
    }))
}
