//! Set-up links: `/sites/{site}/setup-links`, made, listed and revoked by
//! the site's administrators. Opening one is `crate::setup`'s.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::{CreatedSetupLink, SetupLinkInput, SetupLinkView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Items;
use crate::ApiError;
use crate::extract::{Admin, InSite, JsonBody, Segments, SiteItem};
use crate::openapi::{BadBody, Forbidden, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(revoke))
}

/// The site's set-up links, newest first, with their state; never a
/// secret.
#[utoipa::path(get, path = "/sites/{site}/setup-links", tag = "setup-links",
    operation_id = "list_setup_links", params(InSite),
    responses((status = 200, body = Items<SetupLinkView>), NotFound))]
async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
) -> Result<Json<Items<SetupLinkView>>, ApiError> {
    Ok(Json(app.admin().list_setup_links(&who, &site).await?.into()))
}

/// Makes a link that lets its holder set up one provider (SAML trust,
/// SCIM credential) until it expires or is revoked; its secret and URL are
/// shown in this answer only.
#[utoipa::path(post, path = "/sites/{site}/setup-links", tag = "setup-links",
    operation_id = "create_setup_link", params(InSite), request_body = SetupLinkInput,
    responses((status = 201, body = CreatedSetupLink), BadBody, Forbidden, NotFound))]
async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(input): JsonBody<SetupLinkInput>,
) -> Result<(StatusCode, Json<CreatedSetupLink>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_setup_link(&who, &site, input).await?)))
}

/// Revokes a link at once: a set-up session opened with it ends with its
/// next request.
#[utoipa::path(delete, path = "/sites/{site}/setup-links/{id}", tag = "setup-links",
    operation_id = "revoke_setup_link", params(SiteItem),
    responses((status = 204, description = "Revoked"), Forbidden, NotFound))]
async fn revoke(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<StatusCode, ApiError> {
    app.admin().revoke_setup_link(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
