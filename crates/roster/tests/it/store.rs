//! The storage conformance suite: the same bodies on a fresh SQLite file and
//! a fresh PostgreSQL database, straight through the store traits; plus a
//! check that the two migration trees build the same schema.

use std::sync::Arc;

use jiff::Timestamp;
use roster_domain::{
    AuthMethod, CertificateFingerprint, DisplayText, Email, GroupPatternList, HttpUrl,
    LdapServerType, LdapSettings, Provider, ProviderId, ProviderKind, ProviderName, ProvisionedBy,
    ProvisioningMethod, ProvisioningOptions, SamlTrust, ScimSettings, Site, SiteId, SiteSlug,
    TimeZoneName, TwoFactor, User, UserId, Username, UsernameAttribute,
};
use roster_store::{
    GroupRepo, HistoryFilter, HistoryRepo, IdpMetadataRecord, IdpMetadataRepo, NewHistory,
    PolicyRepo, ProviderRepo, SetupLinkRepo, SiteRepo, Store, StoreError, Transaction, UserRepo,
    connect,
};
use sqlx::Row;

use crate::helpers::{Backend, fresh_database};

pub(crate) fn at(second: i64, micro: i64) -> Timestamp {
    Timestamp::from_microsecond(second * 1_000_000 + micro).unwrap()
}

pub(crate) fn site(slug: &str) -> Site {
    Site::new(
        SiteId::from_raw(format!("site-{slug}")),
        SiteSlug::parse(slug).unwrap(),
        DisplayText::parse(slug).unwrap(),
        at(1_700_000_000, 1),
    )
}

pub(crate) fn provider(site: &Site) -> Provider {
    let mut options = ProvisioningOptions::defaults();
    options.only_groups = GroupPatternList::parse("IT*, Support").unwrap();
    options.site_admin_groups = GroupPatternList::parse("Admins").unwrap();
    options.default_time_zone = Some(TimeZoneName::parse("Europe/Paris").unwrap());
    options.provision_company = Some(DisplayText::parse("Acme").unwrap());
    options.two_factor = TwoFactor::Always;
    options.sftp = true;
    Provider {
        id: ProviderId::from_raw("provider-1"),
        site_id: site.id.clone(),
        kind: ProviderKind::Okta,
        name: ProviderName::parse("Okta").unwrap(),
        saml: SamlTrust::Fingerprint {
            sha256: CertificateFingerprint::parse(&"ab".repeat(32)).unwrap(),
            sso_url: HttpUrl::parse("https://idp.example.com/sso").unwrap(),
            slo_url: None,
        },
        // Not the defaults, so that the round trip proves each column.
        sign_in: roster_domain::SamlSignIn {
            idp_initiated: Some(false),
            name_id: roster_domain::NameIdSource::Email,
            allow_sha1: true,
            sign_requests: Some(false),
            attributes: roster_domain::AttributeNames {
                email: Some(roster_domain::AttributeName::parse("workEmail").unwrap()),
                first_name: Some(roster_domain::AttributeName::parse("urn:oid:2.5.4.42").unwrap()),
                last_name: Some(roster_domain::AttributeName::parse("sn").unwrap()),
                groups: Some(roster_domain::AttributeName::parse("teams").unwrap()),
            },
        },
        scim: ScimSettings {
            auth: roster_domain::ScimAuth::Basic,
            username: Some("scim-user".into()),
            secret_hash: Some("hash-now".into()),
            expires_at: Some(at(1_731_000_000, 7)),
            previous_secret_hash: Some("hash-before".into()),
            previous_valid_until: Some(at(1_700_100_000, 8)),
            last_success_at: Some(at(1_700_000_010, 9)),
            last_failure_at: Some(at(1_700_000_011, 10)),
        },
        ldap: Some(LdapSettings {
            enabled: true,
            host: "dc1.corp.example".into(),
            backup_host: Some("dc2.corp.example".into()),
            server_type: LdapServerType::OpenLdap,
            port: 3269,
            security: roster_domain::LdapSecurity::StartTls,
            ca_certificate: Some("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----".into()),
            username_attribute: UsernameAttribute::UserPrincipalName,
            bind_username: Some("cn=roster".into()),
            bind_password: Some(roster_domain::Secret::new("secret")),
            base_dn: "dc=corp,dc=example".into(),
            user_filter: Some("(ou=staff)".into()),
            group_filter: Some("(cn=app-*)".into()),
            domain: Some("corp.example".into()),
            interval_minutes: 90,
            failure_threshold: 7,
            consecutive_failures: 2,
            disabled_reason: Some("cannot reach the directory".into()),
        }),
        options,
        created_at: at(1_700_000_001, 123_456),
        updated_at: at(1_700_000_002, 654_321),
    }
}

pub(crate) fn full_user(site: &Site, provider: &Provider) -> User {
    let mut user = User::new(
        UserId::from_raw("user-1"),
        site.id.clone(),
        Username::parse("Ada@Example.com").unwrap(),
        at(1_700_000_003, 999_999),
    );
    user.full_name = Some(DisplayText::parse("Ada Lovelace").unwrap());
    user.first_name = Some(DisplayText::parse("Ada").unwrap());
    user.last_name = Some(DisplayText::parse("Lovelace").unwrap());
    user.display_name = Some(DisplayText::parse("Ada L.").unwrap());
    user.email = Some(Email::parse("ada@example.com").unwrap());
    user.company = Some(DisplayText::parse("Engines").unwrap());
    user.time_zone = Some(TimeZoneName::parse("Europe/London").unwrap());
    user.auth_method = AuthMethod::Sso(provider.id.clone());
    user.roles.readonly_site_admin = true;
    user.two_factor = TwoFactor::Never;
    user.permissions.webdav = true;
    user.external_id = Some("00u1".into());
    user.provisioned_by =
        ProvisionedBy { method: ProvisioningMethod::Scim, provider: Some(provider.id.clone()) };
    user.last_login_at = Some(at(1_700_000_004, 5));
    user
}

pub(crate) async fn open(backend: Backend) -> (Arc<Store>, crate::helpers::TestDatabase) {
    let db = fresh_database(backend).await;
    (connect(&db.config).await.unwrap(), db)
}

async fn every_value_round_trips_exactly(backend: Backend) {
    let (store, _db) = open(backend).await;
    let site = site("acme");
    let provider = provider(&site);
    let user = full_user(&site, &provider);
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&site).await.unwrap();
    tx.insert_provider(&provider).await.unwrap();
    tx.insert_user(&user).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.site_by_slug(&site.slug).await.unwrap(), Some(site.clone()));
    assert_eq!(tx.provider_by_id(&site.id, &provider.id).await.unwrap(), Some(provider.clone()));
    let found = tx
        .user_by_username(&site.id, &Username::parse("ADA@example.COM").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, user);
    assert_eq!(found.username.as_str(), "Ada@Example.com");
    // The site is part of every key: the same id in another site is nothing.
    assert_eq!(tx.user_by_id(&SiteId::from_raw("elsewhere"), &user.id).await.unwrap(), None);
}

async fn unique_values_conflict_and_dropped_transactions_roll_back(backend: Backend) {
    let (store, _db) = open(backend).await;
    let acme = site("acme");
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&acme).await.unwrap();
    tx.commit().await.unwrap();

    let mut clash = site("acme");
    clash.id = SiteId::from_raw("another-id");
    let mut tx = store.write().await.unwrap();
    assert!(matches!(tx.insert_site(&clash).await, Err(StoreError::Conflict { what: "slug" })));
    drop(tx);

    let user = User::new(
        UserId::from_raw("u1"),
        acme.id.clone(),
        Username::parse("bob").unwrap(),
        at(1, 0),
    );
    let twin = User::new(
        UserId::from_raw("u2"),
        acme.id.clone(),
        Username::parse("BOB").unwrap(),
        at(1, 0),
    );
    let mut tx = store.write().await.unwrap();
    tx.insert_user(&user).await.unwrap();
    assert!(matches!(tx.insert_user(&twin).await, Err(StoreError::Conflict { what: "username" })));
    drop(tx); // never committed: the first insert goes too

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.user_by_id(&acme.id, &user.id).await.unwrap(), None);
    assert_eq!(tx.list_sites(roster_store_page()).await.unwrap().total, 1);
}

fn roster_store_page() -> roster_store::Page {
    roster_store::Page { offset: 0, limit: 100 }
}

fn staff_group(site: &Site) -> roster_domain::Group {
    roster_domain::Group {
        id: roster_domain::GroupId::from_raw("g1"),
        site_id: site.id.clone(),
        name: roster_domain::GroupName::parse("Staff").unwrap(),
        managed_by: None,
        created_at: at(1, 0),
        updated_at: at(1, 0),
        state: roster_domain::policy::ProvisioningState::Active,
    }
}

async fn memberships_are_single_row_writes(backend: Backend) {
    let (store, _db) = open(backend).await;
    let acme = site("acme");
    let user = User::new(
        UserId::from_raw("u1"),
        acme.id.clone(),
        Username::parse("bob").unwrap(),
        at(1, 0),
    );
    let group = staff_group(&acme);
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&acme).await.unwrap();
    tx.insert_user(&user).await.unwrap();
    tx.insert_group(&group).await.unwrap();
    let member = roster_domain::Membership { user_id: user.id.clone(), is_admin: false };
    tx.put_member(&acme.id, &group.id, &member, at(2, 0)).await.unwrap();
    let admin = roster_domain::Membership { is_admin: true, ..member.clone() };
    tx.put_member(&acme.id, &group.id, &admin, at(3, 0)).await.unwrap();
    let listed = tx.list_members(&acme.id, &group.id, roster_store_page()).await.unwrap();
    assert_eq!(listed.total, 1);
    assert!(listed.items[0].membership.is_admin);
    assert_eq!(listed.items[0].username.as_str(), "bob");
    assert!(tx.remove_member(&acme.id, &group.id, &user.id).await.unwrap());
    assert!(!tx.remove_member(&acme.id, &group.id, &user.id).await.unwrap());
    tx.commit().await.unwrap();
}

/// The bulk writes of an LDAP sync: rows past each statement's chunk size
/// arrive exactly as the single-row writes would store them, a duplicate
/// username fails the whole insert, and a username look-up compares keys.
async fn bulk_writes_store_every_row(backend: Backend) {
    let (store, _db) = open(backend).await;
    let acme = site("acme");
    let provider = provider(&acme);
    let users: Vec<User> = (0..250)
        .map(|n| {
            let mut user = full_user(&acme, &provider);
            user.id = UserId::from_raw(format!("user-{n:03}"));
            user.username = Username::parse(&format!("Person{n}@Example.com")).unwrap();
            user.last_login_at = (n % 2 == 0).then(|| at(1_700_000_004, n));
            user
        })
        .collect();
    let group = staff_group(&acme);
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&acme).await.unwrap();
    tx.insert_provider(&provider).await.unwrap();
    tx.insert_users(&users).await.unwrap();
    tx.insert_group(&group).await.unwrap();
    let memberships: Vec<roster_domain::Membership> = users
        .iter()
        .enumerate()
        .map(|(n, user)| roster_domain::Membership { user_id: user.id.clone(), is_admin: n == 7 })
        .collect();
    tx.put_members(&acme.id, &group.id, &memberships, at(2, 0)).await.unwrap();
    // Again, with other admin flags: updated in place, nobody twice.
    let flipped: Vec<roster_domain::Membership> = memberships
        .iter()
        .map(|m| roster_domain::Membership { is_admin: !m.is_admin, ..m.clone() })
        .collect();
    tx.put_members(&acme.id, &group.id, &flipped, at(3, 0)).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let ids: Vec<UserId> = users.iter().map(|user| user.id.clone()).collect();
    let mut stored = tx.users_in_any_state(&acme.id, &ids).await.unwrap();
    stored.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(stored, users);
    let members = tx
        .list_members(&acme.id, &group.id, roster_store::Page { offset: 0, limit: 1000 })
        .await
        .unwrap();
    assert_eq!(members.total, 250);
    let admins: Vec<&str> = members
        .items
        .iter()
        .filter(|m| m.membership.is_admin)
        .map(|m| m.membership.user_id.as_str())
        .collect();
    assert_eq!(admins.len(), 249);
    assert!(!admins.contains(&"user-007"));
    let asked: Vec<Username> = ["PERSON3@example.com", "nobody", "person249@EXAMPLE.com"]
        .iter()
        .map(|name| Username::parse(name).unwrap())
        .collect();
    let mut holders = tx.holders_of_usernames(&acme.id, &asked).await.unwrap();
    holders.sort();
    assert_eq!(
        holders,
        [
            ("person249@example.com".to_owned(), UserId::from_raw("user-249")),
            ("person3@example.com".to_owned(), UserId::from_raw("user-003")),
        ]
    );
    drop(tx);

    // One clash among many: nothing of the batch is stored.
    let mut clash = users[0].clone();
    clash.id = UserId::from_raw("user-new");
    let mut fresh = users[1].clone();
    fresh.id = UserId::from_raw("user-fresh");
    fresh.username = Username::parse("fresh").unwrap();
    let mut tx = store.write().await.unwrap();
    assert!(matches!(
        tx.insert_users(&[fresh.clone(), clash]).await,
        Err(StoreError::Conflict { what: "username" })
    ));
    drop(tx);
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.users_in_any_state(&acme.id, &[fresh.id]).await.unwrap(), []);
}

/// SQLite has one writer; concurrent use cases must queue, never fail with
/// "database is locked".
async fn concurrent_writes_all_succeed(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    app.site("acme").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = app.app.clone();
        tasks.push(tokio::spawn(async move {
            let input =
                roster_app::admin::UserInput { username: format!("user{i}"), ..Default::default() };
            let admin = app.admin();
            let created = admin.create_user(&roster_app::Principal::Operator, "acme", input).await;
            let listed = admin
                .list_users(&roster_app::Principal::Operator, "acme", Default::default())
                .await;
            (created.map(|_| ()).map_err(|e| format!("{e:?}")), listed.is_ok())
        }));
    }
    for task in tasks {
        let (created, listed) = task.await.unwrap();
        assert_eq!(created, Ok(()));
        assert!(listed);
    }
    assert_eq!(app.get("/api/admin/sites/acme/users").await.body["total"], 40);
}

/// A set-up link round-trips, is found by its secret's hash only, is
/// revoked once, and goes with its provider.
async fn setup_links_round_trip_and_go_with_their_provider(backend: Backend) {
    let (store, _db) = open(backend).await;
    let site = site("acme");
    let provider = provider(&site);
    let link = roster_domain::SetupLink {
        id: "link-1".into(),
        site_id: site.id.clone(),
        provider_id: provider.id.clone(),
        secret_hash: "ab".repeat(32),
        description: Some("Acme IT".into()),
        created_by: "operator".into(),
        created_at: at(1_000, 1),
        expires_at: at(2_000, 2),
        revoked_at: None,
        last_opened_at: None,
    };
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&site).await.unwrap();
    tx.insert_provider(&provider).await.unwrap();
    tx.insert_setup_link(&link).await.unwrap();
    let twin = roster_domain::SetupLink { id: "link-2".into(), ..link.clone() };
    assert!(matches!(tx.insert_setup_link(&twin).await, Err(StoreError::Conflict { .. })));
    drop(tx);

    let mut tx = store.write().await.unwrap();
    tx.insert_site(&site).await.unwrap();
    tx.insert_provider(&provider).await.unwrap();
    tx.insert_setup_link(&link).await.unwrap();
    tx.touch_setup_link(&site.id, &link.id, at(1_500, 0)).await.unwrap();
    assert!(tx.revoke_setup_link(&site.id, &link.id, at(1_600, 0)).await.unwrap());
    assert!(tx.revoke_setup_link(&site.id, &link.id, at(1_700, 0)).await.unwrap());
    assert!(
        !tx.revoke_setup_link(&SiteId::from_raw("elsewhere"), &link.id, at(1, 0)).await.unwrap()
    );
    tx.commit().await.unwrap();

    let mut tx = store.read().await.unwrap();
    let stored = roster_domain::SetupLink {
        last_opened_at: Some(at(1_500, 0)),
        revoked_at: Some(at(1_600, 0)),
        ..link.clone()
    };
    assert_eq!(tx.setup_link_by_hash(&link.secret_hash).await.unwrap(), Some(stored.clone()));
    assert_eq!(tx.setup_link(&site.id, &link.id).await.unwrap(), Some(stored.clone()));
    assert_eq!(tx.setup_links(&site.id).await.unwrap(), [stored]);
    assert_eq!(tx.setup_link(&SiteId::from_raw("elsewhere"), &link.id).await.unwrap(), None);
    assert_eq!(tx.setup_link_by_hash("cd").await.unwrap(), None);
    drop(tx);

    let mut tx = store.write().await.unwrap();
    assert!(tx.delete_provider(&site.id, &provider.id).await.unwrap());
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.setup_link_by_hash(&link.secret_hash).await.unwrap(), None);
}

/// The provider generation moves on when a change of a site, a provider or
/// a fetched IdP metadata document commits, and only then: what caches
/// what was read of them (the SCIM credentials, the SAML providers)
/// depends on it.
async fn provider_changes_move_the_generation_on(backend: Backend) {
    let (store, _db) = open(backend).await;
    let mut acme = site("acme");
    let mut okta = provider(&acme);
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&acme).await.unwrap();
    tx.insert_provider(&okta).await.unwrap();
    tx.commit().await.unwrap();
    let start = store.provider_generation();

    okta.options.sftp = false;
    let mut tx = store.write().await.unwrap();
    tx.update_provider(&okta).await.unwrap();
    drop(tx);
    assert_eq!(store.provider_generation(), start, "a rolled-back change is no change");
    let mut tx = store.read_latest().await.unwrap();
    tx.provider_by_id(&acme.id, &okta.id).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.provider_generation(), start, "reads change nothing");

    let mut tx = store.write().await.unwrap();
    tx.update_provider(&okta).await.unwrap();
    tx.commit().await.unwrap();
    let after_provider = store.provider_generation();
    assert!(after_provider > start);
    acme.name = DisplayText::parse("Acme Inc").unwrap();
    let mut tx = store.write().await.unwrap();
    tx.update_site(&acme).await.unwrap();
    tx.commit().await.unwrap();
    let after_site = store.provider_generation();
    assert!(after_site > after_provider);
    let metadata = IdpMetadataRecord {
        site_id: acme.id.clone(),
        provider_id: okta.id.clone(),
        url: HttpUrl::parse("https://idp.example/metadata").unwrap(),
        xml: Some("<EntityDescriptor/>".into()),
        fetched_at: Some(at(10, 0)),
        refresh_due_at: at(20, 0),
        error: None,
        error_at: None,
    };
    let put = |record: IdpMetadataRecord| {
        let store = store.clone();
        async move {
            let mut tx = store.write().await.unwrap();
            tx.put_idp_metadata(&record).await.unwrap();
            tx.commit().await.unwrap();
            store.provider_generation()
        }
    };
    let after_metadata = put(metadata.clone()).await;
    assert!(after_metadata > after_site, "a fetched document changes what sign-ins trust");
    let same_document = IdpMetadataRecord {
        fetched_at: Some(at(30, 0)),
        refresh_due_at: at(40, 0),
        error: Some("timed out".into()),
        error_at: Some(at(30, 0)),
        ..metadata.clone()
    };
    assert_eq!(put(same_document).await, after_metadata, "the same document, a failure: no change");
    let rotated =
        IdpMetadataRecord { xml: Some("<EntityDescriptor ID=\"2\"/>".into()), ..metadata.clone() };
    let after_rotation = put(rotated).await;
    assert!(after_rotation > after_metadata, "another document");
    let moved = IdpMetadataRecord {
        url: HttpUrl::parse("https://idp.example/other").unwrap(),
        ..metadata.clone()
    };
    let after_metadata = put(moved).await;
    assert!(after_metadata > after_rotation, "another URL");
    let mut tx = store.write().await.unwrap();
    tx.delete_idp_metadata(&acme.id, &okta.id).await.unwrap();
    tx.commit().await.unwrap();
    let after_forgotten = store.provider_generation();
    assert!(after_forgotten > after_metadata);
    let mut tx = store.write().await.unwrap();
    tx.delete_provider(&acme.id, &okta.id).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.provider_generation() > after_forgotten);
}

/// History entries are numbered per site from 1, in the order appended,
/// without gaps: across appends of one entry, of several, and of more than
/// one statement carries (500 rows), beside another site's, and after an
/// append that was rolled back.
async fn history_is_numbered_per_site_without_gaps(backend: Backend) {
    let (store, _db) = open(backend).await;
    let (acme, globex) = (site("acme"), site("globex"));
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&acme).await.unwrap();
    tx.insert_site(&globex).await.unwrap();
    tx.commit().await.unwrap();
    let entry = |name: String| NewHistory {
        at: at(1, 0),
        interface: "api".into(),
        actor_kind: "operator".into(),
        actor_id: None,
        actor_name: None,
        target_kind: Some("user".into()),
        target_id: None,
        target_name: Some(name),
        action: "created".into(),
        reason: None,
        changes: "[]".into(),
    };
    let mut appended: Vec<String> = Vec::new();
    for (size, commit) in [(1, true), (3, true), (2, false), (1201, true), (1, true)] {
        let names: Vec<String> =
            (0..size).map(|index| format!("u{}-{index}", appended.len())).collect();
        let mut tx = store.write().await.unwrap();
        tx.append_history(&acme.id, &names.iter().cloned().map(entry).collect::<Vec<_>>())
            .await
            .unwrap();
        tx.append_history(&globex.id, &[entry(format!("g{}", appended.len()))]).await.unwrap();
        if commit {
            tx.commit().await.unwrap();
            appended.extend(names);
        }
    }
    let mut tx = store.read().await.unwrap();
    let mut stored = tx.search_history(&acme.id, &HistoryFilter::default(), 5000).await.unwrap();
    stored.reverse();
    let seqs: Vec<i64> = stored.iter().map(|record| record.seq).collect();
    let expected: Vec<i64> = (1..=i64::try_from(appended.len()).unwrap()).collect();
    assert_eq!(seqs, expected, "numbered from 1 without gaps");
    let names: Vec<String> =
        stored.iter().map(|record| record.entry.target_name.clone().unwrap()).collect();
    assert_eq!(names, appended, "in the order appended");
    assert_eq!(tx.last_history_seq(&acme.id).await.unwrap(), 1206);
    let other = tx.search_history(&globex.id, &HistoryFilter::default(), 10).await.unwrap();
    assert_eq!(other.iter().map(|record| record.seq).collect::<Vec<_>>(), vec![4, 3, 2, 1]);
    assert_eq!(tx.last_history_seq(&globex.id).await.unwrap(), 4);
}

crate::on_both_databases!(
    history_is_numbered_per_site_without_gaps,
    provider_changes_move_the_generation_on,
    setup_links_round_trip_and_go_with_their_provider,
    every_value_round_trips_exactly,
    unique_values_conflict_and_dropped_transactions_roll_back,
    memberships_are_single_row_writes,
    bulk_writes_store_every_row,
    concurrent_writes_all_succeed,
);

/// What the two migration trees must agree on.
#[derive(Debug, PartialEq)]
struct Schema {
    /// Table, column and NOT NULL of every column.
    columns: Vec<(String, String, bool)>,
    /// Names of the secondary indexes.
    indexes: Vec<String>,
    /// Table and columns of every primary key and unique constraint.
    keys: Vec<(String, String)>,
    /// Table, column and referenced table of every foreign key.
    references: Vec<(String, String, String)>,
    /// Names of the triggers.
    triggers: Vec<String>,
}

async fn rows(
    conn: &mut sqlx::AnyConnection,
    sql: &'static str,
    cols: &[&str],
) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = sqlx::query(sql)
        .fetch_all(conn)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            cols.iter()
                .map(|col| {
                    row.try_get::<String, _>(*col)
                        .unwrap_or_else(|_| row.get::<i64, _>(*col).to_string())
                })
                .collect()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn schema_of(backend: Backend) -> Schema {
    let db = fresh_database(backend).await;
    connect(&db.config).await.unwrap().close().await;
    let url = match &db.config {
        roster_store::StoreConfig::Sqlite { path } => format!("sqlite://{}", path.display()),
        roster_store::StoreConfig::Postgres { url, .. } => url.expose().to_owned(),
    };
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    let sqlite = backend == Backend::Sqlite;
    let columns = rows(
        &mut conn,
        if sqlite {
            "SELECT m.name AS t, p.name AS c, p.\"notnull\" AS n FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
             AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        } else {
            "SELECT table_name::text AS t, column_name::text AS c, \
             CASE is_nullable WHEN 'NO' THEN 1 ELSE 0 END AS n FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'"
        },
        &["t", "c", "n"],
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone(), r[2] != "0"))
    .collect();
    let indexes = rows(
        &mut conn,
        if sqlite {
            "SELECT name AS i FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite\\_autoindex%' ESCAPE '\\'"
        } else {
            "SELECT i.relname::text AS i FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = 'public' AND NOT x.indisprimary \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
             AND t.relname NOT LIKE '\\_sqlx%'"
        },
        &["i"],
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    // One row per key column, aggregated to "table: col,col" below.
    let key_rows = rows(
        &mut conn,
        if sqlite {
            "SELECT m.name AS t, l.name AS k, i.seqno AS s, i.name AS c FROM sqlite_master m \
             JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i \
             WHERE m.type = 'table' AND l.\"unique\" = 1 AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\'"
        } else {
            "SELECT tc.table_name::text AS t, tc.constraint_name::text AS k, \
             kcu.ordinal_position::bigint AS s, kcu.column_name::text AS c \
             FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu \
             ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
             WHERE tc.table_schema = 'public' AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE') \
             AND tc.table_name NOT LIKE '\\_sqlx%'"
        },
        &["t", "k", "s", "c"],
    )
    .await;
    let mut grouped: std::collections::BTreeMap<(String, String), Vec<(i64, String)>> =
        Default::default();
    for r in key_rows {
        grouped
            .entry((r[0].clone(), r[1].clone()))
            .or_default()
            .push((r[2].parse().unwrap(), r[3].clone()));
    }
    let mut keys: Vec<(String, String)> = grouped
        .into_iter()
        .map(|((table, _), mut cols)| {
            cols.sort();
            (table, cols.into_iter().map(|(_, c)| c).collect::<Vec<_>>().join(","))
        })
        .collect();
    keys.sort();
    let references = rows(
        &mut conn,
        if sqlite {
            "SELECT m.name AS t, f.\"from\" AS c, f.\"table\" AS r FROM sqlite_master m \
             JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
        } else {
            "SELECT tc.table_name::text AS t, kcu.column_name::text AS c, ccu.table_name::text AS r \
             FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu \
             ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
             JOIN information_schema.constraint_column_usage ccu \
             ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
             WHERE tc.table_schema = 'public' AND tc.constraint_type = 'FOREIGN KEY'"
        },
        &["t", "c", "r"],
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
    .collect();
    let triggers = rows(
        &mut conn,
        if sqlite {
            "SELECT name AS g FROM sqlite_master WHERE type = 'trigger'"
        } else {
            "SELECT DISTINCT trigger_name::text AS g FROM information_schema.triggers \
             WHERE trigger_schema = 'public'"
        },
        &["g"],
    )
    .await
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    Schema { columns, indexes, keys, references, triggers }
}

#[tokio::test]
async fn both_migration_trees_build_the_same_schema() {
    let sqlite = schema_of(Backend::Sqlite).await;
    let postgres = schema_of(Backend::Postgres).await;
    assert!(sqlite.columns.len() > 50, "{sqlite:?}");
    assert!(
        sqlite.keys.contains(&("users".to_owned(), "site_id,username_key".to_owned())),
        "{:?}",
        sqlite.keys
    );
    assert!(sqlite.references.contains(&(
        "group_members".to_owned(),
        "user_id".to_owned(),
        "users".to_owned()
    )));
    assert_eq!(sqlite.columns, postgres.columns);
    assert_eq!(sqlite.indexes, postgres.indexes);
    assert_eq!(sqlite.keys, postgres.keys);
    assert_eq!(sqlite.references, postgres.references);
    assert_eq!(sqlite.triggers, vec!["users_sign_in_method_changed".to_owned()]);
    assert_eq!(sqlite.triggers, postgres.triggers);
}
