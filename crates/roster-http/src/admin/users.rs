//! `/sites/{site}/users`, `/sites/{site}/users/{id}` and its `/password`
//! and `/two-factor`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::views::{ListView, UserView};
use roster_app::admin::{PasswordInput, TwoFactorView, UserInput, UserPatch, UserSearch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, InSite, JsonBody, Params, Segments, SiteItem};
use crate::openapi::{BadBody, BadRequest, Conflict, Forbidden, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(set_password))
        .routes(routes!(two_factor, reset_two_factor))
}

/// The site's users, ordered by creation; the query's filters narrow the
/// list and `total` counts every match.
#[utoipa::path(get, path = "/sites/{site}/users", tag = "users", operation_id = "list_users",
    params(InSite, UserSearch),
    responses((status = 200, body = ListView<UserView>), BadRequest, NotFound))]
async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    Params(search): Params<UserSearch>,
) -> Result<Json<ListView<UserView>>, ApiError> {
    Ok(Json(app.admin().search_users(&who, &site, &search).await?))
}

#[utoipa::path(post, path = "/sites/{site}/users", tag = "users", operation_id = "create_user",
    params(InSite), request_body = UserInput,
    responses((status = 201, body = UserView), BadBody, Forbidden, NotFound, Conflict))]
async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(input): JsonBody<UserInput>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_user(&who, &site, input).await?)))
}

#[utoipa::path(get, path = "/sites/{site}/users/{id}", tag = "users", operation_id = "get_user",
    params(SiteItem),
    responses((status = 200, body = UserView), NotFound))]
async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(app.admin().get_user(&who, &site, &id).await?))
}

/// Changes the fields the body names; `null` clears a clearable field.
#[utoipa::path(patch, path = "/sites/{site}/users/{id}", tag = "users",
    operation_id = "update_user", params(SiteItem), request_body = UserPatch,
    responses((status = 200, body = UserView), BadBody, Forbidden, NotFound, Conflict))]
async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(patch): JsonBody<UserPatch>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(app.admin().update_user(&who, &site, &id, patch).await?))
}

#[utoipa::path(delete, path = "/sites/{site}/users/{id}", tag = "users",
    operation_id = "delete_user", params(SiteItem),
    responses((status = 204, description = "Deleted"), Forbidden, NotFound, Conflict))]
async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_user(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the user's password (12 to 1,024 characters).
#[utoipa::path(put, path = "/sites/{site}/users/{id}/password", tag = "users",
    operation_id = "set_user_password", params(SiteItem), request_body = PasswordInput,
    responses((status = 200, body = UserView), BadBody, Forbidden, NotFound))]
async fn set_password(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(input): JsonBody<PasswordInput>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(app.admin().set_password(&who, &site, &id, input).await?))
}

#[utoipa::path(get, path = "/sites/{site}/users/{id}/two-factor", tag = "users",
    operation_id = "get_user_two_factor", params(SiteItem),
    responses((status = 200, body = TwoFactorView), Forbidden, NotFound))]
async fn two_factor(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<TwoFactorView>, ApiError> {
    Ok(Json(app.admin().two_factor(&who, &site, &id).await?))
}

/// Removes the user's authenticator: the next sign-in enrols a new one.
#[utoipa::path(delete, path = "/sites/{site}/users/{id}/two-factor", tag = "users",
    operation_id = "reset_user_two_factor", params(SiteItem),
    responses((status = 200, body = TwoFactorView), Forbidden, NotFound))]
async fn reset_two_factor(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<TwoFactorView>, ApiError> {
    Ok(Json(app.admin().reset_two_factor(&who, &site, &id).await?))
}
