//! Webhooks: `/sites/{site}/webhooks`, their secrets and deliveries.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::{
    SecretRotation, WebhookInput, WebhookPatch, WebhookView, WebhookWithSecret,
};
use serde::Deserialize;

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Params, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/sites/{site}/webhooks", get(list).post(create))
        .route("/sites/{site}/webhooks/{id}", get(show).patch(update).delete(remove))
        .route("/sites/{site}/webhooks/{id}/rotate-secret", post(rotate))
        .route("/sites/{site}/webhooks/{id}/deliveries", get(deliveries))
}

async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let webhooks = app.admin().list_webhooks(&who, &site).await?;
    let total = webhooks.len();
    Ok(Json(serde_json::json!({ "items": webhooks, "total": total })))
}

async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(input): JsonBody<WebhookInput>,
) -> Result<(StatusCode, Json<WebhookWithSecret>), ApiError> {
    let webhook = app.admin().create_webhook(&who, &site, input).await?;
    Ok((StatusCode::CREATED, Json(webhook)))
}

async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(app.admin().get_webhook(&who, &site, &id).await?))
}

async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(patch): JsonBody<WebhookPatch>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(app.admin().update_webhook(&who, &site, &id, patch).await?))
}

async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_webhook(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rotate(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(rotation): JsonBody<SecretRotation>,
) -> Result<Json<WebhookWithSecret>, ApiError> {
    Ok(Json(app.admin().rotate_webhook_secret(&who, &site, &id, rotation).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    limit: Option<u32>,
}

async fn deliveries(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    Params(query): Params<DeliveriesQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let items = app.admin().webhook_deliveries(&who, &site, &id, query.limit).await?;
    let total = items.len();
    Ok(Json(serde_json::json!({ "items": items, "total": total })))
}
