//! How a provider's SAML settings become what `roster-saml` checks a
//! response against, and the provider a sign-in goes through: from the
//! cache of `crate::saml_providers`, or read and kept there.

use std::sync::Arc;

use roster_domain::{Provider, ProviderId, SamlTrust};
use roster_saml::IdpKeys;
use roster_store::{IdpMetadataRepo, ProviderRepo, SiteRepo, SsoRepo};

use super::{Sso, SsoError};
use crate::idp_metadata;
pub(crate) use crate::saml_providers::IdpTrust;
use crate::saml_providers::SigningProvider;

/// The provider's trust; for a metadata URL, the last good document
/// fetched from it.
pub(crate) async fn idp_trust(
    tx: &mut (impl IdpMetadataRepo + Send),
    provider: &Provider,
) -> Result<IdpTrust, SsoError> {
    match &provider.saml {
        SamlTrust::NotConfigured => Err(SsoError::Unavailable(format!(
            "the provider {:?} has no SAML trust configured",
            provider.name.as_str()
        ))),
        SamlTrust::MetadataUrl { url } => {
            let record = tx.idp_metadata(&provider.site_id, &provider.id).await?;
            let xml = idp_metadata::good_xml(record.as_ref(), url).ok_or_else(|| {
                SsoError::Unavailable(format!(
                    "the metadata of the provider {:?} has not been fetched yet",
                    provider.name.as_str()
                ))
            })?;
            from_metadata(provider, xml)
        }
        SamlTrust::MetadataXml { xml } => from_metadata(provider, xml),
        SamlTrust::Fingerprint { sha256, sso_url, slo_url } => {
            let mut digest = [0u8; 32];
            for (index, byte) in digest.iter_mut().enumerate() {
                let pair = sha256.as_str().get(index * 2..index * 2 + 2).unwrap_or("00");
                *byte = u8::from_str_radix(pair, 16).map_err(|_| {
                    SsoError::Unavailable("the stored fingerprint is unreadable".into())
                })?;
            }
            Ok(IdpTrust {
                keys: IdpKeys::Fingerprint(digest),
                entity_id: None,
                sso_url: sso_url.as_str().to_owned(),
                wants_signed_requests: false,
                slo_url: slo_url.as_ref().map(|url| url.as_str().to_owned()),
            })
        }
    }
}

/// Every signing certificate of the metadata is trusted, so a rotation
/// the IdP announces there needs no action.
fn from_metadata(provider: &Provider, xml: &str) -> Result<IdpTrust, SsoError> {
    let metadata = idp_metadata::usable(xml).map_err(|err| {
        SsoError::Unavailable(format!(
            "the metadata of the provider {:?} is unusable: {err}",
            provider.name.as_str()
        ))
    })?;
    let sso_url = metadata
        .sso_redirect_url
        .clone()
        .ok_or_else(|| SsoError::Unavailable("the IdP offers no HTTP-Redirect sign-in".into()))?;
    Ok(IdpTrust {
        keys: IdpKeys::Certificates(metadata.signing_certificates),
        entity_id: Some(metadata.entity_id),
        sso_url,
        wants_signed_requests: metadata.wants_signed_requests,
        slo_url: metadata.slo_redirect_url,
    })
}

impl Sso<'_> {
    /// The provider `id`, which people sign in through with SAML, with its
    /// site and trust: from the cache, or else read (and kept).
    pub(crate) async fn signing_provider(
        &self,
        id: &ProviderId,
    ) -> Result<Arc<SigningProvider>, SsoError> {
        // Read before the provider: a change committed in between then
        // retires the entry at once.
        let generation = self.provider_generation();
        if let Some(cached) = self.ctx.saml_providers.get(id, generation) {
            return Ok(cached);
        }
        let not_found = || SsoError::NotFound { what: "provider" };
        let mut tx = self.read().await?;
        let site_id = tx.provider_site(id).await?.ok_or_else(not_found)?;
        let provider = tx.provider_by_id(&site_id, id).await?.ok_or_else(not_found)?;
        if !provider.kind.signs_in_with_saml() {
            return Err(not_found());
        }
        let trust = idp_trust(&mut tx, &provider).await?;
        let site = tx.site_by_id(&site_id).await?.ok_or_else(not_found)?;
        let entry = Arc::new(SigningProvider::new(provider, site, trust, generation));
        self.ctx.saml_providers.put(id.clone(), entry.clone());
        Ok(entry)
    }
}
