//! Who gets in through SAML (SPEC §5, issue 15), end to end with the real
//! IdP: a user of this provider signs in and the login is recorded; a
//! disabled user, an account of another sign-in method (a password, or
//! another provider, named by username or by e-mail), a pending user
//! outside the provider's scope and, with JIT off, a stranger are refused
//! with a page that says why, no session and the data as it was.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::password_signin::with_password;
use crate::saml_idp::{ResponseSpec, SamlIdp};
use crate::saml_signin::{answer, me, post, provider, start};

/// Posts `spec`'s response and asserts the refusal: 403, a page with
/// `words`, no session cookie, and nothing stored (the outstanding
/// request too survives, so one request serves every refusal).
async fn assert_refused(app: &TestApp, idp: &SamlIdp, spec: &ResponseSpec, words: &str) {
    let before = app.snapshot().await;
    let (status, cookie, page) = post(&spec.acs_url, &idp.response(spec)).await;
    let who = &spec.name_id;
    assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {page}");
    assert!(page.contains(words), "{who}: expected {words:?} in {page}");
    assert!(cookie.is_none(), "{who}: a session cookie");
    assert_eq!(app.snapshot().await, before, "{who}: the refusal changed the data");
}

async fn a_user_of_this_provider_signs_in_and_the_login_is_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let provider =
        provider(&app, &idp, "okta", json!({ "provision_users_on_first_login": false })).await;
    let carol = app
        .user(
            "acme",
            json!({ "username": "carol", "email": "carol@example.com",
                    "auth_method": "sso", "sso_provider_id": provider }),
        )
        .await;
    assert_eq!(app.user_named("acme", "carol").await["last_login_at"], Value::Null);

    let request = start(&app, &idp, &provider).await;
    let (status, cookie, page) = post(
        request["assertion_consumer_service_url"].as_str().unwrap(),
        &idp.response(&answer(&request, &app, "carol")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("You are signed in to acme as carol"), "{page}");
    let (status, who) = me(&app, cookie.as_deref()).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    assert_eq!(
        who,
        json!({ "username": "carol", "email": "carol@example.com", "site": "acme", "provider": "Okta" })
    );
    let carol_now = app.user_named("acme", "carol").await;
    assert_eq!(carol_now["id"], carol.as_str());
    assert!(carol_now["last_login_at"].is_string(), "the login is recorded: {carol_now}");
    assert_eq!(carol_now["enabled"], true);
}

async fn disabled_users_and_other_sign_in_methods_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    // JIT on: a refusal is never "create someone instead".
    let provider = provider(&app, &idp, "okta", json!({})).await;
    let other = app
        .post("/api/admin/sites/acme/providers", json!({ "kind": "saml", "name": "Other IdP" }))
        .await;
    let other = other.body["id"].as_str().unwrap().to_owned();
    let sso = |username: &str, email: &str, provider: &str| json!({ "username": username, "email": email, "auth_method": "sso", "sso_provider_id": provider });
    let mut disabled = sso("dora", "dora@example.com", &provider);
    disabled["enabled"] = json!(false);
    app.user("acme", disabled).await;
    app.user("acme", sso("olga", "olga@example.com", &other)).await;
    let paul = json!({ "username": "paul", "email": "paul@example.com" });
    with_password(&app, paul, "correct horse battery").await;

    let request = start(&app, &idp, &provider).await;
    // Okta names the user by username.
    let disabled = answer(&request, &app, "dora");
    assert_refused(&app, &idp, &disabled, "the account is disabled").await;
    let method = "the account signs in another way than through this identity provider";
    assert_refused(&app, &idp, &answer(&request, &app, "olga"), method).await;
    assert_refused(&app, &idp, &answer(&request, &app, "paul"), method).await;
    // Whatever the assertion adds, it does not move an account over.
    let with_groups = answer(&request, &app, "paul")
        .attribute("email", "paul@example.com")
        .attribute("groups", "Admins");
    assert_refused(&app, &idp, &with_groups, method).await;

    // Named by e-mail, the same accounts stay out: no takeover by address.
    let path = format!("/api/admin/sites/acme/providers/{provider}");
    let set = app.patch(&path, json!({ "sign_in": { "name_id": "email" } })).await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    assert_refused(&app, &idp, &answer(&request, &app, "dora@example.com"), "disabled").await;
    assert_refused(&app, &idp, &answer(&request, &app, "OLGA@example.com"), method).await;
    assert_refused(&app, &idp, &answer(&request, &app, "paul@example.com"), method).await;

    for name in ["dora", "olga", "paul"] {
        let user = app.user_named("acme", name).await;
        assert_eq!(user["last_login_at"], Value::Null, "{user}");
    }
    assert_eq!(app.user_named("acme", "dora").await["enabled"], false);
    assert_eq!(app.user_named("acme", "olga").await["sso_provider_id"], other.as_str());
    assert_eq!(app.user_named("acme", "paul").await["auth_method"], "password");
    let users = app.get("/api/admin/sites/acme/users").await;
    assert_eq!(users.body["total"], 3, "nobody created: {users:?}");

    // Enabled again, the same user is let in through the same request.
    let dora = app.user_named("acme", "dora").await;
    let dora_path = format!("/api/admin/sites/acme/users/{}", dora["id"].as_str().unwrap());
    assert_eq!(app.patch(&dora_path, json!({ "enabled": true })).await.status, StatusCode::OK);
    let (status, cookie, page) =
        post(&disabled.acs_url, &idp.response(&answer(&request, &app, "dora@example.com"))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(me(&app, cookie.as_deref()).await.1["username"], "dora");
}

async fn pending_users_and_strangers_without_jit_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::new();
    let options =
        json!({ "only_users_in_groups": "Staff", "provision_users_on_first_login": false });
    let provider = provider(&app, &idp, "okta", options).await;
    // The provider's SCIM client sends a user outside its scope: stored,
    // pending, and not someone who may sign in.
    let credential = app
        .post(
            &format!("/api/admin/sites/acme/providers/{provider}/scim"),
            json!({ "auth": "token" }),
        )
        .await;
    assert_eq!(credential.status, StatusCode::OK, "{credential:?}");
    let created = app
        .client
        .post(format!("{}/api/scim/Users", app.address))
        .bearer_auth(credential.body["token"].as_str().unwrap())
        .header("content-type", "application/scim+json")
        .body(crate::helpers::scim_user("pat").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "{:?}", created.text().await);
    let users = app.get("/api/admin/sites/acme/users").await;
    assert_eq!(users.body["total"], 0, "a pending user is not shown: {users:?}");

    let request = start(&app, &idp, &provider).await;
    let not_provisioned = "the account is not provisioned to this application";
    assert_refused(&app, &idp, &answer(&request, &app, "pat"), not_provisioned).await;
    // Its groups in the assertion do not bring it into scope either: the
    // SCIM client decides that, not a sign-in.
    let in_staff = answer(&request, &app, "pat").attribute("groups", "Staff");
    assert_refused(&app, &idp, &in_staff, not_provisioned).await;
    // With JIT off, a stranger is not created, whatever its groups.
    let stranger = answer(&request, &app, "sam").attribute("groups", "Staff");
    assert_refused(&app, &idp, &stranger, not_provisioned).await;

    // The stranger is let in once JIT is on (the outstanding request
    // survived every refusal).
    let path = format!("/api/admin/sites/acme/providers/{provider}");
    let set = app
        .patch(&path, json!({ "provisioning": { "provision_users_on_first_login": true } }))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    let (status, cookie, page) = post(&stranger.acs_url, &idp.response(&stranger)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(me(&app, cookie.as_deref()).await.1["username"], "sam");
    // Pat is still pending: JIT does not create a user who exists.
    let request = start(&app, &idp, &provider).await;
    assert_refused(
        &app,
        &idp,
        &answer(&request, &app, "pat").attribute("groups", "Staff"),
        not_provisioned,
    )
    .await;
}

crate::on_both_databases!(
    a_user_of_this_provider_signs_in_and_the_login_is_recorded,
    disabled_users_and_other_sign_in_methods_are_refused,
    pending_users_and_strangers_without_jit_are_refused,
);
