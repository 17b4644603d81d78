//! What a request carries, before the engine: the token's place (`locate`), the per-request
//! cache of verified tokens (`cache`), tokens lifted from a JSON body (`json`), the manual
//! API's request types and the session metadata of a login. Below the engine: nothing here
//! knows `Auth`.

pub(crate) mod cache;
pub(crate) mod json;
pub(crate) mod locate;
mod request_token;
mod session_meta;

pub use request_token::{RequestToken, VerifyOptions};
pub use session_meta::SessionMeta;
