//! `/sites/{site}/groups`, a group, and its members.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::views::{GroupView, ListView, MemberView};
use roster_app::admin::{GroupInput, GroupPatch, MemberInput, MemberPatch, PageRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, InSite, JsonBody, Params, Segments, SiteItem, SiteMember};
use crate::openapi::{BadBody, BadRequest, Conflict, Forbidden, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(members, add_member))
        .routes(routes!(update_member, remove_member))
}

#[utoipa::path(get, path = "/sites/{site}/groups", tag = "groups", operation_id = "list_groups",
    params(InSite, PageRequest),
    responses((status = 200, body = ListView<GroupView>), BadRequest, NotFound))]
async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<GroupView>>, ApiError> {
    Ok(Json(app.admin().list_groups(&who, &site, page).await?))
}

#[utoipa::path(post, path = "/sites/{site}/groups", tag = "groups", operation_id = "create_group",
    params(InSite), request_body = GroupInput,
    responses((status = 201, body = GroupView), BadBody, Forbidden, NotFound, Conflict))]
async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(input): JsonBody<GroupInput>,
) -> Result<(StatusCode, Json<GroupView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_group(&who, &site, input).await?)))
}

#[utoipa::path(get, path = "/sites/{site}/groups/{id}", tag = "groups", operation_id = "get_group",
    params(SiteItem),
    responses((status = 200, body = GroupView), NotFound))]
async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<GroupView>, ApiError> {
    Ok(Json(app.admin().get_group(&who, &site, &id).await?))
}

#[utoipa::path(patch, path = "/sites/{site}/groups/{id}", tag = "groups",
    operation_id = "update_group", params(SiteItem), request_body = GroupPatch,
    responses((status = 200, body = GroupView), BadBody, Forbidden, NotFound, Conflict))]
async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(patch): JsonBody<GroupPatch>,
) -> Result<Json<GroupView>, ApiError> {
    Ok(Json(app.admin().update_group(&who, &site, &id, patch).await?))
}

#[utoipa::path(delete, path = "/sites/{site}/groups/{id}", tag = "groups",
    operation_id = "delete_group", params(SiteItem),
    responses((status = 204, description = "Deleted"), Forbidden, NotFound, Conflict))]
async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_group(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/sites/{site}/groups/{id}/members", tag = "groups",
    operation_id = "list_group_members", params(SiteItem, PageRequest),
    responses((status = 200, body = ListView<MemberView>), BadRequest, NotFound))]
async fn members(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<MemberView>>, ApiError> {
    Ok(Json(app.admin().list_members(&who, &site, &id, page).await?))
}

#[utoipa::path(post, path = "/sites/{site}/groups/{id}/members", tag = "groups",
    operation_id = "add_group_member", params(SiteItem), request_body = MemberInput,
    responses((status = 201, body = MemberView), BadBody, Forbidden, NotFound, Conflict))]
async fn add_member(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(input): JsonBody<MemberInput>,
) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().add_member(&who, &site, &id, input).await?)))
}

/// Makes the member a group administrator, or no longer one.
#[utoipa::path(patch, path = "/sites/{site}/groups/{id}/members/{user}", tag = "groups",
    operation_id = "update_group_member", params(SiteMember), request_body = MemberPatch,
    responses((status = 200, body = MemberView), BadBody, Forbidden, NotFound, Conflict))]
async fn update_member(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteMember { site, id, user }): Segments<SiteMember>,
    JsonBody(patch): JsonBody<MemberPatch>,
) -> Result<Json<MemberView>, ApiError> {
    Ok(Json(app.admin().update_member(&who, &site, &id, &user, patch).await?))
}

#[utoipa::path(delete, path = "/sites/{site}/groups/{id}/members/{user}", tag = "groups",
    operation_id = "remove_group_member", params(SiteMember),
    responses((status = 204, description = "Removed"), Forbidden, NotFound, Conflict))]
async fn remove_member(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteMember { site, id, user }): Segments<SiteMember>,
) -> Result<StatusCode, ApiError> {
    app.admin().remove_member(&who, &site, &id, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}
