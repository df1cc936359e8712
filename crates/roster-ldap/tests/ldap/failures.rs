//! What must fail as a whole: a server killed in the middle of a search,
//! a base DN that does not exist, a watermark that is not one.

use roster_ldap::testing::Slapd;
use roster_ldap::{LdapError, Security, Watermark};

use super::connect;

#[tokio::test]
async fn a_server_killed_mid_search_fails_the_read_with_nothing_partial() {
    let slapd = Slapd::builder().bulk(2_000, 0, 0).start();
    // 2,000 users are some 600 kB of answers; the server dies after 100 kB.
    let tripwire = slapd.tripwire(100_000);
    let mut config = slapd.config(Security::Plain);
    config.host = tripwire.address().to_owned();
    let mut session = connect(&config).await;
    match session.users(None).await {
        Err(LdapError::Search(message)) => assert!(!message.is_empty()),
        Ok(users) => panic!("{} users read from a server killed mid-search", users.len()),
        Err(other) => panic!("{other:?}"),
    }
    assert!(tripwire.tripped());
    assert!(!slapd.is_running());

    slapd.restart();
    assert!(matches!(crate::refusal(&config).await, LdapError::Unreachable(_)));
    let users = crate::all_users(&slapd.config(Security::Plain)).await;
    assert_eq!(users.len(), 2_000, "the data survived the kill");
}

#[tokio::test]
async fn searches_that_cannot_run_are_search_errors() {
    let slapd = Slapd::builder().bulk(3, 1, 1).start();
    let mut config = slapd.config(Security::Plain);
    config.base_dn = "dc=nowhere,dc=org".into();
    let mut session = connect(&config).await;
    match session.users(None).await {
        Err(LdapError::Search(message)) => {
            assert!(message.contains("noSuchObject (32)"), "{message}")
        }
        other => panic!("{other:?}"),
    }

    let mut session = connect(&slapd.config(Security::Plain)).await;
    for mark in ["yesterday", "1)(uid=*", "00000000000000001000"] {
        match session.users(Some(&Watermark(mark.into()))).await {
            Err(LdapError::Search(message)) => assert!(message.contains("watermark"), "{message}"),
            other => panic!("{mark}: {other:?}"),
        }
    }
    // The session is still good after refusing them.
    assert_eq!(session.groups(None).await.unwrap().len(), 1);
}
