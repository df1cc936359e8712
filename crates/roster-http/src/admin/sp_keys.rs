//! The SAML SP's key pairs (operators): `GET /saml/keys` lists them,
//! `POST /saml/keys/rotate` makes new ones.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::{SpKeyRotation, SpKeyView};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, JsonBody};
use crate::openapi::{BadBody, Forbidden};

/// The keys, newest first.
#[derive(Debug, Serialize, ToSchema)]
struct SpKeyList {
    items: Vec<SpKeyView>,
}

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(rotate))
}

/// The SP's key pairs (operator keys only).
#[utoipa::path(get, path = "/saml/keys", tag = "saml", operation_id = "list_sp_keys",
    responses((status = 200, body = SpKeyList), Forbidden))]
async fn list(State(app): State<App>, Admin(who): Admin) -> Result<Json<SpKeyList>, ApiError> {
    Ok(Json(SpKeyList { items: app.admin().list_sp_keys(&who).await? }))
}

/// Makes new key pairs; the old ones stay for the overlap asked.
#[utoipa::path(post, path = "/saml/keys/rotate", tag = "saml", operation_id = "rotate_sp_keys",
    request_body = SpKeyRotation,
    responses((status = 201, description = "The new keys", body = SpKeyList), BadBody, Forbidden))]
async fn rotate(
    State(app): State<App>,
    Admin(who): Admin,
    JsonBody(rotation): JsonBody<SpKeyRotation>,
) -> Result<(StatusCode, Json<SpKeyList>), ApiError> {
    let created = app.admin().rotate_sp_keys(&who, rotation).await?;
    Ok((StatusCode::CREATED, Json(SpKeyList { items: created })))
}
