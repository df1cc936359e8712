//! A service-provider-initiated sign-in: an AuthnRequest to the provider's
//! IdP over the HTTP-Redirect binding, remembered as outstanding until it
//! is answered or expires. The relay state names the site, so that the
//! person comes back to it.

use jiff::SignedDuration;
use roster_domain::ProviderId;
use roster_saml::AuthnRequest;
use roster_store::{SamlRequestRecord, SsoRepo, Transaction};

use super::{Sso, SsoError};
use crate::ids::opaque_id;
use crate::secrets;

/// How long an IdP has to answer: long enough to type a password and a
/// second factor, short enough that a stolen request id is soon useless.
pub(crate) const REQUEST_LIFETIME: SignedDuration = SignedDuration::from_mins(10);

impl Sso<'_> {
    /// Starts a sign-in through `provider`: the URL to send the browser to.
    pub async fn start(&self, provider: &str) -> Result<String, SsoError> {
        let urls = self.urls()?;
        let not_found = || SsoError::NotFound { what: "provider" };
        let id = ProviderId::from_raw(opaque_id(provider).ok_or_else(not_found)?);
        let now = self.now();
        let signing = self.signing_provider(&id).await?;
        let (provider, site, trust) = (&signing.provider, &signing.site, &signing.trust);
        let mut tx = self.write().await?;
        // An XML ID starts with a letter or `_`.
        let request_id = secrets::generate("_");
        let expires_at = now
            .checked_add(REQUEST_LIFETIME)
            .map_err(|err| crate::InternalError::Settings(err.to_string()))?;
        tx.insert_saml_request(&SamlRequestRecord {
            site: site.id.clone(),
            id: request_id.clone(),
            provider: provider.id.clone(),
            created_at: now,
            expires_at,
        })
        .await?;
        tx.commit().await?;
        let acs = urls.acs_for(provider.id.as_str());
        let request = AuthnRequest {
            id: &request_id,
            issue_instant: now,
            destination: &trust.sso_url,
            acs_url: &acs,
            sp_entity_id: &urls.entity_id,
            name_id_format: None,
        };
        // Signed as the provider says, by default when the IdP's metadata
        // asks.
        let signs = provider.sign_in.signs_requests(trust.wants_signed_requests);
        let keys = if signs { Some(self.keys().await?) } else { None };
        let signer = match &keys {
            Some(keys) => Some(keys.signer.as_ref().ok_or_else(|| {
                crate::InternalError::Settings("the SP has no active signing key".into())
            })?),
            None => None,
        };
        Ok(request.redirect_url(Some(site.slug.as_str()), signer))
    }
}
