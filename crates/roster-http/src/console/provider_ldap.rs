//! A provider's LDAP provisioning page: the directory settings (the bind
//! password never shown, kept unless replaced), "Test connection", "Sync
//! now" with its outcome, and the last runs.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use roster_app::App;
use roster_app::admin::views::{LdapView, ProviderView};
use roster_app::admin::{LdapInput, ProviderPatch};
use roster_app::sso::ConsoleAccess;
use roster_app::sync::SyncRunView;
use roster_domain::Secret;
use roster_domain::history::Interface;
use serde::Deserialize;

use super::Console;
use super::forms::{self, filled, ticked};
use super::page::{self, Layout, Section, error_page, render, see_other};
use super::users::message;
use crate::ApiError;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/{site}/providers/{id}/ldap", get(show).post(save))
        .route("/admin/{site}/providers/{id}/ldap/test", post(test))
        .route("/admin/{site}/providers/{id}/ldap/sync", post(sync))
}

#[derive(Template)]
#[template(path = "console/provider_ldap.html")]
struct LdapPage {
    layout: Layout,
    provider: ProviderView,
    ldap: Option<LdapView>,
    runs: Vec<SyncRunView>,
    problem: Option<String>,
    /// What "Test connection" or "Sync now" just found.
    outcome: Option<String>,
}

async fn show(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let done = forms::done(query);
    page(&app, &access, &id, done.as_deref(), None, None).await
}

async fn page(
    app: &App,
    access: &ConsoleAccess,
    id: &str,
    done: Option<&str>,
    problem: Option<(StatusCode, String)>,
    outcome: Option<String>,
) -> Response {
    let mut provider = match app.admin().get_provider(&access.principal, &access.site, id).await {
        Ok(provider) => provider,
        Err(err) => return error_page(err.into()),
    };
    // A provider without LDAP settings has no runs to list.
    let runs = match provider.ldap {
        Some(_) => app.sync().runs(&access.principal, &access.site, id).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let (status, problem) = page::outcome(problem);
    let title = format!("{}: LDAP provisioning", provider.name);
    render(
        status,
        &LdapPage {
            layout: Layout::new(access, Section::Providers, title).with_notice(done),
            ldap: provider.ldap.take(),
            provider,
            runs,
            problem,
            outcome,
        },
    )
}

/// The settings form; the password field is empty unless replaced.
#[derive(Deserialize)]
struct LdapForm {
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    backup_host: Option<String>,
    #[serde(default)]
    server_type: Option<String>,
    #[serde(default)]
    port: Option<String>,
    #[serde(default)]
    security: Option<String>,
    #[serde(default)]
    ca_certificate: Option<String>,
    #[serde(default)]
    username_attribute: Option<String>,
    #[serde(default)]
    user_filter: Option<String>,
    #[serde(default)]
    group_filter: Option<String>,
    #[serde(default)]
    interval: Option<String>,
    #[serde(default)]
    failure_threshold: Option<String>,
    #[serde(default)]
    bind_username: Option<String>,
    #[serde(default)]
    bind_password: Option<String>,
    #[serde(default)]
    base_dn: Option<String>,
    #[serde(default)]
    domain: Option<String>,
}

/// A number field; anything that is not one is refused here in words.
fn number<T: std::str::FromStr>(name: &str, raw: Option<String>) -> Result<Option<T>, String> {
    filled(raw)
        .map(|raw| raw.parse().map_err(|_| format!("{name}: {raw:?} is not a number")))
        .transpose()
}

impl LdapForm {
    fn into_input(self) -> Result<LdapInput, String> {
        Ok(LdapInput {
            enabled: Some(ticked(&self.enabled)),
            host: filled(self.host),
            backup_host: Some(filled(self.backup_host)),
            server_type: filled(self.server_type),
            port: number("port", self.port)?,
            security: filled(self.security),
            secure: None,
            ca_certificate: Some(filled(self.ca_certificate)),
            username_attribute: filled(self.username_attribute),
            user_filter: Some(filled(self.user_filter)),
            group_filter: Some(filled(self.group_filter)),
            interval: filled(self.interval),
            failure_threshold: number("failure_threshold", self.failure_threshold)?,
            bind_username: Some(filled(self.bind_username)),
            // Kept unless a new one is typed: the page never shows it.
            bind_password: filled(self.bind_password).map(|p| Some(Secret::new(p))),
            base_dn: filled(self.base_dn),
            domain: Some(filled(self.domain)),
        })
    }
}

async fn save(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Response {
    let app = app.via(Interface::Web);
    let form: LdapForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let input = match form.into_input() {
        Ok(input) => input,
        Err(text) => {
            return page(&app, &access, &id, None, Some((StatusCode::BAD_REQUEST, text)), None)
                .await;
        }
    };
    let patch = ProviderPatch { ldap: Some(Some(input)), ..Default::default() };
    match app.admin().update_provider(&access.principal, &access.site, &id, patch).await {
        Ok(_) => see_other(&access.site, &format!("/providers/{id}/ldap"), "saved"),
        Err(err) => page(&app, &access, &id, None, Some(message(err)), None).await,
    }
}

#[derive(Deserialize)]
struct SyncForm {
    #[serde(default)]
    full: Option<String>,
}

async fn test(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Response {
    if let Err(refused) = forms::read::<SyncForm>(&access.form_token, body).await {
        return refused;
    }
    match app.sync().test_connection(&access.principal, &access.site, &id).await {
        Ok(found) => {
            let text = format!(
                "Connected to {}: {} users and {} groups under the base DN.",
                found.served_by, found.users, found.groups
            );
            page(&app, &access, &id, None, None, Some(text)).await
        }
        Err(err) => page(&app, &access, &id, None, Some(sync_message(err)), None).await,
    }
}

async fn sync(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Response {
    let form: SyncForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let full = ticked(&form.full);
    match app.sync().run(&access.principal, &access.site, &id, full).await {
        Ok(report) => {
            let text = match &report.failure {
                Some(failure) => format!("The sync failed: {failure}"),
                None => format!(
                    "Synced in {} ms: {} users created, {} updated, {} de-provisioned, {} \
                     unchanged; {} groups created, {} updated, {} removed; {} memberships \
                     added, {} removed; {} entries refused.",
                    report.duration_ms,
                    report.users_created,
                    report.users_updated,
                    report.users_deprovisioned,
                    report.users_unchanged,
                    report.groups_created,
                    report.groups_updated,
                    report.groups_removed,
                    report.memberships_added,
                    report.memberships_removed,
                    report.errors.len()
                ),
            };
            page(&app, &access, &id, None, None, Some(text)).await
        }
        Err(err) => page(&app, &access, &id, None, Some(sync_message(err)), None).await,
    }
}

fn sync_message(err: roster_app::sync::SyncError) -> (StatusCode, String) {
    let err = ApiError::from(err);
    (err.status, err.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_checked_and_an_empty_password_keeps_the_old_one() {
        let form: LdapForm =
            serde_urlencoded::from_str("host=ldap.example&port=636&bind_password=&enabled=on")
                .expect("a form");
        let input = form.into_input().expect("valid");
        assert_eq!(input.port, Some(636));
        assert!(input.bind_password.is_none());
        assert_eq!(input.enabled, Some(true));
        let form: LdapForm = serde_urlencoded::from_str("port=ldaps").expect("a form");
        assert_eq!(form.into_input().err().as_deref(), Some("port: \"ldaps\" is not a number"));
    }
}
