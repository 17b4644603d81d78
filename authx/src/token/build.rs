//! The claims a [`TokenBuilder`] signs.

use super::claims::{self, Claims, TokenType};
use super::error::IssueError;
use super::{TokenBuilder, codec, valid_id};

impl TokenBuilder<'_> {
    pub(crate) fn claims(&self, now: i64) -> Result<Claims, IssueError> {
        for (what, id) in [("jti", &self.jti), ("session (sid)", &self.sid)] {
            if let Some(id) = id
                && !valid_id(id)
            {
                return Err(IssueError::Invalid(format!(
                    "{what} must be 1 to 128 visible ASCII characters"
                )));
            }
        }
        let mut extra = self.extra.as_ref().map_err(Clone::clone)?.clone();
        if let Some(kind) = &self.kind {
            extra.insert(
                claims::KIND_CLAIM.to_owned(),
                serde_json::Value::String(kind.clone()),
            );
        }
        if let Some(acr) = &self.acr {
            extra.insert(
                claims::ACR_CLAIM.to_owned(),
                serde_json::Value::String(acr.clone()),
            );
        }
        // The client the token is issued to: the builder's, else the one a predecessor carried
        // (rotation, implicit refresh), else the configured one. Access and refresh tokens
        // alike, so another client can neither revoke nor introspect them.
        if let Some(client_id) = &self.client_id {
            extra.insert(
                claims::CLIENT_ID_CLAIM.to_owned(),
                client_id.as_str().into(),
            );
        } else if let Some(client_id) = self.codec.client_id()
            && !extra.contains_key(claims::CLIENT_ID_CLAIM)
        {
            extra.insert(claims::CLIENT_ID_CLAIM.to_owned(), client_id.into());
        }
        if let Some(jkt) = &self.dpop_jkt {
            extra.insert(
                claims::CNF_CLAIM.to_owned(),
                serde_json::json!({ "jkt": jkt }),
            );
        }
        if let Some(amr) = &self.amr {
            extra.insert(claims::AMR_CLAIM.to_owned(), serde_json::json!(amr));
        }
        codec::check_extra(&extra)?;
        let exp = self.expires_at.unwrap_or_else(|| {
            let lifetime = self
                .expires_in
                .unwrap_or_else(|| self.codec.lifetime(self.token_type));
            now.saturating_add(crate::clock::secs(lifetime))
        });
        // A family's revocation is kept for the longest configured lifetime: a token of the
        // family must not outlive it.
        if self.sid.is_some() {
            let longest = self
                .codec
                .lifetime(TokenType::Access)
                .max(self.codec.lifetime(TokenType::Refresh));
            let limit = now.saturating_add(crate::clock::secs(longest));
            if exp > limit {
                return Err(IssueError::Invalid(format!(
                    "a token bound to a session lives at most the longest configured lifetime \
                     ({}s, refresh_token_expires): raise it for longer sessions",
                    longest.as_secs()
                )));
            }
        }
        let csrf = self.csrf.unwrap_or_else(|| self.codec.csrf_in_tokens());
        Ok(Claims {
            sub: self.sub.clone(),
            jti: self
                .jti
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            token_type: self.token_type,
            fresh: self.fresh && self.token_type == TokenType::Access,
            iat: Some(now),
            nbf: self.not_before,
            exp,
            iss: self.codec.issuer().map(str::to_owned),
            aud: self
                .audience
                .clone()
                .unwrap_or_else(|| self.codec.default_audience().to_vec()),
            csrf: match &self.csrf_value {
                Some(v) => Some(v.clone()),
                None => csrf.then(|| uuid::Uuid::new_v4().to_string()),
            },
            scopes: self.scopes.clone(),
            sid: self.sid.clone(),
            auth_time: self.auth_time.or((self.fresh).then_some(now)),
            extra,
        })
    }
}
