//! The assertion consumer service: a response posted by the browser,
//! validated by `roster-saml` against the provider's trust, answered once
//! (the outstanding request and the replay cache), and turned into a
//! session for the user it names: an existing user of this provider, or
//! one created just in time through the provisioning policy.

use jiff::Timestamp;
use roster_domain::history::Interface;
use roster_domain::policy::{
    FirstLogin, ProvisioningState, evaluate_group_admin, evaluate_user, first_login,
    group_in_scope, provisioned_defaults, source_attributes,
};
use roster_domain::{
    AuthMethod, DisplayText, Email, GroupName, Membership, NameIdSource, Provider, ProviderId,
    ProvisionedBy, ProvisioningMethod, Site, SiteId, User, UserId, Username,
};
use roster_saml::{Assertion, Expected, SamlError, claimed, validate_post};
use roster_store::{MemberGrant, SsoRepo, Transaction, UserRepo};

use super::attributes::{AssertedProfile, asserted_profile};
use super::error::{counted, step_metric};
use super::issuer::provider_for_issuer;
use super::second_factor::{SignInStep, after_first_factor};
use super::session::SessionOrigin;
use super::{SignInRefusal, Sso, SsoError, SsoTx};
use crate::history::{Actor, History};
use crate::ids::opaque_id;

impl Sso<'_> {
    /// Consumes the `SAMLResponse` posted to the ACS of `provider`, or to
    /// the shared ACS (`provider` is `None`), where the request it answers
    /// names the provider, or for a sign-in the IdP started, the site the
    /// `RelayState` names and the response's Issuer (`issuer.rs`).
    pub async fn consume(
        &self,
        provider: Option<&str>,
        saml_response: &str,
        relay_state: Option<&str>,
    ) -> Result<SignInStep, SsoError> {
        let consumed = self.consume_response(provider, saml_response, relay_state).await;
        counted("saml", consumed, step_metric)
    }

    async fn consume_response(
        &self,
        provider: Option<&str>,
        saml_response: &str,
        relay_state: Option<&str>,
    ) -> Result<SignInStep, SsoError> {
        let urls = self.urls()?;
        let not_found = || SsoError::NotFound { what: "provider" };
        let now = self.now();
        let per_provider = provider.is_some();
        // Read first and validate outside any write transaction: checking
        // a response is CPU work that must not hold the database's writer.
        let claims = claimed(saml_response)?;
        let request = match &claims.in_response_to {
            Some(id) => self.read_latest().await?.saml_request_by_id(id).await?,
            None => None,
        };
        let id = match (provider, &request, &claims.in_response_to) {
            (Some(raw), _, _) => ProviderId::from_raw(opaque_id(raw).ok_or_else(not_found)?),
            (None, Some(request), _) => request.provider.clone(),
            // It answers a request roster does not have (any more).
            (None, None, Some(_)) => return Err(SsoError::Unsolicited),
            (None, None, None) => {
                let mut tx = self.read().await?;
                provider_for_issuer(&mut tx, relay_state, claims.issuer.as_deref()).await?
            }
        };
        let signing = self.signing_provider(&id).await?;
        let (provider, trust) = (&signing.provider, &signing.trust);
        let site_id = provider.site_id.clone();
        // The one request the response may answer: outstanding, and this
        // provider's.
        let outstanding: Vec<&str> = request
            .iter()
            .filter(|request| {
                request.site == site_id
                    && request.provider == provider.id
                    && request.expires_at > now
            })
            .map(|request| request.id.as_str())
            .collect();
        // The ACS it was posted to: the signed Destination and Recipient
        // must name it.
        let acs = if per_provider { urls.acs_for(provider.id.as_str()) } else { urls.acs.clone() };
        // The SP's encryption keys, for an encrypted assertion.
        let keys = self.keys().await?;
        let expected = Expected {
            idp_entity_id: trust.entity_id.as_deref(),
            sp_entity_id: &urls.entity_id,
            acs_url: &acs,
            outstanding: &outstanding,
            // At the shared ACS too: the provider was found by its Issuer.
            allow_unsolicited: provider.sign_in.allows_idp_initiated(provider.kind),
            allow_sha1: provider.sign_in.allow_sha1,
            decryption_keys: &keys.decryption_keys,
            now,
        };
        let assertion = validate_post(saml_response, &trust.keys, &expected).map_err(|err| {
            match err {
                // A response whose signature verified, answering a request
                // that is not outstanding: it expired, was answered already,
                // or was never made here. The person can only start again,
                // so the page says so (the generic refusal left them
                // stuck); the check comes after the signature's, so this
                // tells nothing to someone who cannot sign.
                SamlError::UnknownRequest(_) => SsoError::Unsolicited,
                other => SsoError::Refused(other),
            }
        })?;
        let signed_in = self.sign_in_asserted(provider, &signing.site, &assertion, now).await;
        if let Err(SsoError::UserRefused(reason)) = &signed_in {
            // Recorded apart: the refused sign-in's transaction changed
            // nothing (or, for a new password user, recorded its creation).
            let actor =
                Actor::Provider { id: provider.id.clone(), name: Some(provider.name.clone()) };
            let mut history = History::new(&provider.site_id, Interface::Saml, actor, now);
            let named = Username::parse(&assertion.name_id).ok();
            let user = match named {
                Some(name) => self.read().await?.user_by_username(&provider.site_id, &name).await?,
                None => None,
            };
            history.sign_in_refused(user.as_ref(), &assertion.name_id, &reason.to_string());
            self.record(history).await?;
        }
        signed_in
    }

    /// Signs in the person a valid assertion names, in one transaction.
    async fn sign_in_asserted(
        &self,
        provider: &Provider,
        site: &Site,
        assertion: &Assertion,
        now: Timestamp,
    ) -> Result<SignInStep, SsoError> {
        let site_id = provider.site_id.clone();
        let mut tx = self.write().await?;

        // Answered once: the request leaves, the assertion is remembered
        // until it expires.
        if let Some(request) = &assertion.in_response_to
            && !tx.delete_saml_request(&site_id, request).await?
        {
            return Err(SsoError::UserRefused(SignInRefusal::Replayed));
        }
        // Kept for as long as the assertion could still be accepted: its
        // end plus the clock skew the validation allows.
        let remembered_until = assertion
            .not_on_or_after
            .checked_add(roster_saml::CLOCK_SKEW)
            .map_err(|err| crate::InternalError::Settings(err.to_string()))?;
        if !tx
            .record_assertion(&site_id, &assertion.issuer, &assertion.id, remembered_until, now)
            .await?
        {
            return Err(SsoError::UserRefused(SignInRefusal::Replayed));
        }

        let (user, created) = signing_in(&mut tx, provider, assertion, now).await?;
        if user.auth_method != AuthMethod::Sso(provider.id.clone()) {
            // Only a user just created can get here: a password group made
            // it a password user (SPEC §4). It is provisioned, and kept, but
            // this sign-in opens no session: a session through a provider
            // the user does not sign in with would be refused at once.
            tx.commit().await?;
            crate::metrics::jit_user_created();
            return Err(SsoError::UserRefused(SignInRefusal::PasswordLogin));
        }
        let origin = SessionOrigin {
            provider: Some(provider.id.clone()),
            session_index: assertion.session_index.clone(),
            name_id: Some(assertion.name_id.clone()),
            name_id_format: assertion.name_id_format.clone(),
        };
        let step = after_first_factor(&mut tx, site, &user, origin, now).await?;
        tx.commit().await?;
        if created {
            crate::metrics::jit_user_created();
        }
        tracing::info!(site = %site.slug.as_str(), user = %user.id, provider = %provider.id, "signed in with SAML");
        Ok(step)
    }
}

/// The user an assertion signs in: an existing one of this provider, or
/// one created just in time (SPEC §5), and whether it was.
async fn signing_in(
    tx: &mut impl SsoTx,
    provider: &Provider,
    assertion: &Assertion,
    now: Timestamp,
) -> Result<(User, bool), SsoError> {
    let site = &provider.site_id;
    let username = Username::parse(&assertion.name_id)
        .map_err(|_| SsoError::UserRefused(SignInRefusal::BadNameId))?;
    let existing = match provider.sign_in.name_id {
        NameIdSource::Username => tx.user_by_username(site, &username).await?,
        NameIdSource::Email => {
            let mut users = tx.users_by_email(site, &assertion.name_id).await?;
            if users.len() > 1 {
                // Two users share the address: which one is meant is not
                // the IdP's to decide.
                return Err(SsoError::UserRefused(SignInRefusal::AmbiguousEmail));
            }
            match users.pop() {
                Some(user) => Some(user),
                // A new user is created with the e-mail as username; one
                // already holding that username is not someone else.
                None => tx.user_by_username(site, &username).await?,
            }
        }
    };
    match first_login(&provider.options, existing.as_ref()) {
        FirstLogin::Existing => {
            let user = existing.ok_or(SsoError::UserRefused(SignInRefusal::NotProvisioned))?;
            // No takeover: an account of a password or of another provider
            // is not signed in to by this one, whatever its NameID says.
            if user.auth_method != AuthMethod::Sso(provider.id.clone()) {
                return Err(SsoError::UserRefused(SignInRefusal::OtherMethod));
            }
            if user.state != ProvisioningState::Active {
                return Err(SsoError::UserRefused(SignInRefusal::NotProvisioned));
            }
            if !user.enabled {
                return Err(SsoError::UserRefused(SignInRefusal::Disabled));
            }
            Ok((user, false))
        }
        FirstLogin::Refuse => Err(SsoError::UserRefused(SignInRefusal::NotProvisioned)),
        FirstLogin::Create { default_groups } => {
            let mut profile = asserted_profile(&assertion.attributes, &provider.sign_in.attributes);
            profile.groups = resolved_groups(tx, site, &provider.id, profile.groups).await?;
            let user = created_just_in_time(
                site,
                &provider.id,
                &provider.options,
                username,
                assertion,
                &profile,
                now,
            );
            // Outside the provider's scope, nobody is created.
            if user.state != ProvisioningState::Active {
                return Err(SsoError::UserRefused(SignInRefusal::NotProvisioned));
            }
            tx.insert_user(&user).await?;
            let actor =
                Actor::Provider { id: provider.id.clone(), name: Some(provider.name.clone()) };
            let mut history = History::new(site, Interface::Saml, actor, now);
            history.user_created(&user);
            // The default groups, and the asserted groups this provider
            // provisions memberships of (within its group filters), each
            // once. Each names an existing group; one missing is skipped
            // rather than refusing the sign-in, and so is a group another
            // provider manages: its members are that provider's to say
            // (its next SCIM write or sync would take such a member out).
            let asserted: Vec<&GroupName> = profile
                .groups
                .iter()
                .filter(|name| {
                    provider.options.provision_group_memberships
                        && group_in_scope(&provider.options, name)
                })
                .collect();
            let mut joining: Vec<&GroupName> = default_groups.iter().collect();
            joining.extend(asserted.iter().filter(|name| !default_groups.contains(name)));
            for name in joining {
                let Some(group) = tx.group_by_name(site, name).await? else { continue };
                if group.managed_by.as_ref().is_some_and(|owner| *owner != provider.id) {
                    continue;
                }
                // `group_admin_groups`: a member of an asserted group whose
                // name the mapping matches administers it, recorded as the
                // mapping's grant (as SCIM and the LDAP sync record it) so
                // that a later evaluation takes back only that.
                let (is_admin, granted) = if asserted.contains(&name) {
                    evaluate_group_admin(&provider.options, &group.name, false, false)
                } else {
                    (false, false)
                };
                let membership = Membership { user_id: user.id.clone(), is_admin };
                tx.put_member(site, &group.id, &membership, now).await?;
                if granted {
                    let grant = MemberGrant { user: user.id.clone(), is_admin, granted };
                    tx.set_member_grant(site, &group.id, &grant).await?;
                }
                history.membership(&group.id, group.name.as_str(), user.id.as_str(), true);
            }
            history.write(tx).await?;
            Ok((user, true))
        }
    }
}

fn created_just_in_time(
    site: &SiteId,
    provider: &ProviderId,
    options: &roster_domain::ProvisioningOptions,
    username: Username,
    assertion: &Assertion,
    profile: &AssertedProfile,
    now: Timestamp,
) -> User {
    let mut user =
        User::new(UserId::from_raw(uuid::Uuid::new_v4().to_string()), site.clone(), username, now);
    user.auth_method = AuthMethod::Sso(provider.clone());
    user.provisioned_by =
        ProvisionedBy { method: ProvisioningMethod::Jit, provider: Some(provider.clone()) };
    user.email = profile.email.clone().or_else(|| Email::parse(&assertion.name_id).ok());
    user.full_name = match (&profile.first_name, &profile.last_name) {
        (Some(first), Some(last)) => {
            DisplayText::parse(&format!("{} {}", first.as_str(), last.as_str())).ok()
        }
        (one, other) => one.clone().or_else(|| other.clone()),
    };
    user.first_name = profile.first_name.clone();
    user.last_name = profile.last_name.clone();
    provisioned_defaults(options, &mut user);
    let (company, time_zone) = source_attributes(options, None, None);
    user.company = company;
    user.time_zone = time_zone;
    // The asserted groups decide the scope ("only users in groups") and the
    // role mappings, as SCIM memberships do.
    evaluate_user(&user, provider, options, &profile.groups)
}

/// The asserted groups, each object id of a group this provider
/// provisioned by SCIM (its externalId: what Entra ID asserts) replaced by
/// that group's name; other values are kept as names.
async fn resolved_groups(
    tx: &mut impl SsoTx,
    site: &SiteId,
    provider: &ProviderId,
    asserted: Vec<GroupName>,
) -> Result<Vec<GroupName>, SsoError> {
    let raw: Vec<String> = asserted.iter().map(|name| name.as_str().to_owned()).collect();
    let known = tx.provider_groups_by_external_id(site, provider, &raw).await?;
    let mut groups: Vec<GroupName> = Vec::with_capacity(asserted.len());
    for name in asserted {
        let resolved = known
            .iter()
            .find(|(external_id, _)| external_id == name.as_str())
            .and_then(|(_, group)| GroupName::parse(group).ok())
            .unwrap_or(name);
        if !groups.contains(&resolved) {
            groups.push(resolved);
        }
    }
    Ok(groups)
}
