//! Which provider a sign-in the IdP started belongs to, when its response
//! is posted to the shared ACS: it answers no request of roster's, so the
//! site its relay state names (the seeds' Default Relay State is the
//! site's slug) and the Issuer it claims decide. Without a site, the one
//! provider anywhere that trusts the Issuer; two are ambiguous and refused
//! rather than guessed. Only providers that accept IdP-initiated sign-ins
//! are candidates: no other could take the response anyway.
//!
//! The claimed Issuer is not trusted here: the provider found validates
//! the response against its own trust, Issuer included.

use roster_domain::{Provider, ProviderId, SiteId, SiteSlug};
use roster_store::Page;

use super::trust::idp_trust;
use super::{SsoError, SsoTx};

/// Sites and providers read per query while looking.
const PER_PAGE: u64 = 200;

/// The provider an unsolicited response at the shared ACS is for.
pub(super) async fn provider_for_issuer(
    tx: &mut impl SsoTx,
    relay_state: Option<&str>,
    issuer: Option<&str>,
) -> Result<ProviderId, SsoError> {
    let issuer = issuer.filter(|issuer| !issuer.is_empty()).ok_or(SsoError::UnknownIssuer)?;
    let named_site = match relay_state.and_then(|raw| SiteSlug::parse(raw.trim()).ok()) {
        Some(slug) => tx.site_by_slug(&slug).await?.map(|site| site.id),
        None => None,
    };
    let sites = match named_site {
        Some(site) => vec![site],
        None => every_site(tx).await?,
    };
    let mut trusting = trusting(tx, &sites, issuer, accepts_unsolicited).await?;
    match trusting.len() {
        0 => Err(SsoError::UnknownIssuer),
        1 => Ok(trusting.remove(0)),
        _ => Err(SsoError::AmbiguousIssuer),
    }
}

/// The provider a LogoutRequest sent to the shared logout URL (the one the
/// SP metadata lists) is for: the one SAML provider anywhere whose
/// metadata names its Issuer. Several (one IdP application serving two
/// sites) are refused rather than guessed: such an IdP uses each
/// provider's own logout URL. The claimed Issuer is not trusted here
/// either: the provider found verifies the request with its own keys.
pub(super) async fn provider_for_logout_issuer(
    tx: &mut impl SsoTx,
    issuer: &str,
) -> Result<ProviderId, SsoError> {
    if issuer.is_empty() {
        return Err(SsoError::UnknownLogoutIssuer);
    }
    let sites = every_site(tx).await?;
    let mut trusting =
        trusting(tx, &sites, issuer, |provider| provider.kind.signs_in_with_saml()).await?;
    match trusting.len() {
        1 => Ok(trusting.remove(0)),
        _ => Err(SsoError::UnknownLogoutIssuer),
    }
}

/// The providers of `sites` that `accepts` and whose trust names `issuer`.
async fn trusting(
    tx: &mut impl SsoTx,
    sites: &[SiteId],
    issuer: &str,
    accepts: fn(&Provider) -> bool,
) -> Result<Vec<ProviderId>, SsoError> {
    let mut trusting: Vec<ProviderId> = Vec::new();
    for site in sites {
        for provider in providers_of(tx, site).await? {
            if accepts(&provider) && trusts(tx, &provider, issuer).await? {
                trusting.push(provider.id);
            }
        }
    }
    Ok(trusting)
}

fn accepts_unsolicited(provider: &Provider) -> bool {
    provider.kind.signs_in_with_saml() && provider.sign_in.allows_idp_initiated(provider.kind)
}

/// Whether the provider's trust names `issuer` as its IdP. Trust by
/// fingerprint knows no entity id, so it never matches: such a provider
/// takes IdP-initiated sign-ins at its own ACS URL.
async fn trusts(tx: &mut impl SsoTx, provider: &Provider, issuer: &str) -> Result<bool, SsoError> {
    match idp_trust(tx, provider).await {
        Ok(trust) => Ok(trust.entity_id.as_deref() == Some(issuer)),
        // Not set up (or its metadata unusable): it trusts nobody yet.
        Err(SsoError::Unavailable(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

async fn every_site(tx: &mut impl SsoTx) -> Result<Vec<SiteId>, SsoError> {
    let mut sites = Vec::new();
    loop {
        let page = Page { offset: sites.len() as u64, limit: PER_PAGE };
        let listed = tx.list_sites(page).await?.items;
        let last = (listed.len() as u64) < PER_PAGE;
        sites.extend(listed.into_iter().map(|site| site.id));
        if last {
            return Ok(sites);
        }
    }
}

async fn providers_of(tx: &mut impl SsoTx, site: &SiteId) -> Result<Vec<Provider>, SsoError> {
    let mut providers = Vec::new();
    loop {
        let page = Page { offset: providers.len() as u64, limit: PER_PAGE };
        let listed = tx.list_providers(site, page).await?.items;
        let last = (listed.len() as u64) < PER_PAGE;
        providers.extend(listed);
        if last {
            return Ok(providers);
        }
    }
}
