//! Operators in the console: signed in with an operator admin key, they
//! see every site, create sites and open any site's console. Signing in
//! opens a console session (`Admin::open_operator_console`) whose secret,
//! never the key, is kept in a cookie only the console receives
//! (Path=/admin, HttpOnly, SameSite=Strict) and checked on every request:
//! signing out ends it, and so does revoking the key that opened it.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use roster_app::admin::views::SiteView;
use roster_app::admin::{OPERATOR_SESSION_LIFETIME, PageRequest, SiteInput};
use roster_app::sso::{ConsoleAccess, form_token};
use roster_app::{App, Principal};
use roster_domain::history::Interface;
use serde::Deserialize;

use super::forms::{self, filled};
use super::page::{error_page, outcome, render, secured};
use super::users::message;

const COOKIE_NAME: &str = "roster_operator";

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin", get(home).post(create_site))
        .route("/admin/_sign-in", post(sign_in))
        .route("/admin/_sign-out", post(sign_out))
}

/// The console session secret of the request's cookie, if it is an
/// operator's session now.
async fn operator_key(app: &App, headers: &HeaderMap) -> Option<String> {
    let secret = cookie(headers)?;
    app.admin().operator_console(&secret).await.ok().map(|()| secret)
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    let prefix = format!("{COOKIE_NAME}=");
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(prefix.as_str()).map(str::to_owned))
        .filter(|key| !key.is_empty())
}

/// A site's console for an operator, when the request carries a valid
/// operator key.
pub(super) async fn operator_access(
    app: &App,
    headers: &HeaderMap,
    site: &str,
) -> Option<Result<ConsoleAccess, Response>> {
    let key = operator_key(app, headers).await?;
    Some(match app.admin().get_site(&Principal::Operator, site).await {
        Ok(found) => Ok(ConsoleAccess {
            principal: Principal::Operator,
            site: found.slug,
            site_name: found.name,
            username: "operator".to_owned(),
            read_only: false,
            operator: true,
            form_token: form_token(&key),
        }),
        Err(err) => Err(error_page(err.into())),
    })
}

#[derive(Template)]
#[template(path = "console/operator_sign_in.html")]
struct SignInPage {
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "console/sites.html")]
struct SitesPage {
    form_token: String,
    sites: Vec<SiteView>,
    problem: Option<String>,
}

/// `/admin`: the sites, for an operator; the operator sign-in otherwise.
async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    match operator_key(&app, &headers).await {
        Some(key) => sites_page(&app, &key, None).await,
        None => render(StatusCode::OK, &SignInPage { problem: None }),
    }
}

async fn sites_page(app: &App, key: &str, problem: Option<(StatusCode, String)>) -> Response {
    let all = PageRequest { offset: None, limit: Some(PageRequest::MAX_LIMIT) };
    let sites = match app.admin().list_sites(&Principal::Operator, all).await {
        Ok(listed) => listed.items,
        Err(err) => return error_page(err.into()),
    };
    let (status, problem) = outcome(problem);
    render(status, &SitesPage { form_token: form_token(key), sites, problem })
}

#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    key: String,
}

/// The largest sign-in form read.
const SIGN_IN_LIMIT: usize = 4 * 1024;

async fn sign_in(State(app): State<App>, body: Body) -> Response {
    let form: KeyForm = match crate::body::read_limited(body, SIGN_IN_LIMIT)
        .await
        .ok()
        .and_then(|bytes| serde_urlencoded::from_bytes(&bytes).ok())
    {
        Some(form) => form,
        None => KeyForm { key: String::new() },
    };
    match app.admin().open_operator_console(form.key.trim()).await {
        Ok(secret) => {
            let secure = if crate::sso::secure(&app) { "; Secure" } else { "" };
            let max_age = OPERATOR_SESSION_LIFETIME.as_secs();
            let cookie = format!(
                "{COOKIE_NAME}={}; Path=/admin; HttpOnly; SameSite=Strict; \
                 Max-Age={max_age}{secure}",
                secret.expose()
            );
            redirect_with_cookie(&cookie)
        }
        // A site key or a wrong key: the same words, and no cookie.
        _ => render(
            StatusCode::FORBIDDEN,
            &SignInPage {
                problem: Some(
                    "that is not an operator key; site administrators sign in at their site's \
                     sign-in page"
                        .to_owned(),
                ),
            },
        ),
    }
}

fn redirect_with_cookie(cookie: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(LOCATION, HeaderValue::from_static("/admin"));
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    secured(response)
}

async fn sign_out(State(app): State<App>, headers: HeaderMap) -> Response {
    // The cookie goes whatever happens: a session the database could not
    // end now still ends at its expiry.
    if let Some(secret) = cookie(&headers)
        && let Err(err) = app.admin().close_operator_console(&secret).await
    {
        tracing::warn!(error = %err, "an operator's console session could not be ended");
    }
    redirect_with_cookie(&format!(
        "{COOKIE_NAME}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0"
    ))
}

#[derive(Deserialize)]
struct SiteForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: Option<String>,
}

async fn create_site(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    let app = app.via(Interface::Web);
    let Some(key) = operator_key(&app, &headers).await else {
        return render(StatusCode::FORBIDDEN, &SignInPage { problem: None });
    };
    let form: SiteForm = match forms::read(&form_token(&key), body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let input = SiteInput {
        slug: form.slug.trim().to_owned(),
        name: filled(form.name),
        allow_manual_users: None,
        allow_manual_groups: None,
        two_factor: None,
        application_url: None,
        scim_log_retention_days: None,
        history_retention_days: None,
    };
    match app.admin().create_site(&Principal::Operator, input).await {
        Ok(site) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&format!("/admin/{}", site.slug)) {
                response.headers_mut().insert(LOCATION, location);
            }
            secured(response)
        }
        Err(err) => sites_page(&app, &key, Some(message(err))).await,
    }
}
