//! The browser fixture proven on a page that exists today: a person signs
//! in with a password on a site's sign-in page in a real chromium, which
//! keeps the form's anti-forgery cookie and sends it back as any browser
//! does. A wrong password gets the refusal page and no session. SQLite
//! only: the browser is the subject here, the store is proven elsewhere.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::{Backend, spawn_app};
use crate::password_signin::with_password;

/// The session cookie roster sets (`roster-http`'s `sso/cookie.rs`).
const SESSION_COOKIE: &str = "roster_session";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_signs_in_with_a_password_and_a_wrong_one_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    app.site("acme").await;
    with_password(&app, json!({ "username": "Ada" }), "correct horse battery").await;
    let sign_in_page = format!("{}/login/acme", app.address);
    let browser = Browser::start().await;

    // A wrong password: the refusal, no session, no user changed.
    let users = app.get("/api/admin/sites/acme/users").await.body;
    browser.goto(&sign_in_page).await;
    assert_eq!(browser.text("h1").await, "Sign in to acme");
    browser.fill("input[name=username]", "ada").await;
    browser.fill("input[name=password]", "wrong horse battery").await;
    browser.submit("button[type=submit]").await;
    assert_eq!(browser.text("h1").await, "Forbidden", "{}", browser.page_source().await);
    assert_eq!(browser.text("main p").await, "wrong username or password");
    assert_eq!(browser.current_url().await, sign_in_page);
    let cookies = browser.cookies().await;
    assert!(cookies.iter().all(|cookie| cookie.name() != SESSION_COOKIE), "{cookies:?}");
    assert_eq!(app.get("/api/admin/sites/acme/users").await.body, users, "no user changed");

    // The right one, typed as a person would (the username in another
    // case): signed in, with an HttpOnly session cookie.
    browser.goto(&sign_in_page).await;
    browser.fill("input[name=username]", "ada").await;
    browser.fill("input[name=password]", "correct horse battery").await;
    browser.screenshot("sign-in").await;
    browser.submit("button[type=submit]").await;
    assert_eq!(browser.text("h1").await, "Signed in", "{}", browser.page_source().await);
    assert_eq!(browser.text("main p").await, "You are signed in to acme as Ada.");
    browser.screenshot("signed-in").await;
    let cookies = browser.cookies().await;
    let session = cookies
        .iter()
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .unwrap_or_else(|| panic!("a session cookie among {cookies:?}"));
    assert_eq!(session.http_only(), Some(true), "{session:?}");

    // The browser sends that cookie: the session is the person's.
    browser.goto(&format!("{}/api/me", app.address)).await;
    let me: serde_json::Value =
        serde_json::from_str(&browser.text("body").await).expect("/api/me shows JSON");
    assert_eq!(me, json!({ "username": "Ada", "email": null, "site": "acme", "provider": null }));
}
