//! A provider's set-up guide, as an administrator of its site reads it:
//! the provider found as every admin look-up of a provider finds it
//! (another site, or a provider of another site, is "not found"; a set-up
//! link sees its own provider), its guide filled in with the site's URLs.

use super::lookup::visible_provider;
use super::{Admin, AdminError};
use crate::Principal;
use crate::setup_guide::{GuideUrls, SamlUrls, SetupGuide, setup_guide};

/// Why there is no guide without a public URL: identity providers are
/// given absolute URLs, and SAML needs a stable one.
const NO_PUBLIC_URL: &str = "the set-up guide needs the public URL roster is reached at: start \
                             roster (or run this command) with --public-url";

impl Admin<'_> {
    /// The guide for `provider` of `site`. `saml` is the SP's URLs for
    /// that provider as the sign-in area serves them; `None` when roster
    /// has no public URL.
    pub async fn setup_guide(
        &self,
        who: &Principal,
        site: &str,
        provider: &str,
        saml: Option<SamlUrls>,
    ) -> Result<SetupGuide, AdminError> {
        let mut tx = self.read().await?;
        // A set-up link's principal reads its own provider's guide.
        let (site, provider) = visible_provider(&mut tx, who, site, provider).await?;
        let public_url = self.ctx.config.public_url.as_deref();
        let (Some(saml), Some(public_url)) = (saml, public_url) else {
            return Err(AdminError::invalid("public_url", NO_PUBLIC_URL));
        };
        let urls = GuideUrls::new(public_url, &site.slug, saml);
        Ok(setup_guide(provider.kind, &urls))
    }
}
