//! Directory records as the sync uses them: a user's username with the
//! provider's domain, its profile fields parsed (a value the application
//! cannot hold is left out, not refused), and DNs compared as LDAP does
//! (`roster_ldap::dn_key`).

use roster_domain::{DisplayText, Email, GroupName, Username};
pub(crate) use roster_ldap::dn_key;
use roster_ldap::{DirectoryGroup, DirectoryUser};

/// A directory user the sync can provision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceUser {
    pub stable_id: String,
    pub dn: String,
    pub username: Username,
    pub email: Option<Email>,
    pub first_name: Option<DisplayText>,
    pub last_name: Option<DisplayText>,
    pub display_name: Option<DisplayText>,
    /// `displayName`, else the given and family names joined.
    pub full_name: Option<DisplayText>,
    pub disabled: bool,
}

/// A directory group the sync can provision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceGroup {
    pub stable_id: String,
    pub dn: String,
    pub name: GroupName,
    /// Its members' DNs as [`dn_key`]s.
    pub member_keys: Vec<String>,
}

/// Why an entry is skipped; the sync reports it and goes on.
pub(crate) type EntryProblem = String;

fn text(raw: Option<&str>) -> Option<DisplayText> {
    raw.map(str::trim).filter(|v| !v.is_empty()).and_then(|v| DisplayText::parse(v).ok())
}

/// The username of a directory user: the attribute's value, with the
/// provider's domain appended when it has none (`jdoe` → `jdoe@corp.com`).
pub(crate) fn source_user(
    entry: &DirectoryUser,
    domain: Option<&str>,
) -> Result<SourceUser, EntryProblem> {
    let raw = entry
        .username
        .as_deref()
        .map(str::trim)
        .filter(|raw| !raw.is_empty())
        .ok_or_else(|| "the entry has no value for the username attribute".to_owned())?;
    let raw = match domain {
        Some(domain) if !raw.contains('@') => format!("{raw}@{domain}"),
        _ => raw.to_owned(),
    };
    let username = Username::parse(&raw)
        .map_err(|err| format!("the username {raw:?} is not usable: {err}"))?;
    let first_name = text(entry.first_name.as_deref());
    let last_name = text(entry.last_name.as_deref());
    let display_name = text(entry.display_name.as_deref());
    let full_name = display_name.clone().or_else(|| match (&first_name, &last_name) {
        (Some(first), Some(last)) => {
            DisplayText::parse(&format!("{} {}", first.as_str(), last.as_str())).ok()
        }
        (one, other) => one.clone().or_else(|| other.clone()),
    });
    Ok(SourceUser {
        stable_id: entry.stable_id.clone(),
        dn: entry.dn.clone(),
        username,
        email: entry.email.as_deref().map(str::trim).and_then(|raw| Email::parse(raw).ok()),
        first_name,
        last_name,
        display_name,
        full_name,
        disabled: entry.disabled,
    })
}

pub(crate) fn source_group(entry: &DirectoryGroup) -> Result<SourceGroup, EntryProblem> {
    let name = GroupName::parse(entry.name.trim())
        .map_err(|err| format!("the group name {:?} is not usable: {err}", entry.name))?;
    let mut member_keys: Vec<String> = entry.member_dns.iter().map(|dn| dn_key(dn)).collect();
    member_keys.sort_unstable();
    member_keys.dedup();
    Ok(SourceGroup { stable_id: entry.stable_id.clone(), dn: entry.dn.clone(), name, member_keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(username: Option<&str>) -> DirectoryUser {
        DirectoryUser {
            stable_id: "id-1".into(),
            dn: "uid=ada,ou=people,dc=example,dc=com".into(),
            username: username.map(str::to_owned),
            email: Some("ada@example.com".into()),
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            display_name: None,
            disabled: false,
            changed: None,
        }
    }

    #[test]
    fn usernames_get_the_domain_when_they_have_none() {
        let user = source_user(&entry(Some("ada")), Some("corp.example")).unwrap();
        assert_eq!(user.username.as_str(), "ada@corp.example");
        let user = source_user(&entry(Some("ada@x.test")), Some("corp.example")).unwrap();
        assert_eq!(user.username.as_str(), "ada@x.test");
        assert_eq!(user.full_name.unwrap().as_str(), "Ada Lovelace");
        assert!(source_user(&entry(None), None).is_err());
        assert!(source_user(&entry(Some("  ")), None).is_err());
    }

    #[test]
    fn unusable_profile_values_are_left_out() {
        let mut bad = entry(Some("ada"));
        bad.email = Some("not an address".into());
        bad.first_name = Some("\u{7}".into());
        let user = source_user(&bad, None).unwrap();
        assert_eq!(user.email, None);
        assert_eq!(user.first_name, None);
        assert_eq!(user.full_name.unwrap().as_str(), "Lovelace");
    }

    #[test]
    fn dns_compare_without_case_or_spaces() {
        assert_eq!(
            dn_key("CN=Ada Lovelace, OU=People,DC=Example"),
            "cn=ada lovelace,ou=people,dc=example"
        );
        assert_eq!(dn_key("uid=ada,dc=x"), dn_key("UID = ada , DC = X"));
        let group = source_group(&DirectoryGroup {
            stable_id: "g".into(),
            dn: "cn=staff,dc=x".into(),
            name: "Staff".into(),
            member_dns: vec!["uid=b,dc=x".into(), "UID=A,DC=X".into(), "uid=a,dc=x".into()],
            changed: None,
        })
        .unwrap();
        assert_eq!(group.member_keys, ["uid=a,dc=x", "uid=b,dc=x"]);
    }
}
