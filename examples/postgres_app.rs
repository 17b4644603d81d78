//! A real app on PostgreSQL: users in a table (sqlx, migrations run at start), passwords hashed
//! with argon2, revocations and sessions in the same database.
//!
//! ```sh
//! cargo run --example postgres_app --features postgres   # DATABASE_URL, default the local test DB
//! B=http://127.0.0.1:3000
//! curl -s -X POST $B/signup -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse battery"}'
//! curl -s -X POST $B/login  -H 'content-type: application/json' -d '{"email":"ada@example.com","password":"correct horse battery"}'
//! curl -s $B/me -H "Authorization: Bearer $ACCESS"
//! ```
//!
//! | route | what |
//! |---|---|
//! | `POST /signup` | `201 {id, email}`; an email already taken is `409`; a password under 8 or over 256 bytes is `400` |
//! | `POST /login` | a token pair bound to a new session; a wrong password and an unknown email both `401` after the same argon2 work; 10 a minute per client IP |
//! | `POST /refresh` | a new pair for a refresh token (rotation) |
//! | `POST /logout` | the token and its session, refresh token included |
//! | `POST /password` | a fresh token and the current password: the new one is set and every other session is revoked |
//! | `GET /me` | the user row, loaded by `#[auth_subject]` |
//! | `GET /sessions` | the user's live sessions |
//!
//! Passwords are never stored, logged or echoed: only their argon2id hash (PHC string) is.

use std::borrow::Cow;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use authx::{
    Auth, AuthConfig, AuthError, Claims, ErrorBody, FreshClaims, RefreshClaims, SessionMeta,
    TokenPair, auth_subject, protect, public, routes,
};
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// Passwords shorter than this are refused at signup.
const MIN_PASSWORD: usize = 8;
/// Longer passwords are refused before any hashing: argon2's cost grows with the input.
const MAX_PASSWORD: usize = 256;

/// The app's schema, in order. Append, never edit: a deployed database has run the earlier ones.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "users",
    "CREATE TABLE IF NOT EXISTS app_users (
        id BIGSERIAL PRIMARY KEY,
        email TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )",
)];

type Resolved = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>>
            + Send
            + 'static,
    >,
>;

/// The migrations above, for sqlx's migrator (which records them in `_sqlx_migrations`).
#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> Resolved {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, name, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*name),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The router state: the auth engine and the database.
#[derive(Clone)]
pub struct AppState {
    auth: Auth,
    db: PgPool,
}

impl FromRef<AppState> for Auth {
    fn from_ref(s: &AppState) -> Auth {
        s.auth.clone()
    }
}

impl FromRef<AppState> for PgPool {
    fn from_ref(s: &AppState) -> PgPool {
        s.db.clone()
    }
}

/// The signed-in user, loaded from its row.
#[auth_subject(loader = load_user, state = PgPool)]
#[derive(Debug, Serialize)]
pub struct User {
    id: i64,
    email: String,
}

async fn load_user(sub: String, _claims: Claims, db: PgPool) -> Result<Option<User>, sqlx::Error> {
    let Ok(id) = sub.parse::<i64>() else {
        return Ok(None);
    };
    sqlx::query_as::<_, (i64, String)>("SELECT id, email FROM app_users WHERE id = $1")
        .bind(id)
        .fetch_optional(&db)
        .await
        .map(|row| row.map(|(id, email)| User { id, email }))
}

/// Connects, runs the migrations, and builds the app: users, revocations and sessions all in
/// the database at `database_url`.
pub async fn app(
    database_url: &str,
    config: AuthConfig,
) -> Result<Router, Box<dyn std::error::Error>> {
    let db = PgPool::connect(database_url).await?;
    Migrator::new(Embedded).await?.run(&db).await?;
    let mut config = config;
    config.store_url = database_url.to_owned();
    let auth = Auth::connect(config).await?;
    // Hash the decoy now, so the first login of an unknown email costs what every other does.
    decoy_hash();
    Ok(routes![
        signup,
        login,
        refresh,
        logout,
        change_password,
        me,
        sessions
    ]
    .with_state(AppState { auth, db }))
}

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
}

fn error(status: StatusCode, message: &str, error_type: &str) -> Response {
    (status, Json(ErrorBody::new(message, error_type))).into_response()
}

fn bad_password() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        &format!("Passwords are {MIN_PASSWORD} to {MAX_PASSWORD} bytes long"),
        "InvalidPasswordError",
    )
}

fn bad_credentials() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "Invalid email or password",
        "InvalidCredentialsError",
    )
}

fn internal(e: impl std::fmt::Display) -> AuthError {
    AuthError::Internal(e.to_string().into())
}

/// Hashes on the blocking pool: argon2 is deliberately slow.
async fn hash(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(internal)?
    .map_err(internal)
}

/// Checks a password against a stored hash, on the blocking pool.
async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash no password matches, checked when the email is unknown: the same argon2 work as a
/// wrong password, so the answer's timing does not say whether an account exists.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"authx decoy: no password matches this", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[public(route = "POST /signup", rate = "10/60s", rate_key = ip)]
async fn signup(
    State(s): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<Response, AuthError> {
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&body.password.len()) {
        return Ok(bad_password());
    }
    let email = body.email.trim().to_lowercase();
    if email.is_empty() || email.len() > 254 || !email.contains('@') {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "A valid email is required",
            "InvalidEmailError",
        ));
    }
    let password_hash = hash(body.password).await?;
    let inserted = sqlx::query_as::<_, (i64,)>(
        "INSERT INTO app_users (email, password_hash) VALUES ($1, $2) \
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(&email)
    .bind(&password_hash)
    .fetch_optional(&s.db)
    .await
    .map_err(internal)?;
    Ok(match inserted {
        Some((id,)) => (
            StatusCode::CREATED,
            Json(json!({ "id": id, "email": email })),
        )
            .into_response(),
        None => error(
            StatusCode::CONFLICT,
            "This email is already registered",
            "EmailTakenError",
        ),
    })
}

#[public(route = "POST /login", rate = "10/60s", rate_key = ip)]
async fn login(
    State(s): State<AppState>,
    meta: SessionMeta,
    Json(body): Json<Credentials>,
) -> Result<Response, AuthError> {
    if body.password.len() > MAX_PASSWORD {
        return Ok(bad_password());
    }
    let email = body.email.trim().to_lowercase();
    let row = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, password_hash FROM app_users WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(&s.db)
    .await
    .map_err(internal)?;
    // One path for both answers: an unknown email still pays for a hash check.
    let (id, stored) = match row {
        Some((id, stored)) => (Some(id), stored),
        None => (None, decoy_hash().to_owned()),
    };
    let matches = verify(body.password, stored).await;
    let Some(id) = id.filter(|_| matches) else {
        return Ok(bad_credentials());
    };
    let subject = id.to_string();
    let session = s.auth.sessions().create(&subject, meta).await?;
    let pair = s
        .auth
        .tokens()
        .pair(&subject)
        .session(&session.id)
        .fresh(true)
        .issue()?;
    Ok(Json(pair).into_response())
}

#[protect(refresh, route = "POST /refresh")]
async fn refresh(
    State(s): State<AppState>,
    claims: RefreshClaims,
) -> Result<Json<TokenPair>, AuthError> {
    Ok(Json(s.auth.sessions().rotate(&claims).await?))
}

#[protect(route = "POST /logout")]
async fn logout(State(s): State<AppState>, claims: Claims) -> Result<StatusCode, AuthError> {
    s.auth.sessions().logout(&claims).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct PasswordChange {
    current: String,
    new: String,
}

/// A fresh token (a recent login) and the current password; every other session ends.
#[protect(fresh, route = "POST /password")]
async fn change_password(
    State(s): State<AppState>,
    FreshClaims(claims): FreshClaims,
    Json(body): Json<PasswordChange>,
) -> Result<Response, AuthError> {
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&body.new.len()) || body.current.len() > MAX_PASSWORD
    {
        return Ok(bad_password());
    }
    let id: i64 = claims.sub.parse().map_err(internal)?;
    let stored: Option<(String,)> =
        sqlx::query_as("SELECT password_hash FROM app_users WHERE id = $1")
            .bind(id)
            .fetch_optional(&s.db)
            .await
            .map_err(internal)?;
    let Some((stored,)) = stored else {
        return Err(AuthError::SubjectNotFound);
    };
    if !verify(body.current, stored).await {
        return Ok(bad_credentials());
    }
    let new_hash = hash(body.new).await?;
    sqlx::query("UPDATE app_users SET password_hash = $1 WHERE id = $2")
        .bind(&new_hash)
        .bind(id)
        .execute(&s.db)
        .await
        .map_err(internal)?;
    let revoked = s
        .auth
        .sessions()
        .revoke_all(&claims.sub, claims.sid.as_deref())
        .await?;
    Ok(
        Json(json!({ "message": "Password changed", "other_sessions_revoked": revoked }))
            .into_response(),
    )
}

#[protect(route = "GET /me")]
async fn me(user: User) -> Json<User> {
    Json(user)
}

/// The first page of the current user's sessions (`auth.sessions().page` reads the rest).
#[protect(route = "GET /sessions")]
async fn sessions(
    State(s): State<AppState>,
    claims: Claims,
) -> Result<Json<Vec<authx::Session>>, AuthError> {
    Ok(Json(s.auth.sessions().list(&claims.sub).await?))
}

#[tokio::main]
#[allow(dead_code)] // the integration tests include this file as a module
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    authx_examples::demo::init_tracing("info");
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let app = app(&url, authx_examples::demo::config_from_env()?).await?;
    println!(
        "users, revocations and sessions in {}",
        authx::config::redact_url(&url)
    );
    authx_examples::demo::serve(app).await?;
    Ok(())
}
