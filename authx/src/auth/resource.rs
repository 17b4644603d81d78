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
        use crate::authz::{AuthzContext, Decided, LoadError};
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
        let loaded = match source.load(parts).await {
            Ok(Some(loaded)) => loaded,
            Ok(None) => return Err(AuthError::Resource(ResourceFailure::NotFound)),
            Err(LoadError::Rejected(response)) => {
                return Err(AuthError::Resource(ResourceFailure::BadRequest(
                    response.status(),
                )));
            }
            Err(LoadError::Failed(error)) => {
                tracing::error!(route = check.route, action, %error, "authx: resource loader failed");
                return Err(AuthError::Resource(ResourceFailure::Unavailable));
            }
        };
        let principal = source.principal(claims).await?;
        let mut context = AuthzContext::at(self.now()).with_route(check.route);
        if let Some(ip) = self.client_ip(parts).addr() {
            context = context.with_ip(ip.to_string());
        }
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
