//! SSO providers and their settings: SAML trust, LDAP provisioning (its
//! input checked in `provider_ldap.rs`) and the provisioning options of
//! SPEC §4. The SCIM credential has its own use cases (it is generated,
//! never chosen), so here it is only shown.

use roster_domain::{
    AttributeName, AttributeNames, CertificateFingerprint, DeprovisioningMethod, GroupPatternList,
    HttpUrl, NameIdSource, Provider, ProviderId, ProviderKind, ProviderName, ProvisioningOptions,
    SamlSignIn, SamlTrust, ScimSettings, Site, TwoFactor,
};
use roster_store::{
    GroupRepo, IdpMetadataRecord, IdpMetadataRepo, ProviderRepo, Transaction, UserRepo,
};
use serde::Deserialize;

use super::error::field;
use super::input::{no_nul, not_null, nullable, text, time_zone};
use super::lookup::{changeable_site, load, provider_to_set_up, shown_provider, visible_provider};
use super::provider_ldap::{LdapInput, apply_ldap};
use super::views::{ListView, ProviderView, ShownProvider};
use super::{Admin, AdminError, AdminTx, PageRequest};
use crate::Principal;
use crate::idp_metadata::{self, GoodMetadata};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderInput {
    pub kind: String,
    pub name: String,
    pub saml: Option<SamlInput>,
    pub sign_in: Option<SignInInput>,
    pub ldap: Option<LdapInput>,
    pub provisioning: Option<ProvisioningInput>,
}

/// A partial update. `saml` replaces the whole trust configuration;
/// `sign_in`, `ldap` and `provisioning` change only the fields they name;
/// `"ldap": null` removes the LDAP settings. The kind of a provider cannot
/// change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub saml: Option<SamlInput>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub sign_in: Option<SignInInput>,
    #[serde(default, deserialize_with = "nullable")]
    pub ldap: Option<Option<LdapInput>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub provisioning: Option<ProvisioningInput>,
}

/// How people sign in through the provider; absent fields stay as they
/// are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInInput {
    /// Whether the IdP may start a sign-in; `null` returns to the kind's
    /// default (on for the named products, off for `saml`).
    #[serde(default, deserialize_with = "nullable")]
    pub idp_initiated: Option<Option<bool>>,
    /// `username` (the default) or `email`: what the NameID names.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub name_id: Option<String>,
    /// Accept RSA-SHA1 signatures (off by default).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub allow_sha1: Option<bool>,
    /// Sign AuthnRequests (`true`), never (`false`), or, with `null` (the
    /// default), when the IdP's metadata asks.
    #[serde(default, deserialize_with = "nullable")]
    pub sign_requests: Option<Option<bool>>,
    /// The attributes the assertion's profile is read from; absent fields
    /// stay, `null` returns a field to the presets.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub attributes: Option<AttributesInput>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributesInput {
    #[serde(default, deserialize_with = "nullable")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub groups: Option<Option<String>>,
}

fn apply_attributes(names: &mut AttributeNames, input: &AttributesInput) -> Result<(), AdminError> {
    let fields = [
        ("sign_in.attributes.email", &input.email, &mut names.email),
        ("sign_in.attributes.first_name", &input.first_name, &mut names.first_name),
        ("sign_in.attributes.last_name", &input.last_name, &mut names.last_name),
        ("sign_in.attributes.groups", &input.groups, &mut names.groups),
    ];
    for (path, value, name) in fields {
        match value {
            None => {}
            Some(None) => *name = None,
            Some(Some(raw)) => *name = Some(field(path, AttributeName::parse(raw))?),
        }
    }
    Ok(())
}

fn apply_sign_in(sign_in: &mut SamlSignIn, input: &SignInInput) -> Result<(), AdminError> {
    if let Some(idp_initiated) = input.idp_initiated {
        sign_in.idp_initiated = idp_initiated;
    }
    if let Some(raw) = &input.name_id {
        sign_in.name_id = field("sign_in.name_id", NameIdSource::parse(raw))?;
    }
    if let Some(allow) = input.allow_sha1 {
        sign_in.allow_sha1 = allow;
    }
    if let Some(sign) = input.sign_requests {
        sign_in.sign_requests = sign;
    }
    if let Some(attributes) = &input.attributes {
        apply_attributes(&mut sign_in.attributes, attributes)?;
    }
    Ok(())
}

/// How SAML trust is established: `trust` is `none`, `metadata_url`,
/// `metadata_xml` or `fingerprint`, and the fields of that mode follow.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SamlInput {
    pub trust: String,
    pub metadata_url: Option<String>,
    pub metadata_xml: Option<String>,
    pub fingerprint: Option<String>,
    pub sso_url: Option<String>,
    pub slo_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvisioningInput {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub provision_users_on_first_login: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub deprovision_users: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub provision_group_memberships: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub deprovision_group_memberships: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub deprovisioning_method: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub provision_company: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub default_groups: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub only_users_in_groups: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub only_groups: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub exclude_groups: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub site_admin_groups: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub readonly_site_admin_groups: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub group_admin_groups: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub password_groups: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub two_factor: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub webdav: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub ftp: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub sftp: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub default_time_zone: Option<Option<String>>,
}

/// How the request says the IdP's signing key is trusted.
#[derive(Debug, Clone, Copy)]
enum TrustMethod {
    None,
    MetadataUrl,
    MetadataXml,
    Fingerprint,
}

impl TrustMethod {
    fn parse(raw: &str) -> Result<Self, AdminError> {
        match raw {
            "none" => Ok(Self::None),
            "metadata_url" => Ok(Self::MetadataUrl),
            "metadata_xml" => Ok(Self::MetadataXml),
            "fingerprint" => Ok(Self::Fingerprint),
            other => Err(AdminError::invalid(
                "saml.trust",
                format!("{other:?} is not one of none, metadata_url, metadata_xml, fingerprint"),
            )),
        }
    }

    /// The `saml.*` fields that belong to this method.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Self::None => &[],
            Self::MetadataUrl => &["metadata_url"],
            Self::MetadataXml => &["metadata_xml"],
            Self::Fingerprint => &["fingerprint", "sso_url", "slo_url"],
        }
    }
}

fn saml_trust(input: &SamlInput) -> Result<SamlTrust, AdminError> {
    let url = |name: &str, raw: &Option<String>| -> Result<Option<HttpUrl>, AdminError> {
        raw.as_deref().map(|raw| field(&format!("saml.{name}"), HttpUrl::parse(raw))).transpose()
    };
    let required = |name: &str| {
        AdminError::invalid(
            format!("saml.{name}"),
            format!("is required with trust {}", input.trust),
        )
    };
    let method = TrustMethod::parse(&input.trust)?;
    let allowed = method.fields();
    let given = [
        ("metadata_url", input.metadata_url.is_some()),
        ("metadata_xml", input.metadata_xml.is_some()),
        ("fingerprint", input.fingerprint.is_some()),
        ("sso_url", input.sso_url.is_some()),
        ("slo_url", input.slo_url.is_some()),
    ];
    if let Some((name, _)) = given.iter().find(|(name, set)| *set && !allowed.contains(name)) {
        return Err(AdminError::invalid(
            format!("saml.{name}"),
            format!("does not apply to trust {}", input.trust),
        ));
    }
    Ok(match method {
        TrustMethod::None => SamlTrust::NotConfigured,
        TrustMethod::MetadataUrl => SamlTrust::MetadataUrl {
            url: url("metadata_url", &input.metadata_url)?
                .ok_or_else(|| required("metadata_url"))?,
        },
        TrustMethod::MetadataXml => {
            let xml = input.metadata_xml.clone().ok_or_else(|| required("metadata_xml"))?;
            no_nul("saml.metadata_xml", &xml)?;
            if !xml.trim_start().starts_with('<') {
                return Err(AdminError::invalid(
                    "saml.metadata_xml",
                    "must be an XML metadata document",
                ));
            }
            // Checked now, so that a sign-in never meets unusable metadata:
            // an IdP entity, a signing certificate, a sign-in endpoint.
            roster_saml::parse_idp_metadata(&xml).map_err(|err| {
                AdminError::invalid(
                    "saml.metadata_xml",
                    format!("is not usable IdP metadata: {err}"),
                )
            })?;
            SamlTrust::MetadataXml { xml }
        }
        TrustMethod::Fingerprint => SamlTrust::Fingerprint {
            sha256: field(
                "saml.fingerprint",
                CertificateFingerprint::parse(
                    input.fingerprint.as_deref().ok_or_else(|| required("fingerprint"))?,
                ),
            )?,
            sso_url: url("sso_url", &input.sso_url)?.ok_or_else(|| required("sso_url"))?,
            slo_url: url("slo_url", &input.slo_url)?,
        },
    })
}

/// Applies provisioning options; default groups must name existing groups.
async fn apply_provisioning(
    tx: &mut impl AdminTx,
    site: &Site,
    options: &mut ProvisioningOptions,
    input: &ProvisioningInput,
) -> Result<(), AdminError> {
    let flags = [
        (&mut options.provision_users_on_first_login, input.provision_users_on_first_login),
        (&mut options.deprovision_users, input.deprovision_users),
        (&mut options.provision_group_memberships, input.provision_group_memberships),
        (&mut options.deprovision_group_memberships, input.deprovision_group_memberships),
        (&mut options.webdav, input.webdav),
        (&mut options.ftp, input.ftp),
        (&mut options.sftp, input.sftp),
    ];
    for (target, value) in flags {
        if let Some(value) = value {
            *target = value;
        }
    }
    if let Some(raw) = &input.deprovisioning_method {
        options.deprovisioning_method =
            field("provisioning.deprovisioning_method", DeprovisioningMethod::parse(raw))?;
    }
    if let Some(raw) = &input.provision_company {
        options.provision_company = text("provisioning.provision_company", raw.as_deref())?;
    }
    if let Some(raw) = &input.two_factor {
        options.two_factor = field("provisioning.two_factor", TwoFactor::parse(raw))?;
    }
    if let Some(raw) = &input.default_time_zone {
        options.default_time_zone = time_zone("provisioning.default_time_zone", raw.as_deref())?;
    }
    let lists = [
        ("only_users_in_groups", &mut options.only_users_in_groups, &input.only_users_in_groups),
        ("only_groups", &mut options.only_groups, &input.only_groups),
        ("exclude_groups", &mut options.exclude_groups, &input.exclude_groups),
        ("site_admin_groups", &mut options.site_admin_groups, &input.site_admin_groups),
        (
            "readonly_site_admin_groups",
            &mut options.readonly_site_admin_groups,
            &input.readonly_site_admin_groups,
        ),
        ("group_admin_groups", &mut options.group_admin_groups, &input.group_admin_groups),
        ("password_groups", &mut options.password_groups, &input.password_groups),
    ];
    for (name, target, raw) in lists {
        if let Some(raw) = raw {
            *target = field(&format!("provisioning.{name}"), GroupPatternList::parse(raw))?;
        }
    }
    if let Some(raw) = &input.default_groups {
        let names =
            field("provisioning.default_groups", ProvisioningOptions::parse_group_names(raw))?;
        for name in &names {
            if tx.group_by_name(&site.id, name).await?.is_none() {
                return Err(AdminError::invalid(
                    "provisioning.default_groups",
                    format!("there is no group named {:?} in this site", name.as_str()),
                ));
            }
        }
        options.default_groups = names;
    }
    Ok(())
}

fn name_taken(name: &ProviderName) -> AdminError {
    AdminError::Conflict {
        field: "name".to_owned(),
        message: format!("a provider named {:?} already exists in this site", name.as_str()),
    }
}

/// A metadata URL a save fetched, and the good document it gave.
struct Fetched {
    url: HttpUrl,
    good: GoodMetadata,
}

/// After a provider is written: stores the document its save fetched, or
/// keeps the fetch state of an unchanged URL, or forgets the state of a
/// trust that is no longer a URL. Returns the state to show.
async fn save_metadata(
    tx: &mut impl AdminTx,
    provider: &Provider,
    fetched: Option<Fetched>,
    now: jiff::Timestamp,
) -> Result<Option<IdpMetadataRecord>, AdminError> {
    let (site, id) = (&provider.site_id, &provider.id);
    match (&provider.saml, fetched) {
        (SamlTrust::MetadataUrl { url }, Some(fetched)) if fetched.url == *url => {
            let record = idp_metadata::fetched(site, id, url, fetched.good, now);
            tx.put_idp_metadata(&record).await?;
            Ok(Some(record))
        }
        (SamlTrust::MetadataUrl { .. }, _) => Ok(tx.idp_metadata(site, id).await?),
        (
            SamlTrust::NotConfigured
            | SamlTrust::MetadataXml { .. }
            | SamlTrust::Fingerprint { .. },
            _,
        ) => {
            tx.delete_idp_metadata(site, id).await?;
            Ok(None)
        }
    }
}

impl Admin<'_> {
    /// For a save that trusts a metadata URL: fetches it and checks the
    /// document, after checking that the caller may change the site (and
    /// that the provider exists), so that nobody else makes roster fetch.
    /// The fetch runs with no transaction open, so a slow IdP holds up no
    /// writer; a URL that gives no usable metadata refuses the save.
    async fn fetch_for_save(
        &self,
        who: &Principal,
        site: &str,
        provider: Option<&str>,
        saml: Option<&SamlInput>,
    ) -> Result<Option<Fetched>, AdminError> {
        let Some(saml) = saml else { return Ok(None) };
        let SamlTrust::MetadataUrl { url } = saml_trust(saml)? else { return Ok(None) };
        {
            let mut tx = self.read().await?;
            match provider {
                Some(id) => {
                    provider_to_set_up(&mut tx, who, site, id).await?;
                }
                None => {
                    changeable_site(&mut tx, who, site).await?;
                }
            }
        }
        let good = idp_metadata::fetch_checked(self.metadata_client(), &url)
            .await
            .map_err(|problem| AdminError::invalid("saml.metadata_url", problem.to_string()))?;
        Ok(Some(Fetched { url, good }))
    }

    pub async fn create_provider(
        &self,
        who: &Principal,
        site: &str,
        input: ProviderInput,
    ) -> Result<ProviderView, AdminError> {
        let fetched = self.fetch_for_save(who, site, None, input.saml.as_ref()).await?;
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let kind = field("kind", ProviderKind::parse(&input.kind))?;
        let name = field("name", ProviderName::parse(&input.name))?;
        let now = self.now();
        let mut provider = Provider {
            id: ProviderId::from_raw(uuid::Uuid::new_v4().to_string()),
            site_id: site.id.clone(),
            kind,
            name,
            saml: SamlTrust::NotConfigured,
            sign_in: SamlSignIn::defaults(),
            scim: ScimSettings::off(),
            ldap: None,
            options: ProvisioningOptions::defaults(),
            created_at: now,
            updated_at: now,
        };
        if let Some(sign_in) = &input.sign_in {
            apply_sign_in(&mut provider.sign_in, sign_in)?;
        }
        if let Some(saml) = &input.saml {
            provider.saml = saml_trust(saml)?;
        }
        if let Some(ldap) = &input.ldap {
            provider.ldap = Some(apply_ldap(None, ldap)?);
        }
        if let Some(provisioning) = &input.provisioning {
            apply_provisioning(&mut tx, &site, &mut provider.options, provisioning).await?;
        }
        provider.check_consistency()?;
        if tx.provider_by_name(&site.id, &provider.name).await?.is_some() {
            return Err(name_taken(&provider.name));
        }
        tx.insert_provider(&provider).await?;
        let metadata = save_metadata(&mut tx, &provider, fetched, now).await?;
        tx.commit().await?;
        Ok(ShownProvider { provider, metadata }.into())
    }

    pub async fn list_providers(
        &self,
        who: &Principal,
        site: &str,
        page: PageRequest,
    ) -> Result<ListView<ProviderView>, AdminError> {
        self.list::<ShownProvider>(who, site, page).await
    }

    pub async fn get_provider(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<ProviderView, AdminError> {
        let mut tx = self.read().await?;
        let (_, provider) = visible_provider(&mut tx, who, site, id).await?;
        Ok(shown_provider(&mut tx, provider).await?.into())
    }

    /// Finds a provider by its name, for the CLI.
    pub async fn find_provider(
        &self,
        who: &Principal,
        site: &str,
        name: &str,
    ) -> Result<ProviderView, AdminError> {
        self.find::<ShownProvider>(who, site, name).await
    }

    pub async fn update_provider(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
        patch: ProviderPatch,
    ) -> Result<ProviderView, AdminError> {
        let fetched = self.fetch_for_save(who, site, Some(id), patch.saml.as_ref()).await?;
        let mut tx = self.write().await?;
        let (site, before) = provider_to_set_up(&mut tx, who, site, id).await?;
        // A set-up link sets the SAML trust only.
        if patch.name.is_some()
            || patch.sign_in.is_some()
            || patch.ldap.is_some()
            || patch.provisioning.is_some()
        {
            who.may_reconfigure_provider()
                .map_err(|denied| AdminError::denied(denied, "change other provider settings"))?;
        }
        let mut provider = before.clone();
        if let Some(name) = &patch.name {
            provider.name = field("name", ProviderName::parse(name))?;
        }
        if let Some(sign_in) = &patch.sign_in {
            apply_sign_in(&mut provider.sign_in, sign_in)?;
        }
        if let Some(saml) = &patch.saml {
            provider.saml = saml_trust(saml)?;
        }
        match &patch.ldap {
            None => {}
            Some(None) => provider.ldap = None,
            Some(Some(ldap)) => provider.ldap = Some(apply_ldap(provider.ldap.take(), ldap)?),
        }
        if let Some(provisioning) = &patch.provisioning {
            apply_provisioning(&mut tx, &site, &mut provider.options, provisioning).await?;
        }
        provider.check_consistency()?;
        // Saving the same metadata URL again fetches it again: a refresh on
        // demand, stored though nothing else changed.
        if provider == before && fetched.is_none() {
            let metadata = tx.idp_metadata(&site.id, &before.id).await?;
            return Ok(ShownProvider { provider: before, metadata }.into());
        }
        if provider.name.as_str().to_lowercase() != before.name.as_str().to_lowercase()
            && tx.provider_by_name(&site.id, &provider.name).await?.is_some()
        {
            return Err(name_taken(&provider.name));
        }
        let now = self.now();
        if provider != before {
            provider.updated_at = now;
            tx.update_provider(&provider).await?;
        }
        // SPEC §4: scopes and role mappings follow a change of the options,
        // in both directions, in the same transaction.
        let mut history = self.recorder(who, &site.id);
        if provider.options != before.options {
            crate::provisioning::reconcile_provider(
                &mut tx,
                &mut history,
                &site.id,
                &provider.id,
                &provider.options,
            )
            .await?;
        }
        if provider.saml != before.saml {
            history.saml_trust_set(&provider, before.saml.mode());
        }
        let metadata = save_metadata(&mut tx, &provider, fetched, now).await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(ShownProvider { provider, metadata }.into())
    }

    /// Deletes a provider that no user signs in with and that manages no
    /// group; users it provisioned keep their record of how they came.
    pub async fn delete_provider(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<(), AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let provider = load::<Provider, _>(&mut tx, &site, id).await?;
        let users = tx.count_users_signing_in_with(&site.id, &provider.id).await?;
        let groups = tx.count_groups_managed_by(&site.id, &provider.id).await?;
        if users > 0 || groups > 0 {
            return Err(AdminError::Conflict {
                field: "provider".to_owned(),
                message: format!(
                    "{users} user(s) sign in with this provider and it manages {groups} group(s); \
                     move those users to another authentication method and delete or hand over \
                     those groups first"
                ),
            });
        }
        tx.forget_provisioning_provider(&site.id, &provider.id).await?;
        tx.delete_provider(&site.id, &provider.id).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saml(trust: &str) -> SamlInput {
        SamlInput {
            trust: trust.into(),
            metadata_url: None,
            metadata_xml: None,
            fingerprint: None,
            sso_url: None,
            slo_url: None,
        }
    }

    #[test]
    fn saml_trust_modes() {
        assert_eq!(saml_trust(&saml("none")).unwrap(), SamlTrust::NotConfigured);
        let mut input = saml("fingerprint");
        input.fingerprint = Some("AB:".repeat(31) + "AB");
        input.sso_url = Some("https://idp.example.com/sso".into());
        assert!(matches!(saml_trust(&input).unwrap(), SamlTrust::Fingerprint { .. }));
        input.metadata_url = Some("https://idp.example.com/md".into());
        let err = saml_trust(&input).unwrap_err();
        assert!(
            matches!(err, AdminError::Invalid { ref field, .. } if field == "saml.metadata_url"),
            "{err:?}"
        );
        let err = saml_trust(&saml("metadata_url")).unwrap_err();
        assert!(
            matches!(err, AdminError::Invalid { ref field, .. } if field == "saml.metadata_url"),
            "{err:?}"
        );
        let err = saml_trust(&saml("magic")).unwrap_err();
        assert!(
            matches!(err, AdminError::Invalid { ref field, .. } if field == "saml.trust"),
            "{err:?}"
        );
    }
}
