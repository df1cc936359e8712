//! What a site's sign-in page offers: a button per provider people can
//! sign in through.

use roster_domain::{SamlTrust, SiteSlug};
use roster_store::{IdpMetadataRepo, Page, ProviderRepo, SiteRepo};

use super::{Sso, SsoError};
use crate::idp_metadata;

/// A site's sign-in page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInPage {
    pub site_name: String,
    /// `(provider id, display name)` of each provider offered, by name.
    pub providers: Vec<(String, String)>,
}

/// The most providers a sign-in page lists.
const MAX_PROVIDERS: u64 = 100;

impl Sso<'_> {
    /// The sign-in page of the site `slug`: the providers whose SAML
    /// trust is set up (one whose metadata URL has not given a good
    /// document yet is left out rather than offered and failing).
    pub async fn sign_in_page(&self, slug: &str) -> Result<SignInPage, SsoError> {
        let not_found = || SsoError::NotFound { what: "site" };
        let slug = SiteSlug::parse(slug).map_err(|_| not_found())?;
        let mut tx = self.read().await?;
        let site = tx.site_by_slug(&slug).await?.ok_or_else(not_found)?;
        let listed = tx.list_providers(&site.id, Page { offset: 0, limit: MAX_PROVIDERS }).await?;
        let mut providers: Vec<(String, String)> = Vec::new();
        for provider in listed.items {
            let ready = match &provider.saml {
                SamlTrust::NotConfigured => false,
                SamlTrust::MetadataXml { .. } | SamlTrust::Fingerprint { .. } => true,
                SamlTrust::MetadataUrl { url } => {
                    let record = tx.idp_metadata(&site.id, &provider.id).await?;
                    idp_metadata::good_xml(record.as_ref(), url).is_some()
                }
            };
            if ready && provider.kind.signs_in_with_saml() {
                providers
                    .push((provider.id.as_str().to_owned(), provider.name.as_str().to_owned()));
            }
        }
        providers.sort_by_key(|(_, name)| name.to_lowercase());
        Ok(SignInPage { site_name: site.name.as_str().to_owned(), providers })
    }
}
