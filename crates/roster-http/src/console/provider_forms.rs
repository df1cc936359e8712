//! The forms of a provider's page and the admin API inputs they become.
//! An HTML form sends every field every time: a checkbox is absent when
//! off, and an emptied text field clears what it held.

use roster_app::admin::{ProvisioningInput, SamlInput, ScimCredentialInput, SignInInput};
use serde::Deserialize;

use super::forms::{filled, ticked};

/// What people call each kind of provider.
pub(crate) fn kind_label(kind: &str) -> &'static str {
    match kind {
        "okta" => "Okta",
        "entra_id" => "Microsoft Entra ID",
        "jumpcloud" => "JumpCloud",
        "onelogin" => "OneLogin",
        "duo" => "Cisco Duo",
        "ldap" => "LDAP / Active Directory",
        "saml" => "Any SAML 2.0 identity provider",
        "oidc" => "OpenID Connect",
        _ => "Identity provider",
    }
}

/// Whether the group filters can work for a kind: Entra ID sends no group
/// data when it syncs a user, so the admin API refuses them there.
pub(crate) fn kind_supports_group_filters(kind: &str) -> bool {
    kind != "entra_id"
}

/// The SAML trust form: one of three methods and its fields.
#[derive(Deserialize)]
pub(crate) struct SamlForm {
    #[serde(default)]
    trust: String,
    #[serde(default)]
    metadata_url: Option<String>,
    #[serde(default)]
    metadata_xml: Option<String>,
    #[serde(default)]
    fingerprint: Option<String>,
    #[serde(default)]
    sso_url: Option<String>,
    #[serde(default)]
    slo_url: Option<String>,
}

impl SamlForm {
    /// Only the chosen method's fields go on: the form holds all three,
    /// and the admin API refuses fields of another method.
    pub(crate) fn into_input(self) -> SamlInput {
        let trust = self.trust;
        let mut input = SamlInput {
            trust: trust.clone(),
            metadata_url: None,
            metadata_xml: None,
            fingerprint: None,
            sso_url: None,
            slo_url: None,
        };
        match trust.as_str() {
            "metadata_url" => input.metadata_url = filled(self.metadata_url),
            "metadata_xml" => input.metadata_xml = filled(self.metadata_xml),
            "fingerprint" => {
                input.fingerprint = filled(self.fingerprint);
                input.sso_url = filled(self.sso_url);
                input.slo_url = filled(self.slo_url);
            }
            _ => {}
        }
        input
    }
}

/// The sign-in options form.
#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    idp_initiated: Option<String>,
    #[serde(default)]
    name_id: Option<String>,
    /// `auto`, `always` or `never`.
    #[serde(default)]
    sign_requests: Option<String>,
    #[serde(default)]
    allow_sha1: Option<String>,
}

impl SignInForm {
    pub(crate) fn into_input(self) -> SignInInput {
        SignInInput {
            idp_initiated: Some(Some(ticked(&self.idp_initiated))),
            name_id: filled(self.name_id),
            allow_sha1: Some(ticked(&self.allow_sha1)),
            sign_requests: Some(match self.sign_requests.as_deref() {
                Some("always") => Some(true),
                Some("never") => Some(false),
                _ => None,
            }),
            attributes: None,
        }
    }
}

/// The provisioning options form (SPEC §4).
#[derive(Deserialize)]
pub(crate) struct ProvisioningForm {
    #[serde(default)]
    provision_users_on_first_login: Option<String>,
    #[serde(default)]
    deprovision_users: Option<String>,
    #[serde(default)]
    provision_group_memberships: Option<String>,
    #[serde(default)]
    deprovision_group_memberships: Option<String>,
    #[serde(default)]
    deprovisioning_method: Option<String>,
    #[serde(default)]
    provision_company: Option<String>,
    #[serde(default)]
    default_groups: Option<String>,
    #[serde(default)]
    only_users_in_groups: Option<String>,
    #[serde(default)]
    only_groups: Option<String>,
    #[serde(default)]
    exclude_groups: Option<String>,
    #[serde(default)]
    site_admin_groups: Option<String>,
    #[serde(default)]
    readonly_site_admin_groups: Option<String>,
    #[serde(default)]
    group_admin_groups: Option<String>,
    #[serde(default)]
    password_groups: Option<String>,
    #[serde(default)]
    two_factor: Option<String>,
    #[serde(default)]
    webdav: Option<String>,
    #[serde(default)]
    ftp: Option<String>,
    #[serde(default)]
    sftp: Option<String>,
    #[serde(default)]
    default_time_zone: Option<String>,
}

impl ProvisioningForm {
    pub(crate) fn into_input(self) -> ProvisioningInput {
        // A list field left out of the form (the group filters of an
        // Entra ID provider are not shown) stays as it is.
        let list = |value: Option<String>| value.map(|v| v.trim().to_owned());
        ProvisioningInput {
            provision_users_on_first_login: Some(ticked(&self.provision_users_on_first_login)),
            deprovision_users: Some(ticked(&self.deprovision_users)),
            provision_group_memberships: Some(ticked(&self.provision_group_memberships)),
            deprovision_group_memberships: Some(ticked(&self.deprovision_group_memberships)),
            deprovisioning_method: filled(self.deprovisioning_method),
            provision_company: Some(filled(self.provision_company)),
            default_groups: list(self.default_groups),
            only_users_in_groups: list(self.only_users_in_groups),
            only_groups: list(self.only_groups),
            exclude_groups: list(self.exclude_groups),
            site_admin_groups: list(self.site_admin_groups),
            readonly_site_admin_groups: list(self.readonly_site_admin_groups),
            group_admin_groups: list(self.group_admin_groups),
            password_groups: list(self.password_groups),
            two_factor: filled(self.two_factor),
            webdav: Some(ticked(&self.webdav)),
            ftp: Some(ticked(&self.ftp)),
            sftp: Some(ticked(&self.sftp)),
            default_time_zone: Some(filled(self.default_time_zone)),
        }
    }
}

/// The SCIM credential form: the method, an expiry date for a token, and
/// whether to replace the secret (with an overlap for the old one).
#[derive(Deserialize)]
pub(crate) struct CredentialForm {
    #[serde(default)]
    auth: String,
    #[serde(default)]
    expires: Option<String>,
    #[serde(default)]
    reset: Option<String>,
    #[serde(default)]
    overlap: Option<String>,
}

impl CredentialForm {
    pub(crate) fn into_input(self) -> ScimCredentialInput {
        ScimCredentialInput {
            expires: filled(self.expires).filter(|_| self.auth == "token"),
            reset: ticked(&self.reset),
            overlap: filled(self.overlap).filter(|_| ticked(&self.reset)),
            auth: self.auth,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saml(trust: &str) -> SamlForm {
        SamlForm {
            trust: trust.into(),
            metadata_url: Some("https://idp.example/metadata".into()),
            metadata_xml: Some("<EntityDescriptor/>".into()),
            fingerprint: Some("AB:CD".into()),
            sso_url: Some("https://idp.example/sso".into()),
            slo_url: Some(" ".into()),
        }
    }

    #[test]
    fn only_the_chosen_trust_methods_fields_go_on() {
        let url = saml("metadata_url").into_input();
        assert_eq!(url.metadata_url.as_deref(), Some("https://idp.example/metadata"));
        assert!(url.metadata_xml.is_none() && url.fingerprint.is_none() && url.sso_url.is_none());
        let fingerprint = saml("fingerprint").into_input();
        assert_eq!(fingerprint.fingerprint.as_deref(), Some("AB:CD"));
        assert_eq!(fingerprint.slo_url, None, "an empty SLO URL is none");
        assert!(fingerprint.metadata_url.is_none());
    }

    #[test]
    fn unticked_boxes_switch_options_off() {
        let form: ProvisioningForm =
            serde_urlencoded::from_str("provision_users_on_first_login=on&default_groups=a%2C+b")
                .expect("a form");
        let input = form.into_input();
        assert_eq!(input.provision_users_on_first_login, Some(true));
        assert_eq!(input.deprovision_users, Some(false));
        assert_eq!(input.default_groups.as_deref(), Some("a, b"));
        assert_eq!(input.only_groups, None, "a field the form did not show stays");
        assert_eq!(input.provision_company, Some(None));
    }

    #[test]
    fn an_overlap_counts_only_with_a_reset_and_an_expiry_only_for_a_token() {
        let form = CredentialForm {
            auth: "basic".into(),
            expires: Some("2030-01-01".into()),
            reset: None,
            overlap: Some("24h".into()),
        };
        let input = form.into_input();
        assert_eq!((input.expires, input.overlap, input.reset), (None, None, false));
    }
}
