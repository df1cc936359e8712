//! People signed in to a site's console as principals of the admin use
//! cases: a site administrator changes its own site only, a read-only one
//! sees everything in it and changes nothing, and neither finds another
//! site.

use roster_app::admin::{AdminError, GroupInput, PageRequest, SitePatch, UserInput, UserPatch};
use roster_app::{AdminRole, Principal, SignedIn};
use roster_domain::{SiteId, UserId};
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

fn is_forbidden<T: std::fmt::Debug>(result: Result<T, AdminError>) -> bool {
    matches!(result, Err(AdminError::Forbidden(ref message)) if message.contains("read-only"))
}

fn is_not_found<T: std::fmt::Debug>(result: Result<T, AdminError>) -> bool {
    matches!(result, Err(AdminError::NotFound { what: "site" }))
}

async fn a_read_only_administrator_sees_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    let alice = app.user("acme", json!({ "username": "alice" })).await;
    let who = person(&app, AdminRole::ReadOnlySiteAdmin).await;
    let admin = app.app.admin();
    let page = PageRequest::default;

    // Reads work, in its own site only.
    let users = admin.list_users(&who, "acme", page()).await.unwrap();
    assert!(users.items.iter().any(|user| user.username == "alice"), "{users:?}");
    assert_eq!(admin.get_user(&who, "acme", &alice).await.unwrap().username, "alice");
    let sites = admin.list_sites(&who, page()).await.unwrap();
    assert_eq!(sites.total, 1);
    assert_eq!(sites.items[0].slug, "acme");
    assert!(is_not_found(admin.list_users(&who, "other", page()).await));

    // Every change is refused and changes nothing.
    let before = app.snapshot().await;
    assert!(is_forbidden(admin.create_user(&who, "acme", user_named("bob")).await));
    let rename = UserPatch { full_name: Some(Some("Alice A.".into())), ..Default::default() };
    assert!(is_forbidden(admin.update_user(&who, "acme", &alice, rename).await));
    assert!(is_forbidden(admin.delete_user(&who, "acme", &alice).await));
    let group = GroupInput { name: "Staff".into() };
    assert!(is_forbidden(admin.create_group(&who, "acme", group).await));
    let site = SitePatch { name: Some("Renamed".into()), ..Default::default() };
    assert!(is_forbidden(admin.update_site(&who, "acme", site).await));
    assert_eq!(app.snapshot().await, before);
}

async fn a_signed_in_site_administrator_changes_its_own_site_only(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    let who = person(&app, AdminRole::SiteAdmin).await;
    let admin = app.app.admin();

    let created = admin.create_user(&who, "acme", user_named("bob")).await.unwrap();
    assert_eq!(created.username, "bob");
    let before = app.snapshot().await;
    assert!(is_not_found(admin.create_user(&who, "other", user_named("eve")).await));
    let refused = admin.delete_site(&who, "acme").await;
    assert!(
        matches!(refused, Err(AdminError::Forbidden(ref message)) if message.contains("operator")),
        "{refused:?}"
    );
    assert_eq!(app.snapshot().await, before);
}

crate::on_both_databases!(
    a_read_only_administrator_sees_and_changes_nothing,
    a_signed_in_site_administrator_changes_its_own_site_only,
);
