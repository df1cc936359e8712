//! SSO providers: the identity providers configured for a site, with their
//! SAML trust, SCIM credentials, LDAP settings and the provisioning options
//! of SPEC §4.

use jiff::Timestamp;

use crate::{
    AttributeName, CertificateFingerprint, DisplayText, GroupName, GroupPatternList, InvalidValue,
    ProviderId, ProviderName, Secret, SiteId, TimeZoneName, TwoFactor,
};

/// The identity products roster knows how to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Okta,
    EntraId,
    JumpCloud,
    OneLogin,
    Duo,
    Ldap,
    Saml,
    Oidc,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 8] = [
        Self::Okta,
        Self::EntraId,
        Self::JumpCloud,
        Self::OneLogin,
        Self::Duo,
        Self::Ldap,
        Self::Saml,
        Self::Oidc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Okta => "okta",
            Self::EntraId => "entra_id",
            Self::JumpCloud => "jumpcloud",
            Self::OneLogin => "onelogin",
            Self::Duo => "duo",
            Self::Ldap => "ldap",
            Self::Saml => "saml",
            Self::Oidc => "oidc",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw).ok_or_else(|| {
            InvalidValue::new(format!(
                "{raw:?} is not one of okta, entra_id, jumpcloud, onelogin, duo, ldap, saml, oidc"
            ))
        })
    }

    /// Whether people sign in through the provider with SAML: every kind
    /// but `oidc` (and `ldap`, which provisions and is signed in to
    /// through SAML when an administrator configures a trust for it).
    pub fn signs_in_with_saml(self) -> bool {
        !matches!(self, Self::Oidc)
    }

    /// Whether the IdP may start a sign-in itself (its dashboard), when no
    /// administrator chose: on for the named products, whose dashboards
    /// start sign-ins (the seeds' Default Relay State), off for a generic
    /// SAML provider (SPEC §5).
    pub fn idp_initiated_by_default(self) -> bool {
        !matches!(self, Self::Saml | Self::Oidc | Self::Ldap)
    }

    /// SCIM is designed to work with SAML: only SAML-based providers and
    /// LDAP may enable it (SPEC §2).
    pub fn supports_scim(self) -> bool {
        !matches!(self, Self::Oidc)
    }

    /// Entra ID's user sync carries no group memberships, so group filters
    /// cannot be evaluated for it (SPEC §4).
    pub fn sends_groups_at_user_sync(self) -> bool {
        !matches!(self, Self::EntraId)
    }
}

/// How the identity provider's SAML signing key is trusted (SPEC §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamlTrust {
    NotConfigured,
    /// Metadata fetched from this URL and refreshed, so certificate
    /// rotation needs no action.
    MetadataUrl {
        url: HttpUrl,
    },
    /// A metadata document uploaded by an administrator.
    MetadataXml {
        xml: String,
    },
    /// A SHA-256 certificate fingerprint plus the IdP's endpoints.
    Fingerprint {
        sha256: CertificateFingerprint,
        sso_url: HttpUrl,
        slo_url: Option<HttpUrl>,
    },
}

/// Which stored field a SAML NameID names (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameIdSource {
    /// The NameID is the username (the default).
    Username,
    /// The NameID is the e-mail address; it must name exactly one user.
    Email,
}

impl NameIdSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Username => "username",
            Self::Email => "email",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "username" => Ok(Self::Username),
            "email" => Ok(Self::Email),
            other => Err(InvalidValue::new(format!("{other:?} is not one of username, email"))),
        }
    }
}

/// How people sign in through a provider with SAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlSignIn {
    /// Whether the IdP may start a sign-in itself; `None` follows the
    /// provider's kind ([`ProviderKind::idp_initiated_by_default`]).
    pub idp_initiated: Option<bool>,
    pub name_id: NameIdSource,
    /// Whether RSA-SHA1 signatures are accepted (refused by default: SHA-1
    /// collisions are practical).
    pub allow_sha1: bool,
    /// Whether AuthnRequests are signed; `None` signs them when the IdP's
    /// metadata asks (`WantAuthnRequestsSigned`).
    pub sign_requests: Option<bool>,
    /// The attributes the assertion's profile is read from, where they
    /// differ from the presets.
    pub attributes: AttributeNames,
}

/// The SAML attributes that carry a person's e-mail, names and groups;
/// each `None` reads the presets, which cover the names every supported
/// identity provider sends by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeNames {
    pub email: Option<AttributeName>,
    pub first_name: Option<AttributeName>,
    pub last_name: Option<AttributeName>,
    pub groups: Option<AttributeName>,
}

impl SamlSignIn {
    pub fn defaults() -> Self {
        Self {
            idp_initiated: None,
            name_id: NameIdSource::Username,
            allow_sha1: false,
            sign_requests: None,
            attributes: AttributeNames::default(),
        }
    }

    /// Whether an AuthnRequest is signed, given whether the IdP's metadata
    /// asks for it.
    pub fn signs_requests(&self, idp_wants_signed: bool) -> bool {
        self.sign_requests.unwrap_or(idp_wants_signed)
    }

    /// Whether a sign-in the IdP started is accepted.
    pub fn allows_idp_initiated(&self, kind: ProviderKind) -> bool {
        self.idp_initiated.unwrap_or_else(|| kind.idp_initiated_by_default())
    }
}

impl SamlTrust {
    pub fn mode(&self) -> &'static str {
        match self {
            Self::NotConfigured => "none",
            Self::MetadataUrl { .. } => "metadata_url",
            Self::MetadataXml { .. } => "metadata_xml",
            Self::Fingerprint { .. } => "fingerprint",
        }
    }
}

/// An absolute `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl(String);

impl HttpUrl {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"))
            .ok_or_else(|| InvalidValue::new("must be an absolute http:// or https:// URL"))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidValue::new(
                "must be an absolute URL with a host and no white space",
            ));
        }
        if raw.len() > 2048 {
            return Err(InvalidValue::new("must be at most 2048 characters long"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which SCIM credential the provider accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimAuth {
    Off,
    Basic,
    Token,
}

impl ScimAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Basic => "basic",
            Self::Token => "token",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "off" => Ok(Self::Off),
            "basic" => Ok(Self::Basic),
            "token" => Ok(Self::Token),
            other => Err(InvalidValue::new(format!("{other:?} is not one of off, basic, token"))),
        }
    }
}

/// The SCIM credential of a provider. Secrets are kept only as hashes; the
/// clear value exists only in the response that generated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimSettings {
    pub auth: ScimAuth,
    /// The generated Basic username (Basic only).
    pub username: Option<String>,
    pub secret_hash: Option<String>,
    pub expires_at: Option<Timestamp>,
    /// The secret that a rotation replaced, valid until `previous_valid_until`.
    pub previous_secret_hash: Option<String>,
    pub previous_valid_until: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub last_failure_at: Option<Timestamp>,
}

impl ScimSettings {
    pub fn off() -> Self {
        Self {
            auth: ScimAuth::Off,
            username: None,
            secret_hash: None,
            expires_at: None,
            previous_secret_hash: None,
            previous_valid_until: None,
            last_success_at: None,
            last_failure_at: None,
        }
    }
}

/// A SCIM credential as a client presents it, with the secret already
/// hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresentedCredential<'a> {
    Bearer { secret_hash: &'a str },
    Basic { username: &'a str, secret_hash: &'a str },
}

impl ScimSettings {
    /// Whether the credential authenticates at `now` (SPEC §2): the current
    /// secret until it expires, or the previous one until its overlap
    /// window ends; and only in the provider's chosen mode.
    pub fn accepts(&self, credential: PresentedCredential<'_>, now: Timestamp) -> bool {
        self.refusal(credential, now).is_none()
    }
}

/// The directory product behind an LDAP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LdapServerType {
    ActiveDirectory,
    OpenLdap,
}

impl LdapServerType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActiveDirectory => "active_directory",
            Self::OpenLdap => "openldap",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "active_directory" => Ok(Self::ActiveDirectory),
            "openldap" => Ok(Self::OpenLdap),
            other => Err(InvalidValue::new(format!(
                "{other:?} is not one of active_directory, openldap"
            ))),
        }
    }
}

/// The directory attribute that holds usernames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameAttribute {
    SamAccountName,
    UserPrincipalName,
    Uid,
    Mail,
}

impl UsernameAttribute {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SamAccountName => "sAMAccountName",
            Self::UserPrincipalName => "userPrincipalName",
            Self::Uid => "uid",
            Self::Mail => "mail",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "sAMAccountName" => Ok(Self::SamAccountName),
            "userPrincipalName" => Ok(Self::UserPrincipalName),
            "uid" => Ok(Self::Uid),
            "mail" => Ok(Self::Mail),
            other => Err(InvalidValue::new(format!(
                "{other:?} is not one of sAMAccountName, userPrincipalName, uid, mail"
            ))),
        }
    }

    /// What each kind of directory names its users by.
    pub fn default_for(server_type: LdapServerType) -> Self {
        match server_type {
            LdapServerType::ActiveDirectory => Self::SamAccountName,
            LdapServerType::OpenLdap => Self::Uid,
        }
    }
}

/// How a directory connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LdapSecurity {
    /// TLS from the first byte.
    Ldaps,
    /// Plain LDAP upgraded by StartTLS before the bind.
    StartTls,
    /// No TLS: the bind password crosses the network in clear, so only
    /// when an administrator chose it.
    Plain,
}

impl LdapSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ldaps => "ldaps",
            Self::StartTls => "starttls",
            Self::Plain => "plain",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "ldaps" => Ok(Self::Ldaps),
            "starttls" => Ok(Self::StartTls),
            "plain" => Ok(Self::Plain),
            other => {
                Err(InvalidValue::new(format!("{other:?} is not one of ldaps, starttls, plain")))
            }
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::Ldaps => 636,
            Self::StartTls | Self::Plain => 389,
        }
    }
}

/// LDAP provisioning settings (SPEC §6). Present on `ldap` providers and
/// attachable to any other provider so that a directory provisions while
/// the provider authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdapSettings {
    pub enabled: bool,
    pub host: String,
    pub backup_host: Option<String>,
    pub server_type: LdapServerType,
    pub port: u16,
    pub security: LdapSecurity,
    /// PEM certificates trusted for the directory's TLS certificate (a
    /// company CA), besides the system's.
    pub ca_certificate: Option<String>,
    pub username_attribute: UsernameAttribute,
    pub bind_username: Option<String>,
    /// Needed in clear to bind; never returned by the admin API, never in
    /// a `Debug` dump.
    pub bind_password: Option<Secret>,
    pub base_dn: String,
    /// LDAP filters narrowing the users and groups read (ANDed with the
    /// server type's own).
    pub user_filter: Option<String>,
    pub group_filter: Option<String>,
    /// Appended to usernames that have no `@` (`jdoe` → `jdoe@domain`).
    pub domain: Option<String>,
    /// Minutes between scheduled syncs.
    pub interval_minutes: u32,
    /// Consecutive failed syncs after which LDAP provisioning switches off.
    pub failure_threshold: u32,
    pub consecutive_failures: u32,
    /// Why provisioning switched itself off (the last failure), until an
    /// administrator switches it on again.
    pub disabled_reason: Option<String>,
}

impl LdapSettings {
    /// An hour, as the seeds' products sync.
    pub const DEFAULT_INTERVAL_MINUTES: u32 = 60;
    pub const DEFAULT_FAILURE_THRESHOLD: u32 = 5;
}

/// Disable (keeps history for audit) or delete a de-provisioned user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeprovisioningMethod {
    Disable,
    Delete,
}

impl DeprovisioningMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Delete => "delete",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "disable" => Ok(Self::Disable),
            "delete" => Ok(Self::Delete),
            other => Err(InvalidValue::new(format!("{other:?} is not one of disable, delete"))),
        }
    }
}

/// The provisioning options of SPEC §4, one field per option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisioningOptions {
    pub provision_users_on_first_login: bool,
    pub deprovision_users: bool,
    pub provision_group_memberships: bool,
    pub deprovision_group_memberships: bool,
    pub deprovisioning_method: DeprovisioningMethod,
    pub provision_company: Option<DisplayText>,
    pub default_groups: Vec<GroupName>,
    pub only_users_in_groups: GroupPatternList,
    pub only_groups: GroupPatternList,
    pub exclude_groups: GroupPatternList,
    pub site_admin_groups: GroupPatternList,
    pub readonly_site_admin_groups: GroupPatternList,
    pub group_admin_groups: GroupPatternList,
    pub password_groups: GroupPatternList,
    pub two_factor: TwoFactor,
    pub webdav: bool,
    pub ftp: bool,
    pub sftp: bool,
    pub default_time_zone: Option<TimeZoneName>,
}

impl ProvisioningOptions {
    /// The defaults of a new provider, documented in the README: users are
    /// created at first login and de-provisioned by disabling them,
    /// memberships follow the identity provider in both directions, no
    /// filters or role mappings, the site's 2FA policy, no protocol access.
    pub fn defaults() -> Self {
        Self {
            provision_users_on_first_login: true,
            deprovision_users: true,
            provision_group_memberships: true,
            deprovision_group_memberships: true,
            deprovisioning_method: DeprovisioningMethod::Disable,
            provision_company: None,
            default_groups: Vec::new(),
            only_users_in_groups: GroupPatternList::default(),
            only_groups: GroupPatternList::default(),
            exclude_groups: GroupPatternList::default(),
            site_admin_groups: GroupPatternList::default(),
            readonly_site_admin_groups: GroupPatternList::default(),
            group_admin_groups: GroupPatternList::default(),
            password_groups: GroupPatternList::default(),
            two_factor: TwoFactor::SitePolicy,
            webdav: false,
            ftp: false,
            sftp: false,
            default_time_zone: None,
        }
    }

    /// Parses the stored form of `default_groups`: names joined by `,`.
    pub fn parse_group_names(raw: &str) -> Result<Vec<GroupName>, InvalidValue> {
        if raw.trim().is_empty() {
            return Ok(Vec::new());
        }
        raw.split(',')
            .enumerate()
            .map(|(index, name)| {
                GroupName::parse(name.trim()).map_err(|err| {
                    InvalidValue::new(format!("entry {} of the list: {}", index + 1, err.0))
                })
            })
            .collect()
    }

    /// The options that need group data in user requests, with the field
    /// name of each one that is set.
    pub fn group_filters_in_use(&self) -> Vec<&'static str> {
        [
            ("provisioning.only_users_in_groups", &self.only_users_in_groups),
            ("provisioning.only_groups", &self.only_groups),
            ("provisioning.exclude_groups", &self.exclude_groups),
        ]
        .into_iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(field, _)| field)
        .collect()
    }
}

/// Why a provider's configuration is refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRefusal {
    pub field: &'static str,
    pub reason: String,
}

/// An SSO provider of one site.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    pub id: ProviderId,
    pub site_id: SiteId,
    pub kind: ProviderKind,
    pub name: ProviderName,
    pub saml: SamlTrust,
    pub sign_in: SamlSignIn,
    pub scim: ScimSettings,
    pub ldap: Option<LdapSettings>,
    pub options: ProvisioningOptions,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Provider {
    /// Rules that span several settings, checked after every change.
    pub fn check_consistency(&self) -> Result<(), ProviderRefusal> {
        if !self.kind.sends_groups_at_user_sync()
            && self.ldap.as_ref().is_none_or(|l| !l.enabled)
            && let Some(field) = self.options.group_filters_in_use().first()
        {
            return Err(ProviderRefusal {
                field,
                reason: "Entra ID sends no group memberships at user sync, so group \
                             filters cannot work with it; use Entra's scoping filters to \
                             choose who is provisioned, or attach LDAP provisioning"
                    .to_owned(),
            });
        }
        if !self.kind.supports_scim() && self.scim.auth != ScimAuth::Off {
            return Err(ProviderRefusal {
                field: "scim.auth",
                reason: "SCIM is designed to work with SAML, not OAuth/OIDC: an oidc \
                         provider cannot enable SCIM"
                    .to_owned(),
            });
        }
        if self.kind == ProviderKind::Ldap && self.ldap.is_none() {
            return Err(ProviderRefusal {
                field: "ldap",
                reason: "an ldap provider needs its LDAP settings (at least host and base_dn)"
                    .to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(kind: ProviderKind) -> Provider {
        Provider {
            id: ProviderId::from_raw("p"),
            site_id: SiteId::from_raw("s"),
            kind,
            name: ProviderName::parse("P").unwrap(),
            saml: SamlTrust::NotConfigured,
            sign_in: SamlSignIn::defaults(),
            scim: ScimSettings::off(),
            ldap: None,
            options: ProvisioningOptions::defaults(),
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn ldap() -> LdapSettings {
        LdapSettings {
            enabled: true,
            host: "dc".into(),
            backup_host: None,
            server_type: LdapServerType::ActiveDirectory,
            port: 636,
            security: LdapSecurity::Ldaps,
            ca_certificate: None,
            username_attribute: UsernameAttribute::SamAccountName,
            bind_username: None,
            bind_password: None,
            base_dn: "dc=x".into(),
            user_filter: None,
            group_filter: None,
            domain: None,
            interval_minutes: LdapSettings::DEFAULT_INTERVAL_MINUTES,
            failure_threshold: LdapSettings::DEFAULT_FAILURE_THRESHOLD,
            consecutive_failures: 0,
            disabled_reason: None,
        }
    }

    #[test]
    fn scim_credentials() {
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        let token = ScimSettings {
            auth: ScimAuth::Token,
            secret_hash: Some("new".into()),
            expires_at: Some(at(100)),
            previous_secret_hash: Some("old".into()),
            previous_valid_until: Some(at(50)),
            ..ScimSettings::off()
        };
        let bearer = |h| PresentedCredential::Bearer { secret_hash: h };
        assert!(token.accepts(bearer("new"), at(99)));
        assert!(!token.accepts(bearer("new"), at(100)), "expired");
        assert!(token.accepts(bearer("old"), at(49)), "overlap");
        assert!(!token.accepts(bearer("old"), at(50)), "overlap over");
        assert!(!token.accepts(bearer("other"), at(1)));
        assert!(
            !token.accepts(PresentedCredential::Basic { username: "u", secret_hash: "new" }, at(1))
        );
        let basic = ScimSettings {
            auth: ScimAuth::Basic,
            username: Some("scim-u".into()),
            secret_hash: Some("pw".into()),
            ..ScimSettings::off()
        };
        assert!(
            basic.accepts(
                PresentedCredential::Basic { username: "scim-u", secret_hash: "pw" },
                at(1)
            )
        );
        assert!(
            !basic.accepts(
                PresentedCredential::Basic { username: "other", secret_hash: "pw" },
                at(1)
            )
        );
        assert!(!basic.accepts(bearer("pw"), at(1)));
        let off = ScimSettings { auth: ScimAuth::Off, ..token.clone() };
        assert!(!off.accepts(bearer("new"), at(1)), "switched off");
    }

    #[test]
    fn kinds_round_trip() {
        for kind in ProviderKind::ALL {
            assert_eq!(ProviderKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(ProviderKind::parse("Okta").is_err());
        assert!(ProviderKind::parse("azure").is_err());
    }

    #[test]
    fn entra_refuses_group_filters_unless_ldap_provisions() {
        let mut entra = provider(ProviderKind::EntraId);
        assert!(entra.check_consistency().is_ok());
        entra.options.only_groups = GroupPatternList::parse("IT").unwrap();
        let refusal = entra.check_consistency().unwrap_err();
        assert_eq!(refusal.field, "provisioning.only_groups");
        assert!(refusal.reason.contains("scoping filters"), "{}", refusal.reason);
        entra.ldap = Some(ldap());
        assert!(entra.check_consistency().is_ok());
        entra.ldap = Some(LdapSettings { enabled: false, ..ldap() });
        assert!(entra.check_consistency().is_err());
        let mut okta = provider(ProviderKind::Okta);
        okta.options.exclude_groups = GroupPatternList::parse("Temp*").unwrap();
        assert!(okta.check_consistency().is_ok());
    }

    #[test]
    fn oidc_cannot_enable_scim_and_ldap_needs_settings() {
        let mut oidc = provider(ProviderKind::Oidc);
        assert!(oidc.check_consistency().is_ok());
        oidc.scim.auth = ScimAuth::Token;
        assert_eq!(oidc.check_consistency().unwrap_err().field, "scim.auth");
        let mut ldap_provider = provider(ProviderKind::Ldap);
        assert_eq!(ldap_provider.check_consistency().unwrap_err().field, "ldap");
        ldap_provider.ldap = Some(ldap());
        assert!(ldap_provider.check_consistency().is_ok());
    }

    #[test]
    fn urls() {
        assert!(HttpUrl::parse("https://idp.example.com/sso").is_ok());
        for bad in ["ftp://x", "https://", "idp.example.com", "https://a b"] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
