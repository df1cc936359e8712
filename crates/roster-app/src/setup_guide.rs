//! Set-up guides: for each kind of identity provider, what an administrator
//! does in roster and in the identity provider, with the values to paste
//! filled in for one site and one provider (the SCIM base URL, the SP's
//! entity id, the provider's ACS and logout URLs, the sign-in page, the
//! relay state), following what each product's documentation asks for.
//!
//! Pure: [`setup_guide`] turns a kind and its [`GuideUrls`] into a
//! [`SetupGuide`], structured data that the admin API returns, the CLI
//! prints and a console can render. The SAML URLs come from the sign-in
//! area's `SpUrls`, the ones the server answers at (`App::setup_guide`
//! hands them over), so a guide never names a URL roster does not serve.

use roster_domain::{ProviderKind, SiteSlug};
use serde::Serialize;
use utoipa::ToSchema;

/// Where SCIM is served: one base URL for every site, the credential
/// naming the provider (SPEC §2).
const SCIM_PATH: &str = "/api/scim";
/// A site's sign-in page, below the public URL.
const SIGN_IN_PATH: &str = "/login";
/// The NameID format of an e-mail address (SAML core §8.3.2).
const EMAIL_FORMAT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

/// The SAML service provider's URLs for one provider, as the sign-in area
/// builds and serves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlUrls {
    /// The SP's metadata URL, which is also its entity id.
    pub entity_id: String,
    /// The shared ACS, for responses to sign-ins roster started.
    pub acs: String,
    /// The provider's own ACS, which IdP-initiated sign-ins need.
    pub provider_acs: String,
    /// The provider's single logout URL.
    pub slo: String,
}

/// Everything a guide fills in, for one site and one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideUrls {
    /// The SCIM base URL, the same for every site.
    pub scim_base: String,
    pub saml: SamlUrls,
    /// The site's sign-in page, with a button per provider.
    pub sign_in_page: String,
    /// The site's slug, which IdP-initiated sign-ins send as relay state.
    pub relay_state: String,
}

impl GuideUrls {
    /// The guide's URLs under `public_url`, the URL roster is reached at.
    pub fn new(public_url: &str, site: &SiteSlug, saml: SamlUrls) -> Self {
        let base = public_url.trim_end_matches('/');
        Self {
            scim_base: format!("{base}{SCIM_PATH}"),
            saml,
            sign_in_page: format!("{base}{SIGN_IN_PATH}/{}", site.as_str()),
            relay_state: site.as_str().to_owned(),
        }
    }
}

/// A set-up guide: ordered sections of steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SetupGuide {
    /// The provider kind it is written for (`okta`, `entra_id`, ...).
    pub kind: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub sections: Vec<GuideSection>,
}

/// A part of the work, done in one place (roster, or the IdP's console).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct GuideSection {
    pub title: &'static str,
    pub steps: Vec<GuideStep>,
}

/// One thing to do, with the values to paste and what to keep in mind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct GuideStep {
    pub text: &'static str,
    /// The values to paste, labelled as the product labels its fields.
    pub fields: Vec<GuideField>,
    pub notes: Vec<&'static str>,
}

/// A value to paste into the field the label names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct GuideField {
    pub label: &'static str,
    pub value: String,
}

impl SetupGuide {
    /// Every field of every step, in order.
    pub fn fields(&self) -> impl Iterator<Item = &GuideField> {
        self.sections.iter().flat_map(|s| &s.steps).flat_map(|step| &step.fields)
    }
}

fn step(text: &'static str) -> GuideStep {
    GuideStep { text, fields: Vec::new(), notes: Vec::new() }
}

impl GuideStep {
    fn field(mut self, label: &'static str, value: impl Into<String>) -> Self {
        self.fields.push(GuideField { label, value: value.into() });
        self
    }

    fn note(mut self, note: &'static str) -> Self {
        self.notes.push(note);
        self
    }
}

fn section(title: &'static str, steps: Vec<GuideStep>) -> GuideSection {
    GuideSection { title, steps }
}

/// The guide for a provider of `kind`, filled in with `urls`.
pub fn setup_guide(kind: ProviderKind, urls: &GuideUrls) -> SetupGuide {
    let (title, intro, sections) = match kind {
        ProviderKind::Okta => okta(urls),
        ProviderKind::EntraId => entra_id(urls),
        ProviderKind::JumpCloud => jumpcloud(urls),
        ProviderKind::OneLogin => onelogin(urls),
        ProviderKind::Duo => duo(urls),
        ProviderKind::Ldap => ldap(urls),
        ProviderKind::Saml => saml(urls),
        ProviderKind::Oidc => oidc(urls),
    };
    SetupGuide { kind: kind.as_str(), title, intro, sections }
}

type Parts = (&'static str, &'static str, Vec<GuideSection>);

const METADATA_NOTE: &str = "A metadata URL refreshes itself, so a certificate rotation at the \
     identity provider needs no action; metadata XML and a fingerprint need a manual update \
     whenever its certificate changes.";
const FINGERPRINT_NOTE: &str = "`openssl x509 -in idp-certificate.pem -noout -sha256 \
     -fingerprint` prints the SHA-256 fingerprint of the identity provider's certificate.";
const SHARED_ACS_NOTE: &str = "roster also has a shared ACS (the \"Shared ACS URL\" below), which \
     takes only answers to sign-ins roster started; a sign-in started from the identity \
     provider's dashboard needs this provider's own ACS URL.";
const PASSWORD_ADMIN_NOTE: &str = "Keep at least one site administrator on password sign-in, so \
     that an outage of the identity provider cannot lock the site out; roster refuses to move \
     the last one to SSO.";
const TOKEN_NOTE: &str = "The secret is shown only once. A token expires a year after it is \
     made; site administrators get an e-mail before it does, the expiry date can be moved at any \
     time, and a reset revokes the old secret and makes a new one.";
const MANAGED_NOTE: &str = "SCIM manages only the users it created and those an administrator \
     associated with this provider (their authentication method); it never adopts another user: \
     creating a user whose name is taken fails with a conflict.";

/// Creating the provider and its SCIM credential in roster, with `notes`
/// of the product's own.
fn roster_scim_section(auth: &'static str, notes: &[&'static str]) -> GuideSection {
    let mut credential = step(
        "Create the SSO provider of this kind for the site (this guide is filled in for \
                 it), then generate its SCIM credential: `roster provider scim --site SITE \
                 --provider NAME --auth token` (or `--auth basic` for a username and password), \
                 or POST to the provider's `scim` resource in the admin API.",
    )
    .field("SCIM authentication", auth)
    .note(TOKEN_NOTE);
    credential.notes.extend_from_slice(notes);
    section("In roster: the provider and its SCIM credential", vec![credential])
}

/// Trusting the identity provider's signing key, three ways.
fn trust_section() -> GuideSection {
    section(
        "In roster: trust the identity provider",
        vec![
            step(
                "Copy the identity provider's SAML metadata URL and set it on the provider \
                 (`roster provider saml --metadata-url URL`); roster fetches and checks it.",
            )
            .note(METADATA_NOTE),
            step(
                "Or download its metadata XML and upload it (`roster provider saml \
                 --metadata-file FILE`).",
            ),
            step(
                "Or give the SHA-256 fingerprint of its signing certificate with its SSO URL \
                 (and SLO URL): `roster provider saml --fingerprint SHA256 --sso-url URL`.",
            )
            .note(FINGERPRINT_NOTE),
        ],
    )
}

/// Signing in, once trust is set up.
fn sign_in_section(urls: &GuideUrls) -> GuideSection {
    section(
        "Sign in",
        vec![
            step(
                "Assign people to the application in the identity provider. The site's sign-in \
                 page shows a \"Sign in with\" button for the provider, and the provider can be \
                 chosen as a user's authentication method.",
            )
            .field("Sign-in page", &urls.sign_in_page)
            .field("Shared ACS URL", &urls.saml.acs)
            .note(PASSWORD_ADMIN_NOTE),
        ],
    )
}

fn okta(urls: &GuideUrls) -> Parts {
    let saml = &urls.saml;
    let sections = vec![
        roster_scim_section("Token (Okta's HTTP Header) or Basic (Okta's Basic Auth)", &[]),
        section(
            "In Okta: the SAML application",
            vec![
                step(
                    "Applications → Create App Integration → SAML 2.0; on Configure SAML enter \
                     these values and keep \"Use this for Recipient URL and Destination URL\".",
                )
                .field("Single sign-on URL", &saml.provider_acs)
                .field("Audience URI (SP Entity ID)", &saml.entity_id)
                .field("Default RelayState", &urls.relay_state)
                .field("Name ID format", "EmailAddress")
                .field("Application username", "Email")
                .field("Single Logout URL", &saml.slo)
                .field("SP Issuer", &saml.entity_id)
                .note(SHARED_ACS_NOTE),
            ],
        ),
        trust_section(),
        section(
            "In Okta: SCIM provisioning",
            vec![
                step(
                    "App Settings → Provisioning: choose SCIM. Then Provisioning → SCIM \
                     Connection:",
                )
                .field("SCIM connector base URL", &urls.scim_base)
                .field("Unique identifier field for users", "userName")
                .field(
                    "Supported provisioning actions",
                    "Push New Users, Push Profile Updates, Push Groups",
                )
                .field("Authentication Mode", "HTTP Header (the token) or Basic Auth")
                .note(
                    "Okta's username, normally the person's e-mail address, becomes the SCIM \
                     userName and roster's username.",
                ),
                step(
                    "Provisioning → To App: check Create Users, Update User Attributes and \
                     Deactivate Users.",
                )
                .note(
                    "Okta deactivates with active: false; the provider's de-provisioning \
                     method turns it into disable (the default, which keeps history) or delete.",
                )
                .note(MANAGED_NOTE),
            ],
        ),
        sign_in_section(urls),
    ];
    (
        "Okta",
        "Okta signs people in with SAML 2.0 and provisions them with SCIM 2.0. Without SCIM, \
         roster creates users at their first sign-in (just in time), but then never disables \
         or deletes them.",
        sections,
    )
}

fn entra_id(urls: &GuideUrls) -> Parts {
    let saml = &urls.saml;
    let sections = vec![
        roster_scim_section("Token (Entra's Secret Token)", &[]),
        section(
            "In Microsoft Entra ID: single sign-on",
            vec![
                step(
                    "Enterprise Applications → New application → Create your own application \
                     (non-gallery); Single sign-on → SAML → Basic SAML Configuration:",
                )
                .field("Identifier (Entity ID)", &saml.entity_id)
                .field("Reply URL (Assertion Consumer Service URL)", &saml.provider_acs)
                .field("Sign on URL", &urls.sign_in_page)
                .field("Relay State", &urls.relay_state)
                .field("Logout Url", &saml.slo)
                .note(SHARED_ACS_NOTE),
                step(
                    "Attributes & Claims: send the User Principal Name as the NameID, the same \
                     value SCIM sends as the username.",
                )
                .field("Unique User Identifier (Name ID)", "user.userprincipalname")
                .note(
                    "When user.mail and the UPN differ and SAML must name people by e-mail, \
                     use LDAP provisioning instead of SCIM (below).",
                ),
            ],
        ),
        trust_section(),
        section(
            "In Microsoft Entra ID: SCIM provisioning",
            vec![
                step(
                    "Your application → Provisioning: mode Automatic, Secret Token the token \
                     roster generated, then Test Connection and Save.",
                )
                .field("Provisioning Mode", "Automatic")
                .field("Tenant URL", &urls.scim_base)
                .note(
                    "Entra's user sync carries no group memberships; its group sync sends the \
                     groups and their members separately. So group filters do not apply to \
                     Entra SCIM: roster refuses only_users_in_groups, only_groups and \
                     exclude_groups on an Entra ID provider. Use Entra's scoping filters to \
                     choose who is provisioned, or attach LDAP provisioning.",
                )
                .note(
                    "The User Principal Name becomes the username and the e-mail the e-mail; \
                     first and last name make the full name (the username when both are \
                     blank); the display name is ignored.",
                )
                .note(MANAGED_NOTE),
            ],
        ),
        section(
            "Alternatives to SCIM",
            vec![
                step(
                    "Just in time: users are created at their first sign-in. Entra sends group \
                     object ids rather than names in the SAML groups claim, so provision groups \
                     by SCIM when group memberships matter.",
                ),
                step(
                    "LDAP: attach LDAP provisioning to this provider (`roster provider ldap`); \
                     the directory provisions users and groups every hour, group filters \
                     included, while Entra ID keeps signing people in.",
                ),
            ],
        ),
        sign_in_section(urls),
    ];
    (
        "Microsoft Entra ID",
        "Entra ID signs people in with SAML 2.0 and provisions them with SCIM 2.0 (or, through \
         an attached directory, with LDAP). SCIM is the choice when Entra sends the same \
         username through SAML and SCIM.",
        sections,
    )
}

fn jumpcloud(urls: &GuideUrls) -> Parts {
    let saml = &urls.saml;
    let sections = vec![
        roster_scim_section(
            "Token (JumpCloud's Token Key)",
            &["Keep provision_users_on_first_login on (the default): JumpCloud's connection \
               test needs it."],
        ),
        section(
            "In JumpCloud: the SAML application",
            vec![
                step(
                    "SSO Applications → Add New Application → Custom Application, with Manage \
                     Single Sign-On (Configure SSO with SAML); leave the other fields at their \
                     defaults.",
                )
                .field("IdP Entity ID", &saml.entity_id)
                .field("SP Entity ID (Audience)", &saml.entity_id)
                .field("ACS (Consumer) URL", &saml.provider_acs)
                .field("SAMLSubject NameID", "email")
                .field("SAMLSubject NameID Format", EMAIL_FORMAT)
                .field("Default Relay State", &urls.relay_state)
                .field("Login URL", &urls.sign_in_page)
                .note(SHARED_ACS_NOTE),
            ],
        ),
        trust_section(),
        section(
            "In JumpCloud: SCIM provisioning",
            vec![
                step("Identity Management → Configuration Settings; Token Key: the token roster generated.")
                    .field("API Type", "SCIM API")
                    .field("SCIM Version", "SCIM 2.0")
                    .field("SCIM Connector Base URL", &urls.scim_base)
                    .note(
                        "Test User Email: use a test user that exists in JumpCloud but not in \
                         roster, in any state, enabled or disabled (for example a new \
                         JumpCloudTestUser@ address): the connection test creates it, and fails \
                         with a conflict if it exists.",
                    )
                    .note(
                        "After a successful test the test user stays in roster, disabled. This \
                         is expected: delete it, or the next test fails.",
                    ),
                step(
                    "To change an active configuration (a new token, group settings): click \
                     Deactivate IdM connection in JumpCloud first, delete the test users from \
                     roster, then test and activate again.",
                )
                .note(MANAGED_NOTE),
            ],
        ),
        sign_in_section(urls),
    ];
    (
        "JumpCloud",
        "JumpCloud signs people in with SAML 2.0 (SP-initiated from the sign-in page, or from \
         the JumpCloud dashboard) and provisions them with SCIM 2.0.",
        sections,
    )
}

/// `url` as a regular expression that matches it alone (OneLogin's ACS
/// URL validator).
fn exact_regex(url: &str) -> String {
    let mut out = String::from("^");
    for c in url.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('$');
    out
}

fn onelogin(urls: &GuideUrls) -> Parts {
    let saml = &urls.saml;
    let sections = vec![
        roster_scim_section("Token (OneLogin's SCIM Bearer Token)", &[]),
        section(
            "In OneLogin: the application",
            vec![
                step(
                    "Applications → Add App → \"SCIM Provisioner with SAML (SCIM v2 Core)\"; \
                     Configuration tab (SCIM Bearer Token: the token roster generated):",
                )
                .field("Audience (EntityID)", &saml.entity_id)
                .field("Recipient", &saml.provider_acs)
                .field("ACS (Consumer) URL Validator", exact_regex(&saml.provider_acs))
                .field("ACS (Consumer) URL", &saml.provider_acs)
                .field("Single Logout URL", &saml.slo)
                .field("Login URL", &urls.sign_in_page)
                .field("RelayState", &urls.relay_state)
                .field("SAML nameID format", "Email")
                .field("SCIM Base URL", &urls.scim_base)
                .note(SHARED_ACS_NOTE)
                .note(
                    "Any SCIM 2.0 template works, those with urn:scim:schemas:core:2.0 URNs \
                     included.",
                ),
                step(
                    "Provisioning tab: enable provisioning, and choose what a deletion in \
                     OneLogin does (Suspend keeps the user, disabled).",
                )
                .note(MANAGED_NOTE),
            ],
        ),
        trust_section(),
        sign_in_section(urls),
    ];
    (
        "OneLogin",
        "OneLogin signs people in with SAML 2.0 and provisions them with SCIM 2.0 from one \
         application.",
        sections,
    )
}

fn duo(urls: &GuideUrls) -> Parts {
    let saml = &urls.saml;
    let sections = vec![
        roster_scim_section("Token (a bearer token)", &[]),
        section(
            "In Cisco Duo: the SAML application",
            vec![
                step("Applications → Protect an Application → Generic SAML Service Provider:")
                    .field("Entity ID", &saml.entity_id)
                    .field("Assertion Consumer Service (ACS) URL", &saml.provider_acs)
                    .field("Single Logout URL", &saml.slo)
                    .field("Service Provider Login URL", &urls.sign_in_page)
                    .field("Default Relay State", &urls.relay_state)
                    .field("NameID format", EMAIL_FORMAT)
                    .note(SHARED_ACS_NOTE),
            ],
        ),
        trust_section(),
        section(
            "In Cisco Duo: automated provisioning",
            vec![
                step("Set up Duo's SCIM provisioning to the application:")
                    .field("SCIM base URL", &urls.scim_base)
                    .field("Authentication", "Bearer token")
                    .note(MANAGED_NOTE),
            ],
        ),
        sign_in_section(urls),
    ];
    (
        "Cisco Duo",
        "Duo Single Sign-On signs people in with SAML 2.0 and provisions them with SCIM 2.0.",
        sections,
    )
}

fn ldap(urls: &GuideUrls) -> Parts {
    let sections = vec![
        section(
            "In the directory",
            vec![
                step(
                    "Create a service account that can read users and groups below the base \
                     search DN, and let roster's host reach the directory (and its backup host) \
                     on the port below.",
                )
                .field("Port (LDAPS)", "636")
                .field("Port (StartTLS or plain)", "389"),
            ],
        ),
        section(
            "In roster: the LDAP settings",
            vec![
                step(
                    "Create the provider with its settings: `roster provider ldap --create --site \
                     SITE --provider NAME --host HOST --base-dn DN --bind-username DN \
                     --bind-password-file FILE`, then `--test` to bind and count users and \
                     groups.",
                )
                .field("Security", "ldaps")
                .field("Server type", "active_directory")
                .field("Username attribute (Active Directory)", "sAMAccountName")
                .field("Username attribute (OpenLDAP)", "uid")
                .field("Sync interval", "1h")
                .note(
                    "The bind password is read from a file and never shown back. The domain \
                     setting appends @DOMAIN to usernames without one.",
                )
                .note(
                    "Group filters (only_users_in_groups, only_groups, exclude_groups) work on \
                     the directory's memberships.",
                )
                .note(
                    "After repeated failed syncs roster switches LDAP provisioning off and \
                     tells the site's administrators; sign-in keeps working.",
                ),
            ],
        ),
        section(
            "Optional: sign-in through SAML (for example AD FS)",
            vec![
                step("Register roster as a relying party of the directory's SAML service:")
                    .field("Relying party identifier (SP entity ID)", &urls.saml.entity_id)
                    .field("SP metadata URL", &urls.saml.entity_id)
                    .field("Assertion Consumer Service URL", &urls.saml.provider_acs)
                    .field("Single Logout URL", &urls.saml.slo)
                    .field("Default relay state", &urls.relay_state)
                    .note(SHARED_ACS_NOTE),
            ],
        ),
        trust_section(),
        sign_in_section(urls),
    ];
    (
        "LDAP / Active Directory",
        "A directory provisions users, groups and memberships on an hourly schedule (and on \
         demand); it signs nobody in unless a SAML trust is added to the provider. LDAP settings \
         can also be attached to another provider, such as Entra ID.",
        sections,
    )
}

fn saml(urls: &GuideUrls) -> Parts {
    let saml = &urls.saml;
    let sections = vec![
        roster_scim_section("Token (a bearer token) or Basic (a username and password)", &[]),
        section(
            "In the identity provider: the SAML application",
            vec![
                step(
                    "Create a SAML 2.0 application for roster; an IdP that reads SP metadata \
                     takes the metadata URL alone.",
                )
                .field("SP metadata URL", &saml.entity_id)
                .field("SP entity ID (Audience)", &saml.entity_id)
                .field("ACS URL (HTTP-POST)", &saml.provider_acs)
                .field("Single Logout URL", &saml.slo)
                .field("NameID format", EMAIL_FORMAT)
                .field("Default relay state", &urls.relay_state)
                .field("Login URL", &urls.sign_in_page)
                .note(SHARED_ACS_NOTE)
                .note(
                    "A generic SAML provider refuses sign-ins started at the IdP unless the \
                     provider's sign_in.idp_initiated is set to true.",
                )
                .note(
                    "The NameID is matched with the username, or with the e-mail when the \
                     provider's sign_in.name_id is email.",
                ),
            ],
        ),
        trust_section(),
        section(
            "In the identity provider: SCIM provisioning (optional)",
            vec![
                step("If it offers SCIM 2.0 provisioning:")
                    .field("SCIM base URL", &urls.scim_base)
                    .field("Unique identifier field for users", "userName")
                    .field(
                        "Authentication",
                        "Bearer token, or Basic with the username and password",
                    )
                    .note(MANAGED_NOTE),
            ],
        ),
        sign_in_section(urls),
    ];
    (
        "Any SAML 2.0 identity provider",
        "Any SAML 2.0 identity provider signs people in; if it speaks SCIM 2.0 it provisions \
         them too, otherwise users are created at their first sign-in.",
        sections,
    )
}

fn oidc(urls: &GuideUrls) -> Parts {
    let saml = &urls.saml;
    let sections = vec![section(
        "Use SAML instead",
        vec![
            step(
                "roster signs people in with SAML 2.0 only, and SCIM works only with SAML-based \
                 providers, so an OpenID Connect provider can neither sign people in nor \
                 provision them. Most identity providers offer SAML too: create a provider of \
                 the product's kind (or saml) and follow its guide; these are its values.",
            )
            .field("SP entity ID (Audience)", &saml.entity_id)
            .field("ACS URL (HTTP-POST)", &saml.provider_acs)
            .field("SCIM base URL", &urls.scim_base)
            .field("Sign-in page", &urls.sign_in_page)
            .note(
                "The ACS URL above is this provider's; a new provider has its own, which its \
                 guide shows.",
            ),
        ],
    )];
    (
        "OpenID Connect",
        "An OpenID Connect provider is recorded but cannot sign people in or use SCIM: connect \
         the identity provider through SAML instead.",
        sections,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> GuideUrls {
        let saml = SamlUrls {
            entity_id: "https://id.example.test/saml/metadata".into(),
            acs: "https://id.example.test/saml/consume".into(),
            provider_acs: "https://id.example.test/saml/consume/p1".into(),
            slo: "https://id.example.test/saml/logout/p1".into(),
        };
        GuideUrls::new("https://id.example.test/", &SiteSlug::parse("acme").unwrap(), saml)
    }

    fn text(guide: &SetupGuide) -> String {
        serde_json::to_string(guide).unwrap()
    }

    #[test]
    fn the_urls_are_under_the_public_url() {
        let urls = urls();
        assert_eq!(urls.scim_base, "https://id.example.test/api/scim");
        assert_eq!(urls.sign_in_page, "https://id.example.test/login/acme");
        assert_eq!(urls.relay_state, "acme");
    }

    #[test]
    fn every_kind_has_a_guide_with_steps_and_sign_in_values() {
        let urls = urls();
        for kind in ProviderKind::ALL {
            let guide = setup_guide(kind, &urls);
            assert_eq!(guide.kind, kind.as_str());
            assert!(!guide.title.is_empty() && !guide.intro.is_empty(), "{kind:?}");
            assert!(guide.sections.iter().all(|s| !s.steps.is_empty()), "{kind:?}");
            assert!(guide.fields().count() >= 4, "{kind:?}: {guide:#?}");
            let values: Vec<&str> = guide.fields().map(|f| f.value.as_str()).collect();
            assert!(values.contains(&urls.saml.provider_acs.as_str()), "{kind:?}");
            assert!(values.contains(&urls.saml.entity_id.as_str()), "{kind:?}");
            assert!(values.contains(&urls.sign_in_page.as_str()), "{kind:?}");
        }
    }

    #[test]
    fn every_value_to_copy_is_filled() {
        let urls = urls();
        for kind in ProviderKind::ALL {
            for field in setup_guide(kind, &urls).fields() {
                let value = field.value.trim();
                assert!(!value.is_empty(), "{kind:?}: {} is empty", field.label);
                for placeholder in ["<", ">", "{", "}", "[SUBDOMAIN]", "TODO", "example.com"] {
                    assert!(!value.contains(placeholder), "{kind:?}: {}: {value}", field.label);
                }
                assert!(!field.label.is_empty(), "{kind:?}");
            }
        }
    }

    #[test]
    fn scim_kinds_give_the_scim_base_url_and_okta_its_table() {
        let urls = urls();
        for kind in ProviderKind::ALL.into_iter().filter(|k| k.supports_scim()) {
            let guide = setup_guide(kind, &urls);
            if kind != ProviderKind::Ldap {
                assert!(guide.fields().any(|f| f.value == urls.scim_base), "{kind:?}");
            }
        }
        let okta = setup_guide(ProviderKind::Okta, &urls);
        let value = |label: &str| {
            okta.fields().find(|f| f.label == label).map(|f| f.value.clone()).unwrap()
        };
        assert_eq!(value("SCIM connector base URL"), urls.scim_base);
        assert_eq!(value("Single sign-on URL"), urls.saml.provider_acs);
        assert_eq!(value("Audience URI (SP Entity ID)"), urls.saml.entity_id);
        assert_eq!(value("Default RelayState"), "acme");
        assert_eq!(value("Single Logout URL"), urls.saml.slo);
        assert!(value("Authentication Mode").contains("HTTP Header"));
    }

    #[test]
    fn entra_says_group_filters_do_not_apply_to_its_scim() {
        let guide = text(&setup_guide(ProviderKind::EntraId, &urls()));
        assert!(guide.contains("group filters do not apply to Entra SCIM"), "{guide}");
        assert!(guide.contains("scoping filters"), "{guide}");
        assert!(guide.contains("user.userprincipalname"), "{guide}");
        for kind in ProviderKind::ALL.into_iter().filter(|k| *k != ProviderKind::EntraId) {
            let other = text(&setup_guide(kind, &urls()));
            assert!(!other.contains("do not apply to Entra SCIM"), "{kind:?}");
        }
    }

    #[test]
    fn jumpcloud_advises_a_test_user_unknown_to_roster() {
        let guide = text(&setup_guide(ProviderKind::JumpCloud, &urls()));
        assert!(guide.contains("Test User Email"), "{guide}");
        assert!(guide.contains("test user that exists in JumpCloud but not in roster"), "{guide}");
        assert!(guide.contains("stays in roster, disabled"), "{guide}");
        assert!(guide.contains("Deactivate IdM connection"), "{guide}");
    }

    #[test]
    fn trust_notes_say_which_means_refresh_themselves() {
        let urls = urls();
        for kind in ProviderKind::ALL.into_iter().filter(|k| k.signs_in_with_saml()) {
            assert!(text(&setup_guide(kind, &urls)).contains("refreshes itself"), "{kind:?}");
        }
    }

    #[test]
    fn onelogin_validator_matches_only_the_acs_url() {
        assert_eq!(exact_regex("https://a.test/x?y"), r"^https://a\.test/x\?y$");
    }
}
