//! Set-up links opened in a browser: `GET /setup/{secret}` checks the link,
//! exchanges its secret for a cookie and redirects to `/setup`, so that
//! the secret leaves the address bar (and the history, and any Referer);
//! the set-up pages under `/setup` find the link again in the cookie and
//! check it on every request ([`setup_link`]), so that a revocation, an
//! expiry or the provider's deletion ends the session at once.
//!
//! The cookie holds the link's secret: HttpOnly (no script reads it),
//! SameSite=Lax (no cross-site form post carries it), Path=/setup (no
//! other page of roster receives it), Secure when roster is reached over
//! https, and never outliving the link.

mod page;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, COOKIE, LOCATION, REFERRER_POLICY, SET_COOKIE,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use roster_app::App;
use roster_app::admin::{AdminError, OpenedSetupLink, SETUP_PATH};
use roster_domain::history::Interface;

use crate::ApiError;

/// The cookie that carries an opened link's secret.
const COOKIE_NAME: &str = "roster_setup";

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/setup", get(home))
        .route("/setup/saml", post(change_saml))
        .route("/setup/scim", post(change_scim))
        .route("/setup/{secret}", get(open))
}

/// What the request log shows of a path: a set-up link's secret is a
/// credential, so `/setup/{secret}` is logged without it.
pub(crate) fn logged_path(path: &str) -> &str {
    match path.strip_prefix(SETUP_PATH) {
        Some(rest) if rest.len() > 1 && rest.starts_with('/') => "/setup/(secret)",
        Some(_) | None => path,
    }
}

/// The set-up link of the request's cookie, checked now.
pub(crate) async fn setup_link(
    app: &App,
    headers: &HeaderMap,
) -> Result<OpenedSetupLink, ApiError> {
    let secret = cookie_secret(headers).ok_or_else(invalid)?;
    app.admin().check_setup_link(secret).await.map_err(|err| match err {
        AdminError::NotFound { .. } => invalid(),
        other => ApiError::from(other),
    })
}

/// The one answer for a link that cannot be used, whatever the reason, so
/// that nobody learns which secrets once existed.
fn invalid() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "this set-up link is invalid, has expired or was revoked; ask whoever sent it for a new one",
    )
}

/// `GET /setup/{secret}`: the link opened, its secret moved into the
/// cookie, and a redirect to `/setup`.
async fn open(State(app): State<App>, Path(secret): Path<String>) -> Response {
    // Opening is recorded as done through the web.
    let opened = match app.via(Interface::Web).admin().open_setup_link(&secret).await {
        Ok(opened) => opened,
        Err(AdminError::NotFound { .. }) => return refused(),
        Err(err) => return private(ApiError::from(err).into_page()),
    };
    let secure = app.config().public_url.as_deref().is_some_and(|url| url.starts_with("https://"));
    let cookie = cookie(&secret, opened.remaining.as_secs(), secure);
    // The secret was found, so it holds only the characters a cookie may.
    let Ok(cookie) = HeaderValue::from_str(&cookie) else { return refused() };
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(LOCATION, HeaderValue::from_static(SETUP_PATH));
    response.headers_mut().insert(SET_COOKIE, cookie);
    private(response)
}

/// The cookie of an opened link, living no longer than the link.
fn cookie(secret: &str, remaining_seconds: i64, secure: bool) -> String {
    let max_age = remaining_seconds.max(0);
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={secret}; Path={SETUP_PATH}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )
}

/// `GET /setup`: the set-up session's page.
async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    match setup_link(&app, &headers).await {
        Ok(opened) => {
            let token = form_token(&headers);
            page::show(&app, &opened, token, Ok(None), page::NewCredential::default()).await
        }
        Err(err) => refused_or(err),
    }
}

async fn change_saml(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    change(&app, &headers, "saml", body).await
}

async fn change_scim(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    change(&app, &headers, "scim", body).await
}

/// A set-up form posted: the link checked again, then the form's token.
async fn change(app: &App, headers: &HeaderMap, part: &str, body: Body) -> Response {
    match setup_link(app, headers).await {
        Ok(opened) => page::change(app, &opened, form_token(headers), part, body).await,
        Err(err) => refused_or(err),
    }
}

/// The form token of the link's session: bound to its secret as the
/// console's is to a session's, so another site cannot post a form.
fn form_token(headers: &HeaderMap) -> String {
    roster_app::sso::form_token(cookie_secret(headers).unwrap_or_default())
}

fn refused_or(err: ApiError) -> Response {
    if err.status == StatusCode::NOT_FOUND { refused() } else { private(err.into_page()) }
}

/// The page for a link that cannot be used; it also drops the cookie.
fn refused() -> Response {
    let mut response = invalid().into_page();
    let cleared = format!("{COOKIE_NAME}=; Path={SETUP_PATH}; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&cleared) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    private(response)
}

/// Pages of a set-up session are never cached nor leak their address.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    response
}

/// The link's secret among the request's `Cookie` headers.
fn cookie_secret(headers: &HeaderMap) -> Option<&str> {
    let prefix = format!("{COOKIE_NAME}=");
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(prefix.as_str()))
        .filter(|secret| !secret.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_read_from_its_cookie_and_never_logged() {
        let mut headers = HeaderMap::new();
        headers
            .append(COOKIE, HeaderValue::from_static("theme=dark; roster_setup=roster_setup_ab"));
        assert_eq!(cookie_secret(&headers), Some("roster_setup_ab"));
        let mut other = HeaderMap::new();
        other.append(COOKIE, HeaderValue::from_static("roster_setup_old=x; roster_setup="));
        assert_eq!(cookie_secret(&other), None);
        assert_eq!(cookie_secret(&HeaderMap::new()), None);
        assert_eq!(logged_path("/setup/roster_setup_ab12"), "/setup/(secret)");
        assert_eq!(logged_path("/setup"), "/setup");
        assert_eq!(logged_path("/setup/"), "/setup/");
        assert_eq!(logged_path("/setupx/y"), "/setupx/y");
        assert_eq!(logged_path("/api/admin/sites"), "/api/admin/sites");
    }

    #[test]
    fn the_cookie_is_confined_and_short_lived() {
        let over_https = cookie("roster_setup_ab", 3600, true);
        assert_eq!(
            over_https,
            "roster_setup=roster_setup_ab; Path=/setup; HttpOnly; SameSite=Lax; Max-Age=3600; \
             Secure"
        );
        assert!(!cookie("s", 60, false).contains("Secure"));
        assert!(cookie("s", -5, false).contains("Max-Age=0"));
    }
}
