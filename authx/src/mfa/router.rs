//! [`Mfa::router`]: the factor endpoints, each behind the caller's verified access token.

use axum::Router;
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::json;

use super::Mfa;
use crate::Auth;
use crate::error::{AuthError, FactorFailure};
use crate::extract::Rejection;
use crate::token::{Claims, FreshClaims};

/// Bodies are a code and little else.
const BODY_LIMIT: usize = 4096;

impl FromRef<Mfa> for Auth {
    fn from_ref(mfa: &Mfa) -> Auth {
        mfa.auth().clone()
    }
}

impl Mfa {
    /// The factor endpoints, to merge into the app's router. Each takes the caller's access
    /// token as every route does (the engine's locations; a cookie-borne token needs its CSRF
    /// header on `POST` and `DELETE`), only an access token this engine issued (not a refresh
    /// token, an API key or an identity provider's token), reads bodies as `application/json`,
    /// and answers errors in AuthX's JSON shape through the engine's refusal hook:
    ///
    /// | route | body | answer |
    /// |---|---|---|
    /// | `GET /mfa/totp` | | `{"enrolled", "pending", "recovery_codes"}` |
    /// | `POST /mfa/totp/enrol` ✱ | | `{"secret", "uri", "qr_svg"}`; `409` when an app is enrolled |
    /// | `POST /mfa/totp/confirm` | `{"code"}` | `{"recovery_codes": [..]}` (shown once) |
    /// | `POST /mfa/totp/verify` | `{"code"}` | a step-up token: `{"access_token", "token_type"}` |
    /// | `POST /mfa/recovery/verify` | `{"code"}` | the same, for a recovery code |
    /// | `POST /mfa/recovery/regenerate` ✱ | `{"code"}` (TOTP) | `{"recovery_codes": [..]}` |
    /// | `DELETE /mfa/totp` ✱ | `{"code"}` (TOTP or recovery) | `{"removed": true}` |
    ///
    /// ✱ Adding, replacing or removing a factor takes a fresh token whose login is recent
    /// ([`reauth_window`](super::MfaConfig::reauth_window), 10 minutes by default): otherwise
    /// `401 FreshTokenRequiredError`, or the RFC 9470 challenge with `max_age`.
    ///
    /// When the request's token came in the access cookie, the step-up token
    /// ([`step_up`](Self::step_up)) is set as that cookie instead of being returned, so a
    /// cookie page goes on with it and its script never holds it. A wrong code is
    /// `403 FactorRejectedError`; every attempt counts against the per-user and per-client
    /// budgets (`429` once spent).
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/mfa/totp", get(status).delete(remove))
            .route("/mfa/totp/enrol", post(enrol))
            .route("/mfa/totp/confirm", post(confirm))
            .route("/mfa/totp/verify", post(verify_totp))
            .route("/mfa/recovery/verify", post(verify_recovery))
            .route("/mfa/recovery/regenerate", post(regenerate))
            .with_state(self.clone())
    }
}

/// A request to a factor endpoint: the verified token, the client's rate key, the code.
struct Call {
    claims: Claims,
    /// The client's rate-limit bucket; `None` when the server gives no peer address (one
    /// bucket for every client would let anyone lock everyone out).
    ip: Option<String>,
    code: Option<String>,
    by_cookie: bool,
}

#[derive(Deserialize)]
struct CodeBody {
    code: String,
}

/// What an endpoint asks of the caller's token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// A verified access token of this engine's.
    Token,
    /// A fresh one (a login's, not a refresh's) whose login is recent: for adding, replacing
    /// or removing factors, which a stolen token must not do.
    RecentLogin,
}

impl Call {
    async fn read(mfa: &Mfa, request: Request, need: Need) -> Result<Call, Box<Response>> {
        let refuse = |e: AuthError| Box::new(refusal(mfa, e));
        let (mut parts, body) = request.into_parts();
        let claims = if need == Need::RecentLogin {
            FreshClaims::from_request_parts(&mut parts, mfa)
                .await
                .map(FreshClaims::into_inner)
        } else {
            Claims::from_request_parts(&mut parts, mfa).await
        }
        .map_err(|r| Box::new(r.into_response()))?;
        super::step_up::ensure_own_access_token(mfa.auth(), &claims).map_err(refuse)?;
        if need == Need::RecentLogin {
            let window = crate::clock::secs(mfa.config().reauth_window);
            let login = claims.auth_time.or(claims.iat).unwrap_or(i64::MIN);
            if mfa.auth().now().saturating_sub(login) > window {
                return Err(refuse(AuthError::InsufficientUserAuthentication {
                    max_age: u64::try_from(window).ok(),
                    acr_values: Vec::new(),
                    missing_amr: Vec::new(),
                }));
            }
        }
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| refuse(AuthError::Factor(FactorFailure::BadRequest)))?;
        let code = if bytes.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            // JSON only: a cross-site form cannot send `application/json` without a preflight.
            let json = parts
                .headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
            let body = json
                .then(|| serde_json::from_slice::<CodeBody>(&bytes).ok())
                .flatten()
                .ok_or_else(|| refuse(AuthError::Factor(FactorFailure::BadRequest)))?;
            Some(body.code)
        };
        // The token came in the access cookie: not in the configured header, and the cookie.
        let config = mfa.auth().config();
        let by_cookie = !parts.headers.contains_key(config.header_name.as_str())
            && !matches!(
                crate::cookies::request::find(&parts.headers, &config.cookies.access_cookie_name),
                Ok(None)
            );
        let ip = mfa.auth().client_ip(&parts);
        Ok(Call {
            ip: ip.addr().map(|_| ip.key()),
            by_cookie,
            claims,
            code,
        })
    }

    /// [`read`](Self::read), for an endpoint that takes a code: the call and its code.
    async fn with_code(
        mfa: &Mfa,
        request: Request,
        need: Need,
    ) -> Result<(Call, String), Box<Response>> {
        let mut call = Self::read(mfa, request, need).await?;
        let code = call
            .code
            .take()
            .ok_or_else(|| Box::new(refusal(mfa, AuthError::Factor(FactorFailure::BadRequest))))?;
        Ok((call, code))
    }

    fn subject(&self) -> &str {
        &self.claims.sub
    }

    fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }
}

/// An error as every refusal of the engine is rendered (the app's refusal hook included).
fn refusal(mfa: &Mfa, error: AuthError) -> Response {
    Rejection::new(mfa.auth(), error).into_response()
}

fn answer(mfa: &Mfa, result: Result<Response, AuthError>) -> Response {
    result.unwrap_or_else(|e| refusal(mfa, e))
}

async fn status(State(mfa): State<Mfa>, request: Request) -> Response {
    let call = match Call::read(&mfa, request, Need::Token).await {
        Ok(call) => call,
        Err(refused) => return *refused,
    };
    answer(
        &mfa,
        mfa.totp_status(call.subject())
            .await
            .map(|s| axum::Json(s).into_response()),
    )
}

async fn enrol(State(mfa): State<Mfa>, request: Request) -> Response {
    // Adding a factor is for the user who just logged in, not for a token that has only
    // been refreshed since (a stolen one, say).
    let call = match Call::read(&mfa, request, Need::RecentLogin).await {
        Ok(call) => call,
        Err(refused) => return *refused,
    };
    answer(
        &mfa,
        mfa.enrol_totp(call.subject(), call.subject())
            .await
            .map(|e| axum::Json(e).into_response()),
    )
}

async fn confirm(State(mfa): State<Mfa>, request: Request) -> Response {
    let (call, code) = match Call::with_code(&mfa, request, Need::Token).await {
        Ok(read) => read,
        Err(refused) => return *refused,
    };
    let code = code.as_str();
    answer(
        &mfa,
        mfa.confirm_totp(call.subject(), code, call.ip())
            .await
            .map(|codes| axum::Json(json!({ "recovery_codes": codes })).into_response()),
    )
}

async fn verify_totp(State(mfa): State<Mfa>, request: Request) -> Response {
    step_up(mfa, request, Factor::Totp).await
}

async fn verify_recovery(State(mfa): State<Mfa>, request: Request) -> Response {
    step_up(mfa, request, Factor::Recovery).await
}

enum Factor {
    Totp,
    Recovery,
}

async fn step_up(mfa: Mfa, request: Request, factor: Factor) -> Response {
    let (call, code) = match Call::with_code(&mfa, request, Need::Token).await {
        Ok(read) => read,
        Err(refused) => return *refused,
    };
    let code = code.as_str();
    let (subject, ip) = (call.subject(), call.ip());
    let checked = match factor {
        Factor::Totp => mfa.verify_totp(subject, code, ip).await,
        Factor::Recovery => mfa.use_recovery_code(subject, code, ip).await,
    };
    answer(
        &mfa,
        async {
            checked?;
            // RFC 8176: a recovery code is a one-time password too.
            let token = mfa.step_up(&call.claims, &["otp"]).await?;
            if call.by_cookie {
                // In the HttpOnly cookie only: the page's script never holds the token.
                let body = axum::Json(json!({ "message": "Second factor verified" }));
                Ok((mfa.auth().cookies().set_access(&token)?, body).into_response())
            } else {
                let body = json!({ "access_token": token, "token_type": "bearer" });
                Ok(axum::Json(body).into_response())
            }
        }
        .await,
    )
}

async fn regenerate(State(mfa): State<Mfa>, request: Request) -> Response {
    let (call, code) = match Call::with_code(&mfa, request, Need::RecentLogin).await {
        Ok(read) => read,
        Err(refused) => return *refused,
    };
    let code = code.as_str();
    let subject = call.subject();
    answer(
        &mfa,
        async {
            mfa.verify_totp(subject, code, call.ip()).await?;
            let codes = mfa.new_recovery_codes(subject).await?;
            Ok(axum::Json(json!({ "recovery_codes": codes })).into_response())
        }
        .await,
    )
}

async fn remove(State(mfa): State<Mfa>, request: Request) -> Response {
    let (call, code) = match Call::with_code(&mfa, request, Need::RecentLogin).await {
        Ok(read) => read,
        Err(refused) => return *refused,
    };
    let code = code.as_str();
    let (subject, ip) = (call.subject(), call.ip());
    answer(
        &mfa,
        async {
            // A TOTP code or a recovery code (a lost phone): either proves the factor.
            let looks_like_totp = code.chars().filter(|c| !c.is_whitespace()).count() == 6;
            if looks_like_totp {
                mfa.verify_totp(subject, code, ip).await?;
            } else {
                mfa.use_recovery_code(subject, code, ip).await?;
            }
            let removed = mfa.remove_totp(subject).await?;
            Ok(axum::Json(json!({ "removed": removed })).into_response())
        }
        .await,
    )
}
