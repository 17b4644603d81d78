//! Vault: Fernet-encrypted opaque tokens carrying any serde payload (cargo feature `vault`),
//! the Rust side of Python's [fastapi-authix](https://github.com/Flacy/fastapi-authix) `Vault`.
//!
//! Where a JWT is signed and readable by anyone, a vault token is encrypted: the client holds an
//! opaque string, the server gets back the struct it sealed. A token is the
//! [Fernet](https://github.com/fernet/spec) token (AES-128-CBC + HMAC-SHA256, url-safe base64)
//! of `{"data": <payload>, "jti": <uuid>, "exp": <unix seconds>}`, so any Fernet implementation
//! holding the key (Python's `cryptography.fernet.Fernet` included) can make or read one.
//!
//! ```
//! use authx::vault::{Vault, VaultConfig, VaultPayload};
//! use authx::AuthError;
//! use axum::{Json, Router, extract::State, routing::{get, post}};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct User { name: String, admin: bool }
//!
//! async fn login(State(vault): State<Vault>) -> Result<(authx::SetCookies, &'static str), AuthError> {
//!     // ...check the password first...
//!     Ok((vault.set(&User { name: "ada".into(), admin: false })?, "welcome"))
//! }
//!
//! async fn me(user: VaultPayload<User>) -> String {
//!     format!("hello {}", user.name)
//! }
//!
//! async fn logout(State(vault): State<Vault>, user: VaultPayload<User>)
//!     -> Result<(authx::SetCookies, &'static str), AuthError> {
//!     vault.disable(user.token()).await?;
//!     Ok((vault.remove(), "bye"))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // The key: 32 random bytes, url-safe base64 (AUTHX_VAULT_KEY; `VaultConfig::from_env()`).
//! let vault = Vault::new(VaultConfig::builder().key(Vault::generate_key()).build()).unwrap();
//! let app: Router = Router::new()
//!     .route("/login", post(login))
//!     .route("/me", get(me))
//!     .route("/logout", post(logout))
//!     .with_state(vault.clone());
//!
//! // Without HTTP:
//! let token = vault.seal(&User { name: "ada".into(), admin: true }).unwrap();
//! let user: User = vault.open(&token).await.unwrap();
//! assert!(user.admin);
//! # }
//! ```
//!
//! ## Behaviour
//!
//! - **Where tokens travel**: the cookie (`vault_token`, on by default) and/or the header
//!   (`X-Vault-Token`, raw token, off by default). With both on, the cookie wins. Two tokens in
//!   one location are refused as ambiguous.
//! - **Lifetime**: [`ttl`](VaultConfig::ttl) (1 hour by default) is both the payload's `exp`
//!   and the Fernet TTL checked against the token's authenticated timestamp; a token dated more
//!   than a minute ahead is refused. [`Vault::seal_with_ttl`] makes shorter-lived tokens.
//! - **Deactivation**: [`Vault::disable`] records the token id (as `vault:<jti>`) in a
//!   [`RevocationStore`](crate::RevocationStore) until the token expires; give every instance
//!   the same store ([`Vault::with_store`]) so all of them refuse it. Store calls are bounded
//!   by [`store_timeout`](VaultConfig::store_timeout) and fail closed (`503`).
//! - **Key**: [`key`](VaultConfig::key) (`AUTHX_VAULT_KEY`). Without one, a random key is made
//!   at start with a warning: tokens die with the process and differ between instances.
//! - **CSRF**: none is built in. The cookie is `SameSite=Lax` and `HttpOnly` by default; use
//!   `Strict`, or the header location, for state-changing routes reached cross-site.
//! - **Input**: anything longer than [`max_token_size`](VaultConfig::max_token_size) (16 KiB)
//!   is refused before decryption; garbage, tampered and foreign tokens are refused, never a
//!   panic.
//!
//! ## Errors
//!
//! | cause | status | `error_type` |
//! |---|---|---|
//! | no token in the cookie or header | 401 | `MissingTokenError` |
//! | forged, tampered with, garbage, too large, ambiguous, wrong payload shape | 401 | `InvalidVaultTokenError` |
//! | `exp` or the Fernet TTL passed | 401 | `TokenExpiredError` |
//! | disabled | 401 | `RevokedTokenError` |
//! | revocation store down or slow | 503 | `StoreUnavailableError` |
//!
//! ## Environment
//!
//! [`VaultConfig::from_env`] reads `AUTHX_VAULT_KEY` (the key), `AUTHX_VAULT_TTL` (lifetime
//! in seconds, default 3600) and `AUTHX_VAULT_CIPHER` (the cipher); [`VAULT_ENV_VARS`] lists
//! them.
//!
//! ## From fastapi-authix
//!
//! | fastapi-authix | authx |
//! |---|---|
//! | `Vault(cipher=Fernet(secret_key=..., time_to_live=...))` | `Vault::new(VaultConfig::builder().key(..).ttl(..).build())` |
//! | `create_access_token(payload)` | [`Vault::seal`] |
//! | `set_access_token(response, payload=...)` | [`Vault::set`] |
//! | `decode_access_token(token)` | [`Vault::open`] |
//! | `Depends(vault.require_data)` | the [`VaultPayload<T>`] extractor, or [`Vault::require`] |
//! | `disable_access_token(token)` | [`Vault::disable`] (shared store, not a process dict) |
//! | `remove_access_token(response)` | [`Vault::remove`] |
//! | `use_cookie` / `use_header`, `cookie_key` / `header_key` | the same fields of [`VaultConfig`] |
//!
//! fastapi-authix seals the bare payload; authx seals it inside the envelope above, so the two
//! do not read each other's tokens as they are. A Python service that seals the envelope with
//! the same key (see `tests/fixtures/fernet/make_python_fixture.py`) interoperates.

mod cipher;
mod codec;
mod config;
mod engine;
mod extract;

#[cfg(feature = "vault-xchacha")]
pub use cipher::XChaCha20Poly1305Cipher;
pub use cipher::{FernetCipher, VaultCipher, VaultCipherKind};
pub use config::{VAULT_ENV_VARS, VaultConfig, VaultConfigBuilder, VaultCookieConfig};
pub use engine::Vault;
pub use extract::VaultPayload;
