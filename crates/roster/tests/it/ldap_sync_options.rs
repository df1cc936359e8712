//! The provisioning options applied by an LDAP sync against a real
//! OpenLDAP `slapd`, each asserted on the stored users and groups: role
//! mappings (site, read-only and group admins, password groups), the
//! defaults a new user gets (company, time zone, 2FA, protocols, default
//! groups), `only_groups`, the membership switches and de-provisioning by
//! deletion; and the report's counts, exactly.

use reqwest::StatusCode;
use roster_ldap::testing::Slapd;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::ldap_sync::{members, provider, sync, users};

/// The group's members as `(username, is_admin)`, sorted.
async fn admins(app: &TestApp, group: &str) -> Vec<(String, bool)> {
    let groups = app.get("/api/admin/sites/acme/groups?limit=500").await;
    let group = groups.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == group)
        .unwrap_or_else(|| panic!("no group {group}: {groups:?}"));
    let path =
        format!("/api/admin/sites/acme/groups/{}/members?limit=500", group["id"].as_str().unwrap());
    let listed = app.get(&path).await;
    let mut members: Vec<(String, bool)> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["username"].as_str().unwrap().to_owned(), m["is_admin"].as_bool().unwrap()))
        .collect();
    members.sort();
    members
}

/// The names of the groups the application sees, sorted.
async fn group_names(app: &TestApp) -> Vec<String> {
    let groups = app.get("/api/admin/sites/acme/groups?limit=500").await;
    let mut names: Vec<String> = groups.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// The report's counts, without the duration and the host.
fn counts(report: &Value) -> Value {
    let mut counts = report.clone();
    let object = counts.as_object_mut().unwrap();
    object.remove("duration_ms");
    object.remove("served_by");
    counts
}

/// Members of a group matching `group_admin_groups` administer it while
/// the group matches: a rename out of the pattern, or the option cleared,
/// takes the mapping's grant back; a rename into it grants it.
async fn group_admins_follow_the_mapping(backend: Backend) {
    // Users 0, 2, 4 in group000; 1, 3, 5 in group001.
    let slapd = Slapd::builder().bulk(6, 2, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({ "group_admin_groups": "group000" })).await;
    let report = sync(&app, &provider, true).await;
    assert_eq!(report["failure"], Value::Null, "{report}");
    let (u, admin) = (|i: usize| slapd.username(i), true);
    assert_eq!(admins(&app, "group000").await, [(u(0), admin), (u(2), admin), (u(4), admin)]);
    assert_eq!(admins(&app, "group001").await, [(u(1), false), (u(3), false), (u(5), false)]);

    // Leaving the group ends the membership and its admin flag; a newcomer
    // to the admin group administers it.
    slapd.remove_member(&slapd.group_dn(0), &slapd.user_dn(2));
    slapd.remove_member(&slapd.group_dn(1), &slapd.user_dn(3));
    slapd.add_member(&slapd.group_dn(0), &slapd.user_dn(3));
    sync(&app, &provider, false).await;
    assert_eq!(admins(&app, "group000").await, [(u(0), true), (u(3), true), (u(4), true)]);
    assert_eq!(admins(&app, "group001").await, [(u(1), false), (u(5), false)]);

    // Renamed out of the pattern: its members no longer administer it.
    slapd.rename(&slapd.group_dn(0), "cn=renamed");
    let report = sync(&app, &provider, false).await;
    assert_eq!(report["groups_updated"], 1, "{report}");
    assert_eq!(admins(&app, "renamed").await, [(u(0), false), (u(3), false), (u(4), false)]);
    // The option follows the new name: admins again.
    let set = app.patch(&provider, json!({ "provisioning": { "group_admin_groups": "renamed" } }));
    assert_eq!(set.await.status, StatusCode::OK);
    assert_eq!(admins(&app, "renamed").await, [(u(0), true), (u(3), true), (u(4), true)]);
    // And cleared, what the mapping granted is taken back.
    let set = app.patch(&provider, json!({ "provisioning": { "group_admin_groups": "" } }));
    assert_eq!(set.await.status, StatusCode::OK);
    assert_eq!(admins(&app, "renamed").await, [(u(0), false), (u(3), false), (u(4), false)]);
    sync(&app, &provider, true).await;
    assert_eq!(admins(&app, "renamed").await, [(u(0), false), (u(3), false), (u(4), false)]);
}

/// Read-only admins and password groups follow each user's directory
/// groups in both directions; every new user gets the provider's company,
/// time zone, 2FA and protocol defaults and joins its default groups.
async fn roles_and_defaults_of_synced_users(backend: Backend) {
    // User i in group (i % 3).
    let slapd = Slapd::builder().bulk(6, 3, 1).start();
    let app = spawn_app(backend).await;
    let options = json!({
        "readonly_site_admin_groups": "group001",
        "password_groups": "group002",
        "provision_company": "Acme Corp",
        "default_time_zone": "Europe/Paris",
        "two_factor": "always",
        "webdav": true,
        "sftp": true,
    });
    let provider = provider(&app, &slapd, options).await;
    let everyone = app.post("/api/admin/sites/acme/groups", json!({ "name": "Everyone" })).await;
    assert_eq!(everyone.status, StatusCode::CREATED, "{everyone:?}");
    // A default group must exist before the option names it.
    let joined = json!({ "provisioning": { "default_groups": "Everyone" } });
    assert_eq!(app.patch(&provider, joined).await.status, StatusCode::OK);
    let report = sync(&app, &provider, true).await;
    assert_eq!(report["users_created"], 6, "{report}");
    let all = users(&app).await;
    for i in 0..6 {
        let user = &all[&slapd.username(i)];
        assert_eq!(user["readonly_site_admin"], i % 3 == 1, "{user}");
        assert_eq!(user["site_admin"], false, "{user}");
        let method = if i % 3 == 2 { "password" } else { "sso" };
        assert_eq!(user["auth_method"], method, "{user}");
        assert_eq!(user["company"], "Acme Corp", "{user}");
        assert_eq!(user["time_zone"], "Europe/Paris", "{user}");
        assert_eq!(user["two_factor"], "always", "{user}");
        assert_eq!(
            (&user["webdav"], &user["ftp"], &user["sftp"]),
            (&json!(true), &json!(false), &json!(true))
        );
    }
    let everyone: Vec<String> = (0..6).map(|i| slapd.username(i)).collect();
    assert_eq!(members(&app, "Everyone").await, everyone);

    // User 1 leaves the read-only admins, user 2 the password group: both
    // lose what the mapping gave them; user 0 joins both.
    slapd.remove_member(&slapd.group_dn(1), &slapd.user_dn(1));
    slapd.remove_member(&slapd.group_dn(2), &slapd.user_dn(2));
    slapd.add_member(&slapd.group_dn(1), &slapd.user_dn(0));
    slapd.add_member(&slapd.group_dn(2), &slapd.user_dn(0));
    let report = sync(&app, &provider, false).await;
    assert_eq!(report["users_updated"], 3, "{report}");
    let all = users(&app).await;
    let role = |i: usize| {
        let user = &all[&slapd.username(i)];
        (user["readonly_site_admin"].as_bool().unwrap(), user["auth_method"].as_str().unwrap())
    };
    assert_eq!(role(0), (true, "password"));
    assert_eq!(role(1), (false, "sso"));
    assert_eq!(role(2), (false, "sso"));
    assert_eq!(role(4), (true, "sso"), "untouched");
    assert_eq!(role(5), (false, "password"), "untouched");
    // The defaults were where users start: a sync does not reset them.
    let id = all[&slapd.username(3)]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/admin/sites/acme/users/{id}");
    let changed = app.patch(&path, json!({ "two_factor": "never" })).await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    sync(&app, &provider, true).await;
    assert_eq!(users(&app).await[&slapd.username(3)]["two_factor"], "never");
}

/// `only_groups` shows only the matching groups (the others are pending,
/// their memberships still kept); with the membership switches off, the
/// directory's additions and removals are not applied.
async fn only_groups_and_the_membership_switches(backend: Backend) {
    let slapd = Slapd::builder().bulk(6, 3, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({ "only_groups": "group000" })).await;
    let report = sync(&app, &provider, true).await;
    assert_eq!((&report["groups_created"], &report["memberships_added"]), (&json!(3), &json!(6)));
    assert_eq!(group_names(&app).await, ["group000"]);
    assert_eq!(users(&app).await.len(), 6, "only_groups scopes groups, not users");
    assert_eq!(members(&app, "group000").await, [slapd.username(0), slapd.username(3)]);

    let off = json!({ "provisioning": {
        "provision_group_memberships": false, "deprovision_group_memberships": false } });
    assert_eq!(app.patch(&provider, off).await.status, StatusCode::OK);
    slapd.add_member(&slapd.group_dn(0), &slapd.user_dn(1));
    slapd.remove_member(&slapd.group_dn(0), &slapd.user_dn(3));
    let report = sync(&app, &provider, true).await;
    assert_eq!(
        (&report["memberships_added"], &report["memberships_removed"]),
        (&json!(0), &json!(0)),
        "{report}"
    );
    assert_eq!(members(&app, "group000").await, [slapd.username(0), slapd.username(3)]);

    // Removals on again, additions still off.
    let removals = json!({ "provisioning": { "deprovision_group_memberships": true } });
    assert_eq!(app.patch(&provider, removals).await.status, StatusCode::OK);
    let report = sync(&app, &provider, true).await;
    assert_eq!(
        (&report["memberships_added"], &report["memberships_removed"]),
        (&json!(0), &json!(1)),
        "{report}"
    );
    assert_eq!(members(&app, "group000").await, [slapd.username(0)]);
}

/// With `deprovisioning_method: delete`, a user gone from the directory is
/// deleted at the next full sync and its username is free again.
async fn deprovisioning_by_deletion(backend: Backend) {
    let slapd = Slapd::builder().bulk(4, 1, 1).start();
    let app = spawn_app(backend).await;
    let options = json!({ "deprovision_users": true, "deprovisioning_method": "delete" });
    let provider = provider(&app, &slapd, options).await;
    sync(&app, &provider, true).await;
    slapd.delete(&slapd.user_dn(3));
    let report = sync(&app, &provider, true).await;
    assert_eq!(report["users_deprovisioned"], 1, "{report}");
    let all = users(&app).await;
    assert_eq!(all.len(), 3);
    assert!(!all.contains_key(&slapd.username(3)), "deleted, not disabled");
    assert_eq!(members(&app, "group000").await.len(), 3);
    let local = app.post("/api/admin/sites/acme/users", json!({ "username": slapd.username(3) }));
    assert_eq!(local.await.status, StatusCode::CREATED, "the username is free again");
}

/// Every count of the report, exactly, over full syncs: created, updated,
/// unchanged and de-provisioned users; created, updated (renamed) and
/// removed groups; memberships added and removed.
async fn the_report_counts_exactly(backend: Backend) {
    // User i in group (i % 3): group000 has 4 members, the others 3.
    let slapd = Slapd::builder().bulk(10, 3, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({})).await;
    let zero = json!({
        "full": true, "failure": null, "errors": [],
        "users_created": 0, "users_updated": 0, "users_unchanged": 0, "users_deprovisioned": 0,
        "groups_created": 0, "groups_updated": 0, "groups_removed": 0,
        "memberships_added": 0, "memberships_removed": 0,
    });
    let with = |changes: Value| {
        let mut expected = zero.clone();
        for (key, value) in changes.as_object().unwrap() {
            expected[key] = value.clone();
        }
        expected
    };
    let first = sync(&app, &provider, true).await;
    assert_eq!(
        counts(&first),
        with(json!({ "users_created": 10, "groups_created": 3, "memberships_added": 10 }))
    );
    let again = sync(&app, &provider, true).await;
    assert_eq!(counts(&again), with(json!({ "users_unchanged": 10 })));

    slapd.replace(&slapd.user_dn(0), "mail", &["zero@corp.example"]);
    slapd.delete(&slapd.user_dn(8));
    slapd.remove_member(&slapd.group_dn(0), &slapd.user_dn(3));
    slapd.add_member(&slapd.group_dn(1), &slapd.user_dn(3));
    slapd.add_member(&slapd.group_dn(1), &slapd.user_dn(6));
    slapd.rename(&slapd.group_dn(1), "cn=team-one");
    slapd.delete(&slapd.group_dn(2));
    let changed = sync(&app, &provider, true).await;
    assert_eq!(
        counts(&changed),
        with(json!({
            "users_updated": 1, "users_unchanged": 8, "users_deprovisioned": 1,
            "groups_updated": 1, "groups_removed": 1,
            "memberships_added": 2, "memberships_removed": 1,
        }))
    );
    assert_eq!(group_names(&app).await, ["group000", "team-one"]);
    let team: Vec<String> = [1, 3, 4, 6, 7].iter().map(|i| slapd.username(*i)).collect();
    assert_eq!(members(&app, "team-one").await, team);
}

/// A directory group whose name (in any letter case) is held by a local
/// group or another provider's SCIM group is reported as an error for
/// that entry and never taken over: the holder keeps its members and no
/// directory members are put in it; a rename onto a taken name is refused
/// the same way; once the name is free, the next sync creates the group.
async fn a_group_name_held_elsewhere_is_not_taken_over(backend: Backend) {
    // User i in group (i % 3).
    let slapd = Slapd::builder().bulk(6, 3, 1).start();
    let app = spawn_app(backend).await;
    let provider = provider(&app, &slapd, json!({})).await;
    let local = app.post("/api/admin/sites/acme/groups", json!({ "name": "Group001" })).await;
    assert_eq!(local.status, StatusCode::CREATED, "{local:?}");
    let local = format!("/api/admin/sites/acme/groups/{}", local.body["id"].as_str().unwrap());
    let keeper = app.user("acme", json!({ "username": "keeper" })).await;
    let added = app.post(&format!("{local}/members"), json!({ "user_id": keeper })).await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    let taken = app.post("/api/admin/sites/acme/groups", json!({ "name": "taken" })).await;
    assert_eq!(taken.status, StatusCode::CREATED, "{taken:?}");
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let schema = "urn:ietf:params:scim:schemas:core:2.0:Group";
    let made =
        scim.post("/Groups", json!({ "schemas": [schema], "displayName": "group002" })).await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");

    let report = sync(&app, &provider, true).await;
    let errors = report["errors"].as_array().unwrap();
    let mut dns: Vec<&str> = errors.iter().map(|e| e["dn"].as_str().unwrap()).collect();
    dns.sort_unstable();
    assert_eq!(dns, [slapd.group_dn(1), slapd.group_dn(2)], "{report}");
    assert!(errors.iter().all(|e| e["message"].as_str().unwrap().contains("never takes")));
    assert_eq!((&report["groups_created"], &report["memberships_added"]), (&json!(1), &json!(2)));
    assert_eq!(admins(&app, "Group001").await, [("keeper".to_owned(), false)]);
    assert_eq!(admins(&app, "group002").await, []);
    assert_eq!(group_names(&app).await, ["Group001", "group000", "group002", "taken"]);

    // Renamed in the directory onto a taken name: refused, the name kept.
    let renamed = slapd.rename(&slapd.group_dn(0), "cn=taken");
    let report = sync(&app, &provider, true).await;
    let dns: Vec<&str> =
        report["errors"].as_array().unwrap().iter().map(|e| e["dn"].as_str().unwrap()).collect();
    assert!(dns.contains(&renamed.as_str()), "{report}");
    assert_eq!(report["groups_updated"], 0, "{report}");
    assert_eq!(members(&app, "group000").await, [slapd.username(0), slapd.username(3)]);
    assert_eq!(members(&app, "taken").await, Vec::<String>::new());

    // The local group deleted, its name is free: the directory's group is
    // created with its own members.
    assert_eq!(app.delete(&local).await.status, StatusCode::NO_CONTENT);
    let report = sync(&app, &provider, true).await;
    assert_eq!(report["groups_created"], 1, "{report}");
    assert_eq!(members(&app, "group001").await, [slapd.username(1), slapd.username(4)]);
}

crate::on_both_databases!(
    a_group_name_held_elsewhere_is_not_taken_over,
    group_admins_follow_the_mapping,
    roles_and_defaults_of_synced_users,
    only_groups_and_the_membership_switches,
    deprovisioning_by_deletion,
    the_report_counts_exactly,
);
