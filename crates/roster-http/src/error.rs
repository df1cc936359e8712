//! Every error the HTTP layer returns, as JSON:
//! `{"error": "<code>", "message": "...", "field": "..."}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use roster_app::AppError;
use roster_domain::ManualChangeRefused;
use serde::Serialize;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) field: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
        }
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Invalid { field, message } => Self::invalid(field, message),
            AppError::NotFound { what } => {
                Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
            }
            AppError::Conflict { field, message } => {
                Self { field: Some(field), ..Self::new(StatusCode::CONFLICT, "conflict", message) }
            }
            AppError::Refused(refusal) => {
                let message = refusal.to_string();
                match refusal {
                    ManualChangeRefused::UsersLocked | ManualChangeRefused::GroupsLocked => {
                        Self::new(StatusCode::FORBIDDEN, "manual_changes_disabled", message)
                    }
                    ManualChangeRefused::LastPasswordAdmin => {
                        Self::new(StatusCode::CONFLICT, "last_password_admin", message)
                    }
                }
            }
            AppError::Forbidden(message) => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            AppError::Unauthorized => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send a valid admin key as `Authorization: Bearer <key>`",
            ),
            AppError::Internal(source) => {
                // STYLE rule 3: a 5xx logs the detail and returns a generic
                // message.
                tracing::error!(error = %source, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body { error: self.code, message: &self.message, field: self.field.as_deref() };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"roster admin\""),
            );
        }
        response
    }
}

/// The answer for paths that do not exist.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// The answer for a known path with a method it does not support.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not support that method",
    )
}
