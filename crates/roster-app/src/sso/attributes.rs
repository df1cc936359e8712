//! What a signed assertion says about its person beyond the NameID: the
//! e-mail, given and family names, and the multi-valued group attribute,
//! read by the names identity providers give them.
//!
//! One preset serves every kind, since the names do not collide: Okta's
//! attribute statements (`email`, `firstName`, `lastName`, `groups`),
//! JumpCloud's user attributes and group attribute (`email`, `firstname`,
//! `lastname`, `memberOf`), OneLogin's parameters (`User.email`,
//! `User.FirstName`, `User.LastName`, `memberOf`), Entra ID's claim URIs,
//! Cisco Duo's mapped attributes (`Email`, `FirstName`, `LastName`,
//! `first_name`...) and the source attributes it passes on (a directory's
//! `mail`, `givenName`, `sn`; an OpenID source's `given_name`,
//! `family_name`), and the X.500/eduPerson OIDs of generic SAML IdPs. Names are matched without case; the first value of the first
//! name present wins for single values. A provider may name its own
//! attribute for a field instead (an IdP whose administrator mapped the
//! e-mail to `workEmail`); that name alone is read for the field.

use roster_domain::{AttributeName, AttributeNames, DisplayText, Email, GroupName};

const EMAIL: &[&str] = &[
    "email",
    "mail",
    "emailaddress",
    "user.email",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
];
const FIRST_NAME: &[&str] = &[
    "firstname",
    "first_name",
    "givenname",
    "given_name",
    "user.firstname",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    "urn:oid:2.5.4.42",
];
const LAST_NAME: &[&str] = &[
    "lastname",
    "last_name",
    "surname",
    "family_name",
    "sn",
    "user.lastname",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    "urn:oid:2.5.4.4",
];
const GROUPS: &[&str] = &[
    "groups",
    "memberof",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "urn:oid:1.3.6.1.4.1.5923.1.5.1.1",
];

/// The most group values read from one assertion (Entra ID itself sends at
/// most 150 before it switches to a link): each may cost a lookup.
const MAX_GROUPS: usize = 500;

/// The person as the assertion's attributes describe them. Values that
/// are not valid for the profile (an e-mail that is not an address, a
/// group name with control characters) are left out, not refused: the
/// NameID alone signs the person in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AssertedProfile {
    pub email: Option<Email>,
    pub first_name: Option<DisplayText>,
    pub last_name: Option<DisplayText>,
    /// The identity provider's groups, deduplicated, in the order sent.
    pub groups: Vec<GroupName>,
}

/// Reads the profile out of an assertion's attributes, by the provider's
/// attribute names where it has them, else by the presets.
pub(crate) fn asserted_profile(
    attributes: &[(String, Vec<String>)],
    configured: &AttributeNames,
) -> AssertedProfile {
    let names =
        |configured: &Option<AttributeName>, preset: &'static [&'static str]| match configured {
            Some(name) => vec![name.as_str().to_owned()],
            None => preset.iter().map(|name| (*name).to_owned()).collect(),
        };
    let values = |names: &[String]| -> Vec<&str> {
        names
            .iter()
            .flat_map(|name| {
                attributes
                    .iter()
                    .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
                    .flat_map(|(_, values)| values.iter().map(String::as_str))
            })
            .collect()
    };
    let first = |names: &[String]| values(names).into_iter().map(str::trim).find(|v| !v.is_empty());
    let mut groups: Vec<GroupName> = Vec::new();
    for raw in values(&names(&configured.groups, GROUPS)).into_iter().take(MAX_GROUPS) {
        if let Ok(name) = GroupName::parse(raw.trim())
            && !groups.contains(&name)
        {
            groups.push(name);
        }
    }
    AssertedProfile {
        email: first(&names(&configured.email, EMAIL)).and_then(|raw| Email::parse(raw).ok()),
        first_name: first(&names(&configured.first_name, FIRST_NAME))
            .and_then(|raw| DisplayText::parse(raw).ok()),
        last_name: first(&names(&configured.last_name, LAST_NAME))
            .and_then(|raw| DisplayText::parse(raw).ok()),
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(attributes: &[(String, Vec<String>)]) -> AssertedProfile {
        asserted_profile(attributes, &AttributeNames::default())
    }

    fn attributes(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(name, values)| {
                ((*name).to_owned(), values.iter().map(|v| (*v).to_owned()).collect())
            })
            .collect()
    }

    /// The profile's fields as text, groups in order.
    fn fields(profile: AssertedProfile) -> (String, String, String, Vec<String>) {
        let text = |value: Option<&str>| value.unwrap_or("(none)").to_owned();
        (
            text(profile.email.as_ref().map(Email::as_str)),
            text(profile.first_name.as_ref().map(DisplayText::as_str)),
            text(profile.last_name.as_ref().map(DisplayText::as_str)),
            profile.groups.iter().map(|group| group.as_str().to_owned()).collect(),
        )
    }

    fn ada(groups: &[&str]) -> (String, String, String, Vec<String>) {
        (
            "ada@example.com".into(),
            "Ada".into(),
            "Lovelace".into(),
            groups.iter().map(|group| (*group).to_owned()).collect(),
        )
    }

    #[test]
    fn okta_attribute_statements_are_read() {
        let okta = preset(&attributes(&[
            ("email", &["ada@example.com"]),
            ("firstName", &["Ada"]),
            ("lastName", &["Lovelace"]),
            ("groups", &["Staff", "Admins", "Staff"]),
        ]));
        assert_eq!(fields(okta), ada(&["Staff", "Admins"]), "deduplicated, in order");
    }

    #[test]
    fn entra_id_claim_uris_are_read() {
        let entra = preset(&attributes(&[
            ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", &["ada@corp.example"]),
            (
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                &["ada@example.com"],
            ),
            ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", &["Ada"]),
            ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", &["Lovelace"]),
            (
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                &["9f1c2a4e-0000-4000-8000-000000000001"],
            ),
        ]));
        // The UPN (`.../claims/name`) is not the e-mail.
        assert_eq!(fields(entra), ada(&["9f1c2a4e-0000-4000-8000-000000000001"]));
    }

    #[test]
    fn jumpcloud_attributes_are_read() {
        let jumpcloud = preset(&attributes(&[
            ("email", &["ada@example.com"]),
            ("firstname", &["Ada"]),
            ("lastname", &["Lovelace"]),
            ("memberOf", &["Engineering", "All Users"]),
        ]));
        assert_eq!(fields(jumpcloud), ada(&["Engineering", "All Users"]));
    }

    #[test]
    fn onelogin_parameters_are_read() {
        let onelogin = preset(&attributes(&[
            ("User.email", &["ada@example.com"]),
            ("User.FirstName", &["Ada"]),
            ("User.LastName", &["Lovelace"]),
            ("memberOf", &["Ops"]),
        ]));
        assert_eq!(fields(onelogin), ada(&["Ops"]));
    }

    #[test]
    fn duo_mapped_and_passed_on_attributes_are_read() {
        let mapped = preset(&attributes(&[
            ("Email", &["ada@example.com"]),
            ("FirstName", &["Ada"]),
            ("LastName", &["Lovelace"]),
            ("Groups", &["Staff"]),
        ]));
        assert_eq!(fields(mapped), ada(&["Staff"]));
        let snake = preset(&attributes(&[
            ("email", &["ada@example.com"]),
            ("first_name", &["Ada"]),
            ("last_name", &["Lovelace"]),
        ]));
        assert_eq!(fields(snake), ada(&[]));
        let directory = preset(&attributes(&[
            ("mail", &["ada@example.com"]),
            ("givenName", &["Ada"]),
            ("sn", &["Lovelace"]),
            ("memberOf", &["Staff"]),
        ]));
        assert_eq!(fields(directory), ada(&["Staff"]));
        let openid = preset(&attributes(&[
            ("email", &["ada@example.com"]),
            ("given_name", &["Ada"]),
            ("family_name", &["Lovelace"]),
        ]));
        assert_eq!(fields(openid), ada(&[]));
    }

    #[test]
    fn generic_oids_are_read() {
        let generic = preset(&attributes(&[
            ("urn:oid:0.9.2342.19200300.100.1.3", &["ada@example.com"]),
            ("urn:oid:2.5.4.42", &["Ada"]),
            ("urn:oid:2.5.4.4", &["Lovelace"]),
            ("urn:oid:1.3.6.1.4.1.5923.1.5.1.1", &["Staff"]),
        ]));
        assert_eq!(fields(generic), ada(&["Staff"]));
    }

    #[test]
    fn unusable_values_are_left_out() {
        let profile = preset(&attributes(&[
            ("email", &["not an address"]),
            ("firstName", &["  "]),
            ("groups", &["", "ok", "bad\u{7}name"]),
            ("department", &["Sales"]),
        ]));
        assert_eq!(profile.email, None);
        assert_eq!(profile.first_name, None);
        let names: Vec<&str> = profile.groups.iter().map(GroupName::as_str).collect();
        assert_eq!(names, ["ok"]);
        assert_eq!(preset(&[]), AssertedProfile::default());
        let many: Vec<String> = (0..MAX_GROUPS + 10).map(|n| format!("g{n}")).collect();
        let profile = preset(&[("groups".to_owned(), many)]);
        assert_eq!(profile.groups.len(), MAX_GROUPS);
    }

    #[test]
    fn a_configured_name_replaces_the_presets_for_its_field() {
        let sent = attributes(&[
            ("email", &["preset@example.com"]),
            ("WorkEmail", &["work@example.com"]),
            ("firstName", &["Ada"]),
            ("groups", &["Preset"]),
            ("Teams", &["Blue", "Red"]),
        ]);
        let configured = AttributeNames {
            email: Some(AttributeName::parse("workemail").unwrap()),
            groups: Some(AttributeName::parse("teams").unwrap()),
            ..AttributeNames::default()
        };
        let profile = asserted_profile(&sent, &configured);
        assert_eq!(profile.email.unwrap().as_str(), "work@example.com");
        assert_eq!(profile.first_name.unwrap().as_str(), "Ada", "unconfigured: the presets");
        let names: Vec<&str> = profile.groups.iter().map(GroupName::as_str).collect();
        assert_eq!(names, ["Blue", "Red"], "the preset group attribute is not read");
        // A configured name that the assertion lacks reads nothing.
        let missing = AttributeNames {
            email: Some(AttributeName::parse("mailAddress").unwrap()),
            ..AttributeNames::default()
        };
        assert_eq!(asserted_profile(&sent, &missing).email, None);
    }
}
