//! Single logout (SPEC §5). Signing out ends the local session and, when
//! the session came from a provider whose IdP has a logout URL, sends the
//! IdP a signed LogoutRequest naming the assertion's subject. An IdP's
//! LogoutRequest, at the provider's own logout URL, is verified (the
//! query's signature by a certificate of the provider's metadata), fresh
//! and answered once; it ends that provider's sessions of the NameID it
//! names, and gets a signed LogoutResponse back. The shared logout URL the
//! SP metadata lists takes the same messages, the provider found by the
//! request's Issuer.

use jiff::SignedDuration;
use roster_domain::{Provider, ProviderId};
use roster_saml::{
    IdpKeys, LOGOUT_MAX_AGE, LogoutExpected, LogoutRequest, LogoutResponse, ReceivedRedirect,
    RedirectKind, claimed_issuer, read_logout_request, receive_redirect,
};
use roster_store::{ProviderRepo, SsoRepo, Transaction};

use super::issuer::provider_for_logout_issuer;
use super::session::MAX_SECRET_BYTES;
use super::trust::{IdpTrust, idp_trust};
use super::{SignInRefusal, Sso, SsoError};
use crate::ids::opaque_id;
use crate::secrets;

/// What became of an IdP's logout message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdpLogout {
    /// The sessions it named ended; the browser takes the LogoutResponse
    /// to this URL (the IdP's logout URL).
    Answered(String),
    /// Nothing to answer (a LogoutResponse to roster's own request, or an
    /// IdP with no logout URL): show that the person is signed out.
    SignedOut,
}

impl Sso<'_> {
    /// Ends a session; signing out twice is not an error. Returns where
    /// the browser goes next when the IdP is to end its session too.
    pub async fn sign_out(&self, secret: &str) -> Result<Option<String>, SsoError> {
        if secret.is_empty() || secret.len() > MAX_SECRET_BYTES {
            return Ok(None);
        }
        let now = self.now();
        let hash = secrets::hash(secret);
        let mut tx = self.write().await?;
        let Some(session) = tx.session_by_hash(&hash).await? else { return Ok(None) };
        let was_open = tx.revoke_session(&session.site, &hash, now).await?;
        let provider = match (&session.provider, was_open && session.expires_at > now) {
            (Some(id), true) => tx.provider_by_id(&session.site, id).await?,
            _ => None,
        };
        // The local session is over whatever happens next; a provider whose
        // IdP cannot be told simply is not.
        let trust = match &provider {
            Some(provider) => idp_trust(&mut tx, provider).await.ok(),
            None => None,
        };
        tx.commit().await?;
        let (Some(trust), Some(name_id)) = (trust, session.name_id.as_deref()) else {
            return Ok(None);
        };
        let (Some(slo_url), Ok(urls)) = (trust.slo_url.as_deref(), self.urls()) else {
            return Ok(None);
        };
        let keys = self.keys().await?;
        let request = LogoutRequest {
            id: &secrets::generate("_"),
            issue_instant: now,
            destination: slo_url,
            sp_entity_id: &urls.entity_id,
            name_id,
            name_id_format: session.name_id_format.as_deref(),
            session_index: session.session_index.as_deref(),
        };
        Ok(Some(request.redirect_url(None, keys.signer.as_ref())))
    }

    /// Takes a message the IdP of `provider` sent to the provider's logout
    /// URL over the HTTP-Redirect binding (`query` as received).
    pub async fn idp_logout(&self, provider: &str, query: &str) -> Result<IdpLogout, SsoError> {
        let received = receive_redirect(query)?;
        if received.kind == RedirectKind::Response {
            // The answer to roster's own LogoutRequest: the local session
            // ended before it was sent, so nothing depends on it.
            return Ok(IdpLogout::SignedOut);
        }
        let (provider, trust) = self.saml_provider(provider).await?;
        let destination = self.urls()?.logout_for(provider.id.as_str());
        self.answer_idp_logout(provider, trust, received, &destination).await
    }

    /// Takes a message an IdP sent to the shared logout URL, the one the
    /// SP metadata lists (HTTP-Redirect binding, `query` as received): a
    /// LogoutRequest is for the one provider whose metadata names its
    /// Issuer, and is then checked and answered as at that provider's own
    /// logout URL.
    pub async fn shared_idp_logout(&self, query: &str) -> Result<IdpLogout, SsoError> {
        let received = receive_redirect(query)?;
        if received.kind == RedirectKind::Response {
            return Ok(IdpLogout::SignedOut);
        }
        // Read (size-capped, no DTD) only to find whose keys verify it.
        let issuer = claimed_issuer(&received.xml)?;
        let id = {
            let mut tx = self.read().await?;
            provider_for_logout_issuer(&mut tx, &issuer).await?
        };
        let (provider, trust) = self.saml_provider(id.as_str()).await?;
        let destination = self.urls()?.logout;
        self.answer_idp_logout(provider, trust, received, &destination).await
    }

    /// Verifies an IdP's LogoutRequest sent to `destination`, ends the
    /// sessions it names and answers it.
    async fn answer_idp_logout(
        &self,
        provider: Provider,
        trust: IdpTrust,
        received: ReceivedRedirect,
        destination: &str,
    ) -> Result<IdpLogout, SsoError> {
        let now = self.now();
        let (IdpKeys::Certificates(certificates), Some(entity_id)) =
            (&trust.keys, &trust.entity_id)
        else {
            return Err(SsoError::Unavailable(
                "logout requests from the identity provider need its metadata (its certificates \
                 and entity id); this provider is trusted by a fingerprint"
                    .into(),
            ));
        };
        received.verify(certificates.as_slice(), provider.sign_in.allow_sha1)?;
        let urls = self.urls()?;
        let expected = LogoutExpected { idp_entity_id: entity_id, destination, now };
        let request = read_logout_request(&received.xml, &expected)?;

        let mut tx = self.write().await?;
        // Each request is taken once, kept as long as it could be fresh.
        let remembered_until = now
            .checked_add(LOGOUT_MAX_AGE.saturating_add(SignedDuration::from_mins(5)))
            .map_err(|err| crate::InternalError::Settings(err.to_string()))?;
        let replay_key = format!("logout:{}", request.id);
        if !tx
            .record_assertion(&provider.site_id, entity_id, &replay_key, remembered_until, now)
            .await?
        {
            return Err(SsoError::UserRefused(SignInRefusal::Replayed));
        }
        let ended = tx
            .revoke_provider_sessions(
                &provider.site_id,
                &provider.id,
                &request.name_id,
                &request.session_indexes,
                now,
            )
            .await?;
        tx.commit().await?;
        tracing::info!(provider = %provider.id.as_str(), ended, "the identity provider signed a person out");
        let Some(slo_url) = trust.slo_url.as_deref() else { return Ok(IdpLogout::SignedOut) };
        let keys = self.keys().await?;
        let response = LogoutResponse {
            id: &secrets::generate("_"),
            in_response_to: &request.id,
            issue_instant: now,
            destination: slo_url,
            sp_entity_id: &urls.entity_id,
            success: true,
        };
        Ok(IdpLogout::Answered(
            response.redirect_url(received.relay_state.as_deref(), keys.signer.as_ref()),
        ))
    }

    /// A provider that signs in with SAML, by its id (from a URL), and
    /// its trust.
    async fn saml_provider(&self, raw: &str) -> Result<(Provider, IdpTrust), SsoError> {
        let not_found = || SsoError::NotFound { what: "provider" };
        let id = ProviderId::from_raw(opaque_id(raw).ok_or_else(not_found)?);
        let mut tx = self.read().await?;
        let site = tx.provider_site(&id).await?.ok_or_else(not_found)?;
        let provider = tx.provider_by_id(&site, &id).await?.ok_or_else(not_found)?;
        if !provider.kind.signs_in_with_saml() {
            return Err(not_found());
        }
        let trust = idp_trust(&mut tx, &provider).await?;
        Ok((provider, trust))
    }
}
