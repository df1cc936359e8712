//! A provider's set-up guide (`GET .../providers/{id}/setup-guide` and
//! `roster provider guide`): its values are the URLs the server serves,
//! built by the same functions (`Sso::urls`, `SpUrls::acs_for`), and they
//! answer; a provider or site the caller cannot see is "not found"; the
//! CLI prints the same values.

use reqwest::StatusCode;
use serde_json::Value;

use crate::cli::{assert_fails, run, run_json, run_ok};
use crate::helpers::{Backend, assert_error, spawn_app};

/// The value of the first field labelled `label`.
fn value<'a>(guide: &'a Value, label: &str) -> &'a str {
    fields(guide)
        .into_iter()
        .find(|(l, _)| *l == label)
        .map(|(_, value)| value)
        .unwrap_or_else(|| panic!("no field {label:?} in {guide:#}"))
}

/// Every (label, value) of a guide, in order.
fn fields(guide: &Value) -> Vec<(&str, &str)> {
    let sections = guide["sections"].as_array().expect("sections");
    sections
        .iter()
        .flat_map(|section| section["steps"].as_array().expect("steps"))
        .flat_map(|step| step["fields"].as_array().expect("fields"))
        .map(|field| (field["label"].as_str().unwrap(), field["value"].as_str().unwrap()))
        .collect()
}

async fn okta_guide_has_the_urls_roster_serves(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let id = &scim.provider_id;
    let reply = app.get(&format!("/api/admin/sites/acme/providers/{id}/setup-guide")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let guide = &reply.body;
    assert_eq!(guide["kind"], "okta");

    let sp = app.app.sso().urls().expect("the SP's URLs");
    let base = value(guide, "SCIM connector base URL");
    assert_eq!(base, format!("{}/api/scim", app.address));
    assert_eq!(value(guide, "Single sign-on URL"), sp.acs_for(id));
    assert_eq!(value(guide, "Audience URI (SP Entity ID)"), sp.entity_id);
    assert_eq!(value(guide, "SP Issuer"), sp.entity_id);
    assert_eq!(value(guide, "Single Logout URL"), sp.logout_for(id));
    assert_eq!(value(guide, "Shared ACS URL"), sp.acs);
    assert_eq!(value(guide, "Default RelayState"), "acme");
    assert_eq!(value(guide, "Sign-in page"), format!("{}/login/acme", app.address));

    // They answer: SCIM at the base URL with the provider's credential,
    // the metadata at the entity id, the sign-in page, and the ACS (a
    // request without a response is refused there, not unrouted).
    let users = app.client.get(format!("{base}/Users")).bearer_auth(&scim.token).send().await;
    assert_eq!(users.expect("SCIM").status(), StatusCode::OK);
    let metadata = app.client.get(value(guide, "Audience URI (SP Entity ID)")).send().await;
    let metadata = metadata.expect("metadata").text().await.expect("metadata text");
    assert!(metadata.contains(&sp.acs), "{metadata}");
    let page = app.client.get(value(guide, "Sign-in page")).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let acs = app.client.post(value(guide, "Single sign-on URL"));
    let form = acs.header("content-type", "application/x-www-form-urlencoded").body("x=y");
    let status = form.send().await.expect("ACS").status();
    assert!(status.is_client_error(), "{status}");
    assert_ne!(status, StatusCode::NOT_FOUND);
    assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED);

    // The CLI prints the same guide, as JSON and as text.
    let args = ["provider", "guide", "--site", "acme", "--provider", "Okta"];
    let with_url = [&args[..], &["--public-url", &app.address]].concat();
    assert_eq!(&run_json(&app._database, &with_url), guide);
    let text = run_ok(&app._database, &with_url);
    for (label, value) in fields(guide) {
        let line = text.lines().find(|line| line.trim_start().starts_with(&format!("{label}:")));
        let line = line.unwrap_or_else(|| panic!("no {label:?} line in:\n{text}"));
        assert!(line.trim_end().ends_with(value), "{line:?} should end with {value:?}");
    }
    assert!(text.starts_with("Okta\n"), "{text}");
    // Without the public URL there are no absolute URLs to give.
    assert_fails(&run(&app._database, &args), &["public_url", "--public-url"]);
}

async fn what_the_caller_cannot_see_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("globex").await;
    let acme = app.scim_provider("acme", "jumpcloud", "JumpCloud").await.provider_id;
    let globex = app.scim_provider("globex", "entra_id", "Entra").await.provider_id;
    let acme_key = app.site_key("acme").await;
    let globex_key = app.site_key("globex").await;
    let before = app.snapshot().await;
    let guide =
        |site: &str, id: &str| format!("/api/admin/sites/{site}/providers/{id}/setup-guide");

    let own = app.call_as(&acme_key, reqwest::Method::GET, &guide("acme", &acme), None).await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    assert!(own.body.to_string().contains("Test User Email"), "{own:?}");
    let entra = app.get(&guide("globex", &globex)).await;
    assert!(entra.body.to_string().contains("group filters do not apply"), "{entra:?}");

    let unknown = app.get(&guide("acme", "no-such-provider")).await;
    assert_error(&unknown, StatusCode::NOT_FOUND, "not_found", None);
    // Another site's provider under this site, and this site's provider
    // through another site's key.
    let elsewhere = app.get(&guide("acme", &globex)).await;
    assert_error(&elsewhere, StatusCode::NOT_FOUND, "not_found", None);
    let method = reqwest::Method::GET;
    let foreign = app.call_as(&globex_key, method.clone(), &guide("acme", &acme), None).await;
    assert_error(&foreign, StatusCode::NOT_FOUND, "not_found", None);
    let no_site = app.call_as(&globex_key, method, &guide("nowhere", &acme), None).await;
    assert_error(&no_site, StatusCode::NOT_FOUND, "not_found", None);
    let cli = ["provider", "guide", "--site", "acme", "--provider", "Nope", "--public-url", "x"];
    assert_fails(&run(&app._database, &cli), &["not found"]);
    assert_eq!(app.snapshot().await, before);
}

crate::on_both_databases!(
    okta_guide_has_the_urls_roster_serves,
    what_the_caller_cannot_see_is_not_found
);
