//! `/sites/{site}/providers` and `/sites/{site}/providers/{id}`, with the
//! provider's SCIM credential and its set-up guide.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use roster_app::App;
use roster_app::admin::views::{ListView, ProviderView};
use roster_app::admin::{
    PageRequest, ProviderInput, ProviderPatch, ScimCredentialInput, ScimCredentialView,
};
use roster_app::setup_guide::SetupGuide;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;
use crate::extract::{Admin, InSite, JsonBody, Params, Segments, SiteItem};
use crate::openapi::{BadBody, BadRequest, Conflict, Forbidden, NotFound};

pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(scim_credential))
        .routes(routes!(setup_guide))
}

#[utoipa::path(get, path = "/sites/{site}/providers", tag = "providers",
    operation_id = "list_providers", params(InSite, PageRequest),
    responses((status = 200, body = ListView<ProviderView>), BadRequest, NotFound))]
async fn list(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    Params(page): Params<PageRequest>,
) -> Result<Json<ListView<ProviderView>>, ApiError> {
    Ok(Json(app.admin().list_providers(&who, &site, page).await?))
}

/// Creates an SSO provider; a metadata URL is fetched and checked first.
#[utoipa::path(post, path = "/sites/{site}/providers", tag = "providers",
    operation_id = "create_provider", params(InSite), request_body = ProviderInput,
    responses((status = 201, body = ProviderView), BadBody, Forbidden, NotFound, Conflict))]
async fn create(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(InSite { site }): Segments<InSite>,
    JsonBody(input): JsonBody<ProviderInput>,
) -> Result<(StatusCode, Json<ProviderView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app.admin().create_provider(&who, &site, input).await?)))
}

#[utoipa::path(get, path = "/sites/{site}/providers/{id}", tag = "providers",
    operation_id = "get_provider", params(SiteItem),
    responses((status = 200, body = ProviderView), NotFound))]
async fn show(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<ProviderView>, ApiError> {
    Ok(Json(app.admin().get_provider(&who, &site, &id).await?))
}

/// `saml` replaces the whole trust configuration; `sign_in`, `ldap` and
/// `provisioning` change the fields they name; `"ldap": null` removes the
/// LDAP settings.
#[utoipa::path(patch, path = "/sites/{site}/providers/{id}", tag = "providers",
    operation_id = "update_provider", params(SiteItem), request_body = ProviderPatch,
    responses((status = 200, body = ProviderView), BadBody, Forbidden, NotFound, Conflict))]
async fn update(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(patch): JsonBody<ProviderPatch>,
) -> Result<Json<ProviderView>, ApiError> {
    Ok(Json(app.admin().update_provider(&who, &site, &id, patch).await?))
}

#[utoipa::path(delete, path = "/sites/{site}/providers/{id}", tag = "providers",
    operation_id = "delete_provider", params(SiteItem),
    responses((status = 204, description = "Deleted"), Forbidden, NotFound, Conflict))]
async fn remove(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<StatusCode, ApiError> {
    app.admin().delete_provider(&who, &site, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets how the provider's SCIM client authenticates; a new secret is
/// shown in this answer only.
#[utoipa::path(post, path = "/sites/{site}/providers/{id}/scim", tag = "providers",
    operation_id = "set_provider_scim_credential", params(SiteItem),
    request_body = ScimCredentialInput,
    responses((status = 200, body = ScimCredentialView), BadBody, Forbidden, NotFound))]
async fn scim_credential(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
    JsonBody(input): JsonBody<ScimCredentialInput>,
) -> Result<Json<ScimCredentialView>, ApiError> {
    Ok(Json(app.admin().set_scim_credential(&who, &site, &id, input).await?))
}

/// What to do in roster and in the identity provider to connect it, with
/// the values to paste filled in for this site and provider. `400` (field
/// `public_url`) when roster runs without `--public-url`.
#[utoipa::path(get, path = "/sites/{site}/providers/{id}/setup-guide", tag = "providers",
    operation_id = "get_provider_setup_guide", params(SiteItem),
    responses((status = 200, body = SetupGuide), BadRequest, NotFound))]
async fn setup_guide(
    State(app): State<App>,
    Admin(who): Admin,
    Segments(SiteItem { site, id }): Segments<SiteItem>,
) -> Result<Json<SetupGuide>, ApiError> {
    Ok(Json(app.setup_guide(&who, &site, &id).await?))
}
