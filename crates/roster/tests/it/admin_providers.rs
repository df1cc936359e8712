//! The SSO provider admin API, `/api/admin/sites/{slug}/providers`: every
//! kind and its defaults, paging, rename and deletion; the SAML trust modes;
//! (LDAP provisioning settings are `admin_provider_ldap.rs`'s); the
//! provisioning options of SPEC §4 with their validation, including the
//! refusal of group filters on Entra ID; and malformed requests.
//!
//! Every rejected request is followed by a check that the stored data did
//! not change (STYLE rule 6).

#![allow(clippy::expect_used, reason = "test code: a failed expectation is a test failure")]

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, Reply, TestApp, assert_error, reply, spawn_app};
use crate::metadata_server::{Answer, MetadataServer};

/// The `saml` view with the fetch times of a metadata URL (which the
/// clock decides) replaced by `"set"`.
fn fetch_times_set(saml: &Value) -> Value {
    let mut saml = saml.clone();
    for field in ["metadata_fetched_at", "metadata_refresh_due_at"] {
        if saml[field].is_string() {
            saml[field] = json!("set");
        }
    }
    saml
}

pub(crate) fn providers(site: &str) -> String {
    format!("/api/admin/sites/{site}/providers")
}

/// Creates a provider and returns its JSON view.
pub(crate) async fn create(app: &TestApp, site: &str, body: Value) -> Value {
    let reply = app.post(&providers(site), body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    reply.body
}

/// Sends a body as it is, with the given content type.
async fn raw(app: &TestApp, method: Method, path: &str, content_type: &str, body: &str) -> Reply {
    let response = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(&app.key)
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    reply(response).await
}

/// Sends `body` and asserts a 400 on `field` that left every row as it was.
pub(crate) async fn assert_refused(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Value,
    field: &str,
) -> Reply {
    let before = app.snapshot().await;
    let reply = app.call(method, path, Some(body.clone())).await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some(field));
    assert_eq!(app.snapshot().await, before, "{body} changed stored data");
    reply
}

fn default_provisioning() -> Value {
    json!({
        "provision_users_on_first_login": true,
        "deprovision_users": true,
        "provision_group_memberships": true,
        "deprovision_group_memberships": true,
        "deprovisioning_method": "disable",
        "provision_company": null,
        "default_groups": "",
        "only_users_in_groups": "",
        "only_groups": "",
        "exclude_groups": "",
        "site_admin_groups": "",
        "readonly_site_admin_groups": "",
        "group_admin_groups": "",
        "password_groups": "",
        "two_factor": "site_policy",
        "webdav": false,
        "ftp": false,
        "sftp": false,
        "default_time_zone": null,
    })
}

const KINDS: [&str; 8] =
    ["okta", "entra_id", "jumpcloud", "onelogin", "duo", "ldap", "saml", "oidc"];

async fn every_kind_gets_the_defaults(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    for kind in KINDS {
        let mut body = json!({ "kind": kind, "name": format!("My {kind}") });
        if kind == "ldap" {
            body["ldap"] = json!({ "host": "dc1.corp.example", "base_dn": "DC=corp,DC=example" });
        }
        let created = create(&app, &site, body).await;
        assert_eq!(created["kind"], kind);
        assert_eq!(created["name"], format!("My {kind}"));
        assert_eq!(created["provisioning"], default_provisioning(), "{kind}");
        assert_eq!(created["scim"]["auth"], "off", "{kind}");
        assert_eq!(created["scim"]["username"], Value::Null, "{kind}");
        assert_eq!(created["saml"]["trust"], "none", "{kind}");
        assert_eq!(created["ldap"].is_null(), kind != "ldap", "{kind}");
        let id = created["id"].as_str().expect("id");
        let shown = app.get(&format!("{}/{id}", providers(&site))).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert_eq!(shown.body, created, "{kind}: GET differs from the create response");
    }
}

async fn list_get_rename_and_delete(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let mut ids = Vec::new();
    for name in ["One", "Two", "Three", "Four", "Five"] {
        ids.push(create(&app, &site, json!({ "kind": "okta", "name": name })).await["id"].clone());
    }

    let mut seen = Vec::new();
    for (offset, count) in [(0, 2), (2, 2), (4, 1), (6, 0)] {
        let page = app.get(&format!("{}?limit=2&offset={offset}", providers(&site))).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        assert_eq!((page.body["total"].clone(), page.body["limit"].clone()), (json!(5), json!(2)));
        assert_eq!(page.body["offset"], offset);
        let items = page.body["items"].as_array().expect("items");
        assert_eq!(items.len(), count, "offset {offset}");
        seen.extend(items.iter().map(|p| p["id"].clone()));
    }
    assert_eq!(seen, ids, "pages list every provider once, oldest first");
    let bad_limit = app.get(&format!("{}?limit=0", providers(&site))).await;
    assert_error(&bad_limit, StatusCode::BAD_REQUEST, "invalid_request", Some("limit"));

    let one = format!("{}/{}", providers(&site), ids[0].as_str().expect("id"));
    let renamed = app.patch(&one, json!({ "name": "Okta (staff)" })).await;
    assert_eq!(renamed.status, StatusCode::OK, "{renamed:?}");
    assert_eq!(renamed.body["name"], "Okta (staff)");
    assert_eq!(renamed.body["kind"], "okta");
    assert_eq!(app.get(&one).await.body, renamed.body);

    assert_eq!(app.delete(&one).await.status, StatusCode::NO_CONTENT);
    assert_error(&app.get(&one).await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(&app.delete(&one).await, StatusCode::NOT_FOUND, "not_found", None);
    assert_error(
        &app.patch(&one, json!({ "name": "x" })).await,
        StatusCode::NOT_FOUND,
        "not_found",
        None,
    );
    assert_eq!(app.get(&providers(&site)).await.body["total"], 4);
    let elsewhere = app.get(&providers("no-such-site")).await;
    assert_error(&elsewhere, StatusCode::NOT_FOUND, "not_found", None);
}

async fn saml_trust_modes(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let hex = "0123456789abcdef".repeat(4);
    let upper = hex.to_uppercase();
    let colons =
        upper.as_bytes().chunks(2).map(String::from_utf8_lossy).collect::<Vec<_>>().join(":");
    // A real IdP's metadata (recorded for roster-saml's tests).
    let md = std::fs::read_to_string(
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
            .join("../roster-saml/tests/data/metadata/idp.xml"),
    )
    .expect("recorded metadata");
    let md = md.as_str();
    let server = MetadataServer::start().await;
    server.answer("/metadata", Answer::Document(md.to_owned()));
    let url = server.url("/metadata");
    let empty = json!({ "metadata_url": null, "metadata_xml": null, "fingerprint": null, "sso_url": null, "slo_url": null,
                        "metadata_fetched_at": null, "metadata_refresh_due_at": null, "metadata_error": null, "metadata_error_at": null });
    let view = |trust: &str, fields: Value| {
        let mut view = empty.clone();
        view["trust"] = json!(trust);
        for (key, value) in fields.as_object().expect("object") {
            view[key] = value.clone();
        }
        view
    };
    let cases = [
        (json!({ "trust": "none" }), view("none", json!({}))),
        (
            json!({ "trust": "metadata_url", "metadata_url": url }),
            view(
                "metadata_url",
                json!({ "metadata_url": url, "metadata_fetched_at": "set", "metadata_refresh_due_at": "set" }),
            ),
        ),
        (
            json!({ "trust": "metadata_xml", "metadata_xml": md }),
            view("metadata_xml", json!({ "metadata_xml": md })),
        ),
        (
            json!({ "trust": "fingerprint", "fingerprint": hex, "sso_url": "https://idp.example.com/sso" }),
            view(
                "fingerprint",
                json!({ "fingerprint": hex, "sso_url": "https://idp.example.com/sso" }),
            ),
        ),
        (
            json!({ "trust": "fingerprint", "fingerprint": colons, "sso_url": "http://idp.example.com/sso",
                 "slo_url": "https://idp.example.com/slo" }),
            view(
                "fingerprint",
                json!({ "fingerprint": hex, "sso_url": "http://idp.example.com/sso",
                                     "slo_url": "https://idp.example.com/slo" }),
            ),
        ),
    ];
    let patched = create(&app, &site, json!({ "kind": "saml", "name": "Patched" })).await;
    let patched = format!("{}/{}", providers(&site), patched["id"].as_str().expect("id"));
    for (index, (saml, want)) in cases.iter().enumerate() {
        let body = json!({ "kind": "saml", "name": format!("IdP {index}"), "saml": saml });
        let created = create(&app, &site, body).await;
        assert_eq!(fetch_times_set(&created["saml"]), *want, "create with {saml}");
        let path = format!("{}/{}", providers(&site), created["id"].as_str().expect("id"));
        assert_eq!(fetch_times_set(&app.get(&path).await.body["saml"]), *want, "stored {saml}");
        // A PATCH replaces the whole trust configuration, so switching
        // modes leaves no field of the previous mode behind.
        let reply = app.patch(&patched, json!({ "saml": saml })).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(fetch_times_set(&reply.body["saml"]), *want, "patch with {saml}");
        let stored = app.get(&patched).await.body["saml"].clone();
        assert_eq!(fetch_times_set(&stored), *want, "stored patch {saml}");
    }
}

async fn bad_saml_trust_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let server = MetadataServer::start().await;
    let recorded = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("../roster-saml/tests/data/metadata/idp.xml");
    let md = std::fs::read_to_string(recorded).expect("recorded metadata");
    server.answer("/metadata", Answer::Document(md));
    let url = server.url("/metadata");
    let existing = create(
        &app,
        &site,
        json!({ "kind": "saml", "name": "Existing", "saml": {
        "trust": "metadata_url", "metadata_url": url } }),
    )
    .await;
    let existing = format!("{}/{}", providers(&site), existing["id"].as_str().expect("id"));
    let hex = "ab".repeat(32);
    let sso = "https://idp.example.com/sso";
    let cases = [
        (json!({ "trust": "magic" }), "saml.trust"),
        (json!({ "trust": "metadata_url" }), "saml.metadata_url"),
        (json!({ "trust": "metadata_xml" }), "saml.metadata_xml"),
        (json!({ "trust": "fingerprint", "sso_url": sso }), "saml.fingerprint"),
        (json!({ "trust": "fingerprint", "fingerprint": hex }), "saml.sso_url"),
        (
            json!({ "trust": "none", "metadata_url": "https://idp.example.com/md" }),
            "saml.metadata_url",
        ),
        (
            json!({ "trust": "metadata_url", "metadata_url": "https://idp.example.com/md", "sso_url": sso }),
            "saml.sso_url",
        ),
        (
            json!({ "trust": "metadata_xml", "metadata_xml": "<x/>", "fingerprint": hex }),
            "saml.fingerprint",
        ),
        (
            json!({ "trust": "metadata_url", "metadata_url": "ftp://idp.example.com/md" }),
            "saml.metadata_url",
        ),
        (json!({ "trust": "metadata_url", "metadata_url": "https:///md" }), "saml.metadata_url"),
        (
            json!({ "trust": "fingerprint", "fingerprint": hex, "sso_url": "javascript:alert(1)" }),
            "saml.sso_url",
        ),
        (
            json!({ "trust": "fingerprint", "fingerprint": hex, "sso_url": sso, "slo_url": "idp.example.com/slo" }),
            "saml.slo_url",
        ),
        (
            json!({ "trust": "fingerprint", "fingerprint": "ab:cd", "sso_url": sso }),
            "saml.fingerprint",
        ),
        (
            json!({ "trust": "fingerprint", "fingerprint": "zz".repeat(32), "sso_url": sso }),
            "saml.fingerprint",
        ),
        (json!({ "trust": "metadata_xml", "metadata_xml": "not xml" }), "saml.metadata_xml"),
        // XML, but not metadata an SP can use.
        (json!({ "trust": "metadata_xml", "metadata_xml": "<x/>" }), "saml.metadata_xml"),
        (
            json!({ "trust": "metadata_xml", "metadata_xml":
                "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>" }),
            "saml.metadata_xml",
        ),
        (
            json!({ "trust": "metadata_xml", "metadata_xml":
                "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"><md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://idp/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>" }),
            "saml.metadata_xml",
        ),
    ];
    for (saml, field) in cases {
        let body = json!({ "kind": "saml", "name": "New", "saml": saml });
        assert_refused(&app, Method::POST, &providers(&site), body, field).await;
        assert_refused(&app, Method::PATCH, &existing, json!({ "saml": saml }), field).await;
    }
    assert_eq!(app.get(&existing).await.body["saml"]["metadata_url"], url.as_str());
}

async fn every_provisioning_option_round_trips(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    for name in ["Staff", "New Hires"] {
        let reply =
            app.post(&format!("/api/admin/sites/{site}/groups"), json!({ "name": name })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
    }
    let input = json!({
        "provision_users_on_first_login": false,
        "deprovision_users": false,
        "provision_group_memberships": false,
        "deprovision_group_memberships": false,
        "deprovisioning_method": "delete",
        "provision_company": "Acme Corp",
        "default_groups": "Staff, New Hires",
        "only_users_in_groups": " Employees , Contractors*",
        "only_groups": "IT,Support",
        "exclude_groups": "Domain *",
        "site_admin_groups": "Admins",
        "readonly_site_admin_groups": "Auditors",
        "group_admin_groups": "Leads*",
        "password_groups": "Break glass",
        "two_factor": "always",
        "webdav": true,
        "ftp": true,
        "sftp": true,
        "default_time_zone": "america/new_york",
    });
    let mut want = input.clone();
    // Lists come back in their canonical form, the zone as the tz database
    // spells it.
    want["default_groups"] = json!("Staff,New Hires");
    want["only_users_in_groups"] = json!("Employees,Contractors*");
    want["default_time_zone"] = json!("America/New_York");

    let created =
        create(&app, &site, json!({ "kind": "okta", "name": "Okta", "provisioning": input })).await;
    assert_eq!(created["provisioning"], want);
    let path = format!("{}/{}", providers(&site), created["id"].as_str().expect("id"));
    assert_eq!(app.get(&path).await.body["provisioning"], want);

    let other = create(&app, &site, json!({ "kind": "jumpcloud", "name": "JumpCloud" })).await;
    let other = format!("{}/{}", providers(&site), other["id"].as_str().expect("id"));
    let patched = app.patch(&other, json!({ "provisioning": input })).await;
    assert_eq!(
        (patched.status, &patched.body["provisioning"]),
        (StatusCode::OK, &want),
        "{patched:?}"
    );
    assert_eq!(app.get(&other).await.body["provisioning"], want);

    // A PATCH changes only the options it names; null and "" clear.
    let cleared = app.patch(&path, json!({ "provisioning": {
        "provision_company": null, "default_time_zone": null, "only_groups": "", "default_groups": "",
        "webdav": false } })).await;
    for (key, value) in [
        ("provision_company", Value::Null),
        ("default_time_zone", Value::Null),
        ("only_groups", json!("")),
        ("default_groups", json!("")),
        ("webdav", json!(false)),
    ] {
        want[key] = value;
    }
    assert_eq!(cleared.body["provisioning"], want, "{cleared:?}");
    assert_eq!(app.get(&path).await.body["provisioning"], want);
}

async fn bad_provisioning_options_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let existing = create(&app, &site, json!({ "kind": "okta", "name": "Okta" })).await;
    let existing = format!("{}/{}", providers(&site), existing["id"].as_str().expect("id"));
    let mut cases = vec![
        (
            json!({ "default_time_zone": "Mars/Olympus" }),
            "provisioning.default_time_zone".to_owned(),
        ),
        (json!({ "default_time_zone": "" }), "provisioning.default_time_zone".to_owned()),
        (json!({ "default_groups": "Staff" }), "provisioning.default_groups".to_owned()),
        (json!({ "default_groups": "Staff,,Sales" }), "provisioning.default_groups".to_owned()),
        (
            json!({ "deprovisioning_method": "archive" }),
            "provisioning.deprovisioning_method".to_owned(),
        ),
        (json!({ "two_factor": "sometimes" }), "provisioning.two_factor".to_owned()),
        (json!({ "provision_company": "   " }), "provisioning.provision_company".to_owned()),
        (json!({ "webdav": "yes" }), "provisioning.webdav".to_owned()),
        (json!({ "only_group": "IT" }), "provisioning.only_group".to_owned()),
    ];
    for list in [
        "only_users_in_groups",
        "only_groups",
        "exclude_groups",
        "site_admin_groups",
        "readonly_site_admin_groups",
        "group_admin_groups",
        "password_groups",
    ] {
        cases.push((json!({ list: "IT,,Sales" }), format!("provisioning.{list}")));
        cases.push((json!({ list: "IT,\u{7}" }), format!("provisioning.{list}")));
    }
    for (provisioning, field) in &cases {
        let body = json!({ "kind": "okta", "name": "New", "provisioning": provisioning });
        assert_refused(&app, Method::POST, &providers(&site), body, field).await;
        assert_refused(
            &app,
            Method::PATCH,
            &existing,
            json!({ "provisioning": provisioning }),
            field,
        )
        .await;
    }
    let reply = assert_refused(
        &app,
        Method::POST,
        &providers(&site),
        json!({ "kind": "okta", "name": "New", "provisioning": { "only_groups": "IT,,Sales" } }),
        "provisioning.only_groups",
    )
    .await;
    assert!(reply.body["message"].as_str().expect("message").contains("entry 2"), "{reply:?}");

    // Once the group exists, naming it as a default group works.
    let group =
        app.post(&format!("/api/admin/sites/{site}/groups"), json!({ "name": "Staff" })).await;
    assert_eq!(group.status, StatusCode::CREATED, "{group:?}");
    let reply =
        app.patch(&existing, json!({ "provisioning": { "default_groups": "Staff" } })).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["provisioning"]["default_groups"], "Staff");
    assert_eq!(app.get(&existing).await.body["provisioning"]["default_groups"], "Staff");
}

async fn entra_group_filters_need_ldap(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let ldap = json!({ "host": "dc1.corp.example", "base_dn": "DC=corp" });
    let plain = create(&app, &site, json!({ "kind": "entra_id", "name": "Entra" })).await;
    let plain = format!("{}/{}", providers(&site), plain["id"].as_str().expect("id"));
    for filter in ["only_users_in_groups", "only_groups", "exclude_groups"] {
        let field = format!("provisioning.{filter}");
        let provisioning = json!({ filter: "Employees" });
        for reply in [
            assert_refused(&app, Method::POST, &providers(&site),
                json!({ "kind": "entra_id", "name": "New", "provisioning": provisioning }), &field).await,
            assert_refused(&app, Method::PATCH, &plain, json!({ "provisioning": provisioning }), &field).await,
            // LDAP provisioning that is switched off does not help.
            assert_refused(&app, Method::POST, &providers(&site), json!({ "kind": "entra_id", "name": "New",
                "provisioning": provisioning, "ldap": { "host": "dc1", "base_dn": "DC=corp", "enabled": false } }),
                &field).await,
        ] {
            assert!(reply.body["message"].as_str().expect("message").contains("scoping filters"), "{reply:?}");
        }

        // With a directory attached, the filters have group data to work on.
        let name = format!("Entra with LDAP ({filter})");
        let body =
            json!({ "kind": "entra_id", "name": name, "provisioning": provisioning, "ldap": ldap });
        let created = create(&app, &site, body).await;
        assert_eq!(created["provisioning"][filter], "Employees");
        let path = format!("{}/{}", providers(&site), created["id"].as_str().expect("id"));
        // ... and cannot be detached while a filter needs it.
        assert_refused(&app, Method::PATCH, &path, json!({ "ldap": null }), &field).await;
        assert_refused(&app, Method::PATCH, &path, json!({ "ldap": { "enabled": false } }), &field)
            .await;
        assert_eq!(app.get(&path).await.body["ldap"]["enabled"], true);

        // Other kinds send groups at user sync and take the filter as it is.
        let body = json!({ "kind": "okta", "name": format!("Okta {filter}"), "provisioning": provisioning });
        let okta = create(&app, &site, body).await;
        assert_eq!(okta["provisioning"][filter], "Employees");
    }
    let patched =
        app.patch(&plain, json!({ "ldap": ldap, "provisioning": { "only_groups": "IT" } })).await;
    assert_eq!(patched.status, StatusCode::OK, "{patched:?}");
    assert_eq!(app.get(&plain).await.body["provisioning"]["only_groups"], "IT");
}

async fn malformed_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let existing = create(&app, &site, json!({ "kind": "okta", "name": "Okta" })).await;
    let existing = format!("{}/{}", providers(&site), existing["id"].as_str().expect("id"));
    let create_cases = [
        (json!({ "kind": "okta", "name": "New", "colour": "red" }), "colour"),
        (
            json!({ "kind": "okta", "name": "New", "saml": { "trust": "none", "entity": "x" } }),
            "saml.entity",
        ),
        (
            json!({ "kind": "okta", "name": "New", "ldap": { "host": "h", "base_dn": "d", "hostname": "h" } }),
            "ldap.hostname",
        ),
        (json!({ "kind": "okta", "name": 5 }), "name"),
        (json!({ "kind": ["okta"], "name": "New" }), "kind"),
        (json!({ "kind": "okta", "name": "New", "provisioning": "all" }), "provisioning"),
        (json!({ "kind": "ping", "name": "New" }), "kind"),
        (json!({ "kind": "OKTA", "name": "New" }), "kind"),
        (json!({ "kind": "okta", "name": "" }), "name"),
        (json!({ "kind": "okta", "name": " padded " }), "name"),
        (json!({ "kind": "okta", "name": "x".repeat(101) }), "name"),
        (json!({ "name": "New" }), "body"),
        (json!({ "kind": "okta", "name": "New", "scim": { "auth": "token" } }), "scim"),
    ];
    for (body, field) in create_cases {
        assert_refused(&app, Method::POST, &providers(&site), body, field).await;
    }
    let patch_cases = [
        (json!({ "kind": "saml" }), "kind"),
        (json!({ "kind": "okta" }), "kind"),
        (json!({ "id": "other" }), "id"),
        (json!({ "name": "" }), "name"),
        (json!({ "provisioning": { "webdav": 1 } }), "provisioning.webdav"),
        // Fields that cannot be cleared refuse null rather than ignore it.
        (json!({ "name": null }), "name"),
        (json!({ "saml": null }), "saml"),
        (json!({ "provisioning": null }), "provisioning"),
        (json!({ "provisioning": { "webdav": null } }), "provisioning.webdav"),
        (json!({ "provisioning": { "only_groups": null } }), "provisioning.only_groups"),
        (json!({ "ldap": { "port": null } }), "ldap.port"),
    ];
    for (body, field) in patch_cases {
        assert_refused(&app, Method::PATCH, &existing, body, field).await;
    }
    let before = app.snapshot().await;
    for (method, path) in [(Method::POST, providers(&site)), (Method::PATCH, existing.clone())] {
        let broken =
            raw(&app, method.clone(), &path, "application/json", r#"{"name": "New""#).await;
        assert_error(&broken, StatusCode::BAD_REQUEST, "invalid_json", None);
        let form =
            raw(&app, method, &path, "application/x-www-form-urlencoded", "kind=okta&name=New")
                .await;
        assert_error(&form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None);
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.get(&existing).await.body["kind"], "okta");
}

/// A JSON array is not the object the API documents, even when serde could
/// read the struct's fields from it by position.
async fn a_json_array_is_not_a_provider(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let existing = create(&app, &site, json!({ "kind": "okta", "name": "Okta" })).await;
    let existing = format!("{}/{}", providers(&site), existing["id"].as_str().expect("id"));
    assert_refused(&app, Method::POST, &providers(&site), json!(["saml", "Positional"]), "body")
        .await;
    assert_refused(&app, Method::PATCH, &existing, json!(["Renamed"]), "body").await;
    assert_eq!(app.get(&existing).await.body["name"], "Okta");
}

async fn names_are_unique_ignoring_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let okta = create(&app, &site, json!({ "kind": "okta", "name": "Okta" })).await;
    let okta = format!("{}/{}", providers(&site), okta["id"].as_str().expect("id"));
    let other = create(&app, &site, json!({ "kind": "duo", "name": "Duo" })).await;
    let other = format!("{}/{}", providers(&site), other["id"].as_str().expect("id"));

    let before = app.snapshot().await;
    for kind in ["okta", "saml"] {
        let reply = app.post(&providers(&site), json!({ "kind": kind, "name": "OKTA" })).await;
        assert_error(&reply, StatusCode::CONFLICT, "conflict", Some("name"));
    }
    assert_error(
        &app.patch(&other, json!({ "name": "okta" })).await,
        StatusCode::CONFLICT,
        "conflict",
        Some("name"),
    );
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.get(&other).await.body["name"], "Duo");

    // A change of case of its own name is not a collision.
    let recased = app.patch(&okta, json!({ "name": "OKTA" })).await;
    assert_eq!(
        (recased.status, recased.body["name"].clone()),
        (StatusCode::OK, json!("OKTA")),
        "{recased:?}"
    );
    assert_eq!(app.get(&okta).await.body["name"], "OKTA");

    // Names are unique per site only.
    let beta = app.site("beta").await;
    create(&app, &beta, json!({ "kind": "okta", "name": "Okta" })).await;
    let names: BTreeSet<String> = app.get(&providers(&site)).await.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect();
    assert_eq!(names, BTreeSet::from(["OKTA".to_owned(), "Duo".to_owned()]));
}

async fn a_provider_in_use_cannot_be_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let created = create(&app, &site, json!({ "kind": "okta", "name": "Okta" })).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("{}/{id}", providers(&site));
    let user = app
        .user(&site, json!({ "username": "alice", "auth_method": "sso", "sso_provider_id": id }))
        .await;

    let before = app.snapshot().await;
    let reply = app.delete(&path).await;
    assert_error(&reply, StatusCode::CONFLICT, "conflict", Some("provider"));
    assert!(reply.body["message"].as_str().expect("message").contains("1 user"), "{reply:?}");
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
    let user_path = format!("/api/admin/sites/{site}/users/{user}");
    let alice = app.get(&user_path).await;
    assert_eq!(
        (alice.body["auth_method"].clone(), alice.body["sso_provider_id"].clone()),
        (json!("sso"), json!(id))
    );

    // Once nobody signs in with it, it can go.
    let moved = app.patch(&user_path, json!({ "auth_method": "password" })).await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_error(&app.get(&path).await, StatusCode::NOT_FOUND, "not_found", None);
}

crate::on_both_databases!(
    every_kind_gets_the_defaults,
    list_get_rename_and_delete,
    saml_trust_modes,
    bad_saml_trust_is_refused,
    every_provisioning_option_round_trips,
    bad_provisioning_options_are_refused,
    entra_group_filters_need_ldap,
    malformed_requests_are_refused,
    a_json_array_is_not_a_provider,
    names_are_unique_ignoring_case,
    a_provider_in_use_cannot_be_deleted,
);
