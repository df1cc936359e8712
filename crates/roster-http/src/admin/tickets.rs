//! `/sites/{site}/tickets/redeem`: the application redeems the one-time
//! ticket a signed-in person brought it.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use roster_app::App;
use roster_app::admin::{SignedInUserView, TicketInput};

use crate::ApiError;
use crate::extract::{Admin, JsonBody, Segments};

pub(super) fn routes() -> Router<App> {
    Router::new().route("/sites/{site}/tickets/redeem", post(redeem))
}

async fn redeem(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(site): Segments<String>,
    JsonBody(input): JsonBody<TicketInput>,
) -> Result<Json<SignedInUserView>, ApiError> {
    Ok(Json(app.admin().redeem_ticket(&who, &site, input).await?))
}
