//! User lifecycle rules: `/sites/{site}/lifecycle-rules`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::{LifecycleRuleInput, LifecycleRuleView};

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/sites/{site}/lifecycle-rules", get(list).post(create))
        .route("/sites/{site}/lifecycle-rules/{id}", delete(remove))
}

async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let rules = app.admin().list_lifecycle_rules(&who, &site).await?;
    let total = rules.len();
    Ok(Json(serde_json::json!({ "items": rules, "total": total })))
}

async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(input): JsonBody<LifecycleRuleInput>,
) -> Result<(StatusCode, Json<LifecycleRuleView>), ApiError> {
    let rule = app.admin().create_lifecycle_rule(&who, &site, input).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_lifecycle_rule(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
