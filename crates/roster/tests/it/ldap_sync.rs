//! LDAP provisioning end to end against a real OpenLDAP `slapd` (the
//! `roster_ldap::testing` fixture): full and incremental syncs, renames,
//! membership changes and deletions, group filters and role mappings, no
//! takeover of local users, paging past the server's size limit, failover
//! to the backup host, switching off after repeated failures, and a
//! directory killed mid-search leaving the store as it was.

use reqwest::StatusCode;
use roster_ldap::testing::{SYNC_PASSWORD, Slapd};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

/// The provider's `ldap` settings reaching `slapd` with StartTLS.
fn settings(slapd: &Slapd) -> Value {
    let (host, port) =
        slapd.address().rsplit_once(':').map(|(h, p)| (h.to_owned(), p.to_owned())).unwrap();
    json!({
        "host": host,
        "port": port.parse::<u16>().unwrap(),
        "security": "starttls",
        "ca_certificate": slapd.ca_pem(),
        "server_type": "openldap",
        "bind_username": slapd.sync_dn(),
        "bind_password": SYNC_PASSWORD,
        "base_dn": slapd.base_dn(),
    })
}

/// A site `acme` with an Okta provider provisioned by `slapd`; returns the
/// provider's admin path.
pub(crate) async fn provider(app: &TestApp, slapd: &Slapd, options: Value) -> String {
    app.site("acme").await;
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({ "kind": "okta", "name": "Directory", "ldap": settings(slapd), "provisioning": options }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    format!("/api/admin/sites/acme/providers/{}", created.body["id"].as_str().unwrap())
}

pub(crate) async fn sync(app: &TestApp, provider: &str, full: bool) -> Value {
    let ran = app.post(&format!("{provider}/sync"), json!({ "full": full })).await;
    assert_eq!(ran.status, StatusCode::OK, "{ran:?}");
    ran.body
}

/// Every user, by username: the admin view.
pub(crate) async fn users(app: &TestApp) -> std::collections::BTreeMap<String, Value> {
    let mut all = std::collections::BTreeMap::new();
    let mut offset = 0;
    loop {
        let page = app.get(&format!("/api/admin/sites/acme/users?limit=500&offset={offset}")).await;
        let items = page.body["items"].as_array().unwrap().clone();
        if items.is_empty() {
            return all;
        }
        offset += items.len();
        for user in items {
            all.insert(user["username"].as_str().unwrap().to_owned(), user);
        }
    }
}

/// The usernames of a group's members.
pub(crate) async fn members(app: &TestApp, group: &str) -> Vec<String> {
    let groups = app.get("/api/admin/sites/acme/groups?limit=500").await;
    let Some(group) = groups.body["items"].as_array().unwrap().iter().find(|g| g["name"] == group)
    else {
        return Vec::new();
    };
    let path =
        format!("/api/admin/sites/acme/groups/{}/members?limit=500", group["id"].as_str().unwrap());
    let listed = app.get(&path).await;
    let by_id: std::collections::HashMap<String, String> = users(app)
        .await
        .into_iter()
        .map(|(name, user)| (user["id"].as_str().unwrap().to_owned(), name))
        .collect();
    let mut names: Vec<String> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|member| by_id.get(member["user_id"].as_str().unwrap()).cloned())
        .collect();
    names.sort();
    names
}

/// The connections on which the sync account bound, from slapd's own log
/// (`stats` level), each with the number of searches made on it.
fn sync_binds(slapd: &Slapd) -> Vec<(String, usize)> {
    let log = slapd.log();
    let bind = format!("BIND dn=\"{}\" method=128", slapd.sync_dn()).to_lowercase();
    let mut binds: Vec<(String, usize)> = log
        .lines()
        .filter(|line| line.to_lowercase().contains(&bind))
        .filter_map(|line| line.split_whitespace().find(|word| word.starts_with("conn=")))
        .map(|conn| (conn.to_owned(), 0))
        .collect();
    for (conn, searches) in &mut binds {
        let search = format!("{conn} ");
        *searches = log
            .lines()
            .filter(|line| line.contains(&search) && line.contains(" SRCH base="))
            .count();
    }
    binds
}

async fn a_full_sync_then_incremental_changes(backend: Backend) {
    // 600 users: past the sync account's size limit of 500.
    let slapd = Slapd::builder().bulk(600, 6, 2).start();
    assert!(slapd.size_limit() < 600);
    let app = spawn_app(backend).await;
    let options = json!({ "deprovision_users": true, "deprovisioning_method": "disable" });
    let provider = provider(&app, &slapd, options).await;

    let report = sync(&app, &provider, false).await;
    assert_eq!(report["failure"], Value::Null, "{report}");
    assert_eq!(report["full"], true, "the first sync reads everything");
    assert_eq!(report["users_created"], 600, "{report}");
    assert_eq!(report["groups_created"], 6);
    assert_eq!(report["memberships_added"], 1200);
    assert_eq!(report["served_by"], slapd.address());
    // One bind for the whole sync: the users' two pages and the groups'
    // page are searched on the one bound connection.
    let binds = sync_binds(&slapd);
    assert_eq!(binds.len(), 1, "one BIND per sync: {binds:?}\n{}", slapd.log());
    assert!(binds[0].1 >= 3, "paged searches on that connection: {binds:?}");
    let all = users(&app).await;
    assert_eq!(all.len(), 600);
    let first = &all[&slapd.username(0)];
    assert_eq!(first["email"], format!("{}@example.org", slapd.username(0)));
    assert_eq!(first["auth_method"], "sso", "{first}");
    assert_eq!(members(&app, "group000").await.len(), 200);

    // Nothing changed: nothing written.
    let again = sync(&app, &provider, false).await;
    assert_eq!(again["full"], false, "{again}");
    assert_eq!(
        (again["users_created"].clone(), again["users_updated"].clone()),
        (json!(0), json!(0))
    );

    // Edits, a new user, a rename, a membership removed.
    let ada = slapd.user_dn(1);
    slapd.replace(&ada, "mail", &["ada@corp.example"]);
    let new = slapd.add_user("newcomer", &[]);
    slapd.add_member(&slapd.group_dn(0), &new);
    slapd.remove_member(&slapd.group_dn(1), &slapd.user_dn(1));
    let renamed_id = all[&slapd.username(2)]["id"].clone();
    let moved = slapd.rename(&slapd.user_dn(2), "uid=renamed");
    slapd.replace(&moved, "uid", &["renamed"]);
    let report = sync(&app, &provider, false).await;
    assert_eq!(sync_binds(&slapd).len(), 3, "one more BIND per sync");
    assert_eq!(report["full"], false, "{report}");
    assert_eq!(report["users_created"], 1, "{report}");
    assert!(report["users_updated"].as_u64().unwrap() >= 2, "{report}");
    assert_eq!(report["memberships_added"], 1, "{report}");
    assert_eq!(report["memberships_removed"], 1, "{report}");
    let all = users(&app).await;
    assert_eq!(all[&slapd.username(1)]["email"], "ada@corp.example");
    assert_eq!(all["renamed"]["id"], renamed_id, "a rename keeps the identity");
    assert!(!all.contains_key(&slapd.username(2)));
    assert!(members(&app, "group000").await.contains(&"newcomer".to_owned()));
    assert!(!members(&app, "group001").await.contains(&slapd.username(1)));

    // A deletion is seen by a full sync: disabled and released here.
    slapd.delete(&slapd.user_dn(3));
    let incremental = sync(&app, &provider, false).await;
    assert_eq!(incremental["users_deprovisioned"], 0, "{incremental}");
    let full = sync(&app, &provider, true).await;
    assert_eq!(full["users_deprovisioned"], 1, "{full}");
    let gone = &users(&app).await[&slapd.username(3)];
    assert_eq!(gone["enabled"], false, "{gone}");

    let runs = app.get(&format!("{provider}/sync/runs")).await;
    assert_eq!(runs.body["items"].as_array().unwrap().len(), 5, "{runs:?}");
    assert!(runs.body["items"][0]["report"]["duration_ms"].as_u64().unwrap() > 0, "{runs:?}");
    assert_eq!(runs.body["items"][0]["report"]["full"], true, "newest first");
}

async fn filters_mappings_and_no_takeover(backend: Backend) {
    let slapd = Slapd::builder().bulk(6, 3, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({})).await;
    // A local user holding a directory username is not taken over.
    let local = app.user("acme", json!({ "username": slapd.username(5) })).await;
    let options = json!({
        "only_users_in_groups": "group000, group001",
        "exclude_groups": "group001",
        "site_admin_groups": "group000",
    });
    let set = app.patch(&provider, json!({ "provisioning": options })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let report = sync(&app, &provider, true).await;
    assert_eq!(report["errors"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["errors"][0]["dn"], slapd.user_dn(5));
    let all = users(&app).await;
    assert_eq!(all[&slapd.username(5)]["id"], local, "the local user stays itself");
    assert_eq!(all[&slapd.username(5)]["auth_method"], "password");
    // group000 users are in scope and site admins; group002 users are
    // pending (not shown); group001 is excluded but still puts its users in
    // scope (only_users_in_groups) without admin rights.
    let admin = &all[&slapd.username(0)];
    assert_eq!(admin["site_admin"], true, "{admin}");
    assert!(!all.contains_key(&slapd.username(2)), "outside the groups: pending");
    let groups = app.get("/api/admin/sites/acme/groups").await;
    let names: Vec<&str> = groups.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert!(names.contains(&"group000") && !names.contains(&"group001"), "{names:?}");
}

async fn failover_failures_and_a_directory_killed_mid_search(backend: Backend) {
    let slapd = Slapd::builder().bulk(300, 3, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({})).await;
    let first = sync(&app, &provider, true).await;
    assert_eq!(first["served_by"], slapd.address(), "{first}");

    // The host unreachable (a closed port), the backup serves; a host's
    // own port wins over the settings' port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let moved = json!({ "ldap": { "host": closed.to_string(), "backup_host": slapd.address() } });
    assert_eq!(app.patch(&provider, moved).await.status, StatusCode::OK);
    let served = sync(&app, &provider, true).await;
    assert_eq!(served["failure"], Value::Null, "{served}");
    assert_eq!(served["served_by"], slapd.address(), "{served}");

    // Killed mid-search: the sync fails and nothing changes.
    let wire = slapd.tripwire(20_000);
    let through = json!({ "ldap": { "host": wire.address(), "backup_host": null } });
    assert_eq!(app.patch(&provider, through).await.status, StatusCode::OK);
    slapd.replace(&slapd.user_dn(0), "mail", &["changed@corp.example"]);
    let before = users(&app).await;
    let failed = sync(&app, &provider, true).await;
    assert!(failed["failure"].is_string(), "{failed}");
    assert!(wire.tripped());
    assert_eq!(users(&app).await, before, "a failed sync changes nothing");

    // Failures count; at the threshold provisioning switches itself off.
    let unreachable = json!({ "ldap": { "host": closed.to_string(), "failure_threshold": 2 } });
    assert_eq!(app.patch(&provider, unreachable).await.status, StatusCode::OK);
    let failed = sync(&app, &provider, false).await;
    assert!(failed["failure"].as_str().unwrap().contains("cannot reach"), "{failed}");
    let shown = app.get(&provider).await;
    assert_eq!(shown.body["ldap"]["enabled"], false, "{shown:?}");
    assert!(shown.body["ldap"]["disabled_reason"].as_str().unwrap().contains("cannot reach"));
    let refused = app.post(&format!("{provider}/sync"), json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert_eq!(refused.body["error"], "ldap_not_configured");
    // Switched on again, the failures are forgiven and it syncs (the
    // tripwire killed the server: it starts again).
    if !slapd.is_running() {
        slapd.restart();
    }
    let on = json!({ "ldap": { "enabled": true, "host": slapd.address() } });
    let on = app.patch(&provider, on).await;
    assert_eq!(on.body["ldap"]["disabled_reason"], Value::Null, "{on:?}");
    let back = sync(&app, &provider, false).await;
    assert_eq!(back["failure"], Value::Null, "{back}");
    assert_eq!(users(&app).await[&slapd.username(0)]["email"], "changed@corp.example");
}

/// The Active Directory flavour: accounts disabled by
/// `userAccountControl` are disabled here and enabled again with the
/// directory; a sync through another host reads everything (uSNChanged is
/// counted per domain controller).
async fn active_directory_accounts_and_hosts(backend: Backend) {
    let slapd = Slapd::builder().active_directory().bulk(20, 2, 1).start();
    let app = spawn_app(backend).await;
    let mut ldap = settings(&slapd);
    ldap["server_type"] = json!("active_directory");
    app.site("acme").await;
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({ "kind": "ldap", "name": "AD", "ldap": ldap,
                    "provisioning": { "deprovision_users": true, "deprovisioning_method": "disable" } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["ldap"]["username_attribute"], "sAMAccountName");
    let provider =
        format!("/api/admin/sites/acme/providers/{}", created.body["id"].as_str().unwrap());
    let first = sync(&app, &provider, false).await;
    assert_eq!(first["users_created"], 20, "{first}");
    assert_eq!(users(&app).await[&slapd.username(4)]["enabled"], true);

    slapd.replace(&slapd.user_dn(4), "userAccountControl", &["514"]);
    let report = sync(&app, &provider, false).await;
    assert_eq!(report["full"], false, "{report}");
    assert_eq!(users(&app).await[&slapd.username(4)]["enabled"], false, "disabled in AD");
    slapd.replace(&slapd.user_dn(4), "userAccountControl", &["512"]);
    sync(&app, &provider, false).await;
    assert_eq!(users(&app).await[&slapd.username(4)]["enabled"], true, "enabled again");

    // The same directory reached under another name: another "host".
    let other_name = slapd.address().replace("127.0.0.1", "localhost");
    let moved = app.patch(&provider, json!({ "ldap": { "host": other_name } })).await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    let report = sync(&app, &provider, false).await;
    assert_eq!(report["full"], true, "a new domain controller: read everything: {report}");
    assert_eq!(report["users_created"], 0, "the same users, by objectGUID: {report}");
}

crate::on_both_databases!(
    active_directory_accounts_and_hosts,
    a_full_sync_then_incremental_changes,
    filters_mappings_and_no_takeover,
    failover_failures_and_a_directory_killed_mid_search,
);
