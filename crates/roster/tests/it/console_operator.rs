//! Operators in the console: signed in with an operator key (a site key
//! or a wrong key is refused alike), they list and create sites and open
//! any site's console; revoking the key ends it at once.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

use crate::helpers::{Backend, spawn_app};

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn operators_switch_and_create_sites(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let client = browser();
    let url = |path: &str| format!("{}{path}", app.address);
    let page = client.get(url("/admin")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Operator sign-in"));

    // A site key and a made-up key are refused alike, without a cookie.
    let site_key = app.site_key("acme").await;
    for key in [site_key.as_str(), "roster_admin_0000", ""] {
        let refused = client
            .post(url("/admin/_sign-in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string([("key", key)]).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{key}");
        assert!(refused.headers().get(SET_COOKIE).is_none());
    }

    let signed_in = client
        .post(url("/admin/_sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("key", app.key.as_str())]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    for part in ["Path=/admin", "HttpOnly", "SameSite=Strict"] {
        assert!(cookie.split("; ").any(|p| p == part), "{part} missing from {cookie}");
    }
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let get = |path: &str| client.get(url(path)).header(COOKIE, &cookie).send();
    let sites = get("/admin").await.unwrap().text().await.unwrap();
    assert!(sites.contains("href=\"/admin/acme\""), "{sites}");
    let marker = "name=\"form_token\" value=\"";
    let start = sites.find(marker).unwrap() + marker.len();
    let token = sites[start..].split('"').next().unwrap().to_owned();

    // A new site, then its console, with the link back to every site.
    let before = app.snapshot().await;
    let post = |fields: Vec<(&str, &str)>| {
        client
            .post(url("/admin"))
            .header(COOKIE, &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap())
            .send()
    };
    let bad = post(vec![("slug", "Not A Slug"), ("form_token", &token)]).await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("slug: may contain only"));
    let forged = post(vec![("slug", "evil")]).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.snapshot().await, before);
    let made =
        post(vec![("slug", "globex"), ("name", "Globex"), ("form_token", &token)]).await.unwrap();
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    assert_eq!(made.headers()[LOCATION], "/admin/globex");
    let console = get("/admin/globex").await.unwrap();
    assert_eq!(console.status(), StatusCode::OK);
    let console = console.text().await.unwrap();
    assert!(console.contains("Globex") && console.contains("All sites"), "{console}");
    assert_eq!(get("/admin/acme/users").await.unwrap().status(), StatusCode::OK);

    // Revoked, the key opens nothing.
    let keys = app.get("/api/admin/keys").await;
    let id =
        keys.body["items"].as_array().unwrap().iter().find(|k| k["site"].is_null()).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    assert_eq!(app.delete(&format!("/api/admin/keys/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(get("/admin/acme").await.unwrap().status(), StatusCode::SEE_OTHER);
    assert!(get("/admin").await.unwrap().text().await.unwrap().contains("Operator sign-in"));
}

crate::on_both_databases!(operators_switch_and_create_sites);
