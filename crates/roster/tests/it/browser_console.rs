//! The console in a real browser (chromium over WebDriver, `browser.rs`):
//! an administrator signs in with a password and an authenticator code,
//! adds an Okta provider, generates a SCIM token that a real SCIM request
//! then uses, sets a provisioning option and sees its effect on the user
//! that request made, reads that request in the SCIM log, and the user
//! signs in through SAML from the sign-in page with the test IdP (pysaml2
//! signing through xmlsec1) behind a small login page of its own. The
//! screenshots of the README are taken here (`ROSTER_SCREENSHOTS=docs/screenshots`).
//! SQLite only: the browser is the subject, the stores are proven elsewhere.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::browser::Browser;
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::password_signin::with_password;
use crate::saml_idp::SamlIdp;

const PASSWORD: &str = "correct horse battery";

/// The code an authenticator app shows now for `key` (base32, spaced).
fn totp_code(app: &TestApp, key: &str) -> String {
    use roster_app::Clock;
    let key = key.replace(' ', "");
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(&key).expect("a base32 key"))
        .build()
        .expect("a TOTP");
    totp.generate(u64::try_from(app.clock.now().as_second()).expect("after 1970")).to_string()
}

/// The identity provider's login page: it reads roster's AuthnRequest
/// from the redirect, has the IdP sign a response for `name_id`, and
/// shows a page whose button posts it to roster's ACS, as an IdP's
/// login page does once the person is known. Returns the IdP, whose SSO
/// URL is this server.
async fn idp_login_page(app: &TestApp, name_id: &str) -> Arc<SamlIdp> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let mut idp = SamlIdp::new();
    idp.sso_url = format!("http://{}/sso", listener.local_addr().expect("address"));
    let idp = Arc::new(idp);
    let (serving, app_address, name_id) = (idp.clone(), app.address.clone(), name_id.to_owned());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = vec![0u8; 64 * 1024];
            let read = stream.read(&mut request).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&request[..read]).into_owned();
            let target = request.split(' ').nth(1).unwrap_or("/").to_owned();
            let Some(query) = target.strip_prefix("/sso?") else {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
                continue;
            };
            let redirect = format!("{}?{query}", serving.sso_url);
            let (idp, name_id, app_address) =
                (serving.clone(), name_id.clone(), app_address.clone());
            // pysaml2 runs as a command: off the runtime's threads.
            let page = tokio::task::spawn_blocking(move || {
                let authn = idp.parse_authn_request(&redirect, None);
                let spec = crate::saml_idp::ResponseSpec {
                    sp_entity_id: format!("{app_address}/saml/metadata"),
                    acs_url: authn["assertion_consumer_service_url"].as_str().expect("an ACS").to_owned(),
                    name_id,
                    in_response_to: authn["id"].as_str().map(Into::into),
                    session_index: Some("_browser".into()),
                    ..crate::saml_idp::ResponseSpec::default()
                };
                let relay = serde_urlencoded::from_str::<Vec<(String, String)>>(redirect.split_once('?').expect("a query").1)
                    .expect("a query")
                    .into_iter()
                    .find(|(name, _)| name == "RelayState")
                    .map(|(_, value)| value)
                    .unwrap_or_default();
                format!(
                    "<!doctype html><html><head><title>Test IdP</title></head><body><h1>Test IdP</h1>\
                     <form method=\"post\" action=\"{acs}\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"{response}\">\
                     <input type=\"hidden\" name=\"RelayState\" value=\"{relay}\">\
                     <button id=\"idp-continue\" type=\"submit\">Continue to the application</button></form></body></html>",
                    acs = spec.acs_url,
                    response = idp.response(&spec),
                )
            })
            .await
            .expect("the IdP answered");
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    idp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_sets_up_okta_in_the_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    app.site("acme").await;
    with_password(
        &app,
        json!({ "username": "root", "site_admin": true, "two_factor": "always" }),
        PASSWORD,
    )
    .await;
    let idp = idp_login_page(&app, "ada@example.com").await;
    let browser = Browser::start().await;
    let console = |path: &str| format!("{}/admin/acme{path}", app.address);

    // The console sends a stranger to the sign-in page, which leads back.
    browser.goto(&console("")).await;
    browser.fill("input[name=username]", "root").await;
    browser.fill("input[name=password]", PASSWORD).await;
    browser.screenshot("sign-in").await;
    browser.submit("form[action='/login/acme'] button[type=submit]").await;
    // First sign-in: enrol the authenticator, then its code.
    let page = browser.page_source().await;
    let start = page.find("Key: <code>").expect("an enrolment key") + "Key: <code>".len();
    let key = page[start..].split('<').next().expect("the key").to_owned();
    browser.fill("input[name=code]", &totp_code(&app, &key)).await;
    browser.submit("button[type=submit]").await;
    assert_eq!(browser.text("main h1").await, "Overview", "{}", browser.page_source().await);
    assert_eq!(browser.current_url().await, console(""));
    browser.screenshot("overview").await;

    // An Okta provider.
    browser.goto(&console("/providers/new")).await;
    browser.fill("input[name=name]", "Okta").await;
    browser.submit("main form button[type=submit]").await;
    assert_eq!(browser.text("main h1").await, "Okta");
    assert!(browser.text(".notice").await.contains("Created"));
    let provider_url = browser.current_url().await;
    let provider_id =
        provider_url.split('?').next().unwrap().rsplit('/').next().unwrap().to_owned();

    // A SCIM token, shown once, used by a real SCIM request.
    browser.submit("form[action$='/scim'] button[type=submit]").await;
    let token = browser.text("#scim-token").await;
    assert!(token.starts_with("roster_scim_"), "{token}");
    browser.screenshot("scim-token").await;

    // A provisioning option, then its effect on the user SCIM creates.
    browser.goto(&provider_url).await;
    browser.fill("input[name=provision_company]", "Acme Corp").await;
    browser.submit("form[action$='/provisioning'] button[type=submit]").await;
    assert!(browser.text(".notice").await.contains("Saved"));
    browser.screenshot("provider").await;
    let created = app
        .client
        .post(format!("{}/api/scim/Users", app.address))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .body(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada@example.com",
                "name": { "givenName": "Ada", "familyName": "Lovelace" },
                "emails": [{ "value": "ada@example.com", "primary": true }],
                "active": true
            })
            .to_string(),
        )
        .send()
        .await
        .expect("a SCIM request");
    assert_eq!(created.status(), StatusCode::CREATED);
    browser.goto(&console("/users?q=ada")).await;
    browser.click("table a[href*='/users/']").await;
    assert_eq!(browser.text("main h1").await, "ada@example.com");
    let company = browser.wait_for("input[name=company]").await;
    assert_eq!(company.prop("value").await.expect("a value").as_deref(), Some("Acme Corp"));

    // That request in the SCIM log, its bodies pretty-printed.
    browser.goto(&console("/logs/scim?method=POST")).await;
    browser.screenshot("scim-log").await;
    browser.click("table a[href*='/logs/scim/']").await;
    let request = browser.text("#scim-request").await;
    assert!(request.contains("\"userName\": \"ada@example.com\""), "{request}");
    assert!(browser.text("#scim-response").await.contains("\"id\""));

    // The IdP's trust set in the console, then Ada signs in through it
    // from the site's sign-in page.
    browser.goto(&provider_url).await;
    browser.click("input[name=trust][value=metadata_xml]").await;
    let xml = browser.wait_for("textarea[name=metadata_xml]").await;
    xml.send_keys(&idp.metadata()).await.expect("typed metadata");
    browser.submit("form[action$='/saml'] button[type=submit]").await;
    assert!(browser.text(".notice").await.contains("Saved"), "{}", browser.page_source().await);
    browser.goto(&console(&format!("/providers/{provider_id}/guide"))).await;
    browser.screenshot("setup-guide").await;

    browser.goto(&format!("{}/login/acme", app.address)).await;
    browser.submit(&format!("a[href='/saml/login/{provider_id}']")).await;
    assert_eq!(browser.text("h1").await, "Test IdP");
    browser.submit("#idp-continue").await;
    assert_eq!(browser.text("h1").await, "Signed in", "{}", browser.page_source().await);
    assert!(browser.text("main p").await.contains("as ada@example.com"));
}
