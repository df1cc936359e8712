//! Operators in the console: signed in with an operator key (a site key
//! or a wrong key is refused alike), they list and create sites and open
//! any site's console. The cookie holds a session's secret, never the key;
//! the session ends when the operator signs out, after eight hours, and
//! at once when the key is revoked.

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
    assert!(cookie.split("; ").any(|p| p == "Max-Age=28800"), "eight hours: {cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    assert!(!cookie.contains(app.key.as_str()), "the cookie is not the key: {cookie}");
    assert!(cookie.starts_with("roster_operator=roster_console_"), "{cookie}");
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

/// Signs in to the console with `key`: the cookie (`name=value`).
async fn console_cookie(client: &reqwest::Client, address: &str, key: &str) -> String {
    let signed_in = client
        .post(format!("{address}/admin/_sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("key", key)]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let header = signed_in.headers()[SET_COOKIE].to_str().unwrap();
    header.split(';').next().unwrap().to_owned()
}

/// A console session ends when the operator signs out (a copy of the
/// cookie kept from before is refused too) and after eight hours; each
/// sign-in is a session of its own.
async fn console_sessions_end_at_sign_out_and_after_eight_hours(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = browser();
    let sites = |cookie: String| {
        let request = client.get(format!("{}/admin", app.address)).header(COOKIE, cookie).send();
        async move { request.await.unwrap().text().await.unwrap() }
    };
    let first = console_cookie(&client, &app.address, &app.key).await;
    let second = console_cookie(&client, &app.address, &app.key).await;
    assert_ne!(first, second, "a session per sign-in");
    assert!(sites(first.clone()).await.contains("New site"));

    let signed_out = client
        .post(format!("{}/admin/_sign-out", app.address))
        .header(COOKIE, &first)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    let cleared = signed_out.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("roster_operator=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert!(sites(first).await.contains("Operator sign-in"), "the kept copy is refused");
    assert!(sites(second.clone()).await.contains("New site"), "the other session stays");

    app.clock.advance(jiff::SignedDuration::from_mins(8 * 60 - 1));
    let used_from = roster_app::Clock::now(&*app.clock);
    assert!(sites(second.clone()).await.contains("New site"));
    // Using the console is using the key (read by the CLI, which touches
    // no key).
    let keys = crate::cli::run_json(&app._database, &["admin-key", "list"]);
    let operator = keys["items"].as_array().unwrap().iter().find(|key| key["site_id"].is_null());
    let last_used: jiff::Timestamp =
        operator.unwrap()["last_used_at"].as_str().unwrap().parse().unwrap();
    assert!(last_used >= used_from, "touched by the console request: {keys}");
    app.clock.advance(jiff::SignedDuration::from_mins(1));
    assert!(sites(second).await.contains("Operator sign-in"), "eight hours at most");
    // The operator key itself (what the cookie held before), a made-up or
    // an oversized cookie is no session either.
    let key_as_cookie = format!("roster_operator={}", app.key);
    assert!(sites(key_as_cookie).await.contains("Operator sign-in"), "the key is not a session");
    for made_up in [
        "roster_operator=roster_console_nothing".to_owned(),
        format!("roster_operator={}", "x".repeat(5000)),
    ] {
        assert!(sites(made_up).await.contains("Operator sign-in"));
    }
}

crate::on_both_databases!(
    operators_switch_and_create_sites,
    console_sessions_end_at_sign_out_and_after_eight_hours,
);
