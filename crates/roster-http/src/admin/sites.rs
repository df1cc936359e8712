//! `/sites` and `/sites/{site}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::views::{ListView, SiteView};
use roster_app::admin::{PageRequest, SiteInput, SitePatch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, InSite, JsonBody, Params, Segments};
use crate::openapi::{BadBody, BadRequest, Conflict, Forbidden, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(show, update, remove))
}

/// The sites the key sees: all for an operator key, its own for a site key.
#[utoipa::path(get, path = "/sites", tag = "sites", operation_id = "list_sites",
    params(PageRequest),
    responses((status = 200, body = ListView<SiteView>), BadRequest))]
async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<SiteView>>, ApiError> {
    Ok(Json(app.admin().list_sites(&who, page).await?))
}

/// Creates a site (operator keys only).
#[utoipa::path(post, path = "/sites", tag = "sites", operation_id = "create_site",
    request_body = SiteInput,
    responses((status = 201, body = SiteView), BadBody, Forbidden, Conflict))]
async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    JsonBody(input): JsonBody<SiteInput>,
) -> Result<(StatusCode, Json<SiteView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_site(&who, input).await?)))
}

#[utoipa::path(get, path = "/sites/{site}", tag = "sites", operation_id = "get_site",
    params(InSite),
    responses((status = 200, body = SiteView), NotFound))]
async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
) -> Result<Json<SiteView>, ApiError> {
    Ok(Json(app.admin().get_site(&who, &site).await?))
}

/// Changes the fields the body names.
#[utoipa::path(patch, path = "/sites/{site}", tag = "sites", operation_id = "update_site",
    params(InSite), request_body = SitePatch,
    responses((status = 200, body = SiteView), BadBody, Forbidden, NotFound, Conflict))]
async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(patch): JsonBody<SitePatch>,
) -> Result<Json<SiteView>, ApiError> {
    Ok(Json(app.admin().update_site(&who, &site, patch).await?))
}

/// Deletes the site and everything in it (operator keys only).
#[utoipa::path(delete, path = "/sites/{site}", tag = "sites", operation_id = "delete_site",
    params(InSite),
    responses((status = 204, description = "Deleted"), Forbidden, NotFound))]
async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_site(&who, &site).await?;
    Ok(StatusCode::NO_CONTENT)
}
