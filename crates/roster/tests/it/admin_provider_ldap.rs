//! A provider's LDAP provisioning settings through the admin API: defaults
//! by server type, the bind password written and never shown, every
//! setting changed and kept, and bad settings refused with nothing stored.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_providers::{assert_refused, create, providers};
use crate::helpers::{Backend, spawn_app};

async fn ldap_settings(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let created = create(
        &app,
        &site,
        json!({ "kind": "ldap", "name": "AD",
        "ldap": { "host": "dc1.corp.example", "base_dn": "DC=corp,DC=example" } }),
    )
    .await;
    assert_eq!(
        created["ldap"],
        json!({
            "enabled": true, "host": "dc1.corp.example", "backup_host": null,
            "server_type": "active_directory", "port": 636, "security": "ldaps", "secure": true,
            "ca_certificate": null, "username_attribute": "sAMAccountName",
            "bind_username": null, "bind_password_set": false, "base_dn": "DC=corp,DC=example",
            "user_filter": null, "group_filter": null, "domain": null, "interval": "1h",
            "failure_threshold": 5, "consecutive_failures": 0, "disabled_reason": null,
        })
    );
    let plain = create(
        &app,
        &site,
        json!({ "kind": "ldap", "name": "Plain",
        "ldap": { "host": "ldap.example", "base_dn": "dc=example", "secure": false } }),
    )
    .await;
    assert_eq!(
        (plain["ldap"]["port"].clone(), plain["ldap"]["security"].clone()),
        (json!(389), json!("plain"))
    );

    let path = format!("{}/{}", providers(&site), created["id"].as_str().expect("id"));
    let secret = "correct horse battery staple";
    let ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let full = app.patch(&path, json!({ "ldap": {
        "backup_host": "dc2.corp.example", "server_type": "openldap", "username_attribute": "userPrincipalName",
        "bind_username": "CN=roster,DC=corp", "bind_password": secret, "domain": "corp.example",
        "security": "starttls", "ca_certificate": ca, "user_filter": "(ou=staff)",
        "group_filter": "(cn=app-*)", "interval": "90m", "failure_threshold": 3 } })).await;
    assert_eq!(full.status, StatusCode::OK, "{full:?}");
    let mut want = created["ldap"].clone();
    for (key, value) in [
        ("backup_host", json!("dc2.corp.example")),
        ("server_type", json!("openldap")),
        ("username_attribute", json!("userPrincipalName")),
        ("bind_username", json!("CN=roster,DC=corp")),
        ("bind_password_set", json!(true)),
        ("domain", json!("corp.example")),
        ("security", json!("starttls")),
        ("port", json!(389)),
        ("ca_certificate", json!(ca)),
        ("user_filter", json!("(ou=staff)")),
        ("group_filter", json!("(cn=app-*)")),
        ("interval", json!("90m")),
        ("failure_threshold", json!(3)),
    ] {
        want[key] = value;
    }
    assert_eq!(full.body["ldap"], want);
    // The password is needed in clear to bind but never leaves the server.
    let list = app.get(&providers(&site)).await;
    for body in [&full.body, &app.get(&path).await.body, &list.body] {
        assert!(!body.to_string().contains(secret), "the bind password is shown: {body}");
        assert!(!body.to_string().contains("\"bind_password\""), "{body}");
    }

    // A partial LDAP update changes only the fields it names.
    let port = app.patch(&path, json!({ "ldap": { "port": 1636 } })).await;
    want["port"] = json!(1636);
    assert_eq!(port.body["ldap"], want, "{port:?}");
    let cleared =
        app.patch(&path, json!({ "ldap": { "bind_password": null, "backup_host": null } })).await;
    want["bind_password_set"] = json!(false);
    want["backup_host"] = Value::Null;
    assert_eq!(cleared.body["ldap"], want, "{cleared:?}");
    assert_eq!(app.get(&path).await.body["ldap"], want);

    // Any provider may carry LDAP provisioning, and `"ldap": null` drops it.
    let okta = create(
        &app,
        &site,
        json!({ "kind": "okta", "name": "Okta",
        "ldap": { "host": "dc1.corp.example", "base_dn": "DC=corp" } }),
    )
    .await;
    assert_eq!(okta["ldap"]["host"], "dc1.corp.example");
    let okta = format!("{}/{}", providers(&site), okta["id"].as_str().expect("id"));
    let dropped = app.patch(&okta, json!({ "ldap": null })).await;
    assert_eq!(
        (dropped.status, dropped.body["ldap"].clone()),
        (StatusCode::OK, Value::Null),
        "{dropped:?}"
    );
    assert_eq!(app.get(&okta).await.body["ldap"], Value::Null);
    assert_eq!(app.get(&okta).await.body["name"], "Okta", "the rest of the provider stays");
}

async fn bad_ldap_settings_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = app.site("acme").await;
    let existing = create(
        &app,
        &site,
        json!({ "kind": "ldap", "name": "AD",
        "ldap": { "host": "dc1.corp", "base_dn": "DC=corp" } }),
    )
    .await;
    let existing = format!("{}/{}", providers(&site), existing["id"].as_str().expect("id"));
    let okta = create(&app, &site, json!({ "kind": "okta", "name": "Okta" })).await;
    let okta = format!("{}/{}", providers(&site), okta["id"].as_str().expect("id"));

    let ok = json!({ "host": "dc1.corp", "base_dn": "DC=corp" });
    let with = |key: &str, value: Value| {
        let mut ldap = ok.clone();
        ldap[key] = value;
        ldap
    };
    let create_cases = [
        (json!({ "kind": "ldap", "name": "New" }), "ldap"),
        (json!({ "kind": "ldap", "name": "New", "ldap": null }), "ldap"),
        (json!({ "kind": "ldap", "name": "New", "ldap": { "base_dn": "DC=corp" } }), "ldap.host"),
        (json!({ "kind": "okta", "name": "New", "ldap": { "host": "dc1.corp" } }), "ldap.base_dn"),
    ];
    for (body, field) in create_cases {
        assert_refused(&app, Method::POST, &providers(&site), body, field).await;
    }
    let setting_cases = [
        (with("port", json!(0)), "ldap.port"),
        (with("port", json!(70000)), "ldap.port"),
        (with("host", json!("dc 1.corp")), "ldap.host"),
        (with("host", json!("")), "ldap.host"),
        (with("backup_host", json!("two words")), "ldap.backup_host"),
        (with("base_dn", json!("  ")), "ldap.base_dn"),
        (with("server_type", json!("novell")), "ldap.server_type"),
        (with("username_attribute", json!("email")), "ldap.username_attribute"),
        (with("security", json!("tls")), "ldap.security"),
        (with("ca_certificate", json!("MIIB...")), "ldap.ca_certificate"),
        (with("user_filter", json!("objectClass=person")), "ldap.user_filter"),
        (with("group_filter", json!("(cn=a))(")), "ldap.group_filter"),
        (with("interval", json!("1m")), "ldap.interval"),
        (with("interval", json!("weekly")), "ldap.interval"),
        (with("failure_threshold", json!(0)), "ldap.failure_threshold"),
        (with("bind_password", json!("")), "ldap.bind_password"),
        (with("bind_username", json!(" ")), "ldap.bind_username"),
        (with("secure", json!("yes")), "ldap.secure"),
    ];
    for (ldap, field) in setting_cases {
        let body = json!({ "kind": "ldap", "name": "New", "ldap": ldap });
        assert_refused(&app, Method::POST, &providers(&site), body, field).await;
        assert_refused(&app, Method::PATCH, &existing, json!({ "ldap": ldap }), field).await;
        assert_refused(&app, Method::PATCH, &okta, json!({ "ldap": ldap }), field).await;
    }
    // An ldap provider cannot lose its directory settings.
    assert_refused(&app, Method::PATCH, &existing, json!({ "ldap": null }), "ldap").await;
    assert_eq!(app.get(&existing).await.body["ldap"]["host"], "dc1.corp");
}

crate::on_both_databases!(ldap_settings, bad_ldap_settings_are_refused);
