//! Admin keys: `/keys` for the instance (operators), `/sites/{site}/keys`
//! for one site, `DELETE /keys/{id}` to revoke.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::views::{AdminKeyView, ListView};
use roster_app::admin::{AdminKeyScope, CreatedAdminKey, PageRequest};
use serde::Deserialize;

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Params, Segments};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyInput {
    name: Option<String>,
}

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/keys", get(list_all).post(create_operator_key))
        .route("/keys/{id}", delete(revoke))
        .route("/sites/{site}/keys", get(list_site).post(create_site_key))
}

async fn list_all(
    State(app): State<App>,
    Admin(who): Admin,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<AdminKeyView>>, ApiError> {
    Ok(Json(app.admin().list_admin_keys(&who, None, page).await?))
}

async fn create_operator_key(
    State(app): State<App>,
    Admin(who): Admin,
    JsonBody(input): JsonBody<KeyInput>,
) -> Result<(StatusCode, Json<CreatedAdminKey>), ApiError> {
    let created =
        app.admin().create_admin_key(&who, AdminKeyScope::Operator, input.name.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn list_site(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<AdminKeyView>>, ApiError> {
    Ok(Json(app.admin().list_admin_keys(&who, Some(&site), page).await?))
}

async fn create_site_key(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(input): JsonBody<KeyInput>,
) -> Result<(StatusCode, Json<CreatedAdminKey>), ApiError> {
    let created = app
        .admin()
        .create_admin_key(&who, AdminKeyScope::Site(site), input.name.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn revoke(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(id): Segments<String>,
) -> Result<StatusCode, ApiError> {
    app.admin().revoke_admin_key(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
