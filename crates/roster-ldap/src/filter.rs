//! The search filters of a sync: the server type's object classes, ANDed
//! with the administrator's filter and, for an incremental read, the
//! change-mark clause.
//!
//! Nothing is escaped into a filter. The administrator's filters are
//! filters by definition (checked here with ldap3's RFC 4515 parser, so a
//! broken one is a settings error before any connection), the class
//! filters are constants, and a watermark is checked to be digits or a
//! generalized time before it is used (`watermark.rs`).

use crate::{LdapError, ServerType};

/// The objects a server type calls users.
pub(crate) fn user_classes(server_type: ServerType) -> &'static str {
    match server_type {
        ServerType::ActiveDirectory => "(&(objectCategory=person)(objectClass=user))",
        ServerType::OpenLdap => "(objectClass=inetOrgPerson)",
    }
}

/// The objects a server type calls groups.
pub(crate) fn group_classes(server_type: ServerType) -> &'static str {
    match server_type {
        ServerType::ActiveDirectory => "(objectClass=group)",
        ServerType::OpenLdap => "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
    }
}

/// An administrator's filter in the parenthesised form, or `None` when it
/// is absent or blank. `mail=*` is taken as `(mail=*)`, since settings
/// forms often show it so; anything ldap3 cannot parse as one filter (a
/// typo, two filters side by side, a stray parenthesis) is refused.
pub(crate) fn admin_filter(raw: Option<&str>, which: &str) -> Result<Option<String>, LdapError> {
    let Some(trimmed) = raw.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let filter = if trimmed.starts_with('(') { trimmed.to_owned() } else { format!("({trimmed})") };
    match ldap3::parse_filter(&filter) {
        Ok(_) => Ok(Some(filter)),
        Err(()) => Err(LdapError::Settings(format!(
            "the {which} filter {trimmed:?} is not an LDAP filter (RFC 4515)"
        ))),
    }
}

/// The AND of `parts`, each already a parenthesised filter; one part is
/// itself.
pub(crate) fn all_of(parts: &[&str]) -> String {
    match parts {
        [one] => (*one).to_owned(),
        _ => format!("(&{})", parts.concat()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(raw: &str) -> Result<Option<String>, LdapError> {
        admin_filter(Some(raw), "user")
    }

    #[test]
    fn admin_filters_are_parenthesised_and_parsed() {
        assert_eq!(admin("(mail=*)").unwrap().unwrap(), "(mail=*)");
        assert_eq!(admin("  mail=*  ").unwrap().unwrap(), "(mail=*)");
        assert_eq!(
            admin("(&(department=Sales)(!(title=Intern*)))").unwrap().unwrap(),
            "(&(department=Sales)(!(title=Intern*)))"
        );
        assert_eq!(
            admin("(memberOf:1.2.840.113556.1.4.1941:=cn=Staff,dc=corp)").unwrap().unwrap(),
            "(memberOf:1.2.840.113556.1.4.1941:=cn=Staff,dc=corp)"
        );
        assert_eq!(admin("   ").unwrap(), None);
        assert_eq!(admin_filter(None, "user").unwrap(), None);
    }

    #[test]
    fn broken_admin_filters_are_settings_errors() {
        for raw in ["(mail=*", "(mail=*))", "(a=b)(c=d)", "(&(a=b)", "mail", "(=x)", "(a=b\\zz)"] {
            match admin(raw) {
                Err(LdapError::Settings(message)) => {
                    assert!(message.contains("user filter"), "{message}");
                }
                other => panic!("{raw:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn parts_are_anded() {
        assert_eq!(all_of(&["(a=b)"]), "(a=b)");
        assert_eq!(all_of(&["(a=b)", "(c=d)"]), "(&(a=b)(c=d))");
        let filter = all_of(&[user_classes(ServerType::ActiveDirectory), "(mail=*)"]);
        assert_eq!(filter, "(&(&(objectCategory=person)(objectClass=user))(mail=*))");
        for filter in [
            filter,
            all_of(&[group_classes(ServerType::OpenLdap), "(cn=x)"]),
            all_of(&[user_classes(ServerType::OpenLdap)]),
            all_of(&[group_classes(ServerType::ActiveDirectory)]),
        ] {
            assert!(ldap3::parse_filter(&filter).is_ok(), "{filter}");
        }
    }
}
