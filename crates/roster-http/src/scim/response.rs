//! SCIM responses: `application/scim+json` bodies, `ETag` and `Location`
//! headers, and error bodies.

use axum::http::header::{CONTENT_TYPE, ETAG, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use roster_app::InternalError;
use roster_app::scim::ScimFailure;
use roster_scim::{ScimError, ScimStatus};
use serde_json::Value;

pub(crate) const SCIM_JSON: &str = "application/scim+json";

/// A successful SCIM answer.
pub(crate) struct ScimReply {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub etag: Option<String>,
    pub location: Option<String>,
}

impl ScimReply {
    pub fn ok(body: Value) -> Self {
        Self { status: StatusCode::OK, body: Some(body), etag: None, location: None }
    }

    /// A resource: its `meta.version` becomes the `ETag`.
    pub fn resource(status: StatusCode, body: Value) -> Self {
        let etag = body.pointer("/meta/version").and_then(Value::as_str).map(str::to_owned);
        let location = (status == StatusCode::CREATED)
            .then(|| body.pointer("/meta/location").and_then(Value::as_str).map(str::to_owned))
            .flatten();
        Self { status, body: Some(body), etag, location }
    }

    pub fn empty(status: StatusCode) -> Self {
        Self { status, body: None, etag: None, location: None }
    }
}

impl From<roster_app::scim::ScimAnswer> for ScimReply {
    fn from(answer: roster_app::scim::ScimAnswer) -> Self {
        use roster_app::scim::ScimAnswer;
        match answer {
            ScimAnswer::Resource { created: true, body } => {
                Self::resource(StatusCode::CREATED, body)
            }
            ScimAnswer::Resource { created: false, body } => Self::resource(StatusCode::OK, body),
            ScimAnswer::List(body) => Self::ok(body),
            ScimAnswer::NoContent => Self::empty(StatusCode::NO_CONTENT),
            ScimAnswer::NotModified => Self::empty(StatusCode::NOT_MODIFIED),
        }
    }
}

fn header(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value).ok()
}

impl IntoResponse for ScimReply {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            Some(body) => (self.status, body.to_string()).into_response(),
            None => self.status.into_response(),
        };
        let headers = response.headers_mut();
        if response_has_body(self.status) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        }
        if let Some(etag) = self.etag.as_deref().and_then(header) {
            headers.insert(ETAG, etag);
        }
        if let Some(location) = self.location.as_deref().and_then(header) {
            headers.insert(LOCATION, location);
        }
        response
    }
}

fn response_has_body(status: StatusCode) -> bool {
    !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
}

/// A SCIM error answer.
pub(crate) struct ScimErrorReply(pub ScimError);

impl From<ScimError> for ScimErrorReply {
    fn from(err: ScimError) -> Self {
        Self(err)
    }
}

impl From<ScimFailure> for ScimErrorReply {
    fn from(failure: ScimFailure) -> Self {
        match failure {
            ScimFailure::Refused(err) => Self(err),
            // One answer whatever the reason (the log keeps it).
            ScimFailure::Unauthenticated(_) => Self(ScimError::new(
                ScimStatus::Unauthorized,
                None,
                "authentication failed: send the SCIM token of an SSO provider as \
                 `Authorization: Bearer <token>` (or its Basic username and password)",
            )),
            ScimFailure::Internal(source) => {
                // STYLE rule 3: a 5xx logs the detail and returns a generic
                // message.
                tracing::error!(error = %source, "SCIM request failed");
                Self(ScimError::new(
                    ScimStatus::InternalServerError,
                    None,
                    "internal error; see the server log",
                ))
            }
        }
    }
}

impl From<InternalError> for ScimErrorReply {
    fn from(err: InternalError) -> Self {
        ScimFailure::Internal(err).into()
    }
}

/// The HTTP status of a SCIM error.
fn status_code(status: ScimStatus) -> StatusCode {
    match status {
        ScimStatus::BadRequest => StatusCode::BAD_REQUEST,
        ScimStatus::Unauthorized => StatusCode::UNAUTHORIZED,
        ScimStatus::Forbidden => StatusCode::FORBIDDEN,
        ScimStatus::NotFound => StatusCode::NOT_FOUND,
        ScimStatus::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ScimStatus::Conflict => StatusCode::CONFLICT,
        ScimStatus::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        ScimStatus::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ScimStatus::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ScimStatus::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
        ScimStatus::NotImplemented => StatusCode::NOT_IMPLEMENTED,
    }
}

impl IntoResponse for ScimErrorReply {
    fn into_response(self) -> Response {
        let status = status_code(self.0.status);
        let mut response = (status, self.0.to_json().to_string()).into_response();
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                HeaderValue::from_static(
                    "Bearer realm=\"roster SCIM\", Basic realm=\"roster SCIM\"",
                ),
            );
        }
        response
    }
}

pub(crate) async fn no_such_endpoint() -> ScimErrorReply {
    ScimErrorReply(ScimError::not_found(
        "no such SCIM endpoint: use /Users, /Groups, /Bulk, /.search, /ServiceProviderConfig, \
         /ResourceTypes or /Schemas",
    ))
}

pub(crate) async fn method_not_allowed() -> ScimErrorReply {
    ScimErrorReply(ScimError::new(
        ScimStatus::MethodNotAllowed,
        None,
        "this SCIM endpoint does not support that method",
    ))
}
