//! The settings a directory connection needs and the records a directory
//! is read into.

use std::time::Duration;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (port 636 by default).
    Ldaps,
    /// A plain connection upgraded with the StartTLS extended operation
    /// before the bind (port 389 by default).
    StartTls,
    /// No TLS: only when an administrator chose it explicitly.
    Plain,
}

/// Which schema the directory follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerType {
    /// `user`/`group` objects, `objectGUID`, `userAccountControl`,
    /// `uSNChanged`.
    ActiveDirectory,
    /// `inetOrgPerson`, `groupOfNames`/`groupOfUniqueNames`, `entryUUID`,
    /// `modifyTimestamp`.
    OpenLdap,
}

/// Everything needed to connect, bind and search.
#[derive(Clone)]
pub struct DirectoryConfig {
    /// `host` or `host:port`; the port defaults by `security`.
    pub host: String,
    pub backup_host: Option<String>,
    pub port: Option<u16>,
    pub security: Security,
    /// PEM certificates trusted for the directory's TLS certificate, in
    /// addition to the system's roots.
    pub ca_certificates_pem: Option<String>,
    pub server_type: ServerType,
    pub bind_dn: String,
    pub bind_password: String,
    pub base_dn: String,
    /// The attribute a user's username is read from (`uid`,
    /// `sAMAccountName`, `userPrincipalName`, `mail`).
    pub username_attribute: String,
    /// An LDAP filter ANDed with the server type's user filter.
    pub user_filter: Option<String>,
    /// An LDAP filter ANDed with the server type's group filter.
    pub group_filter: Option<String>,
    /// Entries per page of a paged search (RFC 2696).
    pub page_size: u32,
    /// For connecting, binding and each operation.
    pub timeout: Duration,
}

impl std::fmt::Debug for DirectoryConfig {
    // The bind password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryConfig")
            .field("host", &self.host)
            .field("backup_host", &self.backup_host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("server_type", &self.server_type)
            .field("bind_dn", &self.bind_dn)
            .field("base_dn", &self.base_dn)
            .field("username_attribute", &self.username_attribute)
            .field("user_filter", &self.user_filter)
            .field("group_filter", &self.group_filter)
            .finish_non_exhaustive()
    }
}

/// How far a sync has read: the highest change mark among the entries
/// it saw. Active Directory's `uSNChanged` is a counter of one domain
/// controller; OpenLDAP's `modifyTimestamp` a generalized time. Opaque to
/// the sync, which stores it and hands it back.
///
/// Its text order is its order (so `max()` over entries' marks is the
/// newest): `uSNChanged` is written as 20 digits with leading zeros,
/// `modifyTimestamp` as `YYYYMMDDHHMMSSZ`. Marks of the two server types
/// never compare; a mark of the wrong type, or one that is not a mark, is
/// refused as an `LdapError::Search` when handed back.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Watermark(pub String);

/// A user as the directory has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// `objectGUID` (Active Directory, as lower-case hex of its 16 bytes)
    /// or `entryUUID` (OpenLDAP): it survives renames and moves.
    pub stable_id: String,
    pub dn: String,
    /// The value of the configured username attribute; `None` when the
    /// entry lacks it (the sync reports it).
    pub username: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    /// Active Directory's `userAccountControl` ACCOUNTDISABLE bit; never
    /// set on OpenLDAP.
    pub disabled: bool,
    /// The entry's change mark, to compute the next watermark.
    pub changed: Option<Watermark>,
}

/// A group as the directory has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryGroup {
    pub stable_id: String,
    pub dn: String,
    /// `cn`.
    pub name: String,
    /// The DNs of its direct members (users or groups), as `member` /
    /// `uniqueMember` list them; read with ranged retrieval where Active
    /// Directory splits a large attribute.
    pub member_dns: Vec<String>,
    pub changed: Option<Watermark>,
}

/// Why the directory could not be read. The message never holds the bind
/// password.
#[derive(Debug, thiserror::Error)]
pub enum LdapError {
    /// Neither host could be reached (connection refused, timeout, TLS
    /// failure), with each host's reason.
    #[error("cannot reach the directory: {0}")]
    Unreachable(String),
    /// The directory refused the bind DN or password.
    #[error("the directory refused the bind: {0}")]
    BindRefused(String),
    /// A search failed (bad base DN, bad filter, size limit without paging
    /// support, connection lost mid-search).
    #[error("a directory search failed: {0}")]
    Search(String),
    /// The settings cannot work (a malformed filter or CA certificate).
    #[error("the directory settings are not usable: {0}")]
    Settings(String),
}
