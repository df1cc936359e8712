//! Admin keys: `/keys` for the instance (operators), `/sites/{site}/keys`
//! for one site, `DELETE /keys/{id}` to revoke.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::views::{AdminKeyView, ListView};
use roster_app::admin::{AdminKeyScope, CreatedAdminKey, PageRequest};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, InSite, Item, JsonBody, Params, Segments};
use crate::openapi::{BadBody, BadRequest, Forbidden, NotFound};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct KeyInput {
    /// What the key is for, in words (`admin key` when absent).
    name: Option<String>,
}

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_all, create_operator_key))
        .routes(routes!(revoke))
        .routes(routes!(list_site, create_site_key))
}

/// Every admin key of the instance (operator keys only).
#[utoipa::path(get, path = "/keys", tag = "keys", operation_id = "list_admin_keys",
    params(PageRequest),
    responses((status = 200, body = ListView<AdminKeyView>), BadRequest, Forbidden))]
async fn list_all(
    State(app): State<App>,
    Admin(who): Admin,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<AdminKeyView>>, ApiError> {
    Ok(Json(app.admin().list_admin_keys(&who, None, page).await?))
}

/// Creates an operator key; its secret is shown in this answer only.
#[utoipa::path(post, path = "/keys", tag = "keys", operation_id = "create_operator_key",
    request_body = KeyInput,
    responses((status = 201, body = CreatedAdminKey), BadBody, Forbidden))]
async fn create_operator_key(
    State(app): State<App>,
    Admin(who): Admin,
    JsonBody(input): JsonBody<KeyInput>,
) -> Result<(StatusCode, Json<CreatedAdminKey>), ApiError> {
    let created =
        app.admin().create_admin_key(&who, AdminKeyScope::Operator, input.name.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/sites/{site}/keys", tag = "keys", operation_id = "list_site_keys",
    params(InSite, PageRequest),
    responses((status = 200, body = ListView<AdminKeyView>), BadRequest, NotFound))]
async fn list_site(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<AdminKeyView>>, ApiError> {
    Ok(Json(app.admin().list_admin_keys(&who, Some(&site), page).await?))
}

/// Creates a key for the site; its secret is shown in this answer only.
#[utoipa::path(post, path = "/sites/{site}/keys", tag = "keys", operation_id = "create_site_key",
    params(InSite), request_body = KeyInput,
    responses((status = 201, body = CreatedAdminKey), BadBody, Forbidden, NotFound))]
async fn create_site_key(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(input): JsonBody<KeyInput>,
) -> Result<(StatusCode, Json<CreatedAdminKey>), ApiError> {
    let created = app
        .admin()
        .create_admin_key(&who, AdminKeyScope::Site(site), input.name.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a key: it stops working at once.
#[utoipa::path(delete, path = "/keys/{id}", tag = "keys", operation_id = "revoke_admin_key",
    params(Item),
    responses((status = 204, description = "Revoked"), Forbidden, NotFound))]
async fn revoke(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(Item { id }): Segments<Item>,
) -> Result<StatusCode, ApiError> {
    app.admin().revoke_admin_key(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
