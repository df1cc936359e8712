//! Groups: the list (which provider manages each), one group's members and
//! group administrators, and creating a local group.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use roster_app::App;
use roster_app::admin::views::{GroupView, MemberView};
use roster_app::admin::{GroupInput, PageRequest};
use roster_domain::history::Interface;
use serde::Deserialize;

use super::Console;
use super::forms;
use super::page::{Layout, Section, error_page, outcome, render, see_other};
use super::users::message;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/{site}/groups", get(list).post(create))
        .route("/admin/{site}/groups/{id}", get(show))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "console/groups.html")]
struct GroupsPage {
    layout: Layout,
    groups: Vec<GroupView>,
    total: u64,
    previous: Option<u64>,
    next: Option<u64>,
    problem: Option<String>,
}

const PAGE: u64 = 100;

async fn list(
    State(app): State<App>,
    Console(access): Console,
    RawQuery(query): RawQuery,
) -> Response {
    let app = app.via(Interface::Web);
    let query: ListQuery = forms::query(query);
    groups_page(&app, &access, query, None).await
}

async fn groups_page(
    app: &App,
    access: &roster_app::sso::ConsoleAccess,
    query: ListQuery,
    problem: Option<(StatusCode, String)>,
) -> Response {
    let page = PageRequest { offset: query.offset, limit: Some(PAGE) };
    let listed = match app.admin().list_groups(&access.principal, &access.site, page).await {
        Ok(listed) => listed,
        Err(err) => return error_page(err.into()),
    };
    let offset = listed.offset;
    let (status, problem) = outcome(problem);
    render(
        status,
        &GroupsPage {
            layout: Layout::new(access, Section::Groups, "Groups")
                .with_notice(query.done.as_deref()),
            previous: (offset > 0).then(|| offset.saturating_sub(PAGE)),
            next: (offset + PAGE < listed.total).then_some(offset + PAGE),
            total: listed.total,
            groups: listed.items,
            problem,
        },
    )
}

#[derive(Deserialize)]
struct NewGroupForm {
    #[serde(default)]
    name: String,
}

async fn create(State(app): State<App>, Console(access): Console, body: Body) -> Response {
    let app = app.via(Interface::Web);
    let form: NewGroupForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let input = GroupInput { name: form.name.trim().to_owned() };
    match app.admin().create_group(&access.principal, &access.site, input).await {
        Ok(group) => see_other(&access.site, &format!("/groups/{}", group.id), "created"),
        Err(err) => groups_page(&app, &access, ListQuery::default(), Some(message(err))).await,
    }
}

#[derive(Template)]
#[template(path = "console/group.html")]
struct GroupPage {
    layout: Layout,
    group: GroupView,
    members: Vec<MemberView>,
    total: u64,
}

async fn show(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let app = app.via(Interface::Web);
    let admin = app.admin();
    let group = match admin.get_group(&access.principal, &access.site, &id).await {
        Ok(group) => group,
        Err(err) => return error_page(err.into()),
    };
    let page = PageRequest { offset: None, limit: Some(PageRequest::MAX_LIMIT) };
    let members = match admin.list_members(&access.principal, &access.site, &id, page).await {
        Ok(members) => members,
        Err(err) => return error_page(err.into()),
    };
    let title = group.name.clone();
    render(
        StatusCode::OK,
        &GroupPage {
            layout: Layout::new(&access, Section::Groups, title),
            group,
            total: members.total,
            members: members.items,
        },
    )
}
