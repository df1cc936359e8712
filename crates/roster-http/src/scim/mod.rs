//! `/api/scim`: the SCIM 2.0 service provider (RFC 7644). One base URL
//! serves every site: the credential names the SSO provider, and so the
//! site.
//!
//! Requests may be `application/scim+json` or `application/json`; every
//! response is `application/scim+json`, and every failure a SCIM error body
//! (RFC 7644 §3.12) with the right status and `scimType`.

mod discovery;
mod endpoint;
mod extract;
mod resources;
mod response;

use axum::Router;
use axum::routing::{get, post};
use roster_app::App;

pub(crate) use endpoint::canonical_endpoint;
pub(crate) use extract::{ScimClient, authenticate};
use resources::{Groups, Users, create, delete, get as read, list, patch, replace, search};
pub(crate) use response::{ScimErrorReply, ScimReply};

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/ServiceProviderConfig", get(discovery::service_provider_config))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::resource_type))
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/Users", get(list::<Users>).post(create::<Users>))
        .route("/Users/.search", post(search::<Users>))
        .route(
            "/Users/{id}",
            get(read::<Users>).put(replace::<Users>).patch(patch::<Users>).delete(delete::<Users>),
        )
        .route("/Groups", get(list::<Groups>).post(create::<Groups>))
        .route("/Groups/.search", post(search::<Groups>))
        .route(
            "/Groups/{id}",
            get(read::<Groups>)
                .put(replace::<Groups>)
                .patch(patch::<Groups>)
                .delete(delete::<Groups>),
        )
        // Body size limits are the body extractor's (`extract::read_limited`).
        .route("/Bulk", post(resources::bulk))
        .route("/.search", post(resources::search_all))
        .merge(crate::panic::test_route("/test/panic"))
        .fallback(response::no_such_endpoint)
        .method_not_allowed_fallback(response::method_not_allowed)
        .layer(crate::panic::catch_scim_panics())
}
