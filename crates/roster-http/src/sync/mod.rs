//! The LDAP sync's admin endpoints, under `/api/admin` with the admin
//! key: `/sites/{site}/providers/{id}/sync` (run a sync now) and its
//! `/runs` (the provider's past runs, newest first). Calls `app.sync()`
//! only.

use axum::Json;
use axum::extract::State;
use roster_app::App;
use roster_app::sync::{SyncReport, SyncRunView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Segments, SiteItem};
use crate::openapi::{BadBody, Conflict, Forbidden, NotFound};

/// Every sync route, each registered from its handler's `#[utoipa::path]`
/// (see `crate::openapi`).
pub(crate) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(run)).routes(routes!(runs))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RunInput {
    /// Read every entry rather than those changed since the last sync.
    #[serde(default)]
    full: bool,
}

/// Runs the sync and answers its report; a sync that failed answers 200
/// too, with `failure` saying why (it is recorded like any run).
#[utoipa::path(post, path = "/sites/{site}/providers/{id}/sync", tag = "sync",
    operation_id = "run_sync", params(SiteItem), request_body = RunInput,
    responses((status = 200, body = SyncReport), BadBody, Forbidden, NotFound, Conflict))]
async fn run(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(input): JsonBody<RunInput>,
) -> Result<Json<SyncReport>, ApiError> {
    Ok(Json(app.sync().run(&who, &site, &id, input.full).await?))
}

/// The provider's past runs, newest first.
#[derive(Serialize, ToSchema)]
struct Runs {
    items: Vec<SyncRunView>,
}

#[utoipa::path(get, path = "/sites/{site}/providers/{id}/sync/runs", tag = "sync",
    operation_id = "list_sync_runs", params(SiteItem),
    responses((status = 200, body = Runs), NotFound))]
async fn runs(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<Runs>, ApiError> {
    Ok(Json(Runs { items: app.sync().runs(&who, &site, &id).await? }))
}
