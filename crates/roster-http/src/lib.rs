//! The HTTP face of roster: axum routers for the admin API, the SCIM 2.0
//! service, health checks and metrics, with request ids and tracing. SAML sign-in
//! (`/saml`, `/login`) and the console (`/admin`) join them as routers of
//! their own.
//!
//! Handlers are thin: an extractor authenticates and parses, one
//! `roster-app` call does the work, and [`error::ApiError`] maps the result
//! with an exhaustive `match`. Every failure is a JSON body (a SCIM error
//! body under `/api/scim`), or an HTML page for a browser; client mistakes
//! never produce a 5xx.

mod admin;
mod body;
mod console;
mod error;
mod extract;
mod health;
mod metrics;
mod openapi;
mod panic;
mod scim;
mod scim_log;
mod setup;
mod sso;
mod sync;

use std::future::Future;

use axum::Router;
use axum::http::{HeaderName, Request};
use roster_app::App;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::ApiError;
pub use metrics::{Metrics, serve_metrics};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    Router::new()
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(openapi::admin_router())
        .nest(
            scim_log::MOUNT,
            // The measuring layer inside the log's: it reads the client's
            // kind from the note before the log takes it, and its timing
            // leaves out the log's copy of the answer.
            scim::routes()
                .layer(axum::middleware::from_fn(metrics::measure_scim))
                .layer(axum::middleware::from_fn_with_state(app.clone(), scim_log::capture)),
        )
        .merge(sso::routes())
        .merge(console::routes())
        .merge(setup::routes())
        .merge(panic::test_route("/api/test/panic"))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(app)
        .layer(panic::catch_panics())
        // Outside the panic net, so that a panicking handler's request is
        // drained too.
        .layer(axum::middleware::from_fn(body::drain_unread))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or("-");
                    let path = setup::logged_path(request.uri().path());
                    tracing::info_span!("request", method = %request.method(), path = %path, request_id = %id)
                })
                // One line per request at the default level, with its status
                // and latency, inside the span that names the request id.
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Rewritten before routing: a layer on the router would run after it.
    let service = tower::Layer::layer(
        &tower::util::MapRequestLayer::new(scim::canonical_endpoint),
        router(app),
    );
    axum::serve(listener, axum::ServiceExt::into_make_service(service))
        .with_graceful_shutdown(shutdown)
        .await
}
