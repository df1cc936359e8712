//! The admin API's contract (issue 19): an OpenAPI 3.1 document generated
//! from the handlers' `#[utoipa::path]` attributes and the `ToSchema` and
//! `IntoParams` derives of what they take and answer, served at
//! `GET /api/admin/openapi.json` without a key (the API's shape is not a
//! secret; every operation in it still needs one).
//!
//! The admin router is built from the same attributes: utoipa-axum's
//! `routes!` registers each handler at the path and methods its attribute
//! names, so a route cannot exist without its documentation, nor the
//! reverse. The router folders (`admin/`, `sync/`) register routes only
//! that way; `crates/roster/tests/it/openapi.rs` checks that, asks the
//! running server for every documented operation, and runs an OpenAPI
//! validator on the document.
//!
//! The document is built once, the first time it is asked for.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use roster_app::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, OpenApi as Document, Ref, RefOr, ResponseBuilder, Responses,
    response::Response as Answer,
};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ApiError;

/// Where the admin API is mounted; the document's paths include it.
const MOUNT: &str = "/api/admin";

/// The name of the admin-key security scheme.
const ADMIN_KEY: &str = "admin_key";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "roster admin API",
        description = "Sites, users, groups and memberships, SSO providers, admin keys, the \
                       SAML SP's keys, webhooks, lifecycle rules, the history log, the events \
                       feed, the SCIM request log and the LDAP sync. Every operation but this \
                       document's needs an admin key: an operator key for the instance, or a \
                       site key, which sees only its own site (another site is `404`). Every \
                       error is the JSON body `ErrorBody`.",
    ),
    security(("admin_key" = [])),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "sites"), (name = "users"), (name = "groups"), (name = "providers"),
        (name = "sync", description = "The LDAP / Active Directory sync of a provider"),
        (name = "keys", description = "Admin keys"),
        (name = "tickets", description = "The application redeems a signed-in person's ticket"),
        (name = "saml", description = "The SAML service provider's key pairs"),
        (name = "history", description = "The history log and the events feed"),
        (name = "lifecycle", description = "User lifecycle rules"),
        (name = "webhooks"),
        (name = "scim-logs", description = "The SCIM request log"),
        (name = "setup-links", description = "Links that let a customer set up one provider"),
        (name = "contract", description = "This document"),
    )
)]
struct ApiDoc;

/// The admin API's router and its document, from one source.
fn admin_api() -> (Router<App>, Document) {
    let api = crate::admin::routes().merge(crate::sync::routes()).routes(routes!(document));
    let (router, mut document) =
        OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(MOUNT, api).split_for_parts();
    // After the routes: the contract reads every operation.
    Contract.modify(&mut document);
    (router, document)
}

/// The admin API's router. The document built with it is kept, as text,
/// for `/openapi.json` (the first router's: every one has the same).
pub(crate) fn admin_router() -> Router<App> {
    let (router, document) = admin_api();
    DOCUMENT.get_or_init(|| document.to_json().map_err(|err| err.to_string()));
    router
}

/// The document as served; an error (a document that does not
/// serialize) is kept to be logged.
static DOCUMENT: OnceLock<Result<String, String>> = OnceLock::new();

/// The admin API's OpenAPI 3.1 document. Needs no key.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "contract",
    operation_id = "openapi_document",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json", body = Object)),
)]
async fn document() -> Result<Response, ApiError> {
    if let Some(Ok(json)) = DOCUMENT.get() {
        return Ok(([(CONTENT_TYPE, "application/json")], json.as_str()).into_response());
    }
    // No document: it did not serialize (a `None` cannot happen, as the
    // router that routes here set it).
    if let Some(Err(err)) = DOCUMENT.get() {
        tracing::error!(error = %err, "the OpenAPI document does not serialize");
    }
    Err(ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; see the server log",
    ))
}

/// What every operation shares, added once here rather than on each
/// handler: the admin-key scheme, the error responses as reusable
/// components, `401` on every operation that needs a key (the `Admin`
/// extractor) and `500` on all (STYLE rule 3: a generic message), and the
/// status's reason phrase as the description of a success the handler's
/// attribute did not describe (OpenAPI requires one).
struct Contract;

impl Modify for Contract {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            ADMIN_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An admin key, `Authorization: Bearer roster_ak_...`: an operator \
                         key, or a site key that sees only its site. `roster keys create` \
                         makes the first.",
                    ))
                    .build(),
            ),
        );
        for (name, _, description) in ERRORS {
            components.responses.insert((*name).to_owned(), RefOr::T(error_answer(description)));
        }
        for item in openapi.paths.paths.values_mut() {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                // `None` inherits the document's requirement: the admin key.
                if operation.security.is_none() {
                    add(&mut operation.responses, "Unauthorized");
                }
                add(&mut operation.responses, "Internal");
                for (status, response) in &mut operation.responses.responses {
                    if let RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        let reason = status
                            .parse::<u16>()
                            .ok()
                            .and_then(|code| StatusCode::from_u16(code).ok())
                            .and_then(|code| code.canonical_reason());
                        response.description = reason.unwrap_or("Success").to_owned();
                    }
                }
            }
        }
    }
}

/// The error responses: (component name, status, description).
const ERRORS: &[(&str, u16, &str)] = &[
    (
        "BadRequest",
        400,
        "The request is invalid: `invalid_request` (`field` names the value: a body field \
         such as `provisioning.only_groups`, `query` or `path`), or `invalid_json`.",
    ),
    ("Unauthorized", 401, "No valid admin key was sent (`unauthorized`)."),
    (
        "Forbidden",
        403,
        "The key may not do this: an operator-only operation with a site key (`forbidden`), or \
         a site setting refuses manual changes (`manual_changes_disabled`).",
    ),
    (
        "NotFound",
        404,
        "The site, or what the path names in it, does not exist or is not visible to the key \
         (`not_found`).",
    ),
    (
        "Conflict",
        409,
        "The change collides with stored data: a name taken or a reference in use \
         (`conflict`, `field` names it), the site's last password administrator \
         (`last_password_admin`), or for a sync `ldap_not_configured` or `sync_running`.",
    ),
    ("PayloadTooLarge", 413, "The body is larger than 2 MiB (`invalid_body`)."),
    ("UnsupportedMediaType", 415, "The body is not `application/json` (`unsupported_media_type`)."),
    ("Internal", 500, "The server failed; the detail is in its log (`internal`)."),
];

/// A response whose body is the error schema.
fn error_answer(description: &str) -> Answer {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(crate::error::ErrorBody::name())))
                .build(),
        )
        .build()
}

/// Adds the named error response to `responses` under its status.
fn add(responses: &mut Responses, name: &str) {
    if let Some((_, status, _)) = ERRORS.iter().find(|(n, _, _)| *n == name) {
        responses.responses.insert(status.to_string(), RefOr::Ref(Ref::from_response_name(name)));
    }
}

/// The named error responses as a map, for [`IntoResponses`].
fn refs(names: &[&str]) -> BTreeMap<String, RefOr<Answer>> {
    let mut responses = Responses::new();
    for name in names {
        add(&mut responses, name);
    }
    responses.responses
}

/// Error responses a handler's attribute names where they apply (`401` and
/// `500` are added to every operation). Empty enums: they only name
/// responses in `#[utoipa::path(responses(...))]`.
pub(crate) enum BadRequest {}
/// The rejections of a JSON body: `400`, `413` and `415`.
pub(crate) enum BadBody {}
pub(crate) enum Forbidden {}
pub(crate) enum NotFound {}
pub(crate) enum Conflict {}

impl IntoResponses for BadRequest {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refs(&["BadRequest"])
    }
}

impl IntoResponses for BadBody {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refs(&["BadRequest", "PayloadTooLarge", "UnsupportedMediaType"])
    }
}

impl IntoResponses for Forbidden {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refs(&["Forbidden"])
    }
}

impl IntoResponses for NotFound {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refs(&["NotFound"])
    }
}

impl IntoResponses for Conflict {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refs(&["Conflict"])
    }
}
