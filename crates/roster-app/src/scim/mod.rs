//! The SCIM 2.0 use cases (SPEC §2): authentication of a provider's SCIM
//! client, and users and groups as that client sees them.
//!
//! The protocol itself (schemas, filters, PATCH, paging, projection) is the
//! pure `roster-scim`; storage is `roster-store`; this module joins them in
//! one transaction per request and answers with `ScimError`s only.

mod bulk;
mod call;
mod dialect;
mod groups;
pub mod mapping;
mod search;
mod users;

pub use call::{ScimAnswer, ScimCall, limits};

use roster_domain::PresentedCredential;
use roster_scim::ScimError;
pub use roster_store::ScimScope;
use roster_store::StoreError;

use crate::{App, secrets};

/// How often the time of the last SCIM authentication is written.
const AUTH_RECORD_INTERVAL_SECONDS: i64 = 60;

/// A SCIM credential as sent in `Authorization`.
#[derive(Debug, Clone, Copy)]
pub enum ScimCredential<'a> {
    Bearer(&'a str),
    Basic { username: &'a str, password: &'a str },
}

/// The answer to any credential that does not authenticate: the same for
/// an unknown, wrong, expired or revoked secret, so that it reveals nothing.
pub fn unauthorized() -> ScimError {
    ScimError::new(
        401,
        None,
        "authentication failed: send the SCIM token of an SSO provider as \
         `Authorization: Bearer <token>` (or its Basic username and password)",
    )
}

/// A storage failure: logged in full, answered with a generic 500.
pub(crate) fn internal(err: StoreError) -> ScimError {
    tracing::error!(error = %err, "SCIM request failed in storage");
    ScimError::new(500, None, "internal error; see the server log")
}

impl App {
    /// Resolves a SCIM credential to the provider (and so the site) it
    /// belongs to.
    pub async fn authenticate_scim(
        &self,
        credential: ScimCredential<'_>,
    ) -> Result<ScimScope, ScimError> {
        let (secret, username) = match credential {
            ScimCredential::Bearer(token) => (token, None),
            ScimCredential::Basic { username, password } => (password, Some(username)),
        };
        if secret.is_empty() || secret.len() > 512 {
            return Err(unauthorized());
        }
        let secret_hash = secrets::hash(secret);
        let provider = {
            let mut tx = self.store.read().await.map_err(internal)?;
            tx.provider_by_scim_secret(&secret_hash).await.map_err(internal)?
        };
        let Some(provider) = provider else { return Err(unauthorized()) };
        let presented = match username {
            None => PresentedCredential::Bearer { secret_hash: &secret_hash },
            Some(username) => PresentedCredential::Basic { username, secret_hash: &secret_hash },
        };
        let now = self.clock.now();
        let accepted = provider.kind.supports_scim() && provider.scim.accepts(presented, now);
        // A secret that was this provider's (expired, revoked after an
        // overlap, or sent in the wrong mode) is a failure worth showing to
        // its administrators; successes are recorded at most once a minute
        // so that reads do not turn into writes.
        let last =
            if accepted { provider.scim.last_success_at } else { provider.scim.last_failure_at };
        if last.is_none_or(|at| now.as_second() - at.as_second() >= AUTH_RECORD_INTERVAL_SECONDS) {
            let mut tx = self.store.write().await.map_err(internal)?;
            tx.record_scim_authentication(&provider.site_id, &provider.id, accepted, now)
                .await
                .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
        }
        if !accepted {
            return Err(unauthorized());
        }
        Ok(ScimScope { site: provider.site_id, provider: provider.id, kind: provider.kind })
    }
}
