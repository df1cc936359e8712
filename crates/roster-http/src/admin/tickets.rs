//! `/sites/{site}/tickets/redeem`: the application redeems the one-time
//! ticket a signed-in person brought it.

use axum::Json;
use axum::extract::State;
use roster_app::App;
use roster_app::admin::{SignedInUserView, TicketInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, InSite, JsonBody, Segments};
use crate::openapi::{BadBody, Forbidden, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(redeem))
}

/// Redeems a hand-off ticket, once: who signed in.
#[utoipa::path(post, path = "/sites/{site}/tickets/redeem", tag = "tickets",
    operation_id = "redeem_ticket", params(InSite), request_body = TicketInput,
    responses((status = 200, body = SignedInUserView), BadBody, Forbidden, NotFound))]
async fn redeem(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(input): JsonBody<TicketInput>,
) -> Result<Json<SignedInUserView>, ApiError> {
    Ok(Json(app.admin().redeem_ticket(&who, &site, input).await?))
}
