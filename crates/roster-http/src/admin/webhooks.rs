//! Webhooks: `/sites/{site}/webhooks`, their secrets and deliveries.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::{
    DeliveryView, SecretRotation, WebhookInput, WebhookPatch, WebhookView, WebhookWithSecret,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Items;
use crate::ApiError;
use crate::extract::{Admin, InSite, JsonBody, Params, Segments, SiteItem};
use crate::openapi::{BadBody, BadRequest, Conflict, Forbidden, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(rotate))
        .routes(routes!(deliveries))
}

#[utoipa::path(get, path = "/sites/{site}/webhooks", tag = "webhooks",
    operation_id = "list_webhooks", params(InSite),
    responses((status = 200, body = Items<WebhookView>), Forbidden, NotFound))]
async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
) -> Result<Json<Items<WebhookView>>, ApiError> {
    Ok(Json(app.admin().list_webhooks(&who, &site).await?.into()))
}

/// Creates a webhook; its signing secret is shown in this answer only.
#[utoipa::path(post, path = "/sites/{site}/webhooks", tag = "webhooks",
    operation_id = "create_webhook", params(InSite), request_body = WebhookInput,
    responses((status = 201, body = WebhookWithSecret), BadBody, Forbidden, NotFound, Conflict))]
async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(input): JsonBody<WebhookInput>,
) -> Result<(StatusCode, Json<WebhookWithSecret>), ApiError> {
    let webhook = app.admin().create_webhook(&who, &site, input).await?;
    Ok((StatusCode::CREATED, Json(webhook)))
}

#[utoipa::path(get, path = "/sites/{site}/webhooks/{id}", tag = "webhooks",
    operation_id = "get_webhook", params(SiteItem),
    responses((status = 200, body = WebhookView), Forbidden, NotFound))]
async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(app.admin().get_webhook(&who, &site, &id).await?))
}

#[utoipa::path(patch, path = "/sites/{site}/webhooks/{id}", tag = "webhooks",
    operation_id = "update_webhook", params(SiteItem), request_body = WebhookPatch,
    responses((status = 200, body = WebhookView), BadBody, Forbidden, NotFound, Conflict))]
async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(patch): JsonBody<WebhookPatch>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(app.admin().update_webhook(&who, &site, &id, patch).await?))
}

#[utoipa::path(delete, path = "/sites/{site}/webhooks/{id}", tag = "webhooks",
    operation_id = "delete_webhook", params(SiteItem),
    responses((status = 204, description = "Deleted"), Forbidden, NotFound))]
async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_webhook(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes a new signing secret, shown in this answer only; the old one
/// keeps signing beside it for the overlap asked.
#[utoipa::path(post, path = "/sites/{site}/webhooks/{id}/rotate-secret", tag = "webhooks",
    operation_id = "rotate_webhook_secret", params(SiteItem), request_body = SecretRotation,
    responses((status = 200, body = WebhookWithSecret), BadBody, Forbidden, NotFound))]
async fn rotate(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(rotation): JsonBody<SecretRotation>,
) -> Result<Json<WebhookWithSecret>, ApiError> {
    Ok(Json(app.admin().rotate_webhook_secret(&who, &site, &id, rotation).await?))
}

/// `?limit=` of the deliveries.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    /// How many of the latest delivery attempts.
    limit: Option<u32>,
}

/// The webhook's latest delivery attempts, newest first.
#[utoipa::path(get, path = "/sites/{site}/webhooks/{id}/deliveries", tag = "webhooks",
    operation_id = "list_webhook_deliveries", params(SiteItem, DeliveriesQuery),
    responses((status = 200, body = Items<DeliveryView>), BadRequest, Forbidden, NotFound))]
async fn deliveries(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    Params(query): Params<DeliveriesQuery>,
) -> Result<Json<Items<DeliveryView>>, ApiError> {
    Ok(Json(app.admin().webhook_deliveries(&who, &site, &id, query.limit).await?.into()))
}
