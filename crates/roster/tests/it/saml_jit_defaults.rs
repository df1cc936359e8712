//! The provider's defaults on a user created just in time by a SAML
//! sign-in (SPEC §4 and §5, issue 15), with the real IdP: default groups,
//! asserted groups, every role mapping, company, time zone, 2FA and
//! protocol defaults; and that JIT never disables, deletes or takes
//! anything from a user who signs in again. `saml_jit.rs` covers the
//! asserted attributes, the scope filters and Entra ID's group ids.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::saml_idp::{ResponseSpec, SamlIdp};
use crate::saml_signin::{answer, me, post, start};

/// The site `acme` with local groups `names`, then an Okta provider with
/// `options` (default groups must exist first); its id.
async fn provider_with_groups(
    app: &TestApp,
    idp: &SamlIdp,
    names: &[&str],
    options: Value,
) -> String {
    app.site("acme").await;
    for name in names {
        let made = app.post("/api/admin/sites/acme/groups", json!({ "name": name })).await;
        assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    }
    let created = app
        .post(
            "/api/admin/sites/acme/providers",
            json!({ "kind": "okta", "name": "Okta",
                    "saml": { "trust": "metadata_xml", "metadata_xml": idp.metadata() },
                    "provisioning": options }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    created.body["id"].as_str().unwrap().to_owned()
}

/// Signs `spec`'s subject in (SP-initiated); returns the status, the
/// session cookie and the page.
async fn sign_in(
    app: &TestApp,
    idp: &SamlIdp,
    provider: &str,
    spec: impl FnOnce(ResponseSpec) -> ResponseSpec,
    name_id: &str,
) -> (StatusCode, Option<String>, String) {
    let request = start(app, idp, provider).await;
    let spec = spec(answer(&request, app, name_id));
    post(&spec.acs_url, &idp.response(&spec)).await
}

/// `(group, is_admin)` for every group `user` is a member of, by name.
async fn memberships(app: &TestApp, user: &str) -> Vec<(String, bool)> {
    let groups = app.get("/api/admin/sites/acme/groups").await;
    let mut found = Vec::new();
    for group in groups.body["items"].as_array().unwrap() {
        let path =
            format!("/api/admin/sites/acme/groups/{}/members", group["id"].as_str().unwrap());
        let members = app.get(&path).await;
        for member in members.body["items"].as_array().unwrap() {
            if member["user_id"] == user {
                let admin = member["is_admin"].as_bool().unwrap();
                found.push((group["name"].as_str().unwrap().to_owned(), admin));
            }
        }
    }
    found.sort();
    found
}

fn pairs(list: &[(&str, bool)]) -> Vec<(String, bool)> {
    list.iter().map(|(name, admin)| ((*name).to_owned(), *admin)).collect()
}

async fn a_user_created_just_in_time_gets_every_default(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options = json!({
        "default_groups": "Everyone",
        "provision_company": "Acme Corp",
        "default_time_zone": "Europe/Paris",
        "two_factor": "never",
        "webdav": true,
        "ftp": true,
        "sftp": false,
        "site_admin_groups": "Admins",
        "readonly_site_admin_groups": "Auditors",
        "group_admin_groups": "Leads",
    });
    let groups = ["Everyone", "Staff", "Leads", "Auditors"];
    let provider = provider_with_groups(&app, &idp, &groups, options).await;
    // The site asks everyone for a second factor; the provider's default
    // for its users says never, and is what a new user gets.
    let set = app.patch("/api/admin/sites/acme", json!({ "two_factor": "always" })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");

    let asserted = |spec: ResponseSpec| {
        spec.attribute("email", "ada@example.com")
            .attribute("groups", "Staff")
            .attribute("groups", "Leads")
            .attribute("groups", "Auditors")
            .attribute("groups", "Unknown here")
    };
    let (status, cookie, page) = sign_in(&app, &idp, &provider, asserted, "ada").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(me(&app, cookie.as_deref()).await.1["username"], "ada", "no code asked for");
    let ada = app.user_named("acme", "ada").await;
    for (field, expected) in [
        ("company", json!("Acme Corp")),
        ("time_zone", json!("Europe/Paris")),
        ("two_factor", json!("never")),
        ("webdav", json!(true)),
        ("ftp", json!(true)),
        ("sftp", json!(false)),
        ("site_admin", json!(false)),
        ("readonly_site_admin", json!(true)),
        ("auth_method", json!("sso")),
        ("sso_provider_id", json!(provider)),
        ("provisioned_by", json!("jit")),
        ("provisioned_by_provider_id", json!(provider)),
        ("enabled", json!(true)),
        ("password_set", json!(false)),
    ] {
        assert_eq!(ada[field], expected, "{field}: {ada}");
    }
    // The default group, and the asserted groups that exist here; Leads
    // is administered, as `group_admin_groups` says.
    let ada_id = ada["id"].as_str().unwrap();
    assert_eq!(
        memberships(&app, ada_id).await,
        pairs(&[("Auditors", false), ("Everyone", false), ("Leads", true), ("Staff", false)])
    );

    // Site admin from its own group.
    let admins = |spec: ResponseSpec| spec.attribute("groups", "Admins");
    let (status, _, page) = sign_in(&app, &idp, &provider, admins, "bea").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let bea = app.user_named("acme", "bea").await;
    assert_eq!(
        (bea["site_admin"].clone(), bea["readonly_site_admin"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(bea["email"], Value::Null, "no e-mail asserted, and the NameID is none: {bea}");
    assert_eq!(memberships(&app, bea["id"].as_str().unwrap()).await, pairs(&[("Everyone", false)]));
}

/// A user of a password group is created with password login: the SAML
/// sign-in that created it opens no session for it (it signs in with a
/// password, which an administrator sets).
async fn a_password_group_member_is_created_for_password_login(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options = json!({ "password_groups": "Contractors", "default_groups": "Everyone" });
    let provider = provider_with_groups(&app, &idp, &["Everyone"], options).await;
    let contractor = |spec: ResponseSpec| spec.attribute("groups", "Contractors");
    let (status, cookie, page) = sign_in(&app, &idp, &provider, contractor, "carl").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("created to sign in with a password"), "{page}");
    assert!(cookie.is_none(), "no session for a password user");
    let carl = app.user_named("acme", "carl").await;
    assert_eq!(carl["auth_method"], "password", "{carl}");
    assert_eq!(carl["sso_provider_id"], Value::Null, "{carl}");
    assert_eq!(carl["provisioned_by"], "jit", "{carl}");
    assert_eq!(carl["password_set"], false, "{carl}");
    assert_eq!(carl["last_login_at"], Value::Null, "{carl}");
    assert_eq!(
        memberships(&app, carl["id"].as_str().unwrap()).await,
        pairs(&[("Everyone", false)])
    );

    // Signing in through SAML again is refused as for any password user,
    // and changes nothing.
    let request = start(&app, &idp, &provider).await;
    let spec = contractor(answer(&request, &app, "carl"));
    let before = app.snapshot().await;
    let (status, cookie, page) = post(&spec.acs_url, &idp.response(&spec)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(page.contains("signs in another way"), "{page}");
    assert!(cookie.is_none());
    assert!(app.snapshot().await == before, "the second refusal changed the data");
}

/// JIT creates; it never disables, deletes or takes away: a user who
/// signs in again with fewer (or no) groups keeps every membership and
/// role, whether JIT gave it or an administrator did.
async fn signing_in_again_takes_nothing_away(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options = json!({ "default_groups": "Everyone", "readonly_site_admin_groups": "Auditors" });
    let groups = ["Everyone", "Staff", "Auditors", "Local"];
    let provider = provider_with_groups(&app, &idp, &groups, options).await;
    let first =
        |spec: ResponseSpec| spec.attribute("groups", "Staff").attribute("groups", "Auditors");
    let (status, _, page) = sign_in(&app, &idp, &provider, first, "ada").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let ada = app.user_named("acme", "ada").await;
    let ada_id = ada["id"].as_str().unwrap().to_owned();
    // An administrator adds her to a local group too.
    let local = app.get("/api/admin/sites/acme/groups").await;
    let local = local.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Local")
        .unwrap()
        .clone();
    let added = app
        .post(
            &format!("/api/admin/sites/acme/groups/{}/members", local["id"].as_str().unwrap()),
            json!({ "user_id": ada_id }),
        )
        .await;
    assert!(added.status.is_success(), "{added:?}");
    // An administrator-made user of the provider, in no group at all.
    app.user(
        "acme",
        json!({ "username": "bob", "auth_method": "sso", "sso_provider_id": provider }),
    )
    .await;
    let bob = app.user_named("acme", "bob").await;
    let everything =
        pairs(&[("Auditors", false), ("Everyone", false), ("Local", false), ("Staff", false)]);
    assert_eq!(memberships(&app, &ada_id).await, everything);

    for again in [
        Box::new(|spec: ResponseSpec| spec) as Box<dyn Fn(ResponseSpec) -> ResponseSpec>,
        Box::new(|spec: ResponseSpec| spec.attribute("groups", "Other")),
    ] {
        let (status, cookie, page) = sign_in(&app, &idp, &provider, &again, "ada").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(cookie.is_some());
        let now = app.user_named("acme", "ada").await;
        assert_eq!(now["enabled"], true, "{now}");
        assert_eq!(now["readonly_site_admin"], true, "the role stays: {now}");
        assert_eq!(memberships(&app, &ada_id).await, everything);
        let (status, cookie, page) = sign_in(&app, &idp, &provider, &again, "bob").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(cookie.is_some());
    }
    // Bob signed in as he was: not moved into the default groups, not
    // changed otherwise beyond the recorded login.
    let bob_now = app.user_named("acme", "bob").await;
    assert_eq!(memberships(&app, bob["id"].as_str().unwrap()).await, Vec::<(String, bool)>::new());
    let mut without_login = bob_now.clone();
    without_login["last_login_at"] = Value::Null;
    without_login["updated_at"] = bob["updated_at"].clone();
    assert_eq!(without_login, bob, "only the login is recorded");
    let users = app.get("/api/admin/sites/acme/users").await;
    assert_eq!(users.body["total"], 2, "{users:?}");
}

/// A user created just in time joins the groups the assertion names (and
/// the default groups) that are local or this provider's own, never one
/// that another provider manages: that group's members are its provider's.
async fn groups_another_provider_manages_are_not_joined(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options = json!({ "default_groups": "Everyone" });
    let provider = provider_with_groups(&app, &idp, &["Everyone", "Staff"], options).await;
    // Engineering is provisioned by another provider's SCIM client, and
    // named among the default groups too.
    let other = app.scim_provider("acme", "okta", "Other").await;
    let made = other
        .post(
            "/Groups",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Engineering",
            }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    let engineering = app.get("/api/admin/sites/acme/groups").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["name"] == "Engineering")
        .unwrap()
        .clone();
    assert!(engineering["managed_by_provider_id"].is_string(), "{engineering}");
    let defaults = json!({ "provisioning": { "default_groups": "Everyone, Engineering" } });
    let set = app.patch(&format!("/api/admin/sites/acme/providers/{provider}"), defaults).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");

    let asserted =
        |spec: ResponseSpec| spec.attribute("groups", "Staff").attribute("groups", "Engineering");
    let (status, cookie, page) = sign_in(&app, &idp, &provider, asserted, "ada").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(cookie.is_some());
    let ada = app.user_named("acme", "ada").await;
    assert_eq!(
        memberships(&app, ada["id"].as_str().unwrap()).await,
        pairs(&[("Everyone", false), ("Staff", false)]),
        "the local groups only"
    );
}

crate::on_both_databases!(
    groups_another_provider_manages_are_not_joined,
    a_user_created_just_in_time_gets_every_default,
    a_password_group_member_is_created_for_password_login,
    signing_in_again_takes_nothing_away,
);
