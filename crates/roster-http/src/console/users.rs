//! Users: the list with its search, one user's page with every action
//! (edit, enable or disable, sign-in method, password, two-factor reset,
//! delete), and creating a local user. A refusal (a manual lock, the last
//! password administrator, a user managed by its provider) comes back as
//! the admin API words it, on the page where the action is.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use roster_app::App;
use roster_app::admin::views::{ProviderView, UserView};
use roster_app::admin::{AdminError, PageRequest, PasswordInput, UserInput, UserPatch, UserSearch};
use roster_app::sso::ConsoleAccess;
use roster_domain::Secret;
use roster_domain::history::Interface;
use serde::Deserialize;

use super::Console;
use super::forms::{self, filled, parsed, ticked};
use super::page::{Layout, Section, error_page, outcome, render, see_other};
use crate::ApiError;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/{site}/users", get(list).post(create))
        .route("/admin/{site}/users/new", get(new))
        .route("/admin/{site}/users/{id}", get(show).post(edit))
        .route("/admin/{site}/users/{id}/{action}", post(act))
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    layout: Layout,
    search: UserSearch,
    providers: Vec<ProviderView>,
    users: Vec<UserView>,
    total: u64,
    /// The links to the pages around this one: this search, another offset.
    previous: Option<String>,
    next: Option<String>,
    problem: Option<String>,
}

const PAGE: u64 = 50;

/// The users, found by the search form (the admin API's search).
async fn list(
    State(app): State<App>,
    Console(access): Console,
    RawQuery(raw): RawQuery,
) -> Response {
    let done = forms::done(raw.clone());
    let (mut search, mut problem): (UserSearch, _) = parsed(raw.as_deref(), &["done"]);
    search.limit = Some(PAGE);
    let admin = app.admin();
    let all = PageRequest { offset: None, limit: Some(PageRequest::MAX_LIMIT) };
    let providers = match admin.list_providers(&access.principal, &access.site, all).await {
        Ok(listed) => listed.items,
        Err(err) => return error_page(err.into()),
    };
    let (users, total, offset) =
        match admin.search_users(&access.principal, &access.site, &search).await {
            Ok(listed) => (listed.items, listed.total, listed.offset),
            Err(err) => {
                let (status, text) = message(err);
                if status == StatusCode::NOT_FOUND {
                    return error_page(ApiError::new(status, "not_found", text));
                }
                problem = Some(text);
                (Vec::new(), 0, 0)
            }
        };
    let at = |offset: u64| with_offset(raw.as_deref(), offset);
    let status = if problem.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        &UsersPage {
            layout: Layout::new(&access, Section::Users, "Users").with_notice(done.as_deref()),
            previous: (offset > 0).then(|| at(offset.saturating_sub(PAGE))),
            next: (offset + PAGE < total).then(|| at(offset + PAGE)),
            search,
            providers,
            users,
            total,
            problem,
        },
    )
}

/// This search's query string at another offset.
fn with_offset(raw: Option<&str>, offset: u64) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .map(|raw| serde_urlencoded::from_str::<Vec<(String, String)>>(raw).unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, value)| name != "offset" && name != "done" && !value.trim().is_empty())
        .collect();
    pairs.push(("offset".to_owned(), offset.to_string()));
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "console/user_new.html")]
struct NewUserPage {
    layout: Layout,
    problem: Option<String>,
    form: NewUserForm,
}

/// The form creating a local user.
#[derive(Deserialize, Default)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    site_admin: Option<String>,
}

async fn new(Console(access): Console) -> Response {
    new_page(&access, StatusCode::OK, None, NewUserForm::default())
}

fn new_page(
    access: &ConsoleAccess,
    status: StatusCode,
    problem: Option<String>,
    form: NewUserForm,
) -> Response {
    render(
        status,
        &NewUserPage { layout: Layout::new(access, Section::Users, "New user"), problem, form },
    )
}

async fn create(State(app): State<App>, Console(access): Console, body: Body) -> Response {
    let app = app.via(Interface::Web);
    let form: NewUserForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let input = UserInput {
        username: form.username.trim().to_owned(),
        full_name: filled(form.full_name.clone()),
        email: filled(form.email.clone()),
        site_admin: Some(ticked(&form.site_admin)),
        ..UserInput::default()
    };
    let password =
        filled(form.password.clone()).map(|p| PasswordInput { password: Secret::new(p) });
    if let Some(Err(err)) = password.as_ref().map(PasswordInput::check) {
        return refused_form(&access, err, |access, status, problem| {
            new_page(access, status, Some(problem), form)
        });
    }
    let admin = app.admin();
    let created = match admin.create_user(&access.principal, &access.site, input).await {
        Ok(user) => user,
        Err(err) => {
            return refused_form(&access, err, |access, status, problem| {
                new_page(access, status, Some(problem), form)
            });
        }
    };
    // The password after the user exists (checked above, so only a
    // failure of the server leaves the user without one).
    if let Some(input) = password
        && let Err(err) =
            admin.set_password(&access.principal, &access.site, &created.id, input).await
    {
        return show_user(&app, &access, &created.id, None, Some(message(err))).await;
    }
    see_other(&access.site, &format!("/users/{}", created.id), "created")
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage {
    layout: Layout,
    user: UserView,
    providers: Vec<ProviderView>,
    problem: Option<String>,
}

async fn show(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let app = app.via(Interface::Web);
    let done = forms::done(query);
    show_user(&app, &access, &id, done.as_deref(), None).await
}

/// One user's page, with the outcome of the last action.
async fn show_user(
    app: &App,
    access: &ConsoleAccess,
    id: &str,
    done: Option<&str>,
    problem: Option<(StatusCode, String)>,
) -> Response {
    let admin = app.admin();
    let user = match admin.get_user(&access.principal, &access.site, id).await {
        Ok(user) => user,
        Err(err) => return error_page(err.into()),
    };
    let all = PageRequest { offset: None, limit: Some(PageRequest::MAX_LIMIT) };
    let providers = match admin.list_providers(&access.principal, &access.site, all).await {
        Ok(listed) => listed.items,
        Err(err) => return error_page(err.into()),
    };
    let (status, problem) = outcome(problem);
    let title = user.username.clone();
    render(
        status,
        &UserPage {
            layout: Layout::new(access, Section::Users, title).with_notice(done),
            user,
            providers,
            problem,
        },
    )
}

/// The profile form of a user's page.
#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    site_admin: Option<String>,
    #[serde(default)]
    readonly_site_admin: Option<String>,
    #[serde(default)]
    two_factor: Option<String>,
}

async fn edit(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Response {
    let app = app.via(Interface::Web);
    let form: EditForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let patch = UserPatch {
        username: Some(form.username.trim().to_owned()),
        full_name: Some(filled(form.full_name)),
        email: Some(filled(form.email)),
        company: Some(filled(form.company)),
        time_zone: Some(filled(form.time_zone)),
        site_admin: Some(ticked(&form.site_admin)),
        readonly_site_admin: Some(ticked(&form.readonly_site_admin)),
        two_factor: filled(form.two_factor),
        ..UserPatch::default()
    };
    match app.admin().update_user(&access.principal, &access.site, &id, patch).await {
        Ok(_) => see_other(&access.site, &format!("/users/{id}"), "saved"),
        Err(err) => show_user(&app, &access, &id, None, Some(message(err))).await,
    }
}

/// The fields the actions of a user's page may post.
#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    auth_method: Option<String>,
}

/// The buttons of a user's page: `enable`, `disable`, `password`,
/// `sign-in` (the method), `two-factor` (reset) and `delete`.
async fn act(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id, action)): Path<(String, String, String)>,
    body: Body,
) -> Response {
    let app = app.via(Interface::Web);
    let form: ActionForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let admin = app.admin();
    let (who, site) = (&access.principal, access.site.as_str());
    let enabled = |enabled| UserPatch { enabled: Some(enabled), ..UserPatch::default() };
    let done = match action.as_str() {
        "enable" => admin.update_user(who, site, &id, enabled(true)).await.map(|_| "enabled"),
        "disable" => admin.update_user(who, site, &id, enabled(false)).await.map(|_| "disabled"),
        "password" => {
            let input = PasswordInput { password: Secret::new(form.password.unwrap_or_default()) };
            admin.set_password(who, site, &id, input).await.map(|_| "password")
        }
        "sign-in" => {
            let (auth_method, sso_provider_id) = match form.auth_method.as_deref() {
                None | Some("password") => ("password".to_owned(), None),
                Some(provider) => ("sso".to_owned(), Some(provider.to_owned())),
            };
            let patch = UserPatch {
                auth_method: Some(auth_method),
                sso_provider_id,
                ..UserPatch::default()
            };
            admin.update_user(who, site, &id, patch).await.map(|_| "saved")
        }
        "two-factor" => admin.reset_two_factor(who, site, &id).await.map(|_| "two-factor"),
        "delete" => {
            return match admin.delete_user(who, site, &id).await {
                Ok(()) => see_other(site, "/users", "deleted"),
                Err(err) => show_user(&app, &access, &id, None, Some(message(err))).await,
            };
        }
        _ => {
            return error_page(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such action on a user",
            ));
        }
    };
    match done {
        Ok(done) => see_other(site, &format!("/users/{id}"), done),
        Err(err) => show_user(&app, &access, &id, None, Some(message(err))).await,
    }
}

/// A refusal's status and words, as the admin API gives them.
pub(crate) fn message(err: AdminError) -> (StatusCode, String) {
    let err = ApiError::from(err);
    // The field a refusal is about leads its words ("ldap.host: is
    // required"), as the admin API's `field` does.
    let text = match &err.field {
        Some(field) => format!("{field}: {}", err.message),
        None => err.message,
    };
    (err.status, text)
}

/// A refused form shown again with the refusal; a missing site or record
/// is a page of its own.
pub(super) fn refused_form(
    access: &ConsoleAccess,
    err: AdminError,
    again: impl FnOnce(&ConsoleAccess, StatusCode, String) -> Response,
) -> Response {
    let (status, text) = message(err);
    if status == StatusCode::NOT_FOUND {
        return error_page(ApiError::new(status, "not_found", text));
    }
    again(access, status, text)
}
