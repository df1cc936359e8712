//! `/healthz` and `/readyz`, and the JSON answer for unknown paths.

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

crate::on_both_databases!(health_and_readiness, unknown_paths_answer_json);
