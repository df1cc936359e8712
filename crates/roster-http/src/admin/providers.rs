//! `/sites/{site}/providers` and `/sites/{site}/providers/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::views::{ListView, ProviderView};
use roster_app::admin::{
    PageRequest, ProviderInput, ProviderPatch, ScimCredentialInput, ScimCredentialView,
};

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Params, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/sites/{site}/providers", get(list).post(create))
        .route("/sites/{site}/providers/{id}", get(show).patch(update).delete(remove))
        .route("/sites/{site}/providers/{id}/scim", post(scim_credential))
}

async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<ProviderView>>, ApiError> {
    Ok(Json(app.admin().list_providers(&who, &site, page).await?))
}

async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(input): JsonBody<ProviderInput>,
) -> Result<(StatusCode, Json<ProviderView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_provider(&who, &site, input).await?)))
}

async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<Json<ProviderView>, ApiError> {
    Ok(Json(app.admin().get_provider(&who, &site, &id).await?))
}

async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(patch): JsonBody<ProviderPatch>,
) -> Result<Json<ProviderView>, ApiError> {
    Ok(Json(app.admin().update_provider(&who, &site, &id, patch).await?))
}

async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_provider(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn scim_credential(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(input): JsonBody<ScimCredentialInput>,
) -> Result<Json<ScimCredentialView>, ApiError> {
    Ok(Json(app.admin().set_scim_credential(&who, &site, &id, input).await?))
}
