//! The token a factor earns: in the same session, with `amr`, `acr` and `auth_time`.

use serde_json::json;

use super::Mfa;
use crate::error::AuthError;
use crate::token::{ACR_CLAIM, AMR_CLAIM, API_KEY_CLAIM, Claims, LOGIN_CLAIM, TokenType};

impl Mfa {
    /// A new access token for the holder of `claims` (a verified access token this engine
    /// issued) who has just met a factor using `methods` (RFC 8176: `["otp"]` for a TOTP code,
    /// `["hwk", "user"]` for a passkey). It keeps the token's subject, session (its `sid`, or
    /// the family the token founds), scopes, audience, extra data, DPoP binding, client and
    /// freshness (a factor is not a login: a refreshed token stays not fresh); its `auth_time`
    /// is now, its `amr` the token's methods and these, and its `acr` the highest
    /// [level](super::MfaConfig::acr) they reach (the token's own `acr` when none does).
    ///
    /// The refresh token is left as it is: a refresh gives back the login's own assurance, and
    /// so does implicit refresh of this token (the login's `auth_time`, `acr` and `amr` travel
    /// in it, under [`LOGIN_CLAIM`]). A step-up lasts as long as
    /// this access token: re-authentication for sensitive routes, as a "sudo mode". In
    /// allowlist mode the token is registered before it is returned.
    ///
    /// Refused with `401 AccessTokenRequiredError` for anything but an access token of this
    /// engine's: a refresh token, an API key's claims, an identity provider's token.
    pub async fn step_up(&self, claims: &Claims, methods: &[&str]) -> Result<String, AuthError> {
        let auth = self.auth();
        ensure_own_access_token(auth, claims)?;
        let mut amr: Vec<String> = claims.amr().iter().map(|m| (*m).to_owned()).collect();
        for method in methods {
            if !amr.iter().any(|m| m == method) {
                amr.push((*method).to_owned());
            }
        }
        let amr_refs: Vec<&str> = amr.iter().map(String::as_str).collect();
        let acr = self
            .config()
            .acr_for(&amr_refs)
            .map(str::to_owned)
            .or_else(|| claims.acr().map(str::to_owned));
        // The login's assurance, kept from the first step-up of the chain.
        let mut extra = claims.extra.clone();
        if !extra.contains_key(LOGIN_CLAIM) {
            let login = json!({
                "auth_time": claims.auth_time,
                ACR_CLAIM: claims.acr(),
                AMR_CLAIM: claims.amr(),
            });
            extra.insert(LOGIN_CLAIM.into(), login);
        }
        let mut token = auth
            .access_token(&claims.sub)
            .carry_extra(&extra)
            .fresh(claims.fresh)
            .auth_time(auth.now())
            .amr(amr)
            .session(crate::auth::family_of(claims));
        if let Some(scopes) = &claims.scopes {
            token = token.scopes(scopes.iter().cloned());
        }
        if let Some(acr) = acr {
            token = token.acr(acr);
        }
        if !claims.aud.is_empty() {
            token = token.audience(claims.aud.iter().cloned());
        }
        if let Some(jkt) = claims.dpop_jkt() {
            token = token.dpop_jkt(jkt);
        }
        let token = if auth.config().allowlist {
            auth.register(token).await?
        } else {
            token.issue()?
        };
        tracing::info!(
            target: "authx::mfa",
            methods = ?methods,
            "mfa: step-up token issued"
        );
        Ok(token)
    }
}

/// Only this engine's own access tokens are stepped up: not a refresh token, not an API key's
/// claims (a key is no login), not an identity provider's token (its trust is the provider's).
pub(super) fn ensure_own_access_token(
    auth: &crate::Auth,
    claims: &Claims,
) -> Result<(), AuthError> {
    let foreign = claims.iss.as_deref() != auth.config().issuer.as_deref();
    if claims.token_type != TokenType::Access || claims.extra.contains_key(API_KEY_CLAIM) || foreign
    {
        return Err(AuthError::AccessTokenRequired);
    }
    Ok(())
}
