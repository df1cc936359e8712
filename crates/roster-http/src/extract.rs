//! Extractors that authenticate and parse, and turn every rejection into a
//! JSON [`ApiError`] that says what was wrong.

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use roster_app::{App, Principal};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::ApiError;
use crate::body::{BODY_LIMIT, BodyError, read_limited};

/// The caller of the admin API, from `Authorization: Bearer <admin key>`.
pub(crate) struct Admin(pub Principal);

impl FromRequestParts<App> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, key) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
            })
            .ok_or(roster_app::admin::AdminError::Unauthorized)?;
        Ok(Self(app.admin().authenticate_admin(key).await?))
    }
}

/// A JSON body parsed into `T`; errors name the offending field.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _app: &App) -> Result<Self, ApiError> {
        let content_type =
            request.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(
                |value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase(),
            );
        if let Some(content_type) = content_type
            && content_type != "application/json"
        {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("send the body as application/json, not {content_type}"),
            ));
        }
        let bytes =
            read_limited(request.into_body(), BODY_LIMIT).await.map_err(|err| match err {
                BodyError::TooLarge => ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_body",
                    "the request body is larger than 2 MiB",
                ),
                BodyError::Unreadable(why) => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    format!("the body could not be read: {why}"),
                ),
            })?;
        parse_json(&bytes).map(Self)
    }
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde's derived structs also accept an array, reading fields by
    // position; every body of this API is an object, so refuse anything else.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(_) => ApiError::invalid("body", "must be a JSON object"),
            Err(err) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("the body is not valid JSON: {err}"),
            ),
        });
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("the body is not valid JSON: {inner}"),
            )
        } else if path == "." {
            ApiError::invalid("body", inner.to_string())
        } else {
            ApiError::invalid(path, inner.to_string())
        }
    })?;
    // Anything after the object (a second document, stray text) is an error.
    deserializer.end().map_err(|err| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not valid JSON: {err}"),
        )
    })?;
    Ok(value)
}

/// Query-string parameters; errors say which parameter was bad.
pub(crate) struct Params<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<App> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, app).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::invalid("query", rejection.body_text())),
        }
    }
}

/// Path segments.
pub(crate) struct Segments<T>(pub T);

/// `{site}`, the path's segments as the routes name them; also the
/// parameters the OpenAPI document shows, so that the two cannot differ.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct InSite {
    /// The site's slug.
    pub site: String,
}

/// `{site}/.../{id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct SiteItem {
    /// The site's slug.
    pub site: String,
    /// The id of what the path names in the site (a user, a group, a
    /// provider, ...).
    pub id: String,
}

/// `{site}/groups/{id}/members/{user}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct SiteMember {
    /// The site's slug.
    pub site: String,
    /// The group's id.
    pub id: String,
    /// The member's user id.
    pub user: String,
}

/// `{id}` outside a site.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct Item {
    /// The id.
    pub id: String,
}

impl<T: DeserializeOwned + Send> FromRequestParts<App> for Segments<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, app).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::invalid("path", rejection.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        port: u16,
    }

    fn field_of(body: &str) -> (StatusCode, Option<String>, String) {
        let err = parse_json::<Sample>(body.as_bytes()).unwrap_err();
        (err.status, err.field, err.message)
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(field_of(r#"{"name": 1}"#).1.as_deref(), Some("name"));
        assert_eq!(
            field_of(r#"{"name": "a", "inner": {"port": 70000}}"#).1.as_deref(),
            Some("inner.port")
        );
        let (status, field, message) = field_of(r#"{"name": "a", "nmae": "b"}"#);
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(field.as_deref(), Some("nmae"));
        assert!(message.contains("unknown field"), "{message}");
        let (status, field, _) = field_of(r#"{"name": "#);
        assert_eq!((status, field), (StatusCode::BAD_REQUEST, None));
        assert_eq!(field_of("{}").1.as_deref(), Some("body"));
        assert_eq!(
            field_of(r#"["a"]"#),
            (StatusCode::BAD_REQUEST, Some("body".into()), "must be a JSON object".into())
        );
        assert_eq!(field_of("").0, StatusCode::BAD_REQUEST);
        assert_eq!(field_of("  ").1, None);
        let (status, field, message) = field_of(r#"{"name": "a"} {"name": "b"}"#);
        assert_eq!((status, field), (StatusCode::BAD_REQUEST, None));
        assert!(message.contains("not valid JSON"), "{message}");
    }
}
