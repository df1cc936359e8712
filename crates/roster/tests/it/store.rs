//! The storage conformance suite: the same bodies on a fresh SQLite file and
//! a fresh PostgreSQL database, straight through the store traits; plus a
//! check that the two migration trees build the same schema.

use std::sync::Arc;

use jiff::Timestamp;
use roster_app::{connect, Store, StoreError};
use roster_domain::{
    AuthMethod, CertificateFingerprint, DisplayText, Email, GroupPatternList, HttpUrl,
    LdapServerType, LdapSettings, Provider, ProviderId, ProviderKind, ProviderName,
    ProvisioningOptions, ProvisionedBy, ProvisioningMethod, SamlTrust, ScimSettings, Site, SiteId,
    SiteSlug, TimeZoneName, TwoFactor, User, UserId, Username, UsernameAttribute,
};
use sqlx::Row;

use crate::helpers::{fresh_database, Backend};

fn at(second: i64, micro: i64) -> Timestamp {
    Timestamp::from_microsecond(second * 1_000_000 + micro).unwrap()
}

fn site(slug: &str) -> Site {
    Site::new(SiteId::from_raw(format!("site-{slug}")), SiteSlug::parse(slug).unwrap(), DisplayText::parse(slug).unwrap(), at(1_700_000_000, 1))
}

fn provider(site: &Site) -> Provider {
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
        scim: ScimSettings::off(),
        ldap: Some(LdapSettings {
            enabled: true,
            host: "dc1.corp.example".into(),
            backup_host: Some("dc2.corp.example".into()),
            server_type: LdapServerType::OpenLdap,
            port: 636,
            secure: true,
            username_attribute: UsernameAttribute::UserPrincipalName,
            bind_username: Some("cn=roster".into()),
            bind_password: Some("secret".into()),
            base_dn: "dc=corp,dc=example".into(),
            domain: Some("corp.example".into()),
            consecutive_failures: 2,
        }),
        options,
        created_at: at(1_700_000_001, 123_456),
        updated_at: at(1_700_000_002, 654_321),
    }
}

fn full_user(site: &Site, provider: &Provider) -> User {
    let mut user = User::new(UserId::from_raw("user-1"), site.id.clone(), Username::parse("Ada@Example.com").unwrap(), at(1_700_000_003, 999_999));
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
    user.provisioned_by = ProvisionedBy { method: ProvisioningMethod::Scim, provider: Some(provider.id.clone()) };
    user.last_login_at = Some(at(1_700_000_004, 5));
    user
}

async fn open(backend: Backend) -> (Arc<dyn Store>, crate::helpers::TestDatabase) {
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
    let found = tx.user_by_username(&site.id, &Username::parse("ADA@example.COM").unwrap()).await.unwrap().unwrap();
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

    let user = User::new(UserId::from_raw("u1"), acme.id.clone(), Username::parse("bob").unwrap(), at(1, 0));
    let twin = User::new(UserId::from_raw("u2"), acme.id.clone(), Username::parse("BOB").unwrap(), at(1, 0));
    let mut tx = store.write().await.unwrap();
    tx.insert_user(&user).await.unwrap();
    assert!(matches!(tx.insert_user(&twin).await, Err(StoreError::Conflict { what: "username" })));
    drop(tx); // never committed: the first insert goes too

    let mut tx = store.read().await.unwrap();
    assert_eq!(tx.user_by_id(&acme.id, &user.id).await.unwrap(), None);
    assert_eq!(tx.list_sites(roster_store_page()).await.unwrap().total, 1);
}

fn roster_store_page() -> roster_app::Page {
    roster_app::Page { offset: 0, limit: 100 }
}

async fn memberships_are_single_row_writes(backend: Backend) {
    let (store, _db) = open(backend).await;
    let acme = site("acme");
    let user = User::new(UserId::from_raw("u1"), acme.id.clone(), Username::parse("bob").unwrap(), at(1, 0));
    let group = roster_domain::Group {
        id: roster_domain::GroupId::from_raw("g1"),
        site_id: acme.id.clone(),
        name: roster_domain::GroupName::parse("Staff").unwrap(),
        managed_by: None,
        created_at: at(1, 0),
        updated_at: at(1, 0),
    };
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

/// SQLite has one writer; concurrent use cases must queue, never fail with
/// "database is locked".
async fn concurrent_writes_all_succeed(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    app.site("acme").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let app = app.app.clone();
        tasks.push(tokio::spawn(async move {
            let input = roster_app::UserInput { username: format!("user{i}"), ..Default::default() };
            let created = app.create_user(&roster_app::Principal::Operator, "acme", input).await;
            let listed = app.list_users(&roster_app::Principal::Operator, "acme", Default::default()).await;
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

crate::on_both_databases!(
    every_value_round_trips_exactly,
    unique_values_conflict_and_dropped_transactions_roll_back,
    memberships_are_single_row_writes,
    concurrent_writes_all_succeed,
);

/// Table, column and NOT NULL of every column, and the names of the
/// secondary indexes.
async fn schema_of(backend: Backend) -> (Vec<(String, String, bool)>, Vec<String>) {
    let db = fresh_database(backend).await;
    connect(&db.config).await.unwrap().close().await;
    let url = match &db.config {
        roster_app::StoreConfig::Sqlite { path } => format!("sqlite://{}", path.display()),
        roster_app::StoreConfig::Postgres { url, .. } => url.clone(),
    };
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    let (columns_sql, indexes_sql) = match backend {
        Backend::Sqlite => (
            "SELECT m.name AS t, p.name AS c, p.\"notnull\" AS n FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
             AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            "SELECT name AS i FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite\\_autoindex%' ESCAPE '\\'",
        ),
        Backend::Postgres => (
            "SELECT table_name::text AS t, column_name::text AS c, \
             CASE is_nullable WHEN 'NO' THEN 1 ELSE 0 END AS n FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
            "SELECT indexname::text AS i FROM pg_indexes WHERE schemaname = 'public' \
             AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'",
        ),
    };
    let mut columns: Vec<(String, String, bool)> = sqlx::query(columns_sql)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get::<String, _>("t"), row.get::<String, _>("c"), row.get::<i64, _>("n") != 0))
        .collect();
    columns.sort();
    let mut indexes: Vec<String> =
        sqlx::query(indexes_sql).fetch_all(&mut conn).await.unwrap().iter().map(|row| row.get::<String, _>("i")).collect();
    indexes.sort();
    (columns, indexes)
}

#[tokio::test]
async fn both_migration_trees_build_the_same_schema() {
    let (sqlite_columns, sqlite_indexes) = schema_of(Backend::Sqlite).await;
    let (postgres_columns, postgres_indexes) = schema_of(Backend::Postgres).await;
    assert!(sqlite_columns.len() > 50, "{sqlite_columns:?}");
    // SQLite reports primary-key columns as nullable unless declared NOT
    // NULL; the migrations declare them, so NOT NULL must agree too.
    assert_eq!(sqlite_columns, postgres_columns);
    assert_eq!(sqlite_indexes, postgres_indexes);
}
