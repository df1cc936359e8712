//! `/healthz` and `/readyz`, and the answer for unknown paths: JSON for
//! API clients, an HTML page for a browser.

use reqwest::StatusCode;

use crate::helpers::{Backend, spawn_app};

async fn health_and_readiness(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(health.headers().contains_key("x-request-id"));
    let ready = crate::helpers::reply(
        app.client.get(format!("{}/readyz", app.address)).send().await.unwrap(),
    )
    .await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ready");

    // Once the database is gone, readiness says so while health stays up.
    app.store.close().await;
    let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

async fn unknown_paths_answer_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.get("/api/admin/nothing-here").await;
    crate::helpers::assert_error(&reply, StatusCode::NOT_FOUND, "not_found", None);
}

async fn a_browser_gets_a_page_for_an_unknown_path(backend: Backend) {
    let app = spawn_app(backend).await;
    let browser = |path: &str| {
        app.client
            .get(format!("{}{path}", app.address))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
    };
    let response = browser("/nothing/here").await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();
    assert!(page.contains("<h1>Not Found</h1>") && page.contains("no such endpoint"), "{page}");
    // Without a browser's Accept, and under /api whatever Accept says, the
    // answer is the JSON error.
    let reply = app.get("/nothing/here").await;
    crate::helpers::assert_error(&reply, StatusCode::NOT_FOUND, "not_found", None);
    let reply = crate::helpers::reply(browser("/api/admin/nothing-here").await.unwrap()).await;
    crate::helpers::assert_error(&reply, StatusCode::NOT_FOUND, "not_found", None);
}

crate::on_both_databases!(
    health_and_readiness,
    unknown_paths_answer_json,
    a_browser_gets_a_page_for_an_unknown_path,
);
