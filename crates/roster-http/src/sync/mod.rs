//! The LDAP sync's admin endpoints, under `/api/admin` with the admin
//! key: `/sites/{site}/providers/{id}/sync` (run a sync now) and its
//! `/runs` (the provider's past runs, newest first). Calls `app.sync()`
//! only.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use roster_app::App;
use roster_app::sync::{SyncReport, SyncRunView};
use serde::Deserialize;

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Segments};

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/sites/{site}/providers/{id}/sync", post(run))
        .route("/sites/{site}/providers/{id}/sync/runs", get(runs))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunInput {
    /// Read every entry rather than those changed since the last sync.
    #[serde(default)]
    full: bool,
}

/// Runs the sync and answers its report; a sync that failed answers 200
/// too, with `failure` saying why (it is recorded like any run).
async fn run(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
    JsonBody(input): JsonBody<RunInput>,
) -> Result<Json<SyncReport>, ApiError> {
    Ok(Json(app.sync().run(&who, &site, &id, input.full).await?))
}

#[derive(serde::Serialize)]
struct Runs {
    items: Vec<SyncRunView>,
}

async fn runs(
    State(app): State<App>,
    Admin(who): Admin,
    Segments((site, id)): Segments<(String, String)>,
) -> Result<Json<Runs>, ApiError> {
    Ok(Json(Runs { items: app.sync().runs(&who, &site, &id).await? }))
}
