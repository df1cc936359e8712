//! What every console page shares: the layout (site, person, navigation,
//! form token), rendering a template into a response with the console's
//! security headers, refusals as pages, and the overview page.

use askama::Template;
use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use roster_app::App;
use roster_app::admin::PageRequest;
use roster_app::sso::ConsoleAccess;
use roster_domain::history::Interface;

use super::Console;
use crate::ApiError;

/// Scripts and styles only from roster's own files, no inline code, no
/// frames, forms only to roster: a page that someone manages to inject
/// markup into still cannot run script or send a form elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's sections, for the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Overview,
    Users,
    Groups,
    Providers,
    Logs,
    Settings,
}

impl Section {
    fn name(self) -> &'static str {
        match self {
            Self::Overview => "overview",
            Self::Users => "users",
            Self::Groups => "groups",
            Self::Providers => "providers",
            Self::Logs => "logs",
            Self::Settings => "settings",
        }
    }
}

/// What the layout around every page shows.
pub(crate) struct Layout {
    pub site: String,
    pub site_name: String,
    pub username: String,
    pub read_only: bool,
    pub operator: bool,
    pub form_token: String,
    pub section: Section,
    pub title: String,
    /// A message about the last action (`?done=`), from a fixed list.
    pub notice: Option<&'static str>,
}

impl Layout {
    pub(crate) fn new(access: &ConsoleAccess, section: Section, title: impl Into<String>) -> Self {
        Self {
            site: access.site.clone(),
            site_name: access.site_name.clone(),
            username: access.username.clone(),
            read_only: access.read_only,
            operator: access.operator,
            form_token: access.form_token.clone(),
            section,
            title: title.into(),
            notice: None,
        }
    }

    pub(crate) fn with_notice(mut self, done: Option<&str>) -> Self {
        self.notice = done.and_then(notice);
        self
    }

    /// Whether the section named `name` is the one shown (for the
    /// navigation's marker).
    pub(crate) fn is(&self, name: &str) -> bool {
        self.section.name() == name
    }
}

/// The message for a `?done=` code: a fixed list, so the query cannot put
/// words of its own on a page.
fn notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "saved" => "Saved.",
        "created" => "Created.",
        "deleted" => "Deleted.",
        "enabled" => "The user is enabled.",
        "disabled" => "The user is disabled.",
        "password" => "The password is set.",
        "two-factor" => {
            "Two-factor authentication was reset; the user enrols again at the next sign-in."
        }
        "added" => "Added.",
        "removed" => "Removed.",
        _ => return None,
    })
}

/// A page's status and the refusal it shows, if any.
pub(crate) fn outcome(problem: Option<(StatusCode, String)>) -> (StatusCode, Option<String>) {
    match problem {
        Some((status, text)) => (status, Some(text)),
        None => (StatusCode::OK, None),
    }
}

/// A template as a page, with the console's headers.
pub(crate) fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => secured((status, Html(html)).into_response()),
        Err(err) => {
            tracing::error!(error = %err, "a console template failed to render");
            error_page(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; see the server log",
            ))
        }
    }
}

/// A refusal or failure as a page, with the console's headers.
pub(crate) fn error_page(err: ApiError) -> Response {
    secured(err.into_page())
}

/// The console's security headers on a response.
pub(crate) fn secured(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// A `303 See Other` to a console page after a change (post, redirect,
/// get: a reload does not post again).
pub(crate) fn see_other(site: &str, path: &str, done: &str) -> Response {
    let location = format!("/admin/{site}{path}?done={done}");
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(axum::http::header::LOCATION, value);
    }
    secured(response)
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    layout: Layout,
    users: u64,
    groups: u64,
    providers: u64,
}

/// `/admin/{site}`: what the site holds, and where to start.
pub(super) async fn overview(State(app): State<App>, Console(access): Console) -> Response {
    let app = app.via(Interface::Web);
    let one = PageRequest { offset: None, limit: Some(1) };
    let admin = app.admin();
    let who = &access.principal;
    let counts = async {
        let users = admin.list_users(who, &access.site, one).await?.total;
        let groups = admin.list_groups(who, &access.site, one).await?.total;
        let providers = admin.list_providers(who, &access.site, one).await?.total;
        Ok::<_, roster_app::admin::AdminError>((users, groups, providers))
    };
    match counts.await {
        Ok((users, groups, providers)) => render(
            StatusCode::OK,
            &OverviewPage {
                layout: Layout::new(&access, Section::Overview, "Overview"),
                users,
                groups,
                providers,
            },
        ),
        Err(err) => error_page(err.into()),
    }
}
