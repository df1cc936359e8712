//! What a signed assertion says about its person beyond the NameID: the
//! e-mail, given and family names, and the multi-valued group attribute,
//! read by the names identity providers give them.
//!
//! One preset serves every kind, since the names do not collide: Okta's
//! and JumpCloud's attribute statements (`email`, `firstName`, `groups`,
//! `memberOf`), OneLogin's parameters (`User.email`, `User.FirstName`),
//! Entra ID's claim URIs, and the X.500/eduPerson OIDs of generic SAML
//! IdPs. Names are matched without case; the first value of the first
//! name present wins for single values. Configurable names per provider
//! come later (see the note).

use roster_domain::{DisplayText, Email, GroupName};

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
    "user.firstname",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    "urn:oid:2.5.4.42",
];
const LAST_NAME: &[&str] = &[
    "lastname",
    "last_name",
    "surname",
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

/// Reads the profile out of an assertion's attributes.
pub(crate) fn asserted_profile(attributes: &[(String, Vec<String>)]) -> AssertedProfile {
    let values = |names: &[&str]| -> Vec<&str> {
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
    let first = |names: &[&str]| values(names).into_iter().map(str::trim).find(|v| !v.is_empty());
    let mut groups: Vec<GroupName> = Vec::new();
    for raw in values(GROUPS).into_iter().take(MAX_GROUPS) {
        if let Ok(name) = GroupName::parse(raw.trim())
            && !groups.contains(&name)
        {
            groups.push(name);
        }
    }
    AssertedProfile {
        email: first(EMAIL).and_then(|raw| Email::parse(raw).ok()),
        first_name: first(FIRST_NAME).and_then(|raw| DisplayText::parse(raw).ok()),
        last_name: first(LAST_NAME).and_then(|raw| DisplayText::parse(raw).ok()),
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attributes(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(name, values)| {
                ((*name).to_owned(), values.iter().map(|v| (*v).to_owned()).collect())
            })
            .collect()
    }

    #[test]
    fn each_identity_providers_names_are_read() {
        let okta = asserted_profile(&attributes(&[
            ("email", &["ada@example.com"]),
            ("firstName", &["Ada"]),
            ("lastName", &["Lovelace"]),
            ("groups", &["Staff", "Admins", "Staff"]),
        ]));
        assert_eq!(okta.email.unwrap().as_str(), "ada@example.com");
        assert_eq!(okta.first_name.unwrap().as_str(), "Ada");
        assert_eq!(okta.last_name.unwrap().as_str(), "Lovelace");
        let names: Vec<&str> = okta.groups.iter().map(GroupName::as_str).collect();
        assert_eq!(names, ["Staff", "Admins"], "deduplicated, in order");

        let entra = asserted_profile(&attributes(&[
            ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", &["Grace"]),
            ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", &["Hopper"]),
            ("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", &["9f1c2a"]),
        ]));
        assert_eq!(entra.first_name.unwrap().as_str(), "Grace");
        assert_eq!(entra.groups.len(), 1);

        let onelogin = asserted_profile(&attributes(&[
            ("User.email", &["x@example.com"]),
            ("memberOf", &["Ops"]),
        ]));
        assert_eq!(onelogin.email.unwrap().as_str(), "x@example.com");
        assert_eq!(onelogin.groups[0].as_str(), "Ops");
    }

    #[test]
    fn unusable_values_are_left_out() {
        let profile = asserted_profile(&attributes(&[
            ("email", &["not an address"]),
            ("firstName", &["  "]),
            ("groups", &["", "ok", "bad\u{7}name"]),
            ("department", &["Sales"]),
        ]));
        assert_eq!(profile.email, None);
        assert_eq!(profile.first_name, None);
        let names: Vec<&str> = profile.groups.iter().map(GroupName::as_str).collect();
        assert_eq!(names, ["ok"]);
        assert_eq!(asserted_profile(&[]), AssertedProfile::default());
        let many: Vec<String> = (0..MAX_GROUPS + 10).map(|n| format!("g{n}")).collect();
        let profile = asserted_profile(&[("groups".to_owned(), many)]);
        assert_eq!(profile.groups.len(), MAX_GROUPS);
    }
}
