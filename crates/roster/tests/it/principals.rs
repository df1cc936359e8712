//! People signed in to a site's console as principals of the admin use
//! cases: a site administrator changes its own site only, a read-only one
//! sees everything in it and changes nothing, and neither finds another
//! site.

use roster_app::admin::{
    Admin, AdminError, AdminKeyScope, GroupInput, GroupPatch, MemberInput, MemberPatch,
    PageRequest, PasswordInput, ProviderInput, ProviderPatch, ScimCredentialInput, SiteInput,
    SitePatch, TicketInput, UserInput, UserPatch,
};
use roster_app::{AdminRole, Principal, SignedIn};
use roster_domain::{Secret, SiteId, UserId};
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app};

async fn person(app: &TestApp, role: AdminRole) -> Principal {
    let site = app.get("/api/admin/sites/acme").await.body["id"].as_str().unwrap().to_owned();
    let user =
        app.user("acme", json!({ "username": format!("{role:?}"), "site_admin": true })).await;
    Principal::Person(SignedIn { site: SiteId::from_raw(site), user: UserId::from_raw(user), role })
}

fn user_named(name: &str) -> UserInput {
    UserInput { username: name.to_owned(), ..Default::default() }
}

fn is_not_found<T>(result: &Result<T, AdminError>) -> bool {
    matches!(result, Err(AdminError::NotFound { what: "site" }))
}

/// The ids of what `populate` made in a site.
pub(crate) struct Made {
    pub(crate) user: String,
    pub(crate) group: String,
    pub(crate) provider: String,
    pub(crate) key: String,
}

/// A user, a group with that user as a member, a provider and a site key.
pub(crate) async fn populate(app: &TestApp, site: &str) -> Made {
    let user = app.user(site, json!({ "username": "alice" })).await;
    let group =
        app.post(&format!("/api/admin/sites/{site}/groups"), json!({ "name": "Staff" })).await;
    let group = group.body["id"].as_str().unwrap().to_owned();
    let member = app
        .post(
            &format!("/api/admin/sites/{site}/groups/{group}/members"),
            json!({ "user_id": user }),
        )
        .await;
    assert_eq!(member.status, reqwest::StatusCode::CREATED, "{member:?}");
    let provider = app
        .post(
            &format!("/api/admin/sites/{site}/providers"),
            json!({ "kind": "okta", "name": "Okta" }),
        )
        .await;
    let provider = provider.body["id"].as_str().unwrap().to_owned();
    let key = app.post(&format!("/api/admin/sites/{site}/keys"), json!({})).await;
    let key = key.body["id"].as_str().unwrap().to_owned();
    Made { user, group, provider, key }
}

/// Every admin use case that writes, run as `who` against `site`, with
/// what it answered.
pub(crate) async fn every_write(
    admin: &Admin<'_>,
    who: &Principal,
    site: &str,
    made: &Made,
) -> Vec<(&'static str, Result<(), AdminError>)> {
    fn done<T>(result: Result<T, AdminError>) -> Result<(), AdminError> {
        result.map(|_| ())
    }
    let user = |name: &str| UserInput { username: name.to_owned(), ..Default::default() };
    let renamed = || UserPatch { full_name: Some(Some("Alice A.".into())), ..Default::default() };
    let group_patch = || GroupPatch { name: Some("Renamed".into()) };
    let provider_input = || ProviderInput {
        kind: "saml".into(),
        name: "Another".into(),
        saml: None,
        sign_in: None,
        ldap: None,
        provisioning: None,
    };
    let provider_patch = || ProviderPatch { name: Some("Renamed".into()), ..Default::default() };
    let token = || ScimCredentialInput { auth: "token".into(), ..Default::default() };
    let password = || PasswordInput { password: Secret::new("a long enough password") };
    let member = || MemberInput { user_id: made.user.clone(), is_admin: Some(true) };
    let (u, g, p) = (&made.user, &made.group, &made.provider);
    vec![
        (
            "create_site",
            done(
                admin
                    .create_site(
                        who,
                        SiteInput {
                            slug: "new".into(),
                            name: None,
                            allow_manual_users: None,
                            allow_manual_groups: None,
                            two_factor: None,
                            application_url: None,
                            scim_log_retention_days: None,
                            history_retention_days: None,
                        },
                    )
                    .await,
            ),
        ),
        (
            "update_site",
            done(
                admin
                    .update_site(
                        who,
                        site,
                        SitePatch { name: Some("Renamed".into()), ..Default::default() },
                    )
                    .await,
            ),
        ),
        ("create_user", done(admin.create_user(who, site, user("bob")).await)),
        ("update_user", done(admin.update_user(who, site, u, renamed()).await)),
        ("set_password", done(admin.set_password(who, site, u, password()).await)),
        (
            "create_group",
            done(admin.create_group(who, site, GroupInput { name: "New".into() }).await),
        ),
        ("update_group", done(admin.update_group(who, site, g, group_patch()).await)),
        ("add_member", done(admin.add_member(who, site, g, member()).await)),
        (
            "update_member",
            done(admin.update_member(who, site, g, u, MemberPatch { is_admin: false }).await),
        ),
        ("create_provider", done(admin.create_provider(who, site, provider_input()).await)),
        ("update_provider", done(admin.update_provider(who, site, p, provider_patch()).await)),
        ("set_scim_credential", done(admin.set_scim_credential(who, site, p, token()).await)),
        (
            "create_admin_key",
            done(admin.create_admin_key(who, AdminKeyScope::Site(site.into()), None).await),
        ),
        ("revoke_admin_key", done(admin.revoke_admin_key(who, &made.key).await)),
        (
            "redeem_ticket",
            done(
                admin
                    .redeem_ticket(who, site, TicketInput { ticket: "roster_ticket_x".into() })
                    .await,
            ),
        ),
        ("remove_member", done(admin.remove_member(who, site, g, u).await)),
        ("delete_group", done(admin.delete_group(who, site, g).await)),
        ("delete_provider", done(admin.delete_provider(who, site, p).await)),
        ("delete_user", done(admin.delete_user(who, site, u).await)),
        ("delete_site", done(admin.delete_site(who, site).await)),
    ]
}

async fn a_read_only_administrator_sees_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    let made = populate(&app, "acme").await;
    let who = person(&app, AdminRole::ReadOnlySiteAdmin).await;
    let admin = app.app.admin();
    let page = PageRequest::default;

    // Reads work, in its own site only.
    let users = admin.list_users(&who, "acme", page()).await.unwrap();
    assert!(users.items.iter().any(|user| user.username == "alice"), "{users:?}");
    assert_eq!(admin.get_user(&who, "acme", &made.user).await.unwrap().username, "alice");
    assert_eq!(admin.list_members(&who, "acme", &made.group, page()).await.unwrap().total, 1);
    let sites = admin.list_sites(&who, page()).await.unwrap();
    assert_eq!(sites.total, 1);
    assert_eq!(sites.items[0].slug, "acme");
    assert!(is_not_found(&admin.list_users(&who, "other", page()).await));

    // Every change is refused and changes nothing.
    let before = app.snapshot().await;
    let outcomes = every_write(&admin, &who, "acme", &made).await;
    assert_eq!(outcomes.len(), 20);
    for (name, outcome) in outcomes {
        assert!(matches!(outcome, Err(AdminError::Forbidden(_))), "{name}: {outcome:?}");
    }
    assert_eq!(app.snapshot().await, before);
}

async fn a_signed_in_site_administrator_changes_its_own_site_only(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    let theirs = populate(&app, "other").await;
    let who = person(&app, AdminRole::SiteAdmin).await;
    let admin = app.app.admin();

    // Nothing in another site can be changed, or even found.
    let before = app.snapshot().await;
    for (name, outcome) in every_write(&admin, &who, "other", &theirs).await {
        match name {
            "create_site" | "delete_site" => assert!(
                matches!(outcome, Err(AdminError::Forbidden(ref message)) if message.contains("operator")),
                "{name}: {outcome:?}"
            ),
            "revoke_admin_key" => assert!(
                matches!(outcome, Err(AdminError::NotFound { what: "admin key" })),
                "{name}: {outcome:?}"
            ),
            _ => assert!(is_not_found(&outcome), "{name}: {outcome:?}"),
        }
    }
    assert_eq!(app.snapshot().await, before);

    // In its own site, it changes what an administrator may.
    let created = admin.create_user(&who, "acme", user_named("bob")).await.unwrap();
    assert_eq!(created.username, "bob");
}

crate::on_both_databases!(
    a_read_only_administrator_sees_and_changes_nothing,
    a_signed_in_site_administrator_changes_its_own_site_only,
);
