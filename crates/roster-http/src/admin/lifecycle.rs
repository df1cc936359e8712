//! User lifecycle rules: `/sites/{site}/lifecycle-rules`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::{LifecycleRuleInput, LifecycleRuleView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Items;
use crate::ApiError;
use crate::extract::{Admin, InSite, JsonBody, Segments, SiteItem};
use crate::openapi::{BadBody, Conflict, Forbidden, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(remove))
}

#[utoipa::path(get, path = "/sites/{site}/lifecycle-rules", tag = "lifecycle",
    operation_id = "list_lifecycle_rules", params(InSite),
    responses((status = 200, body = Items<LifecycleRuleView>), NotFound))]
async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
) -> Result<Json<Items<LifecycleRuleView>>, ApiError> {
    Ok(Json(app.admin().list_lifecycle_rules(&who, &site).await?.into()))
}

#[utoipa::path(post, path = "/sites/{site}/lifecycle-rules", tag = "lifecycle",
    operation_id = "create_lifecycle_rule", params(InSite), request_body = LifecycleRuleInput,
    responses((status = 201, body = LifecycleRuleView), BadBody, Forbidden, NotFound, Conflict))]
async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(input): JsonBody<LifecycleRuleInput>,
) -> Result<(StatusCode, Json<LifecycleRuleView>), ApiError> {
    let rule = app.admin().create_lifecycle_rule(&who, &site, input).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

#[utoipa::path(delete, path = "/sites/{site}/lifecycle-rules/{id}", tag = "lifecycle",
    operation_id = "delete_lifecycle_rule", params(SiteItem),
    responses((status = 204, description = "Deleted"), Forbidden, NotFound))]
async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_lifecycle_rule(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
