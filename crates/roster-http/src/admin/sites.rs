//! `/sites` and `/sites/{site}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::views::{ListView, SiteView};
use roster_app::admin::{PageRequest, SiteInput, SitePatch};

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
    Ok(Json(app.admin().list_sites(&who, page).await?))
}

async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    JsonBody(input): JsonBody<SiteInput>,
) -> Result<(StatusCode, Json<SiteView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_site(&who, input).await?)))
}

async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
) -> Result<Json<SiteView>, ApiError> {
    Ok(Json(app.admin().get_site(&who, &site).await?))
}

async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(patch): JsonBody<SitePatch>,
) -> Result<Json<SiteView>, ApiError> {
    Ok(Json(app.admin().update_site(&who, &site, patch).await?))
}

async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_site(&who, &site).await?;
    Ok(StatusCode::NO_CONTENT)
}
