//! The console's LDAP page against a real OpenLDAP `slapd`: settings given
//! in the form (the bind password never shown again), "Test connection",
//! "Sync now" and the runs it leaves; bad settings refused in words.

use reqwest::StatusCode;
use roster_ldap::testing::{SYNC_PASSWORD, Slapd};
use serde_json::json;

use crate::console::Browser;
use crate::helpers::{Backend, spawn_app};

async fn directory_settings_test_and_sync_from_the_console(backend: Backend) {
    let slapd = Slapd::builder().bulk(12, 2, 1).start();
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let admin = Browser::sign_in(&app, "root", json!({ "site_admin": true })).await;
    // An LDAP provider needs its directory from the start.
    let before = app.snapshot().await;
    let (status, page) =
        admin.post("/admin/acme/providers", &[("kind", "ldap"), ("name", "Directory")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("ldap.host: is required"), "{page}");
    assert_eq!(app.snapshot().await, before);
    let (status, location) = admin
        .post(
            "/admin/acme/providers",
            &[
                ("kind", "ldap"),
                ("name", "Directory"),
                ("ldap_host", "ldap.invalid"),
                ("ldap_base_dn", slapd.base_dn()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let ldap_path = format!("{}/ldap", location.split('?').next().unwrap());
    let (status, page) = admin.get(&ldap_path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("value=\"ldap.invalid\""), "{page}");

    let (host, port) =
        slapd.address().rsplit_once(':').map(|(h, p)| (h.to_owned(), p.to_owned())).unwrap();
    let sync_dn = slapd.sync_dn();
    let mut fields = vec![
        ("enabled", "on"),
        ("server_type", "openldap"),
        ("host", host.as_str()),
        ("port", port.as_str()),
        ("security", "starttls"),
        ("ca_certificate", slapd.ca_pem()),
        ("bind_username", sync_dn.as_str()),
        ("bind_password", SYNC_PASSWORD),
        ("base_dn", slapd.base_dn()),
        ("username_attribute", "uid"),
        ("interval", "1h"),
    ];
    // A port that is no number is refused on the page, and nothing is stored.
    let before = app.snapshot().await;
    let mut bad = fields.clone();
    bad[3] = ("port", "ldaps");
    let (status, page) = admin.post(&ldap_path, &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("is not a number"), "{page}");
    assert_eq!(app.snapshot().await, before);

    let (status, location) = admin.post(&ldap_path, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, page) = admin.get(&ldap_path).await;
    assert!(!page.contains(SYNC_PASSWORD), "the bind password is never shown");
    assert!(page.contains("set; type to replace"), "{page}");

    let (status, page) = admin.post(&format!("{ldap_path}/test"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("12 users and 2 groups"), "{page}");

    let (status, page) = admin.post(&format!("{ldap_path}/sync"), &[("full", "on")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("12 users created"), "{page}");
    assert!(page.contains("succeeded"), "the run is listed: {page}");
    let users = app.get("/api/admin/sites/acme/users?source=ldap").await;
    assert_eq!(users.body["total"], 12, "{users:?}");

    // Saving again without a password keeps the stored one.
    fields.retain(|(name, _)| *name != "bind_password");
    let (status, _) = admin.post(&ldap_path, &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = admin.post(&format!("{ldap_path}/test"), &[]).await;
    assert!(page.contains("12 users and 2 groups"), "{page}");
}

crate::on_both_databases!(directory_settings_test_and_sync_from_the_console);
