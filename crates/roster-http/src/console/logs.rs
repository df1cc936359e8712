//! The logs: SCIM requests (the list with the admin API's filters, and one
//! request with its bodies pretty-printed, secrets already redacted when
//! they were recorded) and the history of changes and sign-ins.

use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use roster_app::App;
use roster_app::admin::{HistoryEntryView, HistoryQuery, ScimLogQuery, ScimLogView};
use roster_domain::history::Interface;
use serde_json::Value;

use super::Console;
use super::forms::{parsed, with_cursor};
use super::page::{Layout, Section, error_page, render};
use super::users::message;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/{site}/logs/scim", get(scim_list))
        .route("/admin/{site}/logs/scim/{id}", get(scim_entry))
        .route("/admin/{site}/logs/history", get(history))
}

#[derive(Template)]
#[template(path = "console/scim_logs.html")]
struct ScimLogsPage {
    layout: Layout,
    query: ScimLogQuery,
    entries: Vec<ScimLogView>,
    /// The link to the next page: this query with the next cursor.
    next: Option<String>,
    problem: Option<String>,
}

async fn scim_list(
    State(app): State<App>,
    Console(access): Console,
    RawQuery(raw): RawQuery,
) -> Response {
    let app = app.via(Interface::Web);
    let (query, mut problem): (ScimLogQuery, _) = parsed(raw.as_deref(), &[]);
    let (entries, next) =
        match app.admin().scim_logs(&access.principal, &access.site, query.clone()).await {
            Ok(page) => (page.items, page.next_cursor),
            Err(err) => {
                let (status, text) = message(err);
                if status == StatusCode::NOT_FOUND {
                    return error_page(crate::ApiError::new(status, "not_found", text));
                }
                problem = Some(text);
                (Vec::new(), None)
            }
        };
    let status = if problem.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        &ScimLogsPage {
            layout: Layout::new(&access, Section::Logs, "SCIM log"),
            next: next.map(|cursor| with_cursor(raw.as_deref(), &cursor)),
            query,
            entries,
            problem,
        },
    )
}

#[derive(Template)]
#[template(path = "console/scim_log.html")]
struct ScimLogPage {
    layout: Layout,
    entry: ScimLogView,
    request: String,
    response: String,
}

async fn scim_entry(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let app = app.via(Interface::Web);
    match app.admin().scim_log(&access.principal, &access.site, &id).await {
        Ok(detail) => render(
            StatusCode::OK,
            &ScimLogPage {
                layout: Layout::new(
                    &access,
                    Section::Logs,
                    format!("{} {}", detail.entry.method, detail.entry.path),
                ),
                request: pretty(&detail.request),
                response: pretty(&detail.response),
                entry: detail.entry,
            },
        ),
        Err(err) => error_page(err.into()),
    }
}

/// A recorded body as indented JSON.
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[derive(Template)]
#[template(path = "console/history.html")]
struct HistoryPageView {
    layout: Layout,
    query: HistoryQuery,
    entries: Vec<HistoryEntry>,
    next: Option<String>,
    problem: Option<String>,
}

/// One history entry as the page shows it.
struct HistoryEntry {
    entry: HistoryEntryView,
    changes: Option<String>,
}

async fn history(
    State(app): State<App>,
    Console(access): Console,
    RawQuery(raw): RawQuery,
) -> Response {
    let app = app.via(Interface::Web);
    let (query, mut problem): (HistoryQuery, _) = parsed(raw.as_deref(), &[]);
    let (entries, next) = match app.admin().history(&access.principal, &access.site, &query).await {
        Ok(page) => (page.items, page.next_cursor),
        Err(err) => {
            let (status, text) = message(err);
            if status == StatusCode::NOT_FOUND {
                return error_page(crate::ApiError::new(status, "not_found", text));
            }
            problem = Some(text);
            (Vec::new(), None)
        }
    };
    let entries = entries
        .into_iter()
        .map(|entry| HistoryEntry {
            changes: (!entry.changes.is_null()).then(|| pretty(&entry.changes)),
            entry,
        })
        .collect();
    let status = if problem.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        &HistoryPageView {
            layout: Layout::new(&access, Section::Logs, "History"),
            next: next.map(|cursor| with_cursor(raw.as_deref(), &cursor)),
            query,
            entries,
            problem,
        },
    )
}
