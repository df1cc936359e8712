//! `/sites/{site}/logs/scim` and `/sites/{site}/logs/scim/{id}`: a site's
//! SCIM request log, searched newest first, and one entry with its bodies.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::{ScimLogDetail, ScimLogPage, ScimLogQuery};

use crate::ApiError;
use crate::extract::{Admin, Params, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/sites/{site}/logs/scim", get(search))
        .route("/sites/{site}/logs/scim/{id}", get(show))
}

async fn search(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    Params(query): Params<ScimLogQuery>,
) -> Result<Json<ScimLogPage>, ApiError> {
    Ok(Json(app.admin().scim_logs(&who, &site, query).await?))
}

async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<Json<ScimLogDetail>, ApiError> {
    Ok(Json(app.admin().scim_log(&who, &site, &id).await?))
}
