//! Case-insensitive matching is the same on SQLite and PostgreSQL beyond
//! ASCII (issue 16 §3): uniqueness, `eq`/`co`/`sw`/`ew` and sorting with
//! `Ä`/`ä`, for attributes a client set and for users an administrator
//! associated; SAML sign-in's e-mail match; and the users stored before
//! migration 0007, completed when the store opens.

use reqwest::StatusCode;
use roster_domain::SiteId;
use roster_store::{SsoRepo, StoreConfig};
use serde_json::{Value, json};

use crate::helpers::{Backend, Scim, TestApp, assert_scim_error, patch_op, spawn_app};
use crate::scim_fidelity::urlencoding;

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

async fn acme(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app
}

/// The `userName`s a filter finds, sorted.
async fn found(scim: &Scim<'_>, filter: &str) -> Vec<String> {
    let reply = scim.get(&format!("/Users?filter={}", urlencoding(filter))).await;
    assert_eq!(reply.status, StatusCode::OK, "{filter}: {reply:?}");
    let mut names: Vec<String> = reply.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["userName"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// The ids of the users SAML sign-in finds for a NameID e-mail.
async fn signing_in_with(app: &TestApp, email: &str) -> Vec<String> {
    let site = app.get("/api/admin/sites/acme").await.body["id"].as_str().unwrap().to_owned();
    let mut tx = app.store.read().await.unwrap();
    let users = tx.users_by_email(&SiteId::from_raw(site), email).await.unwrap();
    users.into_iter().map(|user| user.id.as_str().to_owned()).collect()
}

fn user(name: &str, display: &str, family: &str) -> Value {
    json!({
        "schemas": [CORE],
        "userName": name,
        "displayName": display,
        "title": "Études Générales",
        "name": { "givenName": "Ödön", "familyName": family },
        "emails": [{ "value": format!("{}@example.com", name.to_lowercase()), "type": "WÖRK" }]
    })
}

async fn non_ascii_letters_fold_alike_on_both_databases(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    for (name, display, family) in [
        ("Ärger", "ÖDÖN ÄRGER", "ÄRGER"),
        ("Zoë", "zoë łukasz", "Łukasz"),
        ("ascii", "Plain", "Plain"),
    ] {
        let created = scim.post("/Users", user(name, display, family)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    }
    // Uniqueness: a username differing only in the case of Ä is taken.
    let before = app.snapshot().await;
    for clash in ["ärger", "ÄRGER", "zOË"] {
        let reply = scim.post("/Users", user(clash, "x", "x")).await;
        assert_scim_error(&reply, StatusCode::CONFLICT, Some("uniqueness"));
    }
    let admin = app.post("/api/admin/sites/acme/users", json!({ "username": "äRGER" })).await;
    assert_eq!(admin.status, StatusCode::CONFLICT, "{admin:?}");
    assert_eq!(app.snapshot().await, before);

    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "ärger""#, &["Ärger"]),
        (r#"userName sw "zO""#, &["Zoë"]),
        (r#"userName ew "Ë""#, &["Zoë"]),
        (r#"displayName eq "ödön ärger""#, &["Ärger"]),
        (r#"displayName co "ÖN Ä""#, &["Ärger"]),
        (r#"displayName sw "ZOË Ł""#, &["Zoë"]),
        (r#"displayName ew "ŁUKASZ""#, &["Zoë"]),
        (r#"name.familyName eq "ärger""#, &["Ärger"]),
        (r#"name.givenName eq "ÖDÖN""#, &["ascii", "Zoë", "Ärger"]),
        (r#"title co "ÉNÉRA""#, &["ascii", "Zoë", "Ärger"]),
        (r#"emails[type eq "wörk" and value sw "ÄR"]"#, &["Ärger"]),
        (r#"displayName gt "plz""#, &["Zoë", "Ärger"]),
        (r#"not (displayName co "Ä")"#, &["ascii", "Zoë"]),
    ];
    for (filter, expected) in cases {
        let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(found(&scim, filter).await, expected, "{filter}");
    }
    // Sorting compares the folded values by code point: "plain" < "zoë" <
    // "ödön ärger" (unfolded, "ÖDÖN" would sort between "Plain" and "zoë").
    let sorted = scim.get("/Users?sortBy=displayName").await;
    let names: Vec<&str> = sorted.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ascii", "Zoë", "Ärger"], "by folded code points: p < z < ö");

    // Groups: names unique and matched regardless of the case of É.
    let group = |name: &str| json!({ "schemas": [GROUP], "displayName": name });
    assert_eq!(scim.post("/Groups", group("Équipe")).await.status, StatusCode::CREATED);
    let before = app.snapshot().await;
    assert_scim_error(
        &scim.post("/Groups", group("éQUIPE")).await,
        StatusCode::CONFLICT,
        Some("uniqueness"),
    );
    assert_eq!(app.snapshot().await, before);
    let path = format!("/Groups?filter={}", urlencoding(r#"displayName eq "ÉQUIPE""#));
    assert_eq!(scim.get(&path).await.body["totalResults"], 1);
}

async fn users_an_administrator_associated_fold_alike(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let id = app
        .user(
            "acme",
            json!({
                "username": "Łucja",
                "full_name": "Łucja Ärger",
                "display_name": "ŁUCJA",
                "auth_method": "sso",
                "sso_provider_id": scim.provider_id
            }),
        )
        .await;
    // Its view is derived from its columns, and compared folded.
    let read = scim.get(&format!("/Users/{id}")).await;
    assert_eq!(read.body["name"]["formatted"], "Łucja Ärger", "{read:?}");
    assert_eq!(read.body["active"], true);
    assert_eq!(found(&scim, r#"name.formatted co "ärger""#).await, ["Łucja"]);
    assert_eq!(found(&scim, r#"displayName eq "łucja""#).await, ["Łucja"]);
    // An administrator's change is what the client then sees and finds.
    let changed = app
        .patch(&format!("/api/admin/sites/acme/users/{id}"), json!({ "display_name": "Öhman" }))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    assert_eq!(found(&scim, r#"displayName eq "ÖHMAN""#).await, ["Łucja"]);
    assert!(found(&scim, r#"displayName eq "łucja""#).await.is_empty());
    // Once the client writes it, the client's attributes are its view.
    let patched = scim
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{ "op": "add", "path": "nickName", "value": "Łu" }])),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert_eq!(patched.body["displayName"], "Öhman");
    assert_eq!(found(&scim, r#"nickName eq "ŁU""#).await, ["Łucja"]);

    // SAML sign-in matches a NameID e-mail the same way on both.
    let with_mail =
        app.user("acme", json!({ "username": "ömer", "email": "Ömer@Example.com" })).await;
    assert_eq!(signing_in_with(&app, "öMER@example.COM").await, [with_mail]);
}

/// Raw SQL on the test's database, as an older roster left it.
pub(crate) async fn execute(config: &StoreConfig, statements: &[&str]) {
    let url = match config {
        StoreConfig::Sqlite { path } => format!("sqlite://{}", path.display()),
        StoreConfig::Postgres { url, .. } => url.expose().to_owned(),
    };
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(*statement)).execute(&mut conn).await.unwrap();
    }
}

async fn users_stored_before_0007_are_completed_when_the_store_opens(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let created = scim
        .post(
            "/Users",
            json!({
                "schemas": [CORE],
                "userName": "legacy",
                "name": { "formatted": "Old Timer", "givenName": "Old" },
                "emails": [{ "value": "legacy@example.com", "type": "Wörk", "primary": true }],
                "active": true
            }),
        )
        .await;
    let legacy = created.body["id"].as_str().unwrap().to_owned();
    let local = app.user("acme", json!({ "username": "Ärne", "email": "Ärne@example.com" })).await;
    // As 0002-0006 stored them: the extras in scim_extra, nothing of 0007.
    execute(
        &app._database.config,
        &[
            r#"UPDATE users SET scim_resource = NULL, scim_match = NULL, email_key = NULL,
               scim_extra = '{"title": "Légacy Title", "name": {"middleName": "Middle"}}'
               WHERE username = 'legacy'"#,
            "UPDATE users SET scim_match = NULL, email_key = NULL WHERE username <> 'legacy'",
            "UPDATE user_emails SET kind_key = NULL",
        ],
    )
    .await;
    let reopened = roster_store::connect(&app._database.config).await.unwrap();
    reopened.close().await;

    let read = scim.get(&format!("/Users/{legacy}")).await.body;
    assert_eq!(read["title"], "Légacy Title", "{read:#}");
    assert_eq!(
        read["name"],
        json!({ "formatted": "Old Timer", "givenName": "Old", "middleName": "Middle" })
    );
    assert_eq!(
        read["emails"],
        json!([{ "value": "legacy@example.com", "type": "Wörk", "primary": true }])
    );
    assert_eq!(found(&scim, r#"title eq "LÉGACY TITLE""#).await, ["legacy"]);
    assert_eq!(found(&scim, r#"emails.type eq "wÖrk""#).await, ["legacy"]);
    assert_eq!(found(&scim, r#"name.middleName eq "middle""#).await, ["legacy"]);
    assert_eq!(signing_in_with(&app, "ärne@EXAMPLE.com").await, [local]);
    // A second start finds nothing left to do and changes nothing.
    let before = app.snapshot().await;
    roster_store::connect(&app._database.config).await.unwrap().close().await;
    assert_eq!(app.snapshot().await, before);
}

crate::on_both_databases!(
    non_ascii_letters_fold_alike_on_both_databases,
    users_an_administrator_associated_fold_alike,
    users_stored_before_0007_are_completed_when_the_store_opens,
);
