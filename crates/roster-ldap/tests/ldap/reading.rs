//! Reading users and groups: past the size limit with paging, filters,
//! incremental reads after changes, renames, and the Active Directory
//! flavour.

use std::collections::BTreeSet;

use ldap3::{LdapConnAsync, Scope};
use roster_ldap::testing::{SYNC_PASSWORD, Slapd};
use roster_ldap::{Security, Watermark, dn_key};

use super::{all_users, connect, watermark};

#[tokio::test]
async fn paging_reads_every_user_past_the_size_limit() {
    let slapd = Slapd::builder().bulk(1_200, 10, 2).start();

    // The limit is real: one search without paging stops at 500.
    let (connection, mut ldap) =
        LdapConnAsync::new(&format!("ldap://{}", slapd.address())).await.unwrap();
    tokio::spawn(connection.drive());
    ldap.simple_bind(&slapd.sync_dn(), SYNC_PASSWORD).await.unwrap().success().unwrap();
    let unpaged = ldap
        .search(slapd.base_dn(), Scope::Subtree, "(objectClass=inetOrgPerson)", vec!["uid"])
        .await
        .unwrap();
    assert_eq!((unpaged.1.rc, unpaged.0.len()), (4, 500));

    for page_size in [100, 500, 1_000, 5_000] {
        let mut config = slapd.config(Security::Plain);
        config.page_size = page_size;
        let mut session = connect(&config).await;
        let users = session.users(None).await.unwrap();
        let names: BTreeSet<_> = users.iter().map(|u| u.username.clone().unwrap()).collect();
        assert_eq!(names.len(), 1_200, "page size {page_size}");
        assert!(names.contains(&slapd.username(1_199)));
        let ids: BTreeSet<_> = users.iter().map(|u| u.stable_id.clone()).collect();
        assert_eq!(ids.len(), 1_200);

        let groups = session.groups(None).await.unwrap();
        assert_eq!(groups.len(), 10);
        for group in &groups {
            assert_eq!(group.member_dns.len(), 240, "{}", group.name);
        }
        session.close().await.unwrap();
    }

    let users = all_users(&slapd.config(Security::Plain)).await;
    let user = users.iter().find(|u| u.dn == slapd.user_dn(7)).unwrap();
    assert_eq!(user.username.as_deref(), Some("user00007"));
    assert_eq!(user.email.as_deref(), Some("user00007@example.org"));
    assert_eq!(user.first_name.as_deref(), Some("Given"));
    assert_eq!(user.last_name.as_deref(), Some("Surname user00007"));
    assert_eq!(user.changed, Some(Watermark("20200101000007Z".into())));
    assert!(!user.disabled);
}

#[tokio::test]
async fn incremental_reads_return_only_what_changed() {
    let slapd = Slapd::builder().bulk(50, 3, 1).start();
    let config = slapd.config(Security::Plain);
    let mut session = connect(&config).await;
    let users = session.users(None).await.unwrap();
    let groups = session.groups(None).await.unwrap();
    let mark = watermark(&users, &groups);
    // Reads since a mark include the mark: the last group loaded has it.
    assert!(session.users(Some(&mark)).await.unwrap().is_empty());
    let at_mark = session.groups(Some(&mark)).await.unwrap();
    assert_eq!(at_mark.iter().map(|g| g.dn.clone()).collect::<Vec<_>>(), [slapd.group_dn(2)]);
    let later = Watermark("20990101000000Z".into());
    assert!(session.users(Some(&later)).await.unwrap().is_empty());

    slapd.replace(&slapd.user_dn(3), "mail", &["three@example.org"]);
    let added = slapd.add_user("newcomer", &[("displayName", "New Comer")]);
    slapd.add_member(&slapd.group_dn(1), &added);
    slapd.delete(&slapd.user_dn(4));

    let mut session = connect(&config).await;
    let changed_users = session.users(Some(&mark)).await.unwrap();
    let dns: BTreeSet<_> = changed_users.iter().map(|u| u.dn.clone()).collect();
    assert_eq!(dns, BTreeSet::from([slapd.user_dn(3), added.clone()]));
    let three = changed_users.iter().find(|u| u.dn == slapd.user_dn(3)).unwrap();
    assert_eq!(three.email.as_deref(), Some("three@example.org"));
    assert!(three.changed.as_ref().unwrap() > &mark);
    let changed_groups = session.groups(Some(&mark)).await.unwrap();
    let dns: BTreeSet<_> = changed_groups.iter().map(|g| g.dn.clone()).collect();
    assert_eq!(
        dns,
        BTreeSet::from([slapd.group_dn(1), slapd.group_dn(2)]),
        "changed, and at the mark"
    );
    let one = changed_groups.iter().find(|g| g.dn == slapd.group_dn(1)).unwrap();
    assert!(one.member_dns.contains(&added));

    // A deletion shows only as an absence in a full read.
    let everyone = session.users(None).await.unwrap();
    assert_eq!(everyone.len(), 50);
    assert!(everyone.iter().all(|u| u.dn != slapd.user_dn(4)));
}

#[tokio::test]
async fn a_renamed_user_keeps_its_stable_id() {
    let slapd = Slapd::builder().bulk(5, 1, 1).start();
    let config = slapd.config(Security::Plain);
    let mut session = connect(&config).await;
    let before = session.users(None).await.unwrap();
    let old = before.iter().find(|u| u.dn == slapd.user_dn(2)).unwrap();
    let mark = watermark(&before, &session.groups(None).await.unwrap());

    let renamed_dn = slapd.rename(&slapd.user_dn(2), "uid=renamed");
    let mut session = connect(&config).await;
    let changed = session.users(Some(&mark)).await.unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].stable_id, old.stable_id);
    assert_eq!(changed[0].dn, renamed_dn);
    assert_eq!(changed[0].username.as_deref(), Some("renamed"));
    // The group still names the old DN: slapd has no referential
    // integrity overlay here, as many directories have none.
    let groups = session.groups(None).await.unwrap();
    assert!(groups[0].member_dns.iter().any(|dn| dn_key(dn) == dn_key(&old.dn)));
}

#[tokio::test]
async fn filters_narrow_the_reads_and_unique_members_are_read() {
    let slapd = Slapd::builder()
        .bulk(30, 2, 1)
        .ldif(
            "dn: cn=unique,ou=groups,dc=example,dc=org\nobjectClass: groupOfUniqueNames\ncn: unique\n\
             uniqueMember: UID=User00001, OU=People,DC=example,DC=org#'0101'B\n\
             uniqueMember: uid=user00002,ou=people,dc=example,dc=org",
        )
        .start();
    let mut config = slapd.config(Security::Plain);
    config.user_filter = Some("uid=user0001*".into());
    config.group_filter = Some("(objectClass=groupOfUniqueNames)".into());
    let mut session = connect(&config).await;
    let users = session.users(None).await.unwrap();
    assert_eq!(users.len(), 10);
    let groups = session.groups(None).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "unique");
    let members: Vec<_> = groups[0].member_dns.iter().map(|dn| dn_key(dn)).collect();
    assert_eq!(members, [dn_key(&slapd.user_dn(1)), dn_key(&slapd.user_dn(2))]);

    config.base_dn = format!("ou=groups,{}", slapd.base_dn());
    config.user_filter = None;
    let mut session = connect(&config).await;
    assert!(session.users(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_active_directory_flavour_reads_guids_disabled_accounts_and_usn_marks() {
    let slapd = Slapd::builder().active_directory().bulk(600, 3, 1).start();
    let config = slapd.config(Security::Ldaps);
    let mut session = connect(&config).await;
    let users = session.users(None).await.unwrap();
    let groups = session.groups(None).await.unwrap();
    assert_eq!(users.len(), 600);
    assert_eq!(groups.len(), 3);
    assert_eq!(groups[0].member_dns.len(), 200);
    let user = users.iter().find(|u| u.dn == slapd.user_dn(9)).unwrap();
    assert_eq!(user.stable_id, slapd.guid_hex("user00009"));
    assert_eq!(user.username.as_deref(), Some("user00009"));
    assert_eq!(user.display_name.as_deref(), Some("user00009"), "cn stands in for displayName");
    assert!(!user.disabled);
    assert_eq!(user.changed, Some(Watermark("00000000000000001009".into())));
    let group = groups.iter().find(|g| g.dn == slapd.group_dn(0)).unwrap();
    assert_eq!(group.stable_id, slapd.guid_hex("group group000"));
    let mark = watermark(&users, &groups);
    assert_eq!(mark, Watermark("00000000000000001602".into()));

    slapd.replace(&slapd.user_dn(9), "userAccountControl", &["514"]);
    let upn = slapd.add_user("jdoe", &[("displayName", "Jane Doe")]);
    let renamed = slapd.rename(&slapd.user_dn(10), "cn=Renamed");

    let mut session = connect(&config).await;
    let changed = session.users(Some(&mark)).await.unwrap();
    let by_dn = |dn: &str| changed.iter().find(|u| u.dn == dn).unwrap().clone();
    // Entries at the mark come again (>=): none is a user here.
    assert_eq!(changed.len(), 3, "{changed:#?}");
    assert!(by_dn(&slapd.user_dn(9)).disabled);
    assert_eq!(by_dn(&upn).display_name.as_deref(), Some("Jane Doe"));
    assert_eq!(by_dn(&renamed).stable_id, slapd.guid_hex("user00010"));
    let newest = watermark(&changed, &[]);
    assert!(newest > mark);
    assert_eq!(session.groups(Some(&newest)).await.unwrap().len(), 0);

    let mut upn_config = config.clone();
    upn_config.username_attribute = "userPrincipalName".into();
    let users = connect(&upn_config).await.users(None).await.unwrap();
    assert!(users.iter().any(|u| u.username.as_deref() == Some("jdoe@corp.example")));
}
