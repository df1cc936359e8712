//! Site settings: the name, the two manual-management switches, the 2FA
//! policy, the application URL and log retention; the site's webhooks
//! (adding one shows its signing secret once) and lifecycle rules.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use roster_app::App;
use roster_app::admin::views::SiteView;
use roster_app::admin::{
    DeliveryView, LifecycleRuleInput, LifecycleRuleView, SitePatch, WebhookInput, WebhookView,
};
use roster_app::sso::ConsoleAccess;
use roster_domain::history::Interface;
use serde::Deserialize;

use super::Console;
use super::forms::{self, filled, ticked};
use super::page::{Layout, Section, error_page, outcome, render, see_other};
use super::users::message;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/{site}/settings", get(show).post(save))
        .route("/admin/{site}/settings/webhooks", post(add_webhook))
        .route("/admin/{site}/settings/webhooks/{id}", get(deliveries))
        .route("/admin/{site}/settings/webhooks/{id}/delete", post(delete_webhook))
        .route("/admin/{site}/settings/lifecycle", post(add_rule))
        .route("/admin/{site}/settings/lifecycle/{id}/delete", post(delete_rule))
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    layout: Layout,
    site: SiteView,
    webhooks: Vec<WebhookView>,
    rules: Vec<LifecycleRuleView>,
    problem: Option<String>,
    /// A webhook's signing secret, on the page answering its creation.
    new_secret: Option<String>,
}

async fn show(
    State(app): State<App>,
    Console(access): Console,
    RawQuery(query): RawQuery,
) -> Response {
    let app = app.via(Interface::Web);
    let done = forms::done(query);
    settings_page(&app, &access, done.as_deref(), None, None).await
}

async fn settings_page(
    app: &App,
    access: &ConsoleAccess,
    done: Option<&str>,
    problem: Option<(StatusCode, String)>,
    new_secret: Option<String>,
) -> Response {
    let admin = app.admin();
    let (who, slug) = (&access.principal, access.site.as_str());
    let loaded = async {
        Ok::<_, roster_app::admin::AdminError>((
            admin.get_site(who, slug).await?,
            admin.list_webhooks(who, slug).await?,
            admin.list_lifecycle_rules(who, slug).await?,
        ))
    };
    let (site, webhooks, rules) = match loaded.await {
        Ok(loaded) => loaded,
        Err(err) => return error_page(err.into()),
    };
    let (status, problem) = outcome(problem);
    render(
        status,
        &SettingsPage {
            layout: Layout::new(access, Section::Settings, "Site settings").with_notice(done),
            site,
            webhooks,
            rules,
            problem,
            new_secret,
        },
    )
}

#[derive(Deserialize)]
struct SiteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    allow_manual_users: Option<String>,
    #[serde(default)]
    allow_manual_groups: Option<String>,
    #[serde(default)]
    two_factor: Option<String>,
    #[serde(default)]
    application_url: Option<String>,
    #[serde(default)]
    scim_log_retention_days: Option<String>,
    #[serde(default)]
    history_retention_days: Option<String>,
}

/// A number field: empty leaves the setting as it is; anything that is
/// not a number is sent on as an impossible value for the admin API to
/// refuse with its own words.
fn days(value: Option<String>) -> Option<i64> {
    filled(value).map(|v| v.parse().unwrap_or(-1))
}

async fn save(State(app): State<App>, Console(access): Console, body: Body) -> Response {
    let app = app.via(Interface::Web);
    let form: SiteForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let patch = SitePatch {
        name: Some(form.name.trim().to_owned()),
        allow_manual_users: Some(ticked(&form.allow_manual_users)),
        allow_manual_groups: Some(ticked(&form.allow_manual_groups)),
        two_factor: filled(form.two_factor),
        application_url: Some(filled(form.application_url)),
        scim_log_retention_days: days(form.scim_log_retention_days),
        history_retention_days: days(form.history_retention_days),
        ..SitePatch::default()
    };
    match app.admin().update_site(&access.principal, &access.site, patch).await {
        Ok(_) => see_other(&access.site, "/settings", "saved"),
        Err(err) => settings_page(&app, &access, None, Some(message(err)), None).await,
    }
}

#[derive(Deserialize)]
struct WebhookForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    description: Option<String>,
}

async fn add_webhook(State(app): State<App>, Console(access): Console, body: Body) -> Response {
    let app = app.via(Interface::Web);
    let form: WebhookForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let input = WebhookInput {
        url: form.url.trim().to_owned(),
        description: filled(form.description),
        enabled: None,
    };
    match app.admin().create_webhook(&access.principal, &access.site, input).await {
        Ok(made) => {
            let secret = made.secret.expose().to_owned();
            settings_page(&app, &access, Some("created"), None, Some(secret)).await
        }
        Err(err) => settings_page(&app, &access, None, Some(message(err)), None).await,
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn delete_webhook(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Response {
    let app = app.via(Interface::Web);
    if let Err(refused) = forms::read::<Empty>(&access.form_token, body).await {
        return refused;
    }
    match app.admin().delete_webhook(&access.principal, &access.site, &id).await {
        Ok(()) => see_other(&access.site, "/settings", "deleted"),
        Err(err) => settings_page(&app, &access, None, Some(message(err)), None).await,
    }
}

#[derive(Template)]
#[template(path = "console/deliveries.html")]
struct DeliveriesPage {
    layout: Layout,
    webhook: WebhookView,
    deliveries: Vec<DeliveryView>,
}

/// One webhook's latest delivery attempts and their outcomes.
async fn deliveries(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let admin = app.admin();
    let (who, site) = (&access.principal, access.site.as_str());
    let found = async {
        Ok::<_, roster_app::admin::AdminError>((
            admin.get_webhook(who, site, &id).await?,
            admin.webhook_deliveries(who, site, &id, None).await?,
        ))
    };
    match found.await {
        Ok((webhook, deliveries)) => render(
            StatusCode::OK,
            &DeliveriesPage {
                layout: Layout::new(&access, Section::Settings, "Webhook deliveries"),
                webhook,
                deliveries,
            },
        ),
        Err(err) => error_page(err.into()),
    }
}

#[derive(Deserialize)]
struct RuleForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    inactive_days: Option<String>,
    #[serde(default)]
    provider_id: Option<String>,
    #[serde(default)]
    auth_method: Option<String>,
}

async fn add_rule(State(app): State<App>, Console(access): Console, body: Body) -> Response {
    let app = app.via(Interface::Web);
    let form: RuleForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let Some(inactive_days) = filled(form.inactive_days).and_then(|d| d.parse().ok()) else {
        let text = "inactive_days: give the number of days without a sign-in".to_owned();
        return settings_page(&app, &access, None, Some((StatusCode::BAD_REQUEST, text)), None)
            .await;
    };
    let input = LifecycleRuleInput {
        action: form.action,
        inactive_days,
        provider_id: filled(form.provider_id),
        auth_method: filled(form.auth_method),
    };
    match app.admin().create_lifecycle_rule(&access.principal, &access.site, input).await {
        Ok(_) => see_other(&access.site, "/settings", "created"),
        Err(err) => settings_page(&app, &access, None, Some(message(err)), None).await,
    }
}

async fn delete_rule(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Response {
    let app = app.via(Interface::Web);
    if let Err(refused) = forms::read::<Empty>(&access.form_token, body).await {
        return refused;
    }
    match app.admin().delete_lifecycle_rule(&access.principal, &access.site, &id).await {
        Ok(()) => see_other(&access.site, "/settings", "deleted"),
        Err(err) => settings_page(&app, &access, None, Some(message(err)), None).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_days_are_numbers_or_refused_later() {
        assert_eq!(days(Some("90".into())), Some(90));
        assert_eq!(days(Some("".into())), None);
        assert_eq!(days(Some("ninety".into())), Some(-1));
    }
}
