//! Every error the HTTP layer returns: for API clients as JSON,
//! `{"error": "<code>", "message": "...", "field": "..."}`; for people in a
//! browser (the sign-in pages and the console) as an HTML page saying the
//! same. One mapping from the use cases' errors serves both.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, Uri};
use axum::response::Html;
use axum::response::{IntoResponse, Response};
use roster_app::InternalError;
use roster_app::admin::AdminError;
use roster_app::sso::SsoError;
use roster_app::sync::SyncError;
use roster_domain::ManualChangeRefused;
use serde::Serialize;
use utoipa::ToSchema;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) field: Option<String>,
}

/// The JSON body of every error of the admin API (its schema in the
/// OpenAPI document).
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody<'a> {
    /// What went wrong, as a stable code for programs: `invalid_request`,
    /// `invalid_json`, `invalid_body`, `unsupported_media_type`,
    /// `unauthorized`, `forbidden`, `manual_changes_disabled`, `not_found`,
    /// `method_not_allowed`, `conflict`, `last_password_admin`,
    /// `ldap_not_configured`, `sync_running`, `internal`.
    #[schema(examples("not_found"))]
    error: &'a str,
    /// What went wrong, in words for a person.
    message: &'a str,
    /// The request value the error is about, when there is one: a body
    /// field as the request spelled it (`provisioning.only_groups`),
    /// `body`, `query` or `path`.
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

impl From<AdminError> for ApiError {
    fn from(err: AdminError) -> Self {
        match err {
            AdminError::Invalid { field, message } => Self::invalid(field, message),
            AdminError::NotFound { what } => {
                Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
            }
            AdminError::Conflict { field, message } => {
                Self { field: Some(field), ..Self::new(StatusCode::CONFLICT, "conflict", message) }
            }
            AdminError::Refused(refusal) => {
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
            AdminError::Forbidden(message) => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            AdminError::Unauthorized => Self::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send a valid admin key as `Authorization: Bearer <key>`",
            ),
            AdminError::Internal(source) => source.into(),
        }
    }
}

impl From<SsoError> for ApiError {
    fn from(err: SsoError) -> Self {
        let message = err.to_string();
        match err {
            SsoError::Unavailable(_) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "sign_in_unavailable", message)
            }
            SsoError::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, "not_found", message),
            SsoError::Refused(reason) => {
                // What was wrong is for administrators (an IdP
                // misconfiguration, or an attack), in the log: told to the
                // sender, it would be an oracle for probing the checks.
                tracing::warn!(reason = ?reason.to_string(), "a SAML message was refused");
                Self::new(
                    StatusCode::FORBIDDEN,
                    "sign_in_refused",
                    "the identity provider's response was refused; the reason is in roster's \
                     log, under this request's x-request-id",
                )
            }
            SsoError::Unsolicited
            | SsoError::UnknownIssuer
            | SsoError::AmbiguousIssuer
            | SsoError::UnknownLogoutIssuer => {
                Self::new(StatusCode::FORBIDDEN, "sign_in_refused", message)
            }
            SsoError::UserRefused(reason) => {
                tracing::warn!(reason = ?reason.to_string(), "a sign-in was refused");
                Self::new(StatusCode::FORBIDDEN, "sign_in_refused", message)
            }
            SsoError::WrongPassword => Self::new(StatusCode::FORBIDDEN, "sign_in_refused", message),
            SsoError::Throttled => Self::new(StatusCode::TOO_MANY_REQUESTS, "throttled", message),
            // The sign-in page asks again (see `sso::code_page`); as JSON,
            // a refusal.
            SsoError::WrongCode(_) => Self::new(StatusCode::FORBIDDEN, "wrong_code", message),
            SsoError::SignInEnded => Self::new(StatusCode::FORBIDDEN, "sign_in_ended", message),
            SsoError::Unauthenticated => {
                Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first")
            }
            SsoError::NotAdministrator => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            SsoError::Internal(source) => source.into(),
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(err: SyncError) -> Self {
        let message = err.to_string();
        match err {
            SyncError::NotFound { .. } => Self::new(StatusCode::NOT_FOUND, "not_found", message),
            SyncError::NotConfigured(_) => {
                Self::new(StatusCode::CONFLICT, "ldap_not_configured", message)
            }
            SyncError::Busy => Self::new(StatusCode::CONFLICT, "sync_running", message),
            SyncError::ReadOnly => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            SyncError::Internal(source) => source.into(),
        }
    }
}

impl From<InternalError> for ApiError {
    fn from(source: InternalError) -> Self {
        // STYLE rule 3: a 5xx logs the detail and returns a generic message.
        tracing::error!(error = %source, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: self.code, message: &self.message, field: self.field.as_deref() };
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

impl ApiError {
    /// The error as a page for a person in a browser: the status, the
    /// message and the field it concerns, escaped.
    pub fn into_page(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let field = self
            .field
            .as_deref()
            .map(|field| {
                format!("<p class=\"field\">About: <code>{}</code></p>", escape_html(field))
            })
            .unwrap_or_default();
        let page = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{status} {title} · roster</title></head>\
             <body><main><h1>{title}</h1><p>{message}</p>{field}</main></body></html>\n",
            status = self.status.as_u16(),
            title = escape_html(title),
            message = escape_html(&self.message),
        );
        (self.status, Html(page)).into_response()
    }
}

/// Text made safe to place in HTML content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The answer for paths that do not exist: a page for a browser (which
/// asks for `text/html`) outside the APIs, JSON for everyone else. Under
/// `/api` the answer is always JSON: API clients parse it.
pub(crate) async fn not_found(uri: Uri, headers: HeaderMap) -> Response {
    let err = ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint");
    let api = uri.path() == "/api" || uri.path().starts_with("/api/");
    if !api && wants_html(&headers) { err.into_page() } else { err.into_response() }
}

/// Whether the client prefers a page (RFC 9110 §12.5.1): `Accept` gives
/// `text/html` a weight above zero and at least that of
/// `application/json`. Browsers send `text/html` first; API clients send
/// `application/json`, `*/*` or nothing.
fn wants_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(ACCEPT).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let weight = |wanted: &str| {
        accept
            .split(',')
            .filter_map(|item| {
                let mut parts = item.split(';').map(str::trim);
                let media = parts.next()?;
                media.eq_ignore_ascii_case(wanted).then(|| {
                    parts
                        .filter_map(|param| param.strip_prefix("q="))
                        .find_map(|q| q.parse::<f32>().ok())
                        .unwrap_or(1.0)
                })
            })
            .fold(None, |best: Option<f32>, q| Some(best.map_or(q, |b| b.max(q))))
    };
    match (weight("text/html"), weight("application/json")) {
        (Some(html), Some(json)) => html > 0.0 && html >= json,
        (Some(html), None) => html > 0.0,
        (None, Some(_) | None) => false,
    }
}

/// The answer for a known path with a method it does not support.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not support that method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_page_says_what_the_json_says_and_escapes_it() {
        let err = ApiError::invalid("name<x>", "\"<script>alert(1)</script>\" & more");
        let page = err.into_page();
        assert_eq!(page.status(), StatusCode::BAD_REQUEST);
        assert!(
            page.headers()[axum::http::header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = body_text(page).await;
        assert!(html.contains("<h1>Bad Request</h1>"), "{html}");
        assert!(
            html.contains("&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &amp; more"),
            "{html}"
        );
        assert!(html.contains("<code>name&lt;x&gt;</code>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }

    #[tokio::test]
    async fn internal_errors_show_no_detail_on_a_page() {
        let detail = InternalError::Corrupt { what: "a column", detail: "secret detail".into() };
        let html = body_text(ApiError::from(detail).into_page()).await;
        assert!(html.contains("Internal Server Error"), "{html}");
        assert!(!html.contains("secret detail"), "{html}");
    }

    #[test]
    fn browsers_get_pages_and_api_clients_json() {
        let accept = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, value.parse().unwrap());
            wants_html(&headers)
        };
        assert!(accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
        assert!(accept("application/json;q=0.5, TEXT/HTML"));
        assert!(!accept("application/json"));
        assert!(!accept("*/*"));
        assert!(!accept("text/html;q=0"));
        assert!(!accept("application/json, text/html;q=0.1"));
        assert!(!wants_html(&HeaderMap::new()));
    }
}
