//! A [`DirectoryConfig`] checked and turned into what connecting and
//! searching need, before any connection: hosts, the TLS configuration,
//! the filters and the attribute lists. Everything wrong with the
//! settings is found here, as `LdapError::Settings`, so that a sync with
//! broken settings fails the same way whether the directory is up or not.

use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;

use crate::address::Address;
use crate::filter::{admin_filter, all_of, group_classes, user_classes};
use crate::tls::client_config;
use crate::{DirectoryConfig, LdapError, Security, ServerType};

/// The settings of one sync, checked.
pub(crate) struct Plan {
    pub(crate) primary: Address,
    pub(crate) backup: Option<Address>,
    pub(crate) security: Security,
    /// `None` for [`Security::Plain`].
    pub(crate) tls: Option<Arc<ClientConfig>>,
    pub(crate) server_type: ServerType,
    pub(crate) base_dn: String,
    pub(crate) username_attribute: String,
    /// The server type's user classes ANDed with the admin's user filter.
    pub(crate) user_filter: String,
    pub(crate) group_filter: String,
    pub(crate) user_attributes: Vec<String>,
    pub(crate) group_attributes: Vec<String>,
    pub(crate) page_size: i32,
    pub(crate) timeout: Duration,
}

impl Plan {
    pub(crate) fn new(config: &DirectoryConfig) -> Result<Plan, LdapError> {
        let settings = |message: &str| LdapError::Settings(message.to_owned());
        let primary = Address::parse(&config.host, config.port, config.security)?;
        let backup = config
            .backup_host
            .as_deref()
            .filter(|host| !host.trim().is_empty())
            .map(|host| Address::parse(host, config.port, config.security))
            .transpose()?;
        let tls = match config.security {
            Security::Plain => None,
            Security::Ldaps | Security::StartTls => {
                Some(client_config(config.ca_certificates_pem.as_deref())?)
            }
        };
        if config.bind_dn.trim().is_empty() {
            return Err(settings("the bind DN is empty"));
        }
        // RFC 4513 §5.1.2: a DN with an empty password is an
        // unauthenticated bind, which many servers accept as anonymous.
        if config.bind_password.is_empty() {
            return Err(settings("the bind password is empty"));
        }
        let base_dn = config.base_dn.trim().to_owned();
        if base_dn.is_empty() {
            return Err(settings("the base DN is empty"));
        }
        let username_attribute = config.username_attribute.trim().to_owned();
        if !is_attribute_name(&username_attribute) {
            return Err(LdapError::Settings(format!(
                "the username attribute {:?} is not an attribute name",
                config.username_attribute
            )));
        }
        let page_size = i32::try_from(config.page_size)
            .ok()
            .filter(|size| *size > 0)
            .ok_or_else(|| settings("the page size must be 1 to 2147483647"))?;
        if config.timeout.is_zero() {
            return Err(settings("the timeout is zero"));
        }
        let server_type = config.server_type;
        let user_filter = with_admin_filter(
            user_classes(server_type),
            admin_filter(config.user_filter.as_deref(), "user")?,
        );
        let group_filter = with_admin_filter(
            group_classes(server_type),
            admin_filter(config.group_filter.as_deref(), "group")?,
        );
        Ok(Plan {
            primary,
            backup,
            security: config.security,
            tls,
            server_type,
            base_dn,
            user_attributes: user_attributes(server_type, &username_attribute),
            group_attributes: group_attributes(server_type),
            username_attribute,
            user_filter,
            group_filter,
            page_size,
            timeout: config.timeout,
        })
    }
}

fn with_admin_filter(classes: &str, admin: Option<String>) -> String {
    match admin {
        Some(admin) => all_of(&[classes, &admin]),
        None => classes.to_owned(),
    }
}

/// RFC 4512 §2.5: a descriptor (`sAMAccountName`) or a numeric OID.
fn is_attribute_name(name: &str) -> bool {
    let descriptor = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let oid = !name.is_empty()
        && name.split('.').all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()));
    descriptor || oid
}

/// What a user record is read from.
fn user_attributes(server_type: ServerType, username_attribute: &str) -> Vec<String> {
    let own: &[&str] = match server_type {
        ServerType::ActiveDirectory => &["objectGUID", "uSNChanged", "userAccountControl", "cn"],
        ServerType::OpenLdap => &["entryUUID", "modifyTimestamp"],
    };
    let mut attributes: Vec<String> = Vec::new();
    for name in [username_attribute, "mail", "givenName", "sn", "displayName"].iter().chain(own) {
        if !attributes.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            attributes.push((*name).to_owned());
        }
    }
    attributes
}

/// What a group record is read from.
fn group_attributes(server_type: ServerType) -> Vec<String> {
    let names: &[&str] = match server_type {
        ServerType::ActiveDirectory => &["cn", "member", "objectGUID", "uSNChanged"],
        ServerType::OpenLdap => &["cn", "member", "uniqueMember", "entryUUID", "modifyTimestamp"],
    };
    names.iter().map(|name| (*name).to_owned()).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn config() -> DirectoryConfig {
        DirectoryConfig {
            host: "dc1.corp.example".into(),
            backup_host: Some("dc2.corp.example:3269".into()),
            port: None,
            security: Security::Ldaps,
            ca_certificates_pem: None,
            server_type: ServerType::ActiveDirectory,
            bind_dn: "CN=roster,OU=Service,DC=corp,DC=example".into(),
            bind_password: "a password".into(),
            base_dn: "DC=corp,DC=example".into(),
            username_attribute: "sAMAccountName".into(),
            user_filter: Some("department=Sales".into()),
            group_filter: None,
            page_size: 500,
            timeout: Duration::from_secs(10),
        }
    }

    fn refusal(change: impl FnOnce(&mut DirectoryConfig)) -> String {
        let mut config = config();
        change(&mut config);
        match Plan::new(&config) {
            Err(LdapError::Settings(message)) => message,
            Err(other) => panic!("not a settings error: {other}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn a_plan_holds_the_filters_and_attributes_of_its_server_type() {
        let plan = Plan::new(&config()).unwrap();
        assert_eq!(plan.primary.to_string(), "dc1.corp.example:636");
        assert_eq!(plan.backup.unwrap().to_string(), "dc2.corp.example:3269");
        assert!(plan.tls.is_some());
        assert_eq!(
            plan.user_filter,
            "(&(&(objectCategory=person)(objectClass=user))(department=Sales))"
        );
        assert_eq!(plan.group_filter, "(objectClass=group)");
        assert_eq!(
            plan.user_attributes,
            [
                "sAMAccountName",
                "mail",
                "givenName",
                "sn",
                "displayName",
                "objectGUID",
                "uSNChanged",
                "userAccountControl",
                "cn"
            ]
        );

        let mut openldap = config();
        openldap.server_type = ServerType::OpenLdap;
        openldap.username_attribute = "mail".into();
        openldap.security = Security::Plain;
        openldap.backup_host = Some(" ".into());
        openldap.group_filter = Some("(cn=staff*)".into());
        let plan = Plan::new(&openldap).unwrap();
        assert!(plan.tls.is_none());
        assert!(plan.backup.is_none());
        assert_eq!(plan.primary.to_string(), "dc1.corp.example:389");
        assert_eq!(
            plan.group_filter,
            "(&(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))(cn=staff*))"
        );
        assert_eq!(
            plan.user_attributes,
            ["mail", "givenName", "sn", "displayName", "entryUUID", "modifyTimestamp"]
        );
    }

    #[test]
    fn settings_that_cannot_work_are_refused_before_connecting() {
        assert!(refusal(|c| c.host = "ldap://dc1".into()).contains("host"));
        assert!(refusal(|c| c.backup_host = Some("dc2/x".into())).contains("host"));
        assert!(refusal(|c| c.ca_certificates_pem = Some("junk".into())).contains("CA"));
        assert!(refusal(|c| c.bind_dn = " ".into()).contains("bind DN"));
        assert!(refusal(|c| c.bind_password = String::new()).contains("password"));
        assert!(refusal(|c| c.base_dn = String::new()).contains("base DN"));
        assert!(refusal(|c| c.username_attribute = "uid)(x".into()).contains("username"));
        assert!(refusal(|c| c.page_size = 0).contains("page size"));
        assert!(refusal(|c| c.page_size = u32::MAX).contains("page size"));
        assert!(refusal(|c| c.timeout = Duration::ZERO).contains("timeout"));
        assert!(refusal(|c| c.user_filter = Some("(a=b))".into())).contains("user filter"));
        assert!(refusal(|c| c.group_filter = Some("(a=".into())).contains("group filter"));
    }

    #[test]
    fn attribute_names_are_descriptors_or_oids() {
        for name in ["uid", "sAMAccountName", "userPrincipalName", "x-custom-1", "2.5.4.3"] {
            assert!(is_attribute_name(name), "{name}");
        }
        for name in ["", "1uid", "uid;binary", "uid=x", "2.5..3", "uid*"] {
            assert!(!is_attribute_name(name), "{name}");
        }
    }
}
