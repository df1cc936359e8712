//! The SAML SP's key pairs (operators): `GET /saml/keys` lists them,
//! `POST /saml/keys/rotate` makes new ones.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::{SpKeyRotation, SpKeyView};
use serde::Serialize;

use crate::ApiError;
use crate::extract::{Admin, JsonBody};

/// The keys, newest first.
#[derive(Debug, Serialize)]
struct SpKeyList {
    items: Vec<SpKeyView>,
}

pub(super) fn routes() -> Router<App> {
    Router::new().route("/saml/keys", get(list)).route("/saml/keys/rotate", post(rotate))
}

async fn list(State(app): State<App>, Admin(who): Admin) -> Result<Json<SpKeyList>, ApiError> {
    Ok(Json(SpKeyList { items: app.admin().list_sp_keys(&who).await? }))
}

async fn rotate(
    State(app): State<App>,
    Admin(who): Admin,
    JsonBody(rotation): JsonBody<SpKeyRotation>,
) -> Result<(StatusCode, Json<SpKeyList>), ApiError> {
    let created = app.admin().rotate_sp_keys(&who, rotation).await?;
    Ok((StatusCode::CREATED, Json(SpKeyList { items: created })))
}
