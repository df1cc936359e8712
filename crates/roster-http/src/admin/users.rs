//! `/sites/{site}/users`, `/sites/{site}/users/{id}` and its `/password`
//! and `/two-factor`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::views::{ListView, UserView};
use roster_app::admin::{PageRequest, PasswordInput, TwoFactorView, UserInput, UserPatch};

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Params, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/sites/{site}/users", get(list).post(create))
        .route("/sites/{site}/users/{id}", get(show).patch(update).delete(remove))
        .route("/sites/{site}/users/{id}/password", put(set_password))
        .route("/sites/{site}/users/{id}/two-factor", get(two_factor).delete(reset_two_factor))
}

async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<UserView>>, ApiError> {
    Ok(Json(app.admin().list_users(&who, &site, page).await?))
}

async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(input): JsonBody<UserInput>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_user(&who, &site, input).await?)))
}

async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(app.admin().get_user(&who, &site, &id).await?))
}

async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(patch): JsonBody<UserPatch>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(app.admin().update_user(&who, &site, &id, patch).await?))
}

async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_user(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_password(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(input): JsonBody<PasswordInput>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(app.admin().set_password(&who, &site, &id, input).await?))
}

async fn two_factor(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<Json<TwoFactorView>, ApiError> {
    Ok(Json(app.admin().two_factor(&who, &site, &id).await?))
}

/// Removes the user's authenticator: the next sign-in enrols a new one.
async fn reset_two_factor(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<Json<TwoFactorView>, ApiError> {
    Ok(Json(app.admin().reset_two_factor(&who, &site, &id).await?))
}
