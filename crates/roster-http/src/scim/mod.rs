//! `/api/scim`: the SCIM 2.0 service provider (RFC 7644). One base URL
//! serves every site: the credential names the SSO provider, and so the
//! site.
//!
//! Requests may be `application/scim+json` or `application/json`; every
//! response is `application/scim+json`, and every failure a SCIM error body
//! (RFC 7644 §3.12) with the right status and `scimType`.

mod discovery;
mod extract;
mod resources;
mod response;

use axum::Router;
use axum::routing::{get, post};
use roster_app::App;

pub(crate) use extract::ScimClient;
pub(crate) use response::{ScimErrorReply, ScimReply};

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/ServiceProviderConfig", get(discovery::service_provider_config))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::resource_type))
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/Users", get(resources::list_users).post(resources::create_user))
        .route("/Users/.search", post(resources::search_users))
        .route(
            "/Users/{id}",
            get(resources::get_user)
                .put(resources::replace_user)
                .patch(resources::patch_user)
                .delete(resources::delete_user),
        )
        .route("/Groups", get(resources::list_groups).post(resources::create_group))
        .route("/Groups/.search", post(resources::search_groups))
        .route(
            "/Groups/{id}",
            get(resources::get_group)
                .put(resources::replace_group)
                .patch(resources::patch_group)
                .delete(resources::delete_group),
        )
        // Body size limits are the body extractor's (`extract::read_limited`).
        .route("/Bulk", post(resources::bulk))
        .route("/.search", post(resources::search_all))
        .fallback(response::no_such_endpoint)
        .method_not_allowed_fallback(response::method_not_allowed)
}
