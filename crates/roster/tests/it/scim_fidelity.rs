//! Nothing an identity provider sent is lost (issue 16 §2): every
//! attribute a client sets comes back, for every provider kind, and can be
//! filtered and sorted on; the application's profile is what it makes of
//! them; a synced password sets a password user's password; a removed
//! optional attribute is unassigned; group members come back as written.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, SCIM_KINDS, Scim, TestApp, assert_scim_error, patch_op, spawn_app};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const USERS: &str = "/api/admin/sites/acme/users";

/// A user with every kind of attribute: names, profile texts, invalid and
/// non-primary e-mails, addresses, phone numbers, the enterprise extension.
fn full_user(name: &str) -> Value {
    json!({
        "schemas": [CORE, ENTERPRISE],
        "userName": name,
        "externalId": format!("ext-{name}"),
        "name": {
            "formatted": "Ms. Barbara J Jensen III",
            "givenName": "Barbara",
            "familyName": "Jensen",
            "middleName": "Jane",
            "honorificSuffix": "III"
        },
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "title": "Tour Guide",
        "userType": "Employee",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "profileUrl": "https://login.example.com/bjensen",
        "active": true,
        "emails": [
            { "value": "not an address", "type": "home", "primary": false },
            { "value": format!("{name}@example.com"), "type": "work", "primary": true }
        ],
        "phoneNumbers": [
            { "value": "555-555-5555", "type": "work", "primary": false },
            { "value": "555-555-4444", "type": "mobile" }
        ],
        "addresses": [{
            "type": "work",
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
            "primary": true
        }],
        "roles": [{ "value": "guide", "display": "Guide" }],
        ENTERPRISE: {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations"
        }
    })
}

/// The members of `sent` that a client set, as it reads them back:
/// `schemas` is the server's, and a readOnly sub-attribute (a role's
/// `display`) is dropped on input as RFC 7643 §2.2 says.
fn as_read_back(sent: &Value) -> Value {
    let mut expected = sent.clone();
    let map = expected.as_object_mut().unwrap();
    map.remove("schemas");
    map["roles"] = json!([{ "value": "guide" }]);
    expected
}

/// Asserts that every member of `expected` is in `got`, equal.
#[track_caller]
fn assert_kept(got: &Value, expected: &Value, context: &str) {
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&got[key], value, "{context}: {key} in {got:#}");
    }
}

async fn acme(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app
}

async fn profile(app: &TestApp, id: &str) -> Value {
    let reply = app.get(&format!("{USERS}/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body
}

fn id_of(reply: &crate::helpers::Reply) -> String {
    reply.body["id"].as_str().unwrap_or_else(|| panic!("no id: {reply:?}")).to_owned()
}

async fn total(scim: &Scim<'_>, filter: &str) -> u64 {
    let reply = scim.get(&format!("/Users?filter={}", urlencoding(filter))).await;
    assert_eq!(reply.status, StatusCode::OK, "{filter}: {reply:?}");
    reply.body["totalResults"].as_u64().unwrap()
}

/// Percent-encodes a query value.
pub(crate) fn urlencoding(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

async fn every_attribute_comes_back_for_every_kind(backend: Backend) {
    let app = acme(backend).await;
    for kind in SCIM_KINDS {
        let scim = app.scim_provider("acme", kind, kind).await;
        let name = format!("bjensen-{kind}");
        let sent = full_user(&name);
        let expected = as_read_back(&sent);
        let created = scim.post("/Users", sent).await;
        assert_eq!(created.status, StatusCode::CREATED, "{kind}: {created:?}");
        assert_kept(&created.body, &expected, &format!("{kind} POST"));
        assert_eq!(created.body["schemas"], json!([CORE, ENTERPRISE]), "{kind}");
        let id = id_of(&created);
        let read = scim.get(&format!("/Users/{id}")).await;
        assert_kept(&read.body, &expected, &format!("{kind} GET"));
        let listed = scim.get(&format!("/Users?filter=userName%20eq%20%22{name}%22")).await;
        assert_kept(&listed.body["Resources"][0], &expected, &format!("{kind} list"));

        // A PATCH of attributes without a profile column comes back, Entra
        // ID included (Microsoft's validator expects it).
        let patched = scim
            .patch(
                &format!("/Users/{id}"),
                patch_op(json!([
                    { "op": "Add", "path": "nickName", "value": "Barb" },
                    { "op": "replace", "path": "title", "value": "Head Guide" },
                    { "op": "replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "555-555-0000" },
                    { "op": "replace", "path": format!("{ENTERPRISE}:department"), "value": "Guides" }
                ])),
            )
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{kind}: {patched:?}");
        let read = scim.get(&format!("/Users/{id}")).await.body;
        assert_eq!(read["nickName"], "Barb", "{kind}");
        assert_eq!(read["title"], "Head Guide", "{kind}");
        assert_eq!(read["phoneNumbers"][1], json!({ "value": "555-555-0000", "type": "mobile" }));
        assert_eq!(read["phoneNumbers"][0]["primary"], false, "{kind}: primary false kept");
        assert_eq!(read[ENTERPRISE]["department"], "Guides", "{kind}");
        assert_eq!(read[ENTERPRISE]["costCenter"], "4130", "{kind}");
        assert_eq!(read["name"]["middleName"], "Jane", "{kind}");

        // Filters and sorting reach them.
        let mine = format!("userName eq \"{name}\"");
        for filter in [
            "title eq \"head guide\"".to_owned(),
            "nickName co \"AR\"".to_owned(),
            "phoneNumbers[type eq \"mobile\" and value eq \"555-555-0000\"]".to_owned(),
            "addresses.locality sw \"holly\"".to_owned(),
            format!("{ENTERPRISE}:department eq \"GUIDES\""),
            "name.middleName eq \"jane\"".to_owned(),
            "displayName eq \"Babs Jensen\"".to_owned(),
            "emails.value eq \"NOT AN ADDRESS\"".to_owned(),
            "emails[primary eq false and type eq \"home\"]".to_owned(),
        ] {
            assert_eq!(total(&scim, &format!("{mine} and {filter}")).await, 1, "{kind}: {filter}");
        }
        assert_eq!(total(&scim, &format!("{mine} and title eq \"Tour Guide\"")).await, 0);
    }
    // Sorting by an attribute without a column: every provider sees its own.
    let scim = app.scim_provider("acme", "okta", "Okta two").await;
    for (name, title) in [("c", "Zookeeper"), ("a", "Archivist"), ("b", "Mechanic")] {
        let mut user = full_user(name);
        user["title"] = json!(title);
        assert_eq!(scim.post("/Users", user).await.status, StatusCode::CREATED);
    }
    let sorted = scim.get("/Users?sortBy=title&sortOrder=descending").await;
    let titles: Vec<&str> = sorted.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Zookeeper", "Mechanic", "Archivist"]);
}

async fn the_profile_is_what_the_application_makes_of_it(backend: Backend) {
    let app = acme(backend).await;
    let okta = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    let o = id_of(&okta.post("/Users", full_user("o")).await);
    let e = id_of(&entra.post("/Users", full_user("e")).await);
    let o_profile = profile(&app, &o).await;
    assert_eq!(o_profile["full_name"], "Ms. Barbara J Jensen III");
    assert_eq!(o_profile["display_name"], "Babs Jensen");
    assert_eq!(o_profile["email"], "o@example.com", "the first valid address, primary first");
    assert_eq!(o_profile["company"], "Universal Studios");
    assert_eq!(o_profile["time_zone"], "America/Los_Angeles");
    // Entra ID's mapping: given + family, no display name or time zone.
    let e_profile = profile(&app, &e).await;
    assert_eq!(e_profile["full_name"], "Barbara Jensen");
    assert_eq!(e_profile["display_name"], Value::Null);
    assert_eq!(e_profile["email"], "e@example.com");
    assert_eq!(e_profile["company"], "Universal Studios");

    // An Okta user with only given and family names has a full name.
    let parts = okta
        .post(
            "/Users",
            json!({ "schemas": [CORE], "userName": "ada", "name": { "givenName": "Ada", "familyName": "Lovelace" } }),
        )
        .await;
    let ada = id_of(&parts);
    assert!(parts.body["name"].get("formatted").is_none(), "nothing invented: {parts:?}");
    assert_eq!(profile(&app, &ada).await["full_name"], "Ada Lovelace");
    let path = format!("/Users/{ada}");
    let formatted =
        patch_op(json!([{ "op": "add", "path": "name.formatted", "value": "Augusta Ada King" }]));
    assert_eq!(okta.patch(&path, formatted).await.status, StatusCode::OK);
    assert_eq!(profile(&app, &ada).await["full_name"], "Augusta Ada King");
    let removed = patch_op(json!([{ "op": "remove", "path": "name.formatted" }]));
    assert_eq!(okta.patch(&path, removed).await.status, StatusCode::OK);
    assert_eq!(profile(&app, &ada).await["full_name"], "Ada Lovelace");

    // Only invalid addresses: kept and returned, and no profile e-mail.
    let only_invalid = patch_op(json!([{ "op": "replace", "path": "emails", "value": [
        { "value": "not an address", "type": "work", "primary": true },
        { "value": "", "type": "other" }
    ] }]));
    let replaced = okta.patch(&format!("/Users/{o}"), only_invalid).await;
    assert_eq!(replaced.status, StatusCode::OK, "{replaced:?}");
    assert_eq!(replaced.body["emails"][0]["value"], "not an address");
    assert_eq!(replaced.body["emails"][1]["value"], "");
    assert_eq!(profile(&app, &o).await["email"], Value::Null);
}

async fn removing_an_optional_attribute_unassigns_it(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let id = id_of(&scim.post("/Users", full_user("rem")).await);
    let path = format!("/Users/{id}");
    let removed = scim
        .patch(
            &path,
            patch_op(json!([
                { "op": "remove", "path": "displayName" },
                { "op": "remove", "path": "active" },
                { "op": "remove", "path": "nickName" }
            ])),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{removed:?}");
    for key in ["displayName", "active", "nickName"] {
        assert!(removed.body.get(key).is_none(), "{key}: {removed:?}");
        assert!(scim.get(&path).await.body.get(key).is_none(), "{key}");
    }
    let p = profile(&app, &id).await;
    assert_eq!((p["display_name"].clone(), p["enabled"].clone()), (Value::Null, json!(true)));
    let mine = "userName eq \"rem\"";
    assert_eq!(total(&scim, &format!("{mine} and active pr")).await, 0);
    assert_eq!(total(&scim, &format!("{mine} and not (active pr)")).await, 1);

    // Disabled, then `active` removed: enabled again, as unassigned means.
    let off = patch_op(json!([{ "op": "replace", "path": "active", "value": false }]));
    let disabled = scim.patch(&path, off).await;
    assert_eq!(disabled.body["active"], false, "{disabled:?}");
    assert_eq!(total(&scim, &format!("{mine} and active eq false")).await, 1);
    let removed = scim.patch(&path, patch_op(json!([{ "op": "remove", "path": "active" }]))).await;
    assert!(removed.body.get("active").is_none(), "{removed:?}");
    assert_eq!(profile(&app, &id).await["enabled"], true);

    // A PUT that leaves `active` out keeps it.
    let off = patch_op(json!([{ "op": "replace", "path": "active", "value": false }]));
    assert_eq!(scim.patch(&path, off).await.status, StatusCode::OK);
    let mut body = full_user("rem");
    body.as_object_mut().unwrap().remove("active");
    let put = scim.put(&path, body).await;
    assert_eq!(put.status, StatusCode::OK, "{put:?}");
    assert_eq!(put.body["active"], false);
    assert_eq!(profile(&app, &id).await["enabled"], false);
    // A user an administrator disables shows it to the client.
    let mut fresh = full_user("admin-disabled");
    fresh.as_object_mut().unwrap().remove("active");
    let created = scim.post("/Users", fresh).await;
    assert!(created.body.get("active").is_none(), "{created:?}");
    let other = id_of(&created);
    let disable = app.patch(&format!("{USERS}/{other}"), json!({ "enabled": false })).await;
    assert_eq!(disable.status, StatusCode::OK, "{disable:?}");
    assert_eq!(scim.get(&format!("/Users/{other}")).await.body["active"], false);
}

/// Signs in to `acme` with a password: whether it worked.
async fn signs_in(app: &TestApp, username: &str, password: &str) -> bool {
    crate::password_signin::sign_in(app, username, password).await.0 == StatusCode::OK
}

async fn a_synced_password_sets_a_password_users_password(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let options = app
        .patch(
            &format!("/api/admin/sites/acme/providers/{}", scim.provider_id),
            json!({ "provisioning": { "password_groups": "Break Glass" } }),
        )
        .await;
    assert_eq!(options.status, StatusCode::OK, "{options:?}");
    let mut body = full_user("ann");
    body["password"] = json!("created-with-this");
    let created = scim.post("/Users", body).await;
    assert!(created.body.get("password").is_none(), "never returned: {created:?}");
    let ann = id_of(&created);
    let bob = id_of(&scim.post("/Users", full_user("bob")).await);
    let group = scim
        .post(
            "/Groups",
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Break Glass", "members": [{ "value": ann }] }),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{group:?}");
    assert_eq!(profile(&app, &ann).await["auth_method"], "password");
    // The create's password was ignored: Ann was an SSO user then.
    assert!(!signs_in(&app, "ann", "created-with-this").await);

    // Okta's password sync (PATCH, then PUT).
    let sync =
        patch_op(json!([{ "op": "replace", "path": "password", "value": "synced Pa55word" }]));
    let synced = scim.patch(&format!("/Users/{ann}"), sync).await;
    assert_eq!(synced.status, StatusCode::OK, "{synced:?}");
    assert!(synced.body.get("password").is_none(), "{synced:?}");
    assert!(signs_in(&app, "ann", "synced Pa55word").await);
    let mut put = full_user("ann");
    put["password"] = json!("put Pa55word");
    let replaced = scim.put(&format!("/Users/{ann}"), put).await;
    assert_eq!(replaced.status, StatusCode::OK, "{replaced:?}");
    assert!(signs_in(&app, "ann", "put Pa55word").await);
    assert!(!signs_in(&app, "ann", "synced Pa55word").await);
    for path in [
        format!("/Users/{ann}"),
        format!("/Users/{ann}?attributes=password"),
        "/Users?filter=userName%20eq%20%22ann%22".to_owned(),
    ] {
        let text = scim.get(&path).await.body.to_string();
        assert!(!text.contains("Pa55word") && !text.contains("\"password\""), "{path}: {text}");
    }

    // Bob signs in through Okta: his synced password is ignored.
    let sync = patch_op(json!([{ "op": "replace", "path": "password", "value": "bob Pa55word" }]));
    assert_eq!(scim.patch(&format!("/Users/{bob}"), sync).await.status, StatusCode::OK);
    assert!(!signs_in(&app, "bob", "bob Pa55word").await);
    assert_eq!(profile(&app, &bob).await["auth_method"], "sso");

    // Too long for the application: refused, nothing changed.
    let before = app.snapshot().await;
    let long =
        patch_op(json!([{ "op": "replace", "path": "password", "value": "x".repeat(1025) }]));
    assert_scim_error(
        &scim.patch(&format!("/Users/{ann}"), long).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    assert_eq!(app.snapshot().await, before);
    assert!(signs_in(&app, "ann", "put Pa55word").await);
}

async fn group_members_come_back_as_written(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let ann = id_of(&scim.post("/Users", full_user("ann")).await);
    let inner = id_of(
        &scim
            .post(
                "/Groups",
                json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Inner" }),
            )
            .await,
    );
    let base = format!("{}/api/scim", app.address);
    let members = json!([
        { "value": ann, "$ref": format!("{base}/Users/{ann}"), "type": "User" },
        { "value": inner, "$ref": format!("{base}/Groups/{inner}"), "type": "Group" }
    ]);
    let created = scim
        .post(
            "/Groups",
            json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Outer", "members": members }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    assert_eq!(created.body["members"], members, "as written, no display invented");
    let outer = id_of(&created);
    assert_eq!(scim.get(&format!("/Groups/{outer}")).await.body["members"], members);
    let listed = scim.get("/Groups?filter=displayName%20eq%20%22Outer%22").await;
    assert_eq!(listed.body["Resources"][0]["members"], members);
    // A member without $ref or type comes back with them: they are what
    // the server knows it to be.
    let patched = scim
        .patch(
            &format!("/Groups/{outer}?attributes=members"),
            patch_op(json!([{ "op": "remove", "path": "members" }, { "op": "add", "path": "members", "value": [{ "value": ann }] }])),
        )
        .await;
    assert_eq!(patched.body["members"], json!([members[0]]), "{patched:?}");
    // Asked for, the display is there.
    let asked = scim.get(&format!("/Groups/{outer}?attributes=members.display")).await;
    assert_eq!(asked.body["members"], json!([{ "display": "ann" }]), "{asked:?}");
    let both = scim.get(&format!("/Groups/{outer}?attributes=members,members.display")).await;
    let mut with_display = members[0].clone();
    with_display["display"] = json!("ann");
    assert_eq!(both.body["members"], json!([with_display]), "{both:?}");
    // And filters compare it, in any case.
    let found = scim.get("/Groups?filter=members.display%20eq%20%22ANN%22").await;
    assert_eq!(found.body["totalResults"], 1, "{found:?}");
}

async fn bad_inputs_are_refused_and_change_nothing(backend: Backend) {
    let app = acme(backend).await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let entra = app.scim_provider("acme", "entra_id", "Entra").await;
    let id = id_of(&scim.post("/Users", full_user("taken")).await);
    let before = app.snapshot().await;
    let mut empty = full_user("x");
    empty["userName"] = json!("");
    assert_scim_error(
        &scim.post("/Users", empty.clone()).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    assert_scim_error(
        &scim.put(&format!("/Users/{id}"), empty).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    let clash = full_user("TAKEN");
    assert_scim_error(&entra.post("/Users", clash).await, StatusCode::CONFLICT, Some("uniqueness"));
    let mut bell = full_user("y");
    bell["displayName"] = json!("a\u{7}b");
    assert_scim_error(
        &scim.post("/Users", bell).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    let refused = scim.get("/Users?attributes=emails%5Btype%20eq%20%22work%22%5D").await;
    assert_scim_error(&refused, StatusCode::BAD_REQUEST, Some("invalidValue"));
    assert!(refused.body["detail"].as_str().unwrap().contains("RFC 7644 §3.9"), "{refused:?}");
    let excluded =
        scim.get(&format!("/Users/{id}?excludedAttributes=emails[type%20eq%20%22work%22]")).await;
    assert_scim_error(&excluded, StatusCode::BAD_REQUEST, Some("invalidValue"));
    let long = patch_op(json!([{ "op": "add", "path": "password", "value": "x".repeat(1025) }]));
    assert_scim_error(
        &scim.patch(&format!("/Users/{id}"), long).await,
        StatusCode::BAD_REQUEST,
        Some("invalidValue"),
    );
    assert_eq!(app.snapshot().await, before);
}

crate::on_both_databases!(
    every_attribute_comes_back_for_every_kind,
    the_profile_is_what_the_application_makes_of_it,
    removing_an_optional_attribute_unassigns_it,
    a_synced_password_sets_a_password_users_password,
    group_members_come_back_as_written,
    bad_inputs_are_refused_and_change_nothing,
);
