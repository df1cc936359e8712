//! `/sites/{site}/groups`, a group, and its members.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::views::{GroupView, ListView, MemberView};
use roster_app::admin::{GroupInput, GroupPatch, MemberInput, MemberPatch, PageRequest};

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Params, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/sites/{site}/groups", get(list).post(create))
        .route("/sites/{site}/groups/{id}", get(show).patch(update).delete(remove))
        .route("/sites/{site}/groups/{id}/members", get(members).post(add_member))
        .route(
            "/sites/{site}/groups/{id}/members/{user}",
            patch(update_member).delete(remove_member),
        )
}

async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<GroupView>>, ApiError> {
    Ok(Json(app.admin().list_groups(&who, &site, page).await?))
}

async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(input): JsonBody<GroupInput>,
) -> Result<(StatusCode, Json<GroupView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_group(&who, &site, input).await?)))
}

async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<Json<GroupView>, ApiError> {
    Ok(Json(app.admin().get_group(&who, &site, &id).await?))
}

async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(patch): JsonBody<GroupPatch>,
) -> Result<Json<GroupView>, ApiError> {
    Ok(Json(app.admin().update_group(&who, &site, &id, patch).await?))
}

async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_group(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn members(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<MemberView>>, ApiError> {
    Ok(Json(app.admin().list_members(&who, &site, &id, page).await?))
}

async fn add_member(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(input): JsonBody<MemberInput>,
) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().add_member(&who, &site, &id, input).await?)))
}

async fn update_member(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id, user)): Segments<(String, String, String)>,
    JsonBody(patch): JsonBody<MemberPatch>,
) -> Result<Json<MemberView>, ApiError> {
    Ok(Json(app.admin().update_member(&who, &site, &id, &user, patch).await?))
}

async fn remove_member(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id, user)): Segments<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    app.admin().remove_member(&who, &site, &id, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}
