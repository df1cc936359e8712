//! A panic in a handler becomes a logged `500` with the usual error body,
//! never a dropped connection (issue 16, SPEC §8: bad input never crashes
//! the server). Panics are bugs (STYLE rule 3 forbids them outside tests);
//! this layer is the net under them: the request fails, the server and the
//! connection carry on, and the log says where.
//!
//! A handler's transaction is dropped while the panic unwinds, so nothing
//! it wrote is committed.

use std::any::Any;

use axum::Router;
use axum::response::{IntoResponse, Response};
use roster_scim::{ScimError, ScimStatus};
use tower_http::catch_panic::CatchPanicLayer;

use crate::ApiError;
use crate::scim::ScimErrorReply;

type Handler = fn(Box<dyn Any + Send + 'static>) -> Response;

/// What the panic said, for the log.
fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

fn api(payload: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!(panic = message(&*payload), "a request handler panicked");
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error; see the server log",
    )
    .into_response()
}

fn scim(payload: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!(panic = message(&*payload), "a SCIM request handler panicked");
    ScimErrorReply(ScimError::new(
        ScimStatus::InternalServerError,
        None,
        "internal error; see the server log",
    ))
    .into_response()
}

/// The net for every route: a JSON error body.
pub(crate) fn catch_panics() -> CatchPanicLayer<Handler> {
    CatchPanicLayer::custom(api as Handler)
}

/// The net for `/api/scim`: a SCIM error body (RFC 7644 §3.12).
pub(crate) fn catch_scim_panics() -> CatchPanicLayer<Handler> {
    CatchPanicLayer::custom(scim as Handler)
}

/// With the `test-support` feature (tests only), `GET path`: a handler
/// that panics, so that the tests can show over a real connection that the
/// panic is logged with the request's id and the connection serves on.
/// Without it, no route.
pub(crate) fn test_route<S: Clone + Send + Sync + 'static>(path: &str) -> Router<S> {
    #[cfg(feature = "test-support")]
    {
        #[allow(clippy::panic, reason = "the route exists to panic, for the tests of this net")]
        async fn panics() -> &'static str {
            panic!("the test-only panic route panicked, as asked")
        }
        Router::new().route(path, axum::routing::get(panics))
    }
    #[cfg(not(feature = "test-support"))]
    {
        let _ = path;
        Router::new()
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn answer(router: Router, path: &str) -> (StatusCode, serde_json::Value) {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_an_error_body() {
        async fn boom() -> &'static str {
            panic!("boom at byte {}", 7)
        }
        let scim = Router::new().route("/Users", get(boom)).layer(catch_scim_panics());
        let router = Router::new()
            .route("/api/admin/x", get(boom))
            .nest("/api/scim", scim)
            .layer(catch_panics());
        let (status, body) = answer(router.clone(), "/api/admin/x").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"], "internal", "{body}");
        let (status, body) = answer(router, "/api/scim/Users").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["status"], "500", "{body}");
        assert_eq!(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error", "{body}");
        assert!(!body.to_string().contains("boom"), "no detail leaks: {body}");
    }
}
