//! Password sign-in on a site's sign-in page: users who sign in with a
//! password get a session; everyone else, and every wrong password, gets
//! the same refusal; repeated failures are throttled.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app};

pub(crate) async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (StatusCode, Option<String>, String) {
    let (cookie, token) = sign_in_form(app, "acme").await;
    post_form_with(
        app,
        "/login/acme",
        Some(&cookie),
        &[("form", &token), ("username", username), ("password", password)],
    )
    .await
}

/// Opens a site's sign-in page as a browser does: the form's cookie
/// (`name=value`) and the token its form carries.
pub(crate) async fn sign_in_form(app: &TestApp, site: &str) -> (String, String) {
    let page = app.client.get(format!("{}/login/{site}", app.address)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = page.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains(&format!("Path=/login/{site}; HttpOnly; SameSite=Strict")), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let marker = "name=\"form\" value=\"";
    let start = html.find(marker).expect("a token in the form") + marker.len();
    let token = html[start..].split('"').next().unwrap().to_owned();
    (cookie, token)
}

/// Posts a browser form to `path`, with `cookie` if any; returns the
/// status, the session cookie it set (`name=value`) and the page.
pub(crate) async fn post_form_with(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).unwrap());
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    // The session cookie only: a code page also sets its form's cookie.
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|cookie| cookie.starts_with("roster_session="));
    (status, cookie, response.text().await.unwrap())
}

pub(crate) async fn with_password(
    app: &TestApp,
    body: serde_json::Value,
    password: &str,
) -> String {
    let id = app.user("acme", body).await;
    let set = app
        .call(
            reqwest::Method::PUT,
            &format!("/api/admin/sites/acme/users/{id}/password"),
            Some(json!({ "password": password })),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{set:?}");
    id
}

async fn a_password_user_signs_in_and_others_are_refused_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    with_password(&app, json!({ "username": "Ada" }), "correct horse battery").await;
    let page = app
        .client
        .get(format!("{}/login/acme", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<form method=\"post\" action=\"/login/acme\">"), "{page}");

    let (status, cookie, page) = sign_in(&app, "ada", "correct horse battery").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let me = app
        .client
        .get(format!("{}/api/me", app.address))
        .header(COOKIE, cookie.unwrap())
        .send()
        .await
        .unwrap();
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me, json!({ "username": "Ada", "email": null, "site": "acme", "provider": null }));

    // Unknown, wrong, disabled: one answer, and only failure counters change.
    app.user("acme", json!({ "username": "nopass" })).await;
    let disabled = with_password(&app, json!({ "username": "bea" }), "correct horse battery").await;
    app.patch(&format!("/api/admin/sites/acme/users/{disabled}"), json!({ "enabled": false }))
        .await;
    let users = app.get("/api/admin/sites/acme/users").await.body;
    for (username, password) in [
        ("nobody", "whatever it is"),
        ("ada", "wrong horse battery"),
        ("nopass", ""),
        ("bea", "correct horse battery"),
    ] {
        let (status, cookie, page) = sign_in(&app, username, password).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}: {page}");
        assert!(page.contains("wrong username or password"), "{username}: {page}");
        assert!(cookie.is_none(), "{username}");
    }
    assert_eq!(app.get("/api/admin/sites/acme/users").await.body, users, "no user changed");
}

async fn repeated_failures_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    with_password(&app, json!({ "username": "ada" }), "correct horse battery").await;
    for _ in 0..5 {
        assert_eq!(sign_in(&app, "ADA", "wrong horse battery").await.0, StatusCode::FORBIDDEN);
    }
    // Even the right password waits for the window to end.
    let (status, cookie, page) = sign_in(&app, "ada", "correct horse battery").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(cookie.is_none());
    app.clock.advance(jiff::SignedDuration::from_mins(15));
    let (status, cookie, page) = sign_in(&app, "ada", "correct horse battery").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(cookie.is_some());
    // A success forgets the failures.
    for _ in 0..4 {
        sign_in(&app, "ada", "wrong horse battery").await;
    }
    assert_eq!(sign_in(&app, "ada", "correct horse battery").await.0, StatusCode::OK);
}

/// A password form posted from elsewhere (login CSRF: another site signing
/// the victim in to the attacker's account) is refused before the
/// password is looked at: no session, no attempt counted.
async fn a_forged_sign_in_form_is_refused_unread(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    app.site("other").await;
    with_password(&app, json!({ "username": "ada" }), "correct horse battery").await;
    let (cookie, token) = sign_in_form(&app, "acme").await;
    let (other_cookie, other_token) = sign_in_form(&app, "other").await;
    let before = app.snapshot().await;
    let password = "correct horse battery";
    for (cookie, token) in [
        (None, token.as_str()),
        (Some(cookie.as_str()), ""),
        (Some(cookie.as_str()), "forged"),
        (Some(cookie.as_str()), other_token.as_str()),
        (Some(other_cookie.as_str()), token.as_str()),
    ] {
        let fields = [("form", token), ("username", "ada"), ("password", password)];
        let (status, session, page) = post_form_with(&app, "/login/acme", cookie, &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{cookie:?} {token}: {page}");
        assert!(page.contains("open the sign-in page again"), "{page}");
        assert!(session.is_none());
    }
    let fields = [("username", "ada"), ("password", password)];
    let (status, _, _) = post_form_with(&app, "/login/acme", Some(&cookie), &fields).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no token field");
    assert_eq!(app.snapshot().await, before, "nothing counted or opened");
    // The real form still works, more than once within its hour.
    for _ in 0..2 {
        let fields = [("form", token.as_str()), ("username", "ada"), ("password", password)];
        let (status, session, _) =
            post_form_with(&app, "/login/acme", Some(&cookie), &fields).await;
        assert_eq!(status, StatusCode::OK);
        assert!(session.is_some());
    }
}

/// A burst of concurrent guesses gets no more password checks than the
/// throttle allows: each attempt counts before its password is checked.
async fn a_burst_of_guesses_is_throttled_too(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    with_password(&app, json!({ "username": "ada" }), "correct horse battery").await;
    let (cookie, token) = sign_in_form(&app, "acme").await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (client, url) = (app.client.clone(), format!("{}/login/acme", app.address));
        let (cookie, token) = (cookie.clone(), token.clone());
        guesses.spawn(async move {
            let body = format!("form={token}&username=ada&password=wrong+guess+{i}");
            let response = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header(COOKIE, cookie)
                .body(body)
                .send()
                .await
                .unwrap();
            response.status()
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::FORBIDDEN).count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, throttled), (5, 7), "{statuses:?}");
    assert_eq!(
        sign_in(&app, "ada", "correct horse battery").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn the_application_redeems_its_ticket_once(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let set = app
        .patch(
            "/api/admin/sites/acme",
            json!({ "application_url": "https://app.example.test/welcome?from=roster" }),
        )
        .await;
    assert_eq!(
        set.body["application_url"], "https://app.example.test/welcome?from=roster",
        "{set:?}"
    );
    let ada = with_password(
        &app,
        json!({ "username": "ada", "email": "ada@example.test", "site_admin": true }),
        "correct horse battery",
    )
    .await;
    let staff = app.post("/api/admin/sites/acme/groups", json!({ "name": "Staff" })).await;
    let staff = staff.body["id"].as_str().unwrap().to_owned();
    app.post(&format!("/api/admin/sites/acme/groups/{staff}/members"), json!({ "user_id": ada }))
        .await;

    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let sign_in_for_ticket = || async {
        let (cookie, token) = sign_in_form(&app, "acme").await;
        let response = no_redirects
            .post(format!("{}/login/acme", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(COOKIE, cookie)
            .body(format!("form={token}&username=ada&password=correct+horse+battery"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(response.headers().contains_key(SET_COOKIE), "signed in as well");
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        let location = response.headers()[reqwest::header::LOCATION].to_str().unwrap().to_owned();
        let prefix = "https://app.example.test/welcome?from=roster&ticket=";
        assert!(location.starts_with(prefix), "{location}");
        location[prefix.len()..].to_owned()
    };
    let redeem = |key: String, ticket: String| {
        let app = &app;
        async move {
            app.call_as(
                &key,
                reqwest::Method::POST,
                "/api/admin/sites/acme/tickets/redeem",
                Some(json!({ "ticket": ticket })),
            )
            .await
        }
    };
    let key = app.key.clone();

    let ticket = sign_in_for_ticket().await;
    let redeemed = redeem(key.clone(), ticket.clone()).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{redeemed:?}");
    assert_eq!(
        redeemed.body,
        json!({ "id": ada, "username": "ada", "email": "ada@example.test", "site_admin": true, "readonly_site_admin": false, "groups": ["Staff"] })
    );
    // Once only.
    assert_eq!(redeem(key.clone(), ticket).await.status, StatusCode::NOT_FOUND);
    // Never through another site's key, which does not even find the site.
    app.site("other").await;
    let other = app.site_key("other").await;
    let ticket = sign_in_for_ticket().await;
    assert_eq!(redeem(other, ticket.clone()).await.status, StatusCode::NOT_FOUND);
    // And only within the minute.
    app.clock.advance(jiff::SignedDuration::from_secs(61));
    assert_eq!(redeem(key, ticket).await.status, StatusCode::NOT_FOUND);
}

crate::on_both_databases!(
    a_forged_sign_in_form_is_refused_unread,
    a_password_user_signs_in_and_others_are_refused_alike,
    repeated_failures_are_throttled,
    the_application_redeems_its_ticket_once,
    a_burst_of_guesses_is_throttled_too,
);
