//! SSO providers: one row with the SAML trust, SCIM credential, LDAP
//! settings and provisioning options of a provider.

use async_trait::async_trait;
use roster_domain::{
    AttributeName, AttributeNames, CertificateFingerprint, DeprovisioningMethod, DisplayText,
    GroupPatternList, HttpUrl, LdapSecurity, LdapServerType, LdapSettings, NameIdSource, Provider,
    ProviderId, ProviderKind, ProviderName, ProvisioningOptions, SamlSignIn, SamlTrust, ScimAuth,
    ScimSettings, Secret, SiteId, TimeZoneName, TwoFactor, UsernameAttribute,
};
use sqlx::Any;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;

use super::Tx;
use super::row::{Cols, flag, micros, opt_micros, write_error};
use crate::{Listed, Page, ProviderRepo, StoreError};

/// Every column, in the order [`bind_provider`] binds them.
macro_rules! columns {
    () => {
        "site_id, id, kind, name, name_key, saml_trust, saml_metadata_url, saml_metadata_xml, \
         saml_fingerprint, saml_sso_url, saml_slo_url, scim_auth, scim_username, \
         scim_secret_hash, scim_expires_at, scim_previous_secret_hash, \
         scim_previous_valid_until, scim_last_success_at, scim_last_failure_at, \
         ldap_configured, ldap_enabled, ldap_host, ldap_backup_host, ldap_server_type, \
         ldap_port, ldap_secure, ldap_username_attribute, ldap_bind_username, \
         ldap_bind_password, ldap_base_dn, ldap_domain, ldap_consecutive_failures, \
         provision_users_on_first_login, deprovision_users, provision_group_memberships, \
         deprovision_group_memberships, deprovisioning_method, provision_company, \
         default_groups, only_users_in_groups, only_groups, exclude_groups, site_admin_groups, \
         readonly_site_admin_groups, group_admin_groups, password_groups, two_factor, webdav, \
         ftp, sftp, default_time_zone, created_at, updated_at, saml_idp_initiated, saml_name_id, \
         saml_allow_sha1, saml_sign_requests, saml_email_attribute, saml_first_name_attribute, \
         saml_last_name_attribute, saml_groups_attribute, ldap_security, ldap_ca_certificate, \
         ldap_user_filter, ldap_group_filter, ldap_interval_minutes, ldap_failure_threshold, \
         ldap_disabled_reason"
    };
}

const INSERT: &str = concat!(
    "INSERT INTO providers (",
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
             $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, \
             $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $48, $49, $50, $51, $52, $53, $54, $55, $56, \
             $57, $58, $59, $60, $61, $62, $63, $64, $65, $66, $67, $68)"
);

const UPDATE: &str = "UPDATE providers SET kind = $3, name = $4, name_key = $5, saml_trust = $6, saml_metadata_url = $7, \
             saml_metadata_xml = $8, saml_fingerprint = $9, saml_sso_url = $10, saml_slo_url = $11, \
             scim_auth = $12, scim_username = $13, scim_secret_hash = $14, scim_expires_at = $15, \
             scim_previous_secret_hash = $16, scim_previous_valid_until = $17, scim_last_success_at \
             = $18, scim_last_failure_at = $19, ldap_configured = $20, ldap_enabled = $21, \
             ldap_host = $22, ldap_backup_host = $23, ldap_server_type = $24, ldap_port = $25, \
             ldap_secure = $26, ldap_username_attribute = $27, ldap_bind_username = $28, \
             ldap_bind_password = $29, ldap_base_dn = $30, ldap_domain = $31, \
             ldap_consecutive_failures = $32, provision_users_on_first_login = $33, \
             deprovision_users = $34, provision_group_memberships = $35, \
             deprovision_group_memberships = $36, deprovisioning_method = $37, provision_company = \
             $38, default_groups = $39, only_users_in_groups = $40, only_groups = $41, \
             exclude_groups = $42, site_admin_groups = $43, readonly_site_admin_groups = $44, \
             group_admin_groups = $45, password_groups = $46, two_factor = $47, webdav = $48, ftp = \
             $49, sftp = $50, default_time_zone = $51, created_at = $52, updated_at = $53, \
             saml_idp_initiated = $54, saml_name_id = $55, saml_allow_sha1 = $56, \
             saml_sign_requests = $57, saml_email_attribute = $58, saml_first_name_attribute = $59, \
             saml_last_name_attribute = $60, saml_groups_attribute = $61, ldap_security = $62, \
             ldap_ca_certificate = $63, ldap_user_filter = $64, ldap_group_filter = $65, \
             ldap_interval_minutes = $66, ldap_failure_threshold = $67, ldap_disabled_reason = $68 \
             WHERE site_id = $1 AND id = $2";

fn bind_provider<'q>(
    query: Query<'q, Any, AnyArguments>,
    provider: &Provider,
) -> Query<'q, Any, AnyArguments> {
    let owned = |value: Option<&str>| value.map(str::to_owned);
    let (metadata_url, metadata_xml, fingerprint, sso_url, slo_url) = match &provider.saml {
        SamlTrust::NotConfigured => (None, None, None, None, None),
        SamlTrust::MetadataUrl { url } => (Some(url.as_str()), None, None, None, None),
        SamlTrust::MetadataXml { xml } => (None, Some(xml.as_str()), None, None, None),
        SamlTrust::Fingerprint { sha256, sso_url, slo_url } => (
            None,
            None,
            Some(sha256.as_str()),
            Some(sso_url.as_str()),
            slo_url.as_ref().map(HttpUrl::as_str),
        ),
    };
    let scim = &provider.scim;
    let ldap = provider.ldap.as_ref();
    let options = &provider.options;
    let default_groups =
        options.default_groups.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(",");
    query
        .bind(provider.site_id.as_str().to_owned())
        .bind(provider.id.as_str().to_owned())
        .bind(provider.kind.as_str())
        .bind(provider.name.as_str().to_owned())
        .bind(provider.name.as_str().to_lowercase())
        .bind(provider.saml.mode())
        .bind(owned(metadata_url))
        .bind(owned(metadata_xml))
        .bind(owned(fingerprint))
        .bind(owned(sso_url))
        .bind(owned(slo_url))
        .bind(scim.auth.as_str())
        .bind(scim.username.clone())
        .bind(scim.secret_hash.clone())
        .bind(opt_micros(scim.expires_at))
        .bind(scim.previous_secret_hash.clone())
        .bind(opt_micros(scim.previous_valid_until))
        .bind(opt_micros(scim.last_success_at))
        .bind(opt_micros(scim.last_failure_at))
        .bind(flag(ldap.is_some()))
        .bind(flag(ldap.is_some_and(|l| l.enabled)))
        .bind(ldap.map(|l| l.host.clone()))
        .bind(ldap.and_then(|l| l.backup_host.clone()))
        .bind(ldap.map(|l| l.server_type.as_str()))
        .bind(ldap.map(|l| i64::from(l.port)))
        .bind(flag(ldap.is_some_and(|l| l.security != LdapSecurity::Plain)))
        .bind(ldap.map(|l| l.username_attribute.as_str()))
        .bind(ldap.and_then(|l| l.bind_username.clone()))
        .bind(ldap.and_then(|l| l.bind_password.as_ref().map(|p| p.expose().to_owned())))
        .bind(ldap.map(|l| l.base_dn.clone()))
        .bind(ldap.and_then(|l| l.domain.clone()))
        .bind(ldap.map_or(0, |l| i64::from(l.consecutive_failures)))
        .bind(flag(options.provision_users_on_first_login))
        .bind(flag(options.deprovision_users))
        .bind(flag(options.provision_group_memberships))
        .bind(flag(options.deprovision_group_memberships))
        .bind(options.deprovisioning_method.as_str())
        .bind(options.provision_company.as_ref().map(|c| c.as_str().to_owned()))
        .bind(default_groups)
        .bind(options.only_users_in_groups.to_string())
        .bind(options.only_groups.to_string())
        .bind(options.exclude_groups.to_string())
        .bind(options.site_admin_groups.to_string())
        .bind(options.readonly_site_admin_groups.to_string())
        .bind(options.group_admin_groups.to_string())
        .bind(options.password_groups.to_string())
        .bind(options.two_factor.as_str())
        .bind(flag(options.webdav))
        .bind(flag(options.ftp))
        .bind(flag(options.sftp))
        .bind(options.default_time_zone.as_ref().map(|tz| tz.as_str().to_owned()))
        .bind(micros(provider.created_at))
        .bind(micros(provider.updated_at))
        .bind(provider.sign_in.idp_initiated.map(flag))
        .bind(provider.sign_in.name_id.as_str())
        .bind(flag(provider.sign_in.allow_sha1))
        .bind(provider.sign_in.sign_requests.map(flag))
        .bind(attribute(&provider.sign_in.attributes.email))
        .bind(attribute(&provider.sign_in.attributes.first_name))
        .bind(attribute(&provider.sign_in.attributes.last_name))
        .bind(attribute(&provider.sign_in.attributes.groups))
        .bind(ldap.map(|l| l.security.as_str()))
        .bind(ldap.and_then(|l| l.ca_certificate.clone()))
        .bind(ldap.and_then(|l| l.user_filter.clone()))
        .bind(ldap.and_then(|l| l.group_filter.clone()))
        .bind(ldap.map_or(i64::from(LdapSettings::DEFAULT_INTERVAL_MINUTES), |l| {
            i64::from(l.interval_minutes)
        }))
        .bind(ldap.map_or(i64::from(LdapSettings::DEFAULT_FAILURE_THRESHOLD), |l| {
            i64::from(l.failure_threshold)
        }))
        .bind(ldap.and_then(|l| l.disabled_reason.clone()))
}

fn attribute(name: &Option<AttributeName>) -> Option<String> {
    name.as_ref().map(|name| name.as_str().to_owned())
}

/// A nullable 0/1 column.
fn opt_flag(c: &Cols<'_>, col: &str) -> Result<Option<bool>, StoreError> {
    c.opt_int(col)?
        .map(|raw| match raw {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(StoreError::Corrupt(format!("{col} = {other}"))),
        })
        .transpose()
}

fn required<T>(col: &str, value: Option<T>) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::Corrupt(format!("{col} is missing")))
}

fn saml_from(c: &Cols<'_>) -> Result<SamlTrust, StoreError> {
    let url = |col: &str| c.opt_parsed(col, HttpUrl::parse);
    Ok(match c.text("saml_trust")?.as_str() {
        "none" => SamlTrust::NotConfigured,
        "metadata_url" => SamlTrust::MetadataUrl {
            url: url("saml_metadata_url")?
                .ok_or_else(|| StoreError::Corrupt("saml_metadata_url is missing".into()))?,
        },
        "metadata_xml" => SamlTrust::MetadataXml {
            xml: required("saml_metadata_xml", c.opt_text("saml_metadata_xml")?)?,
        },
        "fingerprint" => SamlTrust::Fingerprint {
            sha256: c
                .opt_parsed("saml_fingerprint", CertificateFingerprint::parse)?
                .ok_or_else(|| StoreError::Corrupt("saml_fingerprint is missing".into()))?,
            sso_url: url("saml_sso_url")?
                .ok_or_else(|| StoreError::Corrupt("saml_sso_url is missing".into()))?,
            slo_url: url("saml_slo_url")?,
        },
        other => return Err(StoreError::Corrupt(format!("saml_trust = {other:?}"))),
    })
}

fn ldap_from(c: &Cols<'_>) -> Result<Option<LdapSettings>, StoreError> {
    if !c.flag("ldap_configured")? {
        return Ok(None);
    }
    // Configured settings were written whole: a missing column is
    // corruption, never replaced by a default.
    let port = required("ldap_port", c.opt_int("ldap_port")?)?;
    Ok(Some(LdapSettings {
        enabled: c.flag("ldap_enabled")?,
        host: required("ldap_host", c.opt_text("ldap_host")?)?,
        backup_host: c.opt_text("ldap_backup_host")?,
        server_type: required(
            "ldap_server_type",
            c.opt_parsed("ldap_server_type", LdapServerType::parse)?,
        )?,
        port: u16::try_from(port)
            .map_err(|_| StoreError::Corrupt(format!("ldap_port = {port}")))?,
        security: required("ldap_security", c.opt_parsed("ldap_security", LdapSecurity::parse)?)?,
        ca_certificate: c.opt_text("ldap_ca_certificate")?,
        username_attribute: required(
            "ldap_username_attribute",
            c.opt_parsed("ldap_username_attribute", UsernameAttribute::parse)?,
        )?,
        bind_username: c.opt_text("ldap_bind_username")?,
        bind_password: c.opt_text("ldap_bind_password")?.map(Secret::new),
        base_dn: required("ldap_base_dn", c.opt_text("ldap_base_dn")?)?,
        user_filter: c.opt_text("ldap_user_filter")?,
        group_filter: c.opt_text("ldap_group_filter")?,
        domain: c.opt_text("ldap_domain")?,
        interval_minutes: count(c, "ldap_interval_minutes")?,
        failure_threshold: count(c, "ldap_failure_threshold")?,
        consecutive_failures: count(c, "ldap_consecutive_failures")?,
        disabled_reason: c.opt_text("ldap_disabled_reason")?,
    }))
}

/// A non-negative integer column that fits a `u32`.
fn count(c: &Cols<'_>, col: &str) -> Result<u32, StoreError> {
    let value = c.int(col)?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{col} = {value}")))
}

fn options_from(c: &Cols<'_>) -> Result<ProvisioningOptions, StoreError> {
    let patterns = |col: &str| c.parsed(col, GroupPatternList::parse);
    Ok(ProvisioningOptions {
        provision_users_on_first_login: c.flag("provision_users_on_first_login")?,
        deprovision_users: c.flag("deprovision_users")?,
        provision_group_memberships: c.flag("provision_group_memberships")?,
        deprovision_group_memberships: c.flag("deprovision_group_memberships")?,
        deprovisioning_method: c.parsed("deprovisioning_method", DeprovisioningMethod::parse)?,
        provision_company: c.opt_parsed("provision_company", DisplayText::parse)?,
        default_groups: c.parsed("default_groups", ProvisioningOptions::parse_group_names)?,
        only_users_in_groups: patterns("only_users_in_groups")?,
        only_groups: patterns("only_groups")?,
        exclude_groups: patterns("exclude_groups")?,
        site_admin_groups: patterns("site_admin_groups")?,
        readonly_site_admin_groups: patterns("readonly_site_admin_groups")?,
        group_admin_groups: patterns("group_admin_groups")?,
        password_groups: patterns("password_groups")?,
        two_factor: c.parsed("two_factor", TwoFactor::parse)?,
        webdav: c.flag("webdav")?,
        ftp: c.flag("ftp")?,
        sftp: c.flag("sftp")?,
        default_time_zone: c.opt_parsed("default_time_zone", TimeZoneName::parse)?,
    })
}

fn provider_from(row: &AnyRow) -> Result<Provider, StoreError> {
    let c = Cols(row);
    Ok(Provider {
        site_id: SiteId::from_raw(c.text("site_id")?),
        id: ProviderId::from_raw(c.text("id")?),
        kind: c.parsed("kind", ProviderKind::parse)?,
        name: c.parsed("name", ProviderName::parse)?,
        saml: saml_from(&c)?,
        sign_in: SamlSignIn {
            idp_initiated: opt_flag(&c, "saml_idp_initiated")?,
            name_id: c.parsed("saml_name_id", NameIdSource::parse)?,
            allow_sha1: c.flag("saml_allow_sha1")?,
            sign_requests: opt_flag(&c, "saml_sign_requests")?,
            attributes: AttributeNames {
                email: c.opt_parsed("saml_email_attribute", AttributeName::parse)?,
                first_name: c.opt_parsed("saml_first_name_attribute", AttributeName::parse)?,
                last_name: c.opt_parsed("saml_last_name_attribute", AttributeName::parse)?,
                groups: c.opt_parsed("saml_groups_attribute", AttributeName::parse)?,
            },
        },
        scim: ScimSettings {
            auth: c.parsed("scim_auth", ScimAuth::parse)?,
            username: c.opt_text("scim_username")?,
            secret_hash: c.opt_text("scim_secret_hash")?,
            expires_at: c.opt_time("scim_expires_at")?,
            previous_secret_hash: c.opt_text("scim_previous_secret_hash")?,
            previous_valid_until: c.opt_time("scim_previous_valid_until")?,
            last_success_at: c.opt_time("scim_last_success_at")?,
            last_failure_at: c.opt_time("scim_last_failure_at")?,
        },
        ldap: ldap_from(&c)?,
        options: options_from(&c)?,
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
    })
}

#[async_trait]
impl ProviderRepo for Tx {
    async fn insert_provider(&mut self, provider: &Provider) -> Result<(), StoreError> {
        bind_provider(sqlx::query(INSERT), provider)
            .execute(self.conn())
            .await
            .map_err(|err| write_error(err, "provider name"))?;
        Ok(())
    }

    async fn provider_by_id(
        &mut self,
        site: &SiteId,
        id: &ProviderId,
    ) -> Result<Option<Provider>, StoreError> {
        self.one_in_site(
            concat!("SELECT ", columns!(), " FROM providers WHERE site_id = $1 AND id = $2"),
            site,
            id.as_str(),
            provider_from,
        )
        .await
    }

    async fn provider_by_name(
        &mut self,
        site: &SiteId,
        name: &ProviderName,
    ) -> Result<Option<Provider>, StoreError> {
        self.one_in_site(
            concat!("SELECT ", columns!(), " FROM providers WHERE site_id = $1 AND name_key = $2"),
            site,
            &name.as_str().to_lowercase(),
            provider_from,
        )
        .await
    }

    async fn list_providers(
        &mut self,
        site: &SiteId,
        page: Page,
    ) -> Result<Listed<Provider>, StoreError> {
        self.page_in_site(
            "SELECT COUNT(*) FROM providers WHERE site_id = $1",
            concat!(
                "SELECT ",
                columns!(),
                " FROM providers WHERE site_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3"
            ),
            site,
            page,
            provider_from,
        )
        .await
    }

    async fn update_provider(&mut self, provider: &Provider) -> Result<bool, StoreError> {
        self.changes_providers();
        let done = bind_provider(sqlx::query(UPDATE), provider)
            .execute(self.conn())
            .await
            .map_err(|err| write_error(err, "provider name"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn provider_by_scim_secret(
        &mut self,
        secret_hash: &str,
    ) -> Result<Option<Provider>, StoreError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM providers WHERE scim_secret_hash = $1 OR scim_previous_secret_hash = $1"
        ))
        .bind(secret_hash)
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(provider_from).transpose()
    }

    async fn record_scim_authentication(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        succeeded: bool,
        at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let sql = if succeeded {
            "UPDATE providers SET scim_last_success_at = $3 WHERE site_id = $1 AND id = $2"
        } else {
            "UPDATE providers SET scim_last_failure_at = $3 WHERE site_id = $1 AND id = $2"
        };
        sqlx::query(sql)
            .bind(site.as_str())
            .bind(provider.as_str())
            .bind(micros(at))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn delete_provider(
        &mut self,
        site: &SiteId,
        id: &ProviderId,
    ) -> Result<bool, StoreError> {
        self.changes_providers();
        let done = sqlx::query("DELETE FROM providers WHERE site_id = $1 AND id = $2")
            .bind(site.as_str())
            .bind(id.as_str())
            .execute(self.conn())
            .await
            .map_err(|err| write_error(err, "provider"))?;
        Ok(done.rows_affected() == 1)
    }
}
