//! The provisioning options of SPEC §4 as a SCIM client meets them: each
//! option changes what the application sees.

use reqwest::StatusCode;
use roster_store::UserRepo;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Scim, TestApp, assert_scim_error, patch_op as patch, scim_user as user, spawn_app,
};

const USERS: &str = "/api/admin/sites/acme/users";
const GROUPS: &str = "/api/admin/sites/acme/groups";

async fn options(app: &TestApp, scim: &Scim<'_>, provisioning: Value) {
    let reply = app
        .patch(
            &format!("/api/admin/sites/acme/providers/{}", scim.provider_id),
            json!({ "provisioning": provisioning }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

async fn create_user(scim: &Scim<'_>, body: Value) -> String {
    let created = scim.post("/Users", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

async fn create_group(scim: &Scim<'_>, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|id| json!({ "value": id })).collect();
    let created = scim
        .post(
            "/Groups",
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

async fn add_member(scim: &Scim<'_>, group: &str, user: &str) {
    let reply = scim
        .patch(
            &format!("/Groups/{group}"),
            patch(json!([{ "op": "add", "path": "members", "value": [{ "value": user }] }])),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
}

async fn remove_member(scim: &Scim<'_>, group: &str, user: &str) {
    let path = format!("members[value eq \"{user}\"]");
    let reply = scim
        .patch(&format!("/Groups/{group}"), patch(json!([{ "op": "remove", "path": path }])))
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{reply:?}");
}

/// The application's view of a user: `None` when it does not see it.
async fn seen(app: &TestApp, id: &str) -> Option<Value> {
    let reply = app.get(&format!("{USERS}/{id}")).await;
    match reply.status {
        StatusCode::OK => Some(reply.body),
        StatusCode::NOT_FOUND => None,
        other => panic!("{other}: {reply:?}"),
    }
}

async fn listed_names(app: &TestApp, path: &str, key: &str) -> Vec<String> {
    let reply = app.get(path).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect()
}

async fn acme(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app
}

async fn deprovisioning_follows_both_options(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;

    // The default: disable, keep the history, and release the user from
    // the identity provider's view.
    let ann = create_user(&scim, user("ann@example.com")).await;
    let staff = create_group(&scim, "Staff", &[&ann]).await;
    assert_eq!(scim.delete(&format!("/Users/{ann}")).await.status, StatusCode::NO_CONTENT);
    assert_scim_error(&scim.get(&format!("/Users/{ann}")).await, StatusCode::NOT_FOUND, None);
    let kept = seen(&app, &ann).await.expect("kept for audit");
    assert_eq!(kept["enabled"], false);
    assert_eq!(kept["provisioning_state"], "released");
    assert!(listed_names(&app, &format!("{GROUPS}/{staff}/members"), "username").await.is_empty());
    // Its username stays taken: no silent adoption of the kept record.
    assert_scim_error(
        &scim.post("/Users", user("ann@example.com")).await,
        StatusCode::CONFLICT,
        Some("uniqueness"),
    );
    let bob = create_user(&scim, user("bob@example.com")).await;
    let off = scim
        .patch(
            &format!("/Users/{bob}"),
            patch(json!([{ "op": "replace", "value": { "active": false } }])),
        )
        .await;
    assert_eq!(off.body["active"], false, "{off:?}");
    assert_eq!(seen(&app, &bob).await.unwrap()["enabled"], false);

    // Delete: both DELETE and active=false remove the user.
    options(&app, &scim, json!({ "deprovisioning_method": "delete" })).await;
    let cid = create_user(&scim, user("cid@example.com")).await;
    assert_eq!(scim.delete(&format!("/Users/{cid}")).await.status, StatusCode::NO_CONTENT);
    assert!(seen(&app, &cid).await.is_none());
    let dee = create_user(&scim, user("dee@example.com")).await;
    let off = scim
        .patch(
            &format!("/Users/{dee}"),
            patch(json!([{ "op": "replace", "path": "active", "value": false }])),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{off:?}");
    assert!(seen(&app, &dee).await.is_none());
    assert_scim_error(&scim.get(&format!("/Users/{dee}")).await, StatusCode::NOT_FOUND, None);

    // De-provisioning off: the user stays enabled whatever the source says.
    options(&app, &scim, json!({ "deprovision_users": false })).await;
    let eve = create_user(&scim, user("eve@example.com")).await;
    let off = scim
        .patch(
            &format!("/Users/{eve}"),
            patch(json!([{ "op": "replace", "path": "active", "value": false }])),
        )
        .await;
    assert_eq!(off.body["active"], true, "{off:?}");
    assert_eq!(scim.delete(&format!("/Users/{eve}")).await.status, StatusCode::NO_CONTENT);
    let kept = seen(&app, &eve).await.unwrap();
    assert_eq!(
        (kept["enabled"].clone(), kept["provisioning_state"].clone()),
        (json!(true), json!("released"))
    );
}

async fn membership_options_gate_additions_and_removals(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let ann = create_user(&scim, user("ann@example.com")).await;
    let bob = create_user(&scim, user("bob@example.com")).await;

    options(&app, &scim, json!({ "provision_group_memberships": false })).await;
    let staff = create_group(&scim, "Staff", &[&ann]).await;
    add_member(&scim, &staff, &bob).await;
    assert!(listed_names(&app, &format!("{GROUPS}/{staff}/members"), "username").await.is_empty());

    options(
        &app,
        &scim,
        json!({ "provision_group_memberships": true, "deprovision_group_memberships": false }),
    )
    .await;
    add_member(&scim, &staff, &ann).await;
    remove_member(&scim, &staff, &ann).await;
    let replaced = scim
        .put(&format!("/Groups/{staff}"), json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Staff", "members": [{ "value": bob }] }))
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{replaced:?}");
    // Additions went through; removals in the identity provider did not.
    assert_eq!(
        listed_names(&app, &format!("{GROUPS}/{staff}/members"), "username").await,
        vec!["ann@example.com", "bob@example.com"]
    );

    options(&app, &scim, json!({ "deprovision_group_memberships": true })).await;
    remove_member(&scim, &staff, &ann).await;
    assert_eq!(
        listed_names(&app, &format!("{GROUPS}/{staff}/members"), "username").await,
        vec!["bob@example.com"]
    );
}

async fn the_user_whitelist_keeps_outsiders_pending(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    options(&app, &scim, json!({ "only_users_in_groups": "IT*, Support" })).await;

    // Created outside the whitelist: the identity provider has it, the
    // application does not.
    let ann = create_user(&scim, user("ann@example.com")).await;
    assert_eq!(scim.get(&format!("/Users/{ann}")).await.status, StatusCode::OK);
    assert!(seen(&app, &ann).await.is_none());
    assert!(!listed_names(&app, USERS, "username").await.contains(&"ann@example.com".to_owned()));
    // Its username is still taken (by a user the application cannot see).
    assert_eq!(
        app.post(USERS, json!({ "username": "ANN@example.com" })).await.status,
        StatusCode::CONFLICT
    );

    // A group outside the whitelist changes nothing; a whitelisted one
    // provisions the user.
    let sales = create_group(&scim, "Sales", &[&ann]).await;
    assert!(seen(&app, &ann).await.is_none());
    assert!(listed_names(&app, &format!("{GROUPS}/{sales}/members"), "username").await.is_empty());
    let it = create_group(&scim, "IT Operations", &[]).await;
    add_member(&scim, &it, &ann).await;
    let visible = seen(&app, &ann).await.expect("provisioned by joining IT");
    assert_eq!(visible["provisioning_state"], "active");
    assert_eq!(
        listed_names(&app, &format!("{GROUPS}/{sales}/members"), "username").await,
        vec!["ann@example.com"]
    );

    // Leaving every whitelisted group makes it pending again, intact.
    remove_member(&scim, &it, &ann).await;
    assert!(seen(&app, &ann).await.is_none());
    assert_eq!(scim.get(&format!("/Users/{ann}")).await.body["userName"], "ann@example.com");

    // Loosening the option provisions everyone it held back.
    options(&app, &scim, json!({ "only_users_in_groups": "" })).await;
    assert!(seen(&app, &ann).await.is_some());
}

async fn group_filters_hide_groups_even_after_provisioning(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let ann = create_user(&scim, user("ann@example.com")).await;
    options(&app, &scim, json!({ "only_groups": "Team *", "exclude_groups": "Team Secret" })).await;
    let red = create_group(&scim, "Team Red", &[&ann]).await;
    let secret = create_group(&scim, "Team Secret", &[&ann]).await;
    let other = create_group(&scim, "Other", &[&ann]).await;
    assert_eq!(listed_names(&app, GROUPS, "name").await, vec!["Team Red"]);
    for hidden in [&secret, &other] {
        assert_eq!(app.get(&format!("{GROUPS}/{hidden}")).await.status, StatusCode::NOT_FOUND);
        // The identity provider still manages it.
        assert_eq!(scim.get(&format!("/Groups/{hidden}")).await.status, StatusCode::OK);
    }
    // Excluding a group that was provisioned hides it; renaming a group
    // into the whitelist shows it.
    options(&app, &scim, json!({ "exclude_groups": "Team Secret, Team Red" })).await;
    assert!(listed_names(&app, GROUPS, "name").await.is_empty());
    let renamed = scim
        .patch(
            &format!("/Groups/{other}"),
            patch(json!([{ "op": "replace", "value": { "displayName": "Team Blue" } }])),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::NO_CONTENT, "{renamed:?}");
    assert_eq!(listed_names(&app, GROUPS, "name").await, vec!["Team Blue"]);
    assert_eq!(app.get(&format!("{GROUPS}/{red}")).await.status, StatusCode::NOT_FOUND);
}

async fn roles_follow_memberships_in_both_directions(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    // A local password admin, so that the last-password-admin guard (its
    // own test) stays out of the way.
    app.user("acme", json!({ "username": "root", "site_admin": true })).await;
    options(
        &app,
        &scim,
        json!({
            "site_admin_groups": "Admins",
            "readonly_site_admin_groups": "Auditors",
            "group_admin_groups": "Leads",
            "password_groups": "Break Glass"
        }),
    )
    .await;
    let ann = create_user(&scim, user("ann@example.com")).await;
    let bob = create_user(&scim, user("bob@example.com")).await;
    let admins = create_group(&scim, "Admins", &[&ann]).await;
    let auditors = create_group(&scim, "auditors", &[&bob]).await;
    let leads = create_group(&scim, "Leads", &[&ann, &bob]).await;
    let glass = create_group(&scim, "Break Glass", &[&bob]).await;
    let a = seen(&app, &ann).await.unwrap();
    assert_eq!(
        (a["site_admin"].clone(), a["readonly_site_admin"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(a["auth_method"], "sso");
    let b = seen(&app, &bob).await.unwrap();
    assert_eq!(
        (b["site_admin"].clone(), b["readonly_site_admin"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(b["auth_method"], "password");
    let members = app.get(&format!("{GROUPS}/{leads}/members")).await;
    assert!(
        members.body["items"].as_array().unwrap().iter().all(|m| m["is_admin"] == true),
        "{members:?}"
    );

    // An administrator also makes Bob a site admin by hand.
    let by_hand = app.patch(&format!("{USERS}/{bob}"), json!({ "site_admin": true })).await;
    assert_eq!(by_hand.status, StatusCode::OK, "{by_hand:?}");

    // Leaving the groups takes back what the mappings gave, nothing else.
    remove_member(&scim, &admins, &ann).await;
    remove_member(&scim, &auditors, &bob).await;
    remove_member(&scim, &glass, &bob).await;
    let a = seen(&app, &ann).await.unwrap();
    assert_eq!(a["site_admin"], false);
    let b = seen(&app, &bob).await.unwrap();
    assert_eq!(
        (b["site_admin"].clone(), b["readonly_site_admin"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(b["auth_method"], "sso");
    assert_eq!(b["sso_provider_id"], scim.provider_id.as_str());

    // An administrator's change to a provider's group counts the same.
    add_member(&scim, &auditors, &ann).await;
    assert_eq!(seen(&app, &ann).await.unwrap()["readonly_site_admin"], true);
    let removed = app.delete(&format!("{GROUPS}/{auditors}/members/{ann}")).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{removed:?}");
    assert_eq!(seen(&app, &ann).await.unwrap()["readonly_site_admin"], false);

    // Emptying an option takes its grants back too.
    add_member(&scim, &admins, &ann).await;
    assert_eq!(seen(&app, &ann).await.unwrap()["site_admin"], true);
    options(&app, &scim, json!({ "site_admin_groups": "", "group_admin_groups": "" })).await;
    assert_eq!(seen(&app, &ann).await.unwrap()["site_admin"], false);
    assert_eq!(seen(&app, &bob).await.unwrap()["site_admin"], true, "granted by hand");
    let members = app.get(&format!("{GROUPS}/{leads}/members")).await;
    assert!(
        members.body["items"].as_array().unwrap().iter().all(|m| m["is_admin"] == false),
        "{members:?}"
    );
}

async fn new_users_take_the_provider_defaults(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    options(
        &app,
        &scim,
        json!({
            "provision_company": "Acme Corp",
            "default_time_zone": "Europe/Paris",
            "two_factor": "always",
            "sftp": true,
            "webdav": true
        }),
    )
    .await;
    let ann = create_user(&scim, user("ann@example.com")).await;
    let a = seen(&app, &ann).await.unwrap();
    assert_eq!(a["company"], "Acme Corp");
    assert_eq!(a["time_zone"], "Europe/Paris");
    assert_eq!(a["two_factor"], "always");
    assert_eq!(
        (a["sftp"].clone(), a["webdav"].clone(), a["ftp"].clone()),
        (json!(true), json!(true), json!(false))
    );
    // What the source sends wins over the defaults.
    let mut sent = user("bob@example.com");
    sent["timezone"] = json!("Asia/Tokyo");
    sent["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
        json!({ "organization": "Bob's Co" });
    sent["schemas"] = json!([
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    ]);
    let bob = create_user(&scim, sent).await;
    let b = seen(&app, &bob).await.unwrap();
    assert_eq!(
        (b["company"].clone(), b["time_zone"].clone()),
        (json!("Bob's Co"), json!("Asia/Tokyo"))
    );
    // Without the options, nothing is filled in.
    options(&app, &scim, json!({ "provision_company": null, "default_time_zone": null })).await;
    let cid = create_user(&scim, user("cid@example.com")).await;
    let c = seen(&app, &cid).await.unwrap();
    assert_eq!((c["company"].clone(), c["time_zone"].clone()), (Value::Null, Value::Null));
}

async fn password_group_members_get_a_password_from_an_administrator(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    options(&app, &scim, json!({ "password_groups": "Break Glass" })).await;
    let ann = create_user(&scim, user("ann@example.com")).await;
    let bob = create_user(&scim, user("bob@example.com")).await;
    create_group(&scim, "Break Glass", &[&ann]).await;
    let password = |id: &str| format!("{USERS}/{id}/password");
    let before = app.snapshot().await;
    // Bob signs in with SSO: a password would be useless, so it is refused.
    let refused = app
        .call(
            reqwest::Method::PUT,
            &password(&bob),
            Some(json!({ "password": "a long enough secret" })),
        )
        .await;
    crate::helpers::assert_error(&refused, StatusCode::CONFLICT, "conflict", Some("auth_method"));
    let short =
        app.call(reqwest::Method::PUT, &password(&ann), Some(json!({ "password": "short" }))).await;
    crate::helpers::assert_error(
        &short,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        Some("password"),
    );
    let unknown = app
        .call(
            reqwest::Method::PUT,
            &password(&ann),
            Some(json!({ "pass": "a long enough secret" })),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{unknown:?}");
    assert_eq!(app.snapshot().await, before);

    let set = app
        .call(
            reqwest::Method::PUT,
            &password(&ann),
            Some(json!({ "password": "a long enough secret" })),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    assert_eq!(set.body["password_set"], true);
    assert!(!set.body.to_string().contains("argon2"), "the hash is never shown");
    let stored = app
        .store
        .read()
        .await
        .unwrap()
        .user_by_id(
            &roster_domain::SiteId::from_raw(
                app.get("/api/admin/sites/acme").await.body["id"].as_str().unwrap(),
            ),
            &roster_domain::UserId::from_raw(ann.as_str()),
        )
        .await
        .unwrap()
        .unwrap();
    let hash = stored.password_hash.expect("stored");
    assert!(roster_app::passwords::verify_password("a long enough secret", &hash));
    assert!(!roster_app::passwords::verify_password("a long enough secreT", &hash));
}

async fn the_last_password_admin_survives_a_mapping(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    options(&app, &scim, json!({ "password_groups": "Glass", "site_admin_groups": "Glass" })).await;
    let ann = create_user(&scim, user("ann@example.com")).await;
    let glass = create_group(&scim, "Glass", &[&ann]).await;
    let a = seen(&app, &ann).await.unwrap();
    assert_eq!(
        (a["auth_method"].clone(), a["site_admin"].clone()),
        (json!("password"), json!(true))
    );
    // Ann is the site's only password admin: leaving the group keeps her.
    remove_member(&scim, &glass, &ann).await;
    let a = seen(&app, &ann).await.unwrap();
    assert_eq!(
        (a["auth_method"].clone(), a["site_admin"].clone()),
        (json!("password"), json!(true))
    );
    // Nor can the identity provider disable or remove her.
    let off = scim
        .patch(
            &format!("/Users/{ann}"),
            patch(json!([{ "op": "replace", "path": "active", "value": false }])),
        )
        .await;
    assert_eq!(off.body["active"], true, "{off:?}");
    assert_eq!(scim.delete(&format!("/Users/{ann}")).await.status, StatusCode::NO_CONTENT);
    let a = seen(&app, &ann).await.unwrap();
    assert_eq!((a["enabled"].clone(), a["site_admin"].clone()), (json!(true), json!(true)));
    // Once another password admin exists, an administrator can hand her
    // back to the provider, and the mappings apply again both ways.
    let to_sso = json!({ "auth_method": "sso", "sso_provider_id": scim.provider_id });
    let refused = app.patch(&format!("{USERS}/{ann}"), to_sso.clone()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "still the last password admin: {refused:?}");
    app.user("acme", json!({ "username": "root", "site_admin": true })).await;
    let back = app.patch(&format!("{USERS}/{ann}"), to_sso).await;
    assert_eq!(back.body["provisioning_state"], "active", "{back:?}");
    add_member(&scim, &glass, &ann).await;
    assert_eq!(seen(&app, &ann).await.unwrap()["auth_method"], "password");
    remove_member(&scim, &glass, &ann).await;
    let a = seen(&app, &ann).await.unwrap();
    assert_eq!((a["auth_method"].clone(), a["site_admin"].clone()), (json!("sso"), json!(false)));
}

async fn removals_keep_both_views_consistent(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    options(
        &app,
        &scim,
        json!({ "only_users_in_groups": "IT", "deprovision_group_memberships": false }),
    )
    .await;

    // A pending user the source deletes was never in the application: it
    // is gone, and its username is free again.
    let pending = create_user(&scim, user("pending@example.com")).await;
    assert_eq!(scim.delete(&format!("/Users/{pending}")).await.status, StatusCode::NO_CONTENT);
    assert!(
        !listed_names(&app, USERS, "username").await.contains(&"pending@example.com".to_owned())
    );
    create_user(&scim, user("pending@example.com")).await;

    // A released user leaves the identity provider's view of its groups,
    // while the membership the options keep stays in the application.
    let ann = create_user(&scim, user("ann@example.com")).await;
    let it = create_group(&scim, "IT", &[&ann]).await;
    let before = scim.get(&format!("/Groups/{it}")).await;
    let etag = before.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(scim.delete(&format!("/Users/{ann}")).await.status, StatusCode::NO_CONTENT);
    let group = scim
        .call_with(
            reqwest::Method::GET,
            &format!("/Groups/{it}"),
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(group.status, StatusCode::OK, "its view changed, so its ETag did: {group:?}");
    assert!(group.body.get("members").is_none(), "{group:?}");
    let by_member = scim.get(&format!("/Groups?filter=members.value%20eq%20%22{ann}%22")).await;
    assert_eq!(by_member.body["totalResults"], 0, "{by_member:?}");
    assert_eq!(
        listed_names(&app, &format!("{GROUPS}/{it}/members"), "username").await,
        vec!["ann@example.com"]
    );
    // The identity provider pushes the group back as it sees it.
    let pushed = scim
        .put(&format!("/Groups/{it}"), json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "IT", "members": [] }))
        .await;
    assert_eq!(pushed.status, StatusCode::OK, "{pushed:?}");

    // Deleting a member changes its groups' ETags.
    options(
        &app,
        &scim,
        json!({ "deprovisioning_method": "delete", "deprovision_group_memberships": true }),
    )
    .await;
    let bob = create_user(&scim, user("bob@example.com")).await;
    add_member(&scim, &it, &bob).await;
    let etag =
        scim.get(&format!("/Groups/{it}")).await.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(scim.delete(&format!("/Users/{bob}")).await.status, StatusCode::NO_CONTENT);
    let unchanged = scim
        .call_with(
            reqwest::Method::GET,
            &format!("/Groups/{it}"),
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(unchanged.status, StatusCode::OK, "a stale ETag must not get 304: {unchanged:?}");

    // An administrator who associates the released user with the provider
    // hands it back to its SCIM client.
    let back = app
        .patch(
            &format!("{USERS}/{ann}"),
            json!({ "auth_method": "sso", "sso_provider_id": scim.provider_id }),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{back:?}");
    assert_eq!(back.body["provisioning_state"], "active");
    assert_eq!(scim.get(&format!("/Users/{ann}")).await.status, StatusCode::OK);
}

crate::on_both_databases!(
    removals_keep_both_views_consistent,
    the_last_password_admin_survives_a_mapping,
    password_group_members_get_a_password_from_an_administrator,
    deprovisioning_follows_both_options,
    membership_options_gate_additions_and_removals,
    the_user_whitelist_keeps_outsiders_pending,
    group_filters_hide_groups_even_after_provisioning,
    roles_follow_memberships_in_both_directions,
    new_users_take_the_provider_defaults,
);
