//! Step 4 of the pipeline: a route's resource, loaded, then decided by the Cedar policies.

use http::request::Parts;

use super::Auth;
use super::pipeline::Check;
use crate::error::AuthError;
use crate::token::Claims;

/// What decides a route's action.
#[cfg(feature = "authz")]
enum Decider<'a> {
    /// The app's Cedar policies.
    Cedar(&'a crate::authz::Authz),
    /// An external decision point (OpenID AuthZEN).
    #[cfg(feature = "authzen")]
    Authzen(&'a crate::authz::AuthzenClient),
}

impl Auth {
    /// Loads the route's resource (none is `404 ResourceNotFoundError`, before any decision;
    /// a loader that fails is a logged `503`), asks the policies whether the principal may take
    /// the route's action on it in this request's context (time, client IP, route, and what
    /// the token says), and, when it may, keeps the resource for the handler's
    /// [`Resource`](crate::authz::Resource). Fails closed: a route with an action and no
    /// policies or no loader is refused.
    #[cfg(feature = "authz")]
    pub(crate) async fn resource_step(
        &self,
        parts: &mut Parts,
        check: Check<'_>,
        claims: &Claims,
    ) -> Result<(), AuthError> {
        use crate::authz::{Decided, LoadError};
        use crate::error::ResourceFailure;

        let Some(action) = check.rules.action else {
            return Ok(());
        };
        let (Some(decider), Some(source)) = (self.decider(), check.resource) else {
            tracing::error!(
                route = check.route,
                action,
                "authx: a route with an action needs policies (`AuthBuilder::authz`, or a \
                 decision point: `AuthBuilder::authzen`) and its resource loader \
                 (`#[protect(action, resource = ...)]`)"
            );
            return Err(AuthError::Internal(
                "no policies for this route's action".into(),
            ));
        };
        // The principal first: a subject that is gone is a 401 before anything is loaded.
        let principal = source.principal(claims).await?;
        let loaded = match source.load(parts).await {
            Ok(Some(loaded)) => loaded,
            Ok(None) => return Err(AuthError::Resource(ResourceFailure::NotFound)),
            Err(LoadError::Rejected(response)) if response.status().is_client_error() => {
                return Err(AuthError::Resource(ResourceFailure::BadRequest(
                    response.status(),
                )));
            }
            Err(LoadError::Rejected(response)) => {
                // A loader's extractor failing on its own (a missing `Extension`, a `Path` on
                // a route without parameters): the app's wiring, not the client's request.
                tracing::error!(
                    route = check.route,
                    action,
                    status = response.status().as_u16(),
                    "authx: an extractor of the resource loader failed"
                );
                return Err(AuthError::Internal("resource loader extractor".into()));
            }
            Err(LoadError::Failed(error)) => {
                tracing::error!(route = check.route, action, %error, "authx: resource loader failed");
                return Err(AuthError::Resource(ResourceFailure::Unavailable));
            }
        };
        let context = self.authz_context(parts, check.route);
        let decision = match decider {
            Decider::Cedar(authz) => authz.decide_loaded(&principal, action, &*loaded, &context),
            #[cfg(feature = "authzen")]
            Decider::Authzen(pdp) => pdp.evaluate(&principal, action, &*loaded, &context).await,
        };
        if !decision.errors.is_empty() {
            tracing::error!(
                route = check.route,
                action,
                errors = ?decision.errors,
                "authx: the policies could not decide (refused)"
            );
        }
        decision.into_result()?;
        parts.extensions.insert(Decided(loaded));
        Ok(())
    }

    /// The context of a decision in this request: the engine's clock, the client address
    /// (behind trusted proxies), and the route as `METHOD /template` (axum's matched path,
    /// else `fallback`, the guard's handler).
    #[cfg(feature = "authz")]
    pub(crate) fn authz_context(
        &self,
        parts: &Parts,
        fallback: &str,
    ) -> crate::authz::AuthzContext {
        let route = match super::route_template(parts) {
            Some(template) => format!("{} {template}", parts.method),
            None => fallback.to_owned(),
        };
        let mut context = crate::authz::AuthzContext::at(self.now()).with_route(route);
        if let Some(ip) = self.client_ip(parts).addr() {
            context = context.with_ip(ip.to_string());
        }
        context
    }

    /// Who decides: the AuthZEN decision point when one is configured, else the Cedar
    /// policies.
    #[cfg(feature = "authz")]
    fn decider(&self) -> Option<Decider<'_>> {
        #[cfg(feature = "authzen")]
        if let Some(pdp) = self.authzen() {
            return Some(Decider::Authzen(pdp));
        }
        self.authz().map(Decider::Cedar)
    }

    /// Without the `authz` feature no route can declare an action (`#[protect(action)]` needs
    /// the feature); hand-made rules that do are refused.
    #[cfg(not(feature = "authz"))]
    pub(crate) async fn resource_step(
        &self,
        _parts: &mut Parts,
        check: Check<'_>,
        _claims: &Claims,
    ) -> Result<(), AuthError> {
        tracing::error!(
            route = check.route,
            "authx: a route with an action, and authx is built without the `authz` feature"
        );
        Err(AuthError::Internal("authz feature off".into()))
    }
}

/// The context a route's decision gets, for a handler that decides on its own (filtering a
/// list, the actions of a resource): the engine's clock, the client address, the route.
#[cfg(feature = "authz")]
impl<S> axum::extract::FromRequestParts<S> for crate::authz::AuthzContext
where
    Auth: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = <Auth as axum::extract::FromRef<S>>::from_ref(state);
        let route = super::decision::route_of(parts);
        Ok(auth.authz_context(parts, &route))
    }
}

/// Checks the action of every route in the program (the registry) against the schema the
/// policies were validated with: `#[protect(action = ...)]` was checked against the schema the
/// crate compiled with, and a service started with another would refuse those routes at every
/// request. Refused at start-up instead, naming each route.
#[cfg(feature = "authz")]
pub(super) fn check_route_actions(
    authz: &crate::authz::Authz,
) -> Result<(), crate::config::ConfigError> {
    let unknown: Vec<String> = crate::registry::entries()
        .into_iter()
        .filter_map(|route| {
            let action = route.action()?;
            let why = authz.check_action(action).err()?;
            let name = route.route.unwrap_or(route.handler);
            Some(format!(
                "`{name}` ({}) decides on `{action}`: {why}",
                route.module
            ))
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(crate::config::ConfigError::Invalid {
        field: "authz",
        reason: format!(
            "the policies' schema does not have the action of {} route(s), which compiled \
             against another schema: {}",
            unknown.len(),
            unknown.join("; ")
        ),
    })
}
