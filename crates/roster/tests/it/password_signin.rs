//! Password sign-in on a site's sign-in page: users who sign in with a
//! password get a session; everyone else, and every wrong password, gets
//! the same refusal; repeated failures are throttled.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app};

async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (StatusCode, Option<String>, String) {
    let response = app
        .client
        .post(format!("{}/login/acme", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([("username", username), ("password", password)]).unwrap(),
        )
        .send()
        .await
        .unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .map(|value| value.to_str().unwrap().split(';').next().unwrap().to_owned());
    (status, cookie, response.text().await.unwrap())
}

async fn with_password(app: &TestApp, body: serde_json::Value, password: &str) -> String {
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

crate::on_both_databases!(
    a_password_user_signs_in_and_others_are_refused_alike,
    repeated_failures_are_throttled,
);
