//! `/sites/{site}/logs/scim` and `/sites/{site}/logs/scim/{id}`: a site's
//! SCIM request log, searched newest first, and one entry with its bodies.

use axum::Json;
use axum::extract::State;
use roster_app::App;
use roster_app::admin::{ScimLogDetail, ScimLogPage, ScimLogQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, InSite, Params, Segments, SiteItem};
use crate::openapi::{BadRequest, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(search)).routes(routes!(show))
}

/// Searches the site's SCIM request log, newest first.
#[utoipa::path(get, path = "/sites/{site}/logs/scim", tag = "scim-logs",
    operation_id = "search_scim_log", params(InSite, ScimLogQuery),
    responses((status = 200, body = ScimLogPage), BadRequest, NotFound))]
async fn search(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    Params(query): Params<ScimLogQuery>,
) -> Result<Json<ScimLogPage>, ApiError> {
    Ok(Json(app.admin().scim_logs(&who, &site, query).await?))
}

/// One entry, with what the log kept of the request and the response.
#[utoipa::path(get, path = "/sites/{site}/logs/scim/{id}", tag = "scim-logs",
    operation_id = "get_scim_log_entry", params(SiteItem),
    responses((status = 200, body = ScimLogDetail), NotFound))]
async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<ScimLogDetail>, ApiError> {
    Ok(Json(app.admin().scim_log(&who, &site, &id).await?))
}
