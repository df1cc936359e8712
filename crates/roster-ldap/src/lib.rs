//! The directory client for LDAP / Active Directory provisioning (SPEC
//! §6): one bound connection per sync, to the primary host or else the
//! backup, reading users and groups with paged searches into plain
//! records. A leaf: it knows LDAP, not roster's users, groups or policy.
//!
//! This file is the contract the sync (in `roster-app`) is written
//! against: the settings a connection needs ([`DirectoryConfig`]), what a
//! directory says ([`DirectoryUser`], [`DirectoryGroup`]), and the
//! [`Connector`] / [`Session`] capability, so that the sync can be tested
//! against any directory and a real one is plugged in by the binary.
//!
//! [`LdapConnector`] is that real one, over the `ldap3` crate; the feature
//! `test-support` adds [`testing`], a real OpenLDAP server for tests.

mod ad;
mod address;
mod connector;
mod dn;
mod entry;
mod filter;
mod outcome;
mod paging;
mod plan;
mod read;
mod records;
mod session;
#[cfg(feature = "test-support")]
pub mod testing;
mod tls;
mod watermark;

pub use connector::LdapConnector;
pub use dn::dn_key;
pub use records::{
    DirectoryConfig, DirectoryGroup, DirectoryUser, LdapError, Security, ServerType, Watermark,
};

use async_trait::async_trait;

/// Opens sessions to a directory.
#[async_trait]
pub trait Connector: Send + Sync {
    /// Connects and binds: to the primary host, or, when it cannot be
    /// reached (not when it refuses the bind), to the backup host.
    async fn connect(&self, config: &DirectoryConfig) -> Result<Box<dyn Session>, LdapError>;
}

/// One bound connection; every search of a sync goes over it.
#[async_trait]
pub trait Session: Send {
    /// The host that answered (`host:port`), which a sync's outcome names.
    fn served_by(&self) -> &str;
    /// The users under the base DN that match the user filter: all of
    /// them, or with `since`, those changed after that mark (the mark
    /// compares as the directory's change counter or time, see
    /// [`Watermark`]). Read with paged searches, however many there are.
    /// The entries changed at the mark itself come again (the read is
    /// `>=`, since a whole-second timestamp cannot tell what changed in
    /// the mark's second after the last read), so a sync sees some entries
    /// twice and must find them unchanged.
    async fn users(&mut self, since: Option<&Watermark>) -> Result<Vec<DirectoryUser>, LdapError>;
    /// The groups under the base DN that match the group filter, with
    /// their members' DNs, all or changed since the mark.
    async fn groups(&mut self, since: Option<&Watermark>)
    -> Result<Vec<DirectoryGroup>, LdapError>;
    /// Unbinds; a session dropped without it is closed anyway.
    async fn close(self: Box<Self>) -> Result<(), LdapError>;
}
