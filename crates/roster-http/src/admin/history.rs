//! The history log and the events feed: `/sites/{site}/logs/history`
//! (a search, newest first) and `/sites/{site}/events?after=N` (every
//! entry after N, in order).

use axum::Json;
use axum::extract::State;
use roster_app::App;
use roster_app::admin::{EventsPage, EventsQuery, HistoryPage, HistoryQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, InSite, Params, Segments};
use crate::openapi::{BadRequest, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(search)).routes(routes!(events))
}

/// Searches the site's history, newest first.
#[utoipa::path(get, path = "/sites/{site}/logs/history", tag = "history",
    operation_id = "search_history", params(InSite, HistoryQuery),
    responses((status = 200, body = HistoryPage), BadRequest, NotFound))]
async fn search(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    Params(query): Params<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    Ok(Json(app.admin().history(&who, &site, &query).await?))
}

/// The events feed: the entries after `after`, in order.
#[utoipa::path(get, path = "/sites/{site}/events", tag = "history", operation_id = "events",
    params(InSite, EventsQuery),
    responses((status = 200, body = EventsPage), BadRequest, NotFound))]
async fn events(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    Params(query): Params<EventsQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    Ok(Json(app.admin().events(&who, &site, query).await?))
}
