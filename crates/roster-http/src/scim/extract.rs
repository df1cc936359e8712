//! Extractors of the SCIM API: the provider's credential, the base URL of
//! its resources, and request bodies; every rejection is a SCIM error.

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use axum::http::request::Parts;
use base64::Engine;
use roster_app::App;
use roster_app::scim::mapping::BaseUrl;
use roster_app::scim::{AuthRefusal, ScimCredential, ScimFailure, ScimScope};
use roster_domain::ScimRefusal;
use roster_scim::{ScimError, ScimStatus, ServerLimits};
use serde_json::Value;

use super::ScimErrorReply;
use crate::body::{BODY_LIMIT, BodyError, read_limited};
use crate::scim_log::{AuthNote, Identified};

/// The authenticated SCIM client and where its resources live.
pub(crate) struct ScimClient {
    pub scope: ScimScope,
    pub base: BaseUrl,
}

fn credential(value: &str) -> Option<(String, Option<String>)> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some((rest.to_owned(), None));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest).ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (username, password) = decoded.split_once(':')?;
        return Some((password.to_owned(), Some(username.to_owned())));
    }
    None
}

/// The provider whose credential an `Authorization` header value carries.
pub(crate) async fn authenticate(
    app: &App,
    header: Option<&str>,
) -> Result<ScimScope, ScimFailure> {
    let Some((secret, username)) = header.and_then(credential) else {
        return Err(ScimFailure::Unauthenticated(AuthRefusal::anonymous(
            ScimRefusal::NoCredential,
        )));
    };
    let presented = match &username {
        None => ScimCredential::Bearer(&secret),
        Some(username) => ScimCredential::Basic { username, password: &secret },
    };
    app.scim().authenticate(presented).await
}

/// `https://host/api/scim` as the client reached it, unless the operator
/// configured a public URL.
fn base_url(parts: &Parts, app: &App) -> BaseUrl {
    if let Some(public) = app.config().public_url.as_deref() {
        return BaseUrl(format!("{}/api/scim", public.trim_end_matches('/')));
    }
    let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    BaseUrl(format!("{scheme}://{host}/api/scim"))
}

impl FromRequestParts<App> for ScimClient {
    type Rejection = ScimErrorReply;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ScimErrorReply> {
        let header = parts.headers.get(AUTHORIZATION).and_then(|value| value.to_str().ok());
        let authenticated = authenticate(app, header).await;
        if let Some(identified) = Identified::of(&authenticated) {
            AuthNote::leave(parts, identified);
        }
        Ok(Self { scope: authenticated?, base: base_url(parts, app) })
    }
}

/// The id in a resource's URL (`/Users/{id}`, `/Schemas/{id}`), percent-decoded.
pub(crate) struct ResourceId(pub String);

impl FromRequestParts<App> for ResourceId {
    type Rejection = ScimErrorReply;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ScimErrorReply> {
        // The routes capture exactly one string, so the only way to fail is
        // an id that decodes to bytes that are not UTF-8 (`/Users/%FF`):
        // no resource has such an id. axum's own answer would be plain text.
        Path::<String>::from_request_parts(parts, app).await.map(|Path(id)| Self(id)).map_err(
            |rejection| {
                ScimErrorReply(ScimError::not_found(format!(
                    "no resource has the id in this URL: {}",
                    rejection.body_text()
                )))
            },
        )
    }
}

/// The query parameters and precondition headers of a request.
pub(crate) struct ScimContext {
    pub params: Vec<(String, String)>,
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
}

impl FromRequestParts<App> for ScimContext {
    type Rejection = ScimErrorReply;

    async fn from_request_parts(parts: &mut Parts, _app: &App) -> Result<Self, ScimErrorReply> {
        let params = match parts.uri.query() {
            None => Vec::new(),
            Some(query) => {
                serde_urlencoded::from_str::<Vec<(String, String)>>(query).map_err(|err| {
                    ScimErrorReply(ScimError::invalid_syntax(format!(
                        "the query string is malformed: {err}"
                    )))
                })?
            }
        };
        let header = |name: &str| -> Result<Option<String>, ScimErrorReply> {
            match parts.headers.get(name) {
                None => Ok(None),
                Some(value) => value.to_str().map(|v| Some(v.to_owned())).map_err(|_| {
                    ScimErrorReply(ScimError::invalid_syntax(format!(
                        "the {name} header is not text"
                    )))
                }),
            }
        };
        Ok(Self { params, if_match: header("if-match")?, if_none_match: header("if-none-match")? })
    }
}

/// A JSON body sent as `application/scim+json` or `application/json`.
pub(crate) struct ScimBody(pub Value);

impl FromRequest<App> for ScimBody {
    type Rejection = ScimErrorReply;

    async fn from_request(request: Request, _app: &App) -> Result<Self, ScimErrorReply> {
        let content_type =
            request.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(
                |value| value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase(),
            );
        if let Some(content_type) = content_type
            && content_type != "application/scim+json"
            && content_type != "application/json"
        {
            return Err(ScimErrorReply(ScimError::new(
                ScimStatus::UnsupportedMediaType,
                None,
                format!("send the body as application/scim+json, not {content_type}"),
            )));
        }
        let limit = if request.uri().path().ends_with("/Bulk") {
            ServerLimits::ROSTER.bulk_max_payload_size
        } else {
            BODY_LIMIT
        };
        let bytes = read_limited(request.into_body(), limit).await.map_err(|err| {
            ScimErrorReply(match err {
                BodyError::TooLarge => ScimError::new(
                    ScimStatus::PayloadTooLarge,
                    None,
                    "the request body is larger than this endpoint accepts (for /Bulk, \
                     maxPayloadSize in /ServiceProviderConfig)",
                ),
                BodyError::Unreadable(why) => {
                    ScimError::invalid_syntax(format!("the body could not be read: {why}"))
                }
            })
        })?;
        serde_json::from_slice(&bytes).map(Self).map_err(|err| {
            ScimErrorReply(ScimError::invalid_syntax(format!("the body is not valid JSON: {err}")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials() {
        assert_eq!(credential("Bearer abc"), Some(("abc".into(), None)));
        assert_eq!(credential("bearer  abc "), Some(("abc".into(), None)));
        // "user:pa:ss" in base64: passwords may contain colons.
        assert_eq!(
            credential("Basic dXNlcjpwYTpzcw=="),
            Some(("pa:ss".into(), Some("user".into())))
        );
        assert_eq!(credential("Basic !!!"), None);
        assert_eq!(credential("Digest x"), None);
        assert_eq!(credential("Bearer"), None);
    }
}
