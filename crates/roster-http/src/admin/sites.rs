//! `/sites` and `/sites/{site}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use roster_app::views::{ListView, SiteView};
use roster_app::{App, PageRequest, SiteInput, SitePatch};

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Params, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/sites", get(list).post(create))
        .route("/sites/{site}", get(show).patch(update).delete(remove))
}

async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<SiteView>>, ApiError> {
    Ok(Json(app.list_sites(&who, page).await?))
}

async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    JsonBody(input): JsonBody<SiteInput>,
) -> Result<(StatusCode, Json<SiteView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.create_site(&who, input).await?)))
}

async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
) -> Result<Json<SiteView>, ApiError> {
    Ok(Json(app.get_site(&who, &site).await?))
}

async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(patch): JsonBody<SitePatch>,
) -> Result<Json<SiteView>, ApiError> {
    Ok(Json(app.update_site(&who, &site, patch).await?))
}

async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
) -> Result<StatusCode, ApiError> {
    app.delete_site(&who, &site).await?;
    Ok(StatusCode::NO_CONTENT)
}
