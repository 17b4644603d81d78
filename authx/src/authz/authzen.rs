//! Decisions asked of a separate policy service: a client of the OpenID AuthZEN Authorization
//! API 1.0, Access Evaluation API (cargo feature `authzen`), over hyper + rustls (ring) as
//! `jwks` fetches keys (not reqwest: see `jwks/fetch.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Uri;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Map, Value, json};

use super::route::DynEntity;
use super::{AuthzContext, AuthzDecision, AuthzError, Principal};

/// The Access Evaluation endpoint's default path, appended to the PDP's base URL (§10.1).
const EVALUATION_PATH: &str = "/access/v1/evaluation";
/// Largest answer read: a decision and its context are a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;
/// The property carrying an entity's parents (`principal in Team::"writers"`).
const PARENTS: &str = "__parents";
/// How many reasons, of how many characters, a decision keeps from the PDP's context.
const MAX_REASONS: usize = 16;
const MAX_REASON_CHARS: usize = 256;
/// The request id header (§10.1.3), sent with a fresh UUID and checked when echoed.
const REQUEST_ID: &str = "x-request-id";

/// Asks a policy decision point (PDP) speaking the [OpenID AuthZEN Authorization API
/// 1.0](https://openid.net/specs/authorization-api-1_0.html) the question [`Authz`](super::Authz)
/// answers with Cedar, for apps that keep their policies in a separate service:
/// `POST {base}/access/v1/evaluation` (§6, §10.1) with
///
/// ```json
/// { "subject":  { "type": "User", "id": "alice", "properties": { /* principal attrs */ } },
///   "action":   { "name": "edit" },
///   "resource": { "type": "Document", "id": "1", "properties": { /* resource attrs */ } },
///   "context":  { "time": 1700000000, "dpop": false, "ip": "…", "route": "…",
///                 "acr": "…", "amr": ["…"], "auth_time": 1700000000 } }
/// ```
///
/// - The action `Document::edit` is sent as its name, `edit`: the resource's `type` says
///   `Document`. An action on another type than the resource's is refused without asking.
/// - The subject's type is the principal's ([`Principal::with_type`]), else
///   [`principal_type`](Self::principal_type). Attributes go as they are (entity references
///   stay `{"__entity": {"type", "id"}}`); parents as the property `__parents`,
///   `[{"type": "Team", "id": "writers"}]`.
/// - The answer is `{"decision": bool, "context": {..}}`; the context's `id` and the values of
///   its `reason_admin` are kept in [`AuthzDecision::policies`] for the logs.
/// - **Fails closed.** No answer within the [`timeout`](Self::timeout), no connection, a
///   status other than 2xx, an answer over 64 KiB or without a boolean `decision`: a refusal
///   with the reason in [`AuthzDecision::errors`] (`403 PolicyEvaluationError` by
///   [`into_result`](AuthzDecision::into_result)). Plain `http://` only when
///   [allowed](Self::allow_insecure_http).
/// - Each evaluation is logged (target `authx::authz`, DEBUG, with its `X-Request-ID`) and
///   counted as `authx_authz_decisions_total`. The bearer token is never logged.
///
/// ```no_run
/// # async fn run(doc: &dyn authx::authz::DynEntity) -> Result<(), authx::authz::AuthzError> {
/// use authx::authz::{AuthzContext, AuthzenClient, Principal};
///
/// let pdp = AuthzenClient::new("https://pdp.internal.example.com")?
///     .bearer("pdp-access-token")
///     .timeout(std::time::Duration::from_millis(500));
/// let alice = Principal::new("alice");
/// let decision = pdp.evaluate(&alice, "Document::edit", doc, &AuthzContext::at(0)).await;
/// # let _ = decision.into_result(); Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct AuthzenClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    endpoint: Uri,
    allow_insecure_http: bool,
    timeout: Duration,
    bearer: Option<Secret>,
    principal_type: Arc<str>,
}

/// The PDP's bearer token, never shown.
#[derive(Clone)]
struct Secret(Arc<str>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl AuthzenClient {
    /// A client of the PDP at `base_url` (`https://pdp.example.com`, or with a path prefix):
    /// requests go to `{base_url}/access/v1/evaluation`. Refused when it is not an http(s) URL
    /// with a host, or has credentials, a query or a fragment. Plain `http://` is accepted
    /// here but refused when evaluating unless [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn new(base_url: &str) -> Result<Self, AuthzError> {
        let invalid = |reason: &str| AuthzError::Io {
            path: base_url.to_owned(),
            reason: reason.to_owned(),
        };
        let base = base_url.trim_end_matches('/');
        let uri: Uri = format!("{base}{EVALUATION_PATH}")
            .parse()
            .map_err(|_| invalid("not a URL"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(invalid("not an http(s) URL with a host"));
        } else if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(invalid("credentials in the URL: use `bearer`"));
        } else if uri.query().is_some() || base.contains('#') {
            return Err(invalid("a PDP's URL has no query or fragment"));
        } else if base.ends_with(EVALUATION_PATH) {
            return Err(invalid(
                "the PDP's base URL, please: `/access/v1/evaluation` is added",
            ));
        }
        Ok(AuthzenClient {
            client: http_client().map_err(|e| invalid(&e))?,
            endpoint: uri,
            allow_insecure_http: false,
            timeout: Duration::from_secs(2),
            bearer: None,
            principal_type: "User".into(),
        })
    }

    /// Whether a plain `http://` PDP is asked (tests, a sidecar on the same host); refused
    /// by default: the requests carry who asks for what.
    pub fn allow_insecure_http(mut self, yes: bool) -> Self {
        self.allow_insecure_http = yes;
        self
    }

    /// How long an evaluation may take, connecting included (2 s by default); past it the
    /// decision is a refusal.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// Sends `Authorization: Bearer <token>` to the PDP (never logged nor shown by `Debug`).
    pub fn bearer(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(Secret(token.into().into()));
        self
    }

    /// The subject's `type` for principals that do not name theirs ([`Principal::new`],
    /// [`Principal::from_claims`]): `User` by default.
    pub fn principal_type(mut self, entity_type: impl Into<String>) -> Self {
        self.principal_type = entity_type.into().into();
        self
    }

    /// Whether `principal` may take `action` (`"Document::edit"`) on `resource`, as the PDP
    /// decides: [`Authz::decide`](super::Authz::decide)'s question, asked over HTTP. Never
    /// fails: whatever goes wrong is a refusal with its reason in
    /// [`errors`](AuthzDecision::errors).
    pub async fn evaluate(
        &self,
        principal: &Principal,
        action: &str,
        resource: &dyn DynEntity,
        context: &AuthzContext,
    ) -> AuthzDecision {
        let started = Instant::now();
        let resource_type = resource.entity_type();
        let resource_id = resource.entity_id();
        let request_id = uuid::Uuid::new_v4().to_string();
        let name = action_name(action, resource_type);
        let body = name
            .clone()
            .and_then(|name| self.body(principal, name, resource, &resource_id, context));
        let answer = match body {
            Ok(body) => tokio::time::timeout(self.timeout, self.post(body, &request_id)).await,
            Err(reason) => Ok(Err(reason)),
        };
        let answer = answer.unwrap_or_else(|_| Err(format!("no answer within {:?}", self.timeout)));
        let decision = match answer.and_then(|body| read_answer(&body)) {
            Ok((allowed, policies)) => AuthzDecision {
                allowed,
                policies,
                errors: Vec::new(),
                elapsed: started.elapsed(),
            },
            Err(reason) => AuthzDecision::error(reason, started),
        };
        let subject = super::decide::Subject {
            principal: &principal.id,
            action: if name.is_ok() { action } else { "invalid" },
            resource_type,
            resource_id: &resource_id,
        };
        tracing::debug!(target: "authx::authz", request_id, "AuthZEN evaluation");
        super::decide::audit(&decision, &subject, Some(&self.endpoint.to_string()));
        decision
    }

    /// The Access Evaluation request (§6.1).
    fn body(
        &self,
        principal: &Principal,
        action: &str,
        resource: &dyn DynEntity,
        resource_id: &str,
        context: &AuthzContext,
    ) -> Result<Vec<u8>, String> {
        let subject_type = principal.entity_type.as_deref();
        let body = json!({
            "subject": {
                "type": subject_type.unwrap_or(&self.principal_type),
                "id": principal.id,
                "properties": properties(principal.attrs.to_json(), &principal.parents)?,
            },
            "action": { "name": action },
            "resource": {
                "type": resource.entity_type(),
                "id": resource_id,
                "properties": properties(resource.entity_attrs().to_json(), &resource.entity_parents())?,
            },
            "context": context.record(principal),
        });
        serde_json::to_vec(&body).map_err(|e| format!("the AuthZEN request: {e}"))
    }

    /// POSTs `body` (§10.1): the answer's body when the status is a success. The caller
    /// bounds the time.
    async fn post(&self, body: Vec<u8>, request_id: &str) -> Result<Bytes, String> {
        let endpoint = &self.endpoint;
        if endpoint.scheme_str() == Some("http") && !self.allow_insecure_http {
            return Err(format!(
                "{endpoint} is plain HTTP: use HTTPS or `allow_insecure_http`"
            ));
        }
        let mut request = http::Request::post(endpoint.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, "authx-authzen")
            .header(REQUEST_ID, request_id);
        if let Some(Secret(token)) = &self.bearer {
            let mut value = HeaderValue::try_from(format!("Bearer {token}"))
                .map_err(|_| "the PDP bearer token is not a valid header value".to_owned())?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("the AuthZEN request: {e}"))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("POST {endpoint}: {}", error_chain(&e)))?;
        let status = response.status();
        let echoed = response.headers().get(REQUEST_ID);
        if echoed.is_some_and(|id| id.as_bytes() != request_id.as_bytes()) {
            return Err(format!("POST {endpoint}: answer to another {REQUEST_ID}"));
        }
        let read = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map(|b| b.to_bytes());
        if !status.is_success() {
            let excerpt = self.excerpt(read.ok());
            return Err(format!("POST {endpoint}: status {status}: {excerpt:?}"));
        }
        read.map_err(|e| format!("POST {endpoint}: the answer: {e}"))
    }

    /// The start of an error answer's body (§10.1.2: an error message), without the bearer
    /// token should the PDP echo it.
    fn excerpt(&self, body: Option<Bytes>) -> String {
        let mut text = String::from_utf8_lossy(body.as_deref().unwrap_or_default()).into_owned();
        if let Some(Secret(token)) = &self.bearer
            && !token.is_empty()
        {
            text = text.replace(&**token, "<redacted>");
        }
        clip(text.trim())
    }
}

/// The name of `action` (`Document::edit` → `edit`), once its type is `resource_type`'s
/// (either may be qualified: `Docs::Document`).
fn action_name<'a>(action: &'a str, resource_type: &str) -> Result<&'a str, String> {
    let (ty, name) = match action.rsplit_once("::") {
        Some((ty, name)) => (Some(ty), name),
        None => (None, action),
    };
    if name.is_empty() || ty == Some("") {
        return Err(format!("`{action}` is not an action (`Type::action`)"));
    }
    if let Some(ty) = ty {
        let within = |long: &str, short: &str| {
            long.strip_suffix(short)
                .is_some_and(|head| head.is_empty() || head.ends_with("::"))
        };
        if !within(ty, resource_type) && !within(resource_type, ty) {
            return Err(format!(
                "a `{resource_type}` is not the resource of `{action}`"
            ));
        }
    }
    Ok(name)
}

/// An entity's `properties`: its attributes (an object), and its parents under `__parents`.
fn properties(attrs: Value, parents: &[(String, String)]) -> Result<Value, String> {
    let mut map = match attrs {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        _ => return Err("an entity's attributes are not a JSON object".into()),
    };
    if !parents.is_empty() {
        if map.contains_key(PARENTS) {
            return Err(format!(
                "an entity has both parents and an attribute `{PARENTS}`"
            ));
        }
        let list = parents
            .iter()
            .map(|(ty, id)| json!({ "type": ty, "id": id }));
        map.insert(PARENTS.into(), list.collect());
    }
    Ok(Value::Object(map))
}

/// The decision in a PDP's answer (§5.5), and the reasons its context gives.
fn read_answer(body: &[u8]) -> Result<(bool, Vec<String>), String> {
    let answer: Value =
        serde_json::from_slice(body).map_err(|e| format!("the PDP's answer is not JSON: {e}"))?;
    let Some(decision) = answer.get("decision").and_then(Value::as_bool) else {
        return Err("the PDP's answer has no boolean `decision`".into());
    };
    Ok((decision, reasons(answer.get("context"))))
}

/// The context's `id`, then the values of its `reason_admin` (§5.5.1 examples), bounded.
fn reasons(context: Option<&Value>) -> Vec<String> {
    let field = |key| context.and_then(|c| c.get(key));
    let id = match field("id") {
        Some(Value::Number(id)) => Some(id.to_string()),
        id => id.and_then(Value::as_str).map(str::to_owned),
    };
    let admin = match field("reason_admin") {
        Some(Value::Object(reasons)) => reasons.values().filter_map(Value::as_str).collect(),
        reason => Vec::from_iter(reason.and_then(Value::as_str)),
    };
    let all = id.iter().map(String::as_str).chain(admin);
    all.take(MAX_REASONS).map(clip).collect()
}

/// `text`'s first characters, printable.
fn clip(text: &str) -> String {
    let text = text.chars().take(MAX_REASON_CHARS);
    text.map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// hyper's client over rustls with the ring provider, pooling connections (one evaluation
/// per protected request). The system's CA roots when it has any, else Mozilla's.
fn http_client() -> Result<Client<HttpsConnector<HttpConnector>, Full<Bytes>>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let native = HttpsConnectorBuilder::new().with_provider_and_native_roots(provider.clone());
    let builder = native.or_else(|e| {
        tracing::debug!(error = %e, "authx authzen: no system CA roots; using Mozilla's");
        HttpsConnectorBuilder::new().with_provider_and_webpki_roots(provider)
    });
    let builder = builder.map_err(|e| format!("TLS client: {e}"))?;
    let connector = builder.https_or_http().enable_http1().build();
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(connector))
}

/// An error and its sources, `: `-separated.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let chain = std::iter::successors(Some(e), |e| e.source()).map(|e| e.to_string());
    chain.collect::<Vec<_>>().join(": ")
}

#[cfg(test)]
#[path = "authzen_tests.rs"]
mod tests;
