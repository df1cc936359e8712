//! The JSON shapes that the admin API returns and the CLI prints with
//! `--json`. Secrets never appear here, except the clear value of a key in
//! the one response that created it.

use jiff::Timestamp;
use roster_domain::{
    AttributeName, AuthMethod, Group, LdapSettings, Provider, SamlTrust, Site, User,
};
use roster_store::{AdminKeyRecord, IdpMetadataRecord, Listed, MemberRecord, Page};
use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListView<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
}

impl<T> ListView<T> {
    pub(crate) fn from_listed<S>(listed: Listed<S>, page: Page, view: impl Fn(S) -> T) -> Self {
        Self {
            items: listed.items.into_iter().map(view).collect(),
            total: listed.total,
            offset: page.offset,
            limit: page.limit,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SiteView {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub allow_manual_users: bool,
    pub allow_manual_groups: bool,
    pub two_factor: &'static str,
    pub application_url: Option<String>,
    pub scim_log_retention_days: u16,
    pub history_retention_days: u16,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<Site> for SiteView {
    fn from(site: Site) -> Self {
        Self {
            id: site.id.to_string(),
            slug: site.slug.to_string(),
            name: site.name.as_str().to_owned(),
            allow_manual_users: site.allow_manual_users,
            allow_manual_groups: site.allow_manual_groups,
            two_factor: site.two_factor.as_str(),
            application_url: site.application_url.map(|url| url.as_str().to_owned()),
            scim_log_retention_days: site.scim_log_retention.days(),
            history_retention_days: site.history_retention.days(),
            created_at: site.created_at,
            updated_at: site.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub full_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub time_zone: Option<String>,
    pub enabled: bool,
    pub auth_method: &'static str,
    pub sso_provider_id: Option<String>,
    pub site_admin: bool,
    pub readonly_site_admin: bool,
    pub two_factor: &'static str,
    pub webdav: bool,
    pub ftp: bool,
    pub sftp: bool,
    pub external_id: Option<String>,
    pub provisioned_by: &'static str,
    pub provisioned_by_provider_id: Option<String>,
    /// `active`, or `released` once its identity provider removed it and the
    /// options kept it (pending users are not shown at all).
    pub provisioning_state: &'static str,
    /// Whether a password was set (the password itself is never shown).
    pub password_set: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_login_at: Option<Timestamp>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        let text = |t: Option<roster_domain::DisplayText>| t.map(|t| t.as_str().to_owned());
        let (auth_method, sso_provider_id) = match user.auth_method {
            AuthMethod::Password => ("password", None),
            AuthMethod::Sso(provider) => ("sso", Some(provider.to_string())),
        };
        Self {
            id: user.id.to_string(),
            username: user.username.as_str().to_owned(),
            full_name: text(user.full_name),
            first_name: text(user.first_name),
            last_name: text(user.last_name),
            display_name: text(user.display_name),
            email: user.email.map(|e| e.as_str().to_owned()),
            company: text(user.company),
            time_zone: user.time_zone.map(|tz| tz.to_string()),
            enabled: user.enabled,
            auth_method,
            sso_provider_id,
            site_admin: user.roles.site_admin,
            readonly_site_admin: user.roles.readonly_site_admin,
            two_factor: user.two_factor.as_str(),
            webdav: user.permissions.webdav,
            ftp: user.permissions.ftp,
            sftp: user.permissions.sftp,
            external_id: user.external_id,
            provisioned_by: user.provisioned_by.method.as_str(),
            provisioned_by_provider_id: user.provisioned_by.provider.map(|p| p.to_string()),
            provisioning_state: user.state.as_str(),
            password_set: user.password_hash.is_some(),
            created_at: user.created_at,
            updated_at: user.updated_at,
            last_login_at: user.last_login_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub id: String,
    pub name: String,
    /// The SSO provider whose provisioning manages the group; null for a
    /// local group.
    pub managed_by_provider_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<Group> for GroupView {
    fn from(group: Group) -> Self {
        Self {
            id: group.id.to_string(),
            name: group.name.as_str().to_owned(),
            managed_by_provider_id: group.managed_by.map(|p| p.to_string()),
            created_at: group.created_at,
            updated_at: group.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: String,
    pub username: String,
    pub is_admin: bool,
}

impl From<MemberRecord> for MemberView {
    fn from(member: MemberRecord) -> Self {
        Self {
            user_id: member.membership.user_id.to_string(),
            username: member.username.as_str().to_owned(),
            is_admin: member.membership.is_admin,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SamlView {
    pub trust: &'static str,
    pub metadata_url: Option<String>,
    pub metadata_xml: Option<String>,
    pub fingerprint: Option<String>,
    pub sso_url: Option<String>,
    pub slo_url: Option<String>,
    /// With a metadata URL: when the last good document was fetched
    /// (`null` until one was), when the refresh job fetches it again, and
    /// the last failed fetch (cleared by a success) with its time.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub metadata_fetched_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub metadata_refresh_due_at: Option<Timestamp>,
    pub metadata_error: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub metadata_error_at: Option<Timestamp>,
}

/// How people sign in through the provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInView {
    /// Whether a sign-in the IdP starts is accepted (the setting, or the
    /// kind's default).
    pub idp_initiated: bool,
    /// Whether `idp_initiated` is the kind's default rather than set.
    pub idp_initiated_default: bool,
    pub name_id: &'static str,
    pub allow_sha1: bool,
    /// Whether AuthnRequests are signed; `null`: when the IdP's metadata
    /// asks.
    pub sign_requests: Option<bool>,
    /// The attributes read where they differ from the presets; `null`
    /// fields read the presets.
    pub attributes: AttributesView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttributesView {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScimView {
    pub auth: &'static str,
    pub username: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_success_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_failure_at: Option<Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LdapView {
    pub enabled: bool,
    pub host: String,
    pub backup_host: Option<String>,
    pub server_type: &'static str,
    pub port: u16,
    pub security: &'static str,
    /// Whether the connection uses TLS (`security` is not `plain`).
    pub secure: bool,
    pub ca_certificate: Option<String>,
    pub username_attribute: &'static str,
    pub bind_username: Option<String>,
    /// Whether a bind password is stored; the password itself is never shown.
    pub bind_password_set: bool,
    pub base_dn: String,
    pub user_filter: Option<String>,
    pub group_filter: Option<String>,
    pub domain: Option<String>,
    /// Between scheduled syncs, as `90m`.
    pub interval: String,
    pub failure_threshold: u32,
    pub consecutive_failures: u32,
    /// Why provisioning switched itself off, until switched on again.
    pub disabled_reason: Option<String>,
}

/// Minutes as the admin API takes them: `2d`, `1h`, `90m`.
fn interval_text(minutes: u32) -> String {
    match minutes {
        m if m % 1440 == 0 => format!("{}d", m / 1440),
        m if m % 60 == 0 => format!("{}h", m / 60),
        m => format!("{m}m"),
    }
}

impl From<LdapSettings> for LdapView {
    fn from(ldap: LdapSettings) -> Self {
        Self {
            enabled: ldap.enabled,
            host: ldap.host,
            backup_host: ldap.backup_host,
            server_type: ldap.server_type.as_str(),
            port: ldap.port,
            security: ldap.security.as_str(),
            secure: ldap.security != roster_domain::LdapSecurity::Plain,
            ca_certificate: ldap.ca_certificate,
            username_attribute: ldap.username_attribute.as_str(),
            bind_username: ldap.bind_username,
            bind_password_set: ldap.bind_password.is_some(),
            base_dn: ldap.base_dn,
            user_filter: ldap.user_filter,
            group_filter: ldap.group_filter,
            domain: ldap.domain,
            interval: interval_text(ldap.interval_minutes),
            failure_threshold: ldap.failure_threshold,
            consecutive_failures: ldap.consecutive_failures,
            disabled_reason: ldap.disabled_reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvisioningView {
    pub provision_users_on_first_login: bool,
    pub deprovision_users: bool,
    pub provision_group_memberships: bool,
    pub deprovision_group_memberships: bool,
    pub deprovisioning_method: &'static str,
    pub provision_company: Option<String>,
    pub default_groups: String,
    pub only_users_in_groups: String,
    pub only_groups: String,
    pub exclude_groups: String,
    pub site_admin_groups: String,
    pub readonly_site_admin_groups: String,
    pub group_admin_groups: String,
    pub password_groups: String,
    pub two_factor: &'static str,
    pub webdav: bool,
    pub ftp: bool,
    pub sftp: bool,
    pub default_time_zone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub saml: SamlView,
    pub sign_in: SignInView,
    pub scim: ScimView,
    pub ldap: Option<LdapView>,
    pub provisioning: ProvisioningView,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl From<Provider> for ProviderView {
    fn from(provider: Provider) -> Self {
        let mut saml = SamlView {
            trust: provider.saml.mode(),
            metadata_url: None,
            metadata_xml: None,
            fingerprint: None,
            sso_url: None,
            slo_url: None,
            metadata_fetched_at: None,
            metadata_refresh_due_at: None,
            metadata_error: None,
            metadata_error_at: None,
        };
        match provider.saml {
            SamlTrust::NotConfigured => {}
            SamlTrust::MetadataUrl { url } => saml.metadata_url = Some(url.as_str().to_owned()),
            SamlTrust::MetadataXml { xml } => saml.metadata_xml = Some(xml),
            SamlTrust::Fingerprint { sha256, sso_url, slo_url } => {
                saml.fingerprint = Some(sha256.as_str().to_owned());
                saml.sso_url = Some(sso_url.as_str().to_owned());
                saml.slo_url = slo_url.map(|u| u.as_str().to_owned());
            }
        }
        let o = provider.options;
        Self {
            id: provider.id.to_string(),
            kind: provider.kind.as_str(),
            name: provider.name.as_str().to_owned(),
            saml,
            sign_in: SignInView {
                idp_initiated: provider.sign_in.allows_idp_initiated(provider.kind),
                idp_initiated_default: provider.sign_in.idp_initiated.is_none(),
                name_id: provider.sign_in.name_id.as_str(),
                allow_sha1: provider.sign_in.allow_sha1,
                sign_requests: provider.sign_in.sign_requests,
                attributes: {
                    let names = &provider.sign_in.attributes;
                    let shown = |name: &Option<AttributeName>| {
                        name.as_ref().map(|name| name.as_str().to_owned())
                    };
                    AttributesView {
                        email: shown(&names.email),
                        first_name: shown(&names.first_name),
                        last_name: shown(&names.last_name),
                        groups: shown(&names.groups),
                    }
                },
            },
            scim: ScimView {
                auth: provider.scim.auth.as_str(),
                username: provider.scim.username,
                expires_at: provider.scim.expires_at,
                last_success_at: provider.scim.last_success_at,
                last_failure_at: provider.scim.last_failure_at,
            },
            ldap: provider.ldap.map(LdapView::from),
            provisioning: ProvisioningView {
                provision_users_on_first_login: o.provision_users_on_first_login,
                deprovision_users: o.deprovision_users,
                provision_group_memberships: o.provision_group_memberships,
                deprovision_group_memberships: o.deprovision_group_memberships,
                deprovisioning_method: o.deprovisioning_method.as_str(),
                provision_company: o.provision_company.map(|c| c.as_str().to_owned()),
                default_groups: o
                    .default_groups
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                only_users_in_groups: o.only_users_in_groups.to_string(),
                only_groups: o.only_groups.to_string(),
                exclude_groups: o.exclude_groups.to_string(),
                site_admin_groups: o.site_admin_groups.to_string(),
                readonly_site_admin_groups: o.readonly_site_admin_groups.to_string(),
                group_admin_groups: o.group_admin_groups.to_string(),
                password_groups: o.password_groups.to_string(),
                two_factor: o.two_factor.as_str(),
                webdav: o.webdav,
                ftp: o.ftp,
                sftp: o.sftp,
                default_time_zone: o.default_time_zone.map(|tz| tz.to_string()),
            },
            created_at: provider.created_at,
            updated_at: provider.updated_at,
        }
    }
}

/// A provider with the fetch state of its metadata URL, as it is shown.
pub(crate) struct ShownProvider {
    pub provider: Provider,
    pub metadata: Option<IdpMetadataRecord>,
}

impl From<ShownProvider> for ProviderView {
    fn from(shown: ShownProvider) -> Self {
        let mut view = ProviderView::from(shown.provider);
        let current = |record: &IdpMetadataRecord| {
            view.saml.metadata_url.as_deref() == Some(record.url.as_str())
        };
        if let Some(record) = shown.metadata.filter(current) {
            view.saml.metadata_fetched_at = record.fetched_at;
            view.saml.metadata_refresh_due_at = Some(record.refresh_due_at);
            view.saml.metadata_error = record.error;
            view.saml.metadata_error_at = record.error_at;
        }
        view
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminKeyView {
    pub id: String,
    pub name: String,
    /// `null` for an operator key.
    pub site_id: Option<String>,
    pub prefix: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl From<AdminKeyRecord> for AdminKeyView {
    fn from(key: AdminKeyRecord) -> Self {
        Self {
            id: key.id.to_string(),
            name: key.name,
            site_id: key.site_id.map(|s| s.to_string()),
            prefix: key.prefix,
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            revoked_at: key.revoked_at,
        }
    }
}
