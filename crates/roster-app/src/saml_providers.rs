//! The SAML providers sign-ins went through recently (the sign-in area
//! reads and fills it: `sso/trust.rs`), each with its site
//! and its parsed trust, so that a sign-in reads neither from the database
//! nor parses the IdP's metadata (issue 15: the reads and the parse were a
//! third of a sign-in's database round trips and much of its CPU).
//!
//! An entry is what was read under one value of the store's provider
//! generation, which every committed change of a site, a provider or a
//! fetched metadata document (another document or URL; a refresh that
//! brought back the same one does not count) moves on: such a change made
//! by this process takes effect at the next sign-in after its commit
//! returns. A change made by another process (the
//! CLI, another instance) is seen when the entry is older than
//! `credential_cache::FRESH_FOR`, as for SCIM credentials. Only providers that sign people
//! in with a usable trust are kept: one that cannot is read, and refused,
//! every time.

use std::time::Instant;

use roster_domain::{Provider, ProviderId, Site};
use roster_saml::IdpKeys;

use crate::credential_cache::{GenerationCache, Generational};

/// What an IdP is trusted by, and where it signs people in.
pub(crate) struct IdpTrust {
    pub keys: IdpKeys,
    /// The IdP's entity id when its metadata names it.
    pub entity_id: Option<String>,
    pub sso_url: String,
    /// Whether the IdP's metadata asks for signed AuthnRequests.
    pub wants_signed_requests: bool,
    /// Where the IdP takes logout messages (HTTP-Redirect), if anywhere.
    pub slo_url: Option<String>,
}

/// A provider people sign in through, as read under one generation.
pub(crate) struct SigningProvider {
    pub(crate) provider: Provider,
    pub(crate) site: Site,
    pub(crate) trust: IdpTrust,
    generation: u64,
    read_at: Instant,
}

impl SigningProvider {
    pub(crate) fn new(provider: Provider, site: Site, trust: IdpTrust, generation: u64) -> Self {
        Self { provider, site, trust, generation, read_at: Instant::now() }
    }
}

impl Generational for SigningProvider {
    fn read_under(&self) -> (u64, Instant) {
        (self.generation, self.read_at)
    }
}

/// Provider id → the provider, its site and its trust; the same cache as
/// the SCIM credentials' (`credential_cache.rs`), current as long.
pub(crate) type ProviderCache = GenerationCache<ProviderId, SigningProvider>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::credential_cache::{FRESH_FOR, MAX_ENTRIES};

    fn keep(cache: &ProviderCache, entry: Arc<SigningProvider>) {
        cache.put(entry.provider.id.clone(), entry);
    }
    use roster_domain::{
        DisplayText, ProviderKind, ProviderName, SamlSignIn, SamlTrust, ScimSettings, SiteId,
        SiteSlug,
    };

    fn entry(id: &str, generation: u64) -> Arc<SigningProvider> {
        let now = jiff::Timestamp::UNIX_EPOCH;
        let site = Site::new(
            SiteId::from_raw("s1"),
            SiteSlug::parse("acme").unwrap(),
            DisplayText::parse("Acme").unwrap(),
            now,
        );
        let provider = Provider {
            id: ProviderId::from_raw(id),
            site_id: site.id.clone(),
            kind: ProviderKind::Okta,
            name: ProviderName::parse("Okta").unwrap(),
            saml: SamlTrust::NotConfigured,
            sign_in: SamlSignIn::defaults(),
            scim: ScimSettings::off(),
            ldap: None,
            options: roster_domain::ProvisioningOptions::defaults(),
            created_at: now,
            updated_at: now,
        };
        let trust = IdpTrust {
            keys: IdpKeys::Fingerprint([0; 32]),
            entity_id: None,
            sso_url: "https://idp.example/sso".into(),
            wants_signed_requests: false,
            slo_url: None,
        };
        Arc::new(SigningProvider::new(provider, site, trust, generation))
    }

    #[test]
    fn an_entry_serves_its_generation_only() {
        let cache = ProviderCache::default();
        keep(&cache, entry("p1", 7));
        assert!(cache.get(&ProviderId::from_raw("p1"), 7).is_some());
        assert!(
            cache.get(&ProviderId::from_raw("p1"), 8).is_none(),
            "a committed change of a site or provider retires it"
        );
        assert!(cache.get(&ProviderId::from_raw("p2"), 7).is_none());
    }

    #[test]
    fn an_entry_grows_stale() {
        let entry = entry("p1", 1);
        let now = Instant::now();
        assert!(entry.is_current(1, now));
        assert!(!entry.is_current(1, now + FRESH_FOR), "another process's change is seen in time");
    }

    #[test]
    fn a_full_cache_keeps_its_current_entries() {
        let cache = ProviderCache::default();
        for index in 0..MAX_ENTRIES {
            keep(&cache, entry(&format!("old{index}"), 1));
        }
        keep(&cache, entry("p0", 2));
        keep(&cache, entry("p1", 2));
        assert!(cache.get(&ProviderId::from_raw("p0"), 2).is_some());
        assert!(cache.get(&ProviderId::from_raw("p1"), 2).is_some());
        assert_eq!(cache.len(), 2, "the entries of an older generation went");
    }
}
