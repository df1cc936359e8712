//! Authentication of an identity provider's SCIM client: the credential
//! names the provider, and so the site (SPEC §2).

use std::sync::Arc;

use roster_domain::{PresentedCredential, ScimRefusal};
use roster_store::{ProviderRepo, ScimScope, Transaction};

use super::{AuthRefusal, Scim, ScimFailure};
use crate::credential_cache::CachedProvider;
use crate::secrets;

/// How often the time of the last SCIM authentication is written.
const AUTH_RECORD_INTERVAL_SECONDS: i64 = 60;

/// The longest secret worth hashing; anything longer is not ours.
const MAX_SECRET_BYTES: usize = 512;

/// A SCIM credential as sent in `Authorization`.
#[derive(Clone, Copy)]
pub enum ScimCredential<'a> {
    Bearer(&'a str),
    Basic { username: &'a str, password: &'a str },
}

/// The username of a Basic credential is not secret; the rest is.
impl std::fmt::Debug for ScimCredential<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bearer(_) => f.write_str("Bearer([redacted])"),
            Self::Basic { username, .. } => {
                write!(f, "Basic {{ username: {username:?}, password: [redacted] }}")
            }
        }
    }
}

impl Scim<'_> {
    /// Resolves a SCIM credential to the provider (and so the site) it
    /// belongs to.
    pub async fn authenticate(
        &self,
        credential: ScimCredential<'_>,
    ) -> Result<ScimScope, ScimFailure> {
        let (secret, username) = match credential {
            ScimCredential::Bearer(token) => (token, None),
            ScimCredential::Basic { username, password } => (password, Some(username)),
        };
        let unknown = || ScimFailure::Unauthenticated(AuthRefusal::anonymous(ScimRefusal::Unknown));
        if secret.is_empty() || secret.len() > MAX_SECRET_BYTES {
            return Err(unknown());
        }
        let secret_hash = secrets::hash(secret);
        let Some(cached) = self.provider_named_by(secret_hash.clone()).await? else {
            return Err(unknown());
        };
        let provider = &cached.provider;
        let presented = match username {
            None => PresentedCredential::Bearer { secret_hash: &secret_hash },
            Some(username) => PresentedCredential::Basic { username, secret_hash: &secret_hash },
        };
        let now = self.now();
        let refusal = provider.scim_refusal(presented, now);
        let accepted = refusal.is_none();
        // A secret that was this provider's (expired, revoked after an
        // overlap, or sent in the wrong mode) is a failure worth showing to
        // its administrators; successes are recorded at most once a minute
        // so that reads do not turn into writes.
        if cached.claim_record(accepted, now.as_second(), AUTH_RECORD_INTERVAL_SECONDS) {
            let mut tx = self.write().await?;
            tx.record_scim_authentication(&provider.site_id, &provider.id, accepted, now).await?;
            tx.commit().await?;
        }
        if let Some(reason) = refusal {
            return Err(ScimFailure::Unauthenticated(AuthRefusal {
                reason,
                named: Some((provider.site_id.clone(), provider.id.clone())),
            }));
        }
        Ok(ScimScope {
            site: provider.site_id.clone(),
            provider: provider.id.clone(),
            kind: provider.kind,
            options: cached.options.clone(),
        })
    }

    /// The provider a secret's hash names, from the credential cache or
    /// else the database.
    async fn provider_named_by(
        &self,
        secret_hash: String,
    ) -> Result<Option<Arc<CachedProvider>>, ScimFailure> {
        // Read before the provider: a change committed in between then
        // retires the entry at once (see `credential_cache`).
        let generation = self.provider_generation();
        if let Some(cached) = self.ctx.scim_credentials.get(&secret_hash, generation) {
            return Ok(Some(cached));
        }
        let mut tx = self.read_latest().await?;
        let Some(provider) = tx.provider_by_scim_secret(&secret_hash).await? else {
            return Ok(None);
        };
        let cached = Arc::new(CachedProvider::new(provider, generation));
        self.ctx.scim_credentials.put(secret_hash, cached.clone());
        Ok(Some(cached))
    }
}
