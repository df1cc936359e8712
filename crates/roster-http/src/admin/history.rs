//! The history log and the events feed: `/sites/{site}/logs/history`
//! (a search, newest first) and `/sites/{site}/events?after=N` (every
//! entry after N, in order).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::{EventsPage, EventsQuery, HistoryPage, HistoryQuery};

use crate::ApiError;
use crate::extract::{Admin, Params, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/sites/{site}/logs/history", get(search))
        .route("/sites/{site}/events", get(events))
}

async fn search(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    Params(query): Params<HistoryQuery>,
) -> Result<Json<HistoryPage>, ApiError> {
    Ok(Json(app.admin().history(&who, &site, &query).await?))
}

async fn events(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    Params(query): Params<EventsQuery>,
) -> Result<Json<EventsPage>, ApiError> {
    Ok(Json(app.admin().events(&who, &site, query).await?))
}
