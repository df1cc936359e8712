//! The directory client against real OpenLDAP servers
//! (`roster_ldap::testing::Slapd`, one or two per test, on their own
//! ports): binding, TLS, failover, paged and incremental reads, and the
//! failures a sync must see as failures.

// Test helpers fail by panicking, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod connect;
mod failures;
mod reading;

use roster_ldap::{
    Connector, DirectoryConfig, DirectoryGroup, DirectoryUser, LdapConnector, LdapError, Session,
    Watermark,
};

/// A bound session, or a panic saying why not.
async fn connect(config: &DirectoryConfig) -> Box<dyn Session> {
    match LdapConnector.connect(config).await {
        Ok(session) => session,
        Err(error) => panic!("connecting with {config:?}: {error}"),
    }
}

/// The connector's error; a panic if it connected.
async fn refusal(config: &DirectoryConfig) -> LdapError {
    match LdapConnector.connect(config).await {
        Ok(session) => panic!("connected to {} with {config:?}", session.served_by()),
        Err(error) => error,
    }
}

async fn all_users(config: &DirectoryConfig) -> Vec<DirectoryUser> {
    let mut session = connect(config).await;
    let users = session.users(None).await.expect("reading users");
    session.close().await.expect("unbinding");
    users
}

/// The highest change mark among users and groups: what a sync keeps.
fn watermark(users: &[DirectoryUser], groups: &[DirectoryGroup]) -> Watermark {
    let marks = users.iter().map(|u| &u.changed).chain(groups.iter().map(|g| &g.changed));
    marks.flatten().max().cloned().expect("entries with change marks")
}
