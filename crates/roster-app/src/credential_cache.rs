//! The providers that SCIM credentials named recently, so that a request
//! authenticates without a database read (issue 20).
//!
//! An entry is the provider as it was read under one value of the store's
//! provider generation. A change of a site or a provider committed by this
//! process moves the generation on, so a reset, a revocation, a switch-off
//! or a new option takes effect here at once; a change made by another
//! process (another instance, the CLI) is seen when the entry is older
//! than [`FRESH_FOR`]. Only credentials that named a provider are kept: an
//! unknown secret is looked up every time, so guessing fills nothing.
//! Entries are keyed by the secret's hash, never by the secret.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use roster_domain::{Provider, ProvisioningOptions};

/// How long another process's change of a credential may go unseen.
pub(crate) const FRESH_FOR: Duration = Duration::from_secs(5);

/// More entries than any deployment has credentials (two per provider)
/// or SAML providers; past it the stale ones go, or all of them.
pub(crate) const MAX_ENTRIES: usize = 4096;

/// The provider one credential named, and what this process recorded of
/// its authentications since.
pub(crate) struct CachedProvider {
    pub(crate) provider: Provider,
    /// The provider's options, shared by the requests it authenticates.
    pub(crate) options: Arc<ProvisioningOptions>,
    generation: u64,
    read_at: Instant,
    /// Unix seconds of the last success / failure recorded in the
    /// database, so that they are written at most once a minute.
    last_success: AtomicI64,
    last_failure: AtomicI64,
}

/// No time recorded yet.
const NEVER: i64 = i64::MIN;

impl CachedProvider {
    pub(crate) fn new(provider: Provider, generation: u64) -> Self {
        let seconds = |at: Option<jiff::Timestamp>| at.map_or(NEVER, |at| at.as_second());
        Self {
            last_success: AtomicI64::new(seconds(provider.scim.last_success_at)),
            last_failure: AtomicI64::new(seconds(provider.scim.last_failure_at)),
            options: Arc::new(provider.options.clone()),
            provider,
            generation,
            read_at: Instant::now(),
        }
    }

    /// Whether an authentication at `now` (Unix seconds) is due to be
    /// recorded, `interval` seconds after the last; claims it if so, so
    /// that of concurrent requests one writes.
    pub(crate) fn claim_record(&self, accepted: bool, now: i64, interval: i64) -> bool {
        let last = if accepted { &self.last_success } else { &self.last_failure };
        let seen = last.load(Ordering::Acquire);
        if seen != NEVER && now.saturating_sub(seen) < interval {
            return false;
        }
        last.compare_exchange(seen, now, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

impl Generational for CachedProvider {
    fn read_under(&self) -> (u64, Instant) {
        (self.generation, self.read_at)
    }
}

/// Credential hash → the provider it named.
pub(crate) type CredentialCache = GenerationCache<String, CachedProvider>;

/// What a [`GenerationCache`] keeps: something read under one value of the
/// store's provider generation, at one time.
pub(crate) trait Generational {
    /// The generation it was read under, and when.
    fn read_under(&self) -> (u64, Instant);

    /// Whether it is still what the store holds, as far as this process
    /// knows: read under `generation`, less than [`FRESH_FOR`] ago.
    fn is_current(&self, generation: u64, now: Instant) -> bool {
        let (read_generation, read_at) = self.read_under();
        read_generation == generation && now.duration_since(read_at) < FRESH_FOR
    }
}

/// What was read of sites and providers, by key, served while current
/// (the SCIM credentials here, the SAML providers in `saml_providers.rs`).
pub(crate) struct GenerationCache<K, V> {
    entries: RwLock<HashMap<K, Arc<V>>>,
}

impl<K, V> Default for GenerationCache<K, V> {
    fn default() -> Self {
        Self { entries: RwLock::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash, V: Generational> GenerationCache<K, V> {
    /// The entry of `key`, if read under `generation` and recently enough.
    pub(crate) fn get<Q>(&self, key: &Q, generation: u64) -> Option<Arc<V>>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = entries.get(key)?;
        entry.is_current(generation, Instant::now()).then(|| entry.clone())
    }

    /// Keeps `entry` under `key`; past [`MAX_ENTRIES`] the entries not
    /// current under its generation go, or all of them.
    pub(crate) fn put(&self, key: K, entry: Arc<V>) {
        let mut entries = self.entries.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&key) {
            let now = Instant::now();
            let (generation, _) = entry.read_under();
            entries.retain(|_, old| old.is_current(generation, now));
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, entry);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use roster_domain::{
        ProviderId, ProviderKind, ProviderName, SamlSignIn, SamlTrust, ScimSettings, SiteId,
    };

    use super::*;

    fn provider() -> Provider {
        Provider {
            id: ProviderId::from_raw("p1"),
            site_id: SiteId::from_raw("s1"),
            kind: ProviderKind::Okta,
            name: ProviderName::parse("Okta").unwrap(),
            saml: SamlTrust::NotConfigured,
            sign_in: SamlSignIn::defaults(),
            scim: ScimSettings::off(),
            ldap: None,
            options: ProvisioningOptions::defaults(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn an_entry_serves_its_generation_only() {
        let cache = CredentialCache::default();
        cache.put("h1".into(), Arc::new(CachedProvider::new(provider(), 7)));
        assert!(cache.get("h1", 7).is_some());
        assert!(cache.get("h1", 8).is_none(), "a committed provider change retires it");
        assert!(cache.get("h2", 7).is_none());
    }

    #[test]
    fn an_entry_grows_stale() {
        let entry = CachedProvider::new(provider(), 1);
        let now = Instant::now();
        assert!(entry.is_current(1, now));
        assert!(!entry.is_current(1, now + FRESH_FOR));
    }

    #[test]
    fn authentications_are_recorded_once_an_interval() {
        let entry = CachedProvider::new(provider(), 1);
        assert!(entry.claim_record(true, 1_000, 60), "never recorded");
        assert!(!entry.claim_record(true, 1_030, 60));
        assert!(entry.claim_record(false, 1_030, 60), "failures are counted apart");
        assert!(entry.claim_record(true, 1_060, 60));
        assert!(!entry.claim_record(true, 1_061, 60));
    }

    #[test]
    fn a_full_cache_makes_room() {
        let cache = CredentialCache::default();
        for n in 0..MAX_ENTRIES {
            cache.put(format!("h{n}"), Arc::new(CachedProvider::new(provider(), 1)));
        }
        // All of them are of an older generation than the newcomer.
        cache.put("new".into(), Arc::new(CachedProvider::new(provider(), 2)));
        assert!(cache.get("new", 2).is_some());
        assert!(cache.len() < MAX_ENTRIES);
    }
}
