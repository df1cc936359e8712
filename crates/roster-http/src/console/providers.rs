//! SSO providers: the list, adding one (kind and display name), and one
//! provider's page: SAML trust by its three methods, sign-in options, the
//! provisioning options, the SCIM credential (its secret shown once, on the
//! page that answers the post, never in a URL), and deleting it. The forms'
//! fields become the admin API's inputs in `provider_forms.rs`.

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use roster_app::App;
use roster_app::admin::views::ProviderView;
use roster_app::admin::{
    LdapInput, PageRequest, ProviderInput, ProviderPatch, SetupLinkInput, SetupLinkView,
};
use roster_app::setup_guide::SetupGuide;
use roster_app::sso::ConsoleAccess;
use roster_domain::ProviderKind;
use roster_domain::history::Interface;
use serde::Deserialize;

use super::Console;
use super::forms::{self, filled};
use super::page::{Layout, Section, error_page, outcome, render, see_other};
use super::provider_forms::{
    CredentialForm, ProvisioningForm, SamlForm, SignInForm, kind_label, kind_supports_group_filters,
};
use super::users::message;
use crate::ApiError;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/admin/{site}/providers", get(list).post(create))
        .route("/admin/{site}/providers/new", get(new))
        .route("/admin/{site}/providers/{id}", get(show))
        .route("/admin/{site}/providers/{id}/guide", get(guide))
        .route("/admin/{site}/providers/{id}/{part}", post(change))
}

#[derive(Template)]
#[template(path = "console/providers.html")]
struct ProvidersPage {
    layout: Layout,
    providers: Vec<ProviderView>,
}

async fn list(
    State(app): State<App>,
    Console(access): Console,
    RawQuery(query): RawQuery,
) -> Response {
    let app = app.via(Interface::Web);
    let done = forms::done(query);
    let all = PageRequest { offset: None, limit: Some(PageRequest::MAX_LIMIT) };
    match app.admin().list_providers(&access.principal, &access.site, all).await {
        Ok(listed) => render(
            StatusCode::OK,
            &ProvidersPage {
                layout: Layout::new(&access, Section::Providers, "SSO providers")
                    .with_notice(done.as_deref()),
                providers: listed.items,
            },
        ),
        Err(err) => error_page(err.into()),
    }
}

#[derive(Template)]
#[template(path = "console/provider_new.html")]
struct NewProviderPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str)>,
    problem: Option<String>,
    kind: String,
    name: String,
    ldap_host: String,
    ldap_base_dn: String,
}

#[derive(Deserialize, Default)]
struct NewProviderForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    /// An `ldap` provider needs its directory from the start; the rest of
    /// its settings are on its LDAP page.
    #[serde(default)]
    ldap_host: Option<String>,
    #[serde(default)]
    ldap_base_dn: Option<String>,
}

async fn new(Console(access): Console) -> Response {
    new_page(&access, StatusCode::OK, None, NewProviderForm::default())
}

fn new_page(
    access: &ConsoleAccess,
    status: StatusCode,
    problem: Option<String>,
    form: NewProviderForm,
) -> Response {
    let kinds = ProviderKind::ALL
        .into_iter()
        .filter(|kind| *kind != ProviderKind::Oidc)
        .map(|kind| (kind.as_str(), kind_label(kind.as_str())))
        .collect();
    render(
        status,
        &NewProviderPage {
            layout: Layout::new(access, Section::Providers, "Add SSO provider"),
            kinds,
            problem,
            kind: form.kind,
            name: form.name,
            ldap_host: form.ldap_host.unwrap_or_default(),
            ldap_base_dn: form.ldap_base_dn.unwrap_or_default(),
        },
    )
}

async fn create(State(app): State<App>, Console(access): Console, body: Body) -> Response {
    let app = app.via(Interface::Web);
    let form: NewProviderForm = match forms::read(&access.form_token, body).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let ldap = (form.kind == "ldap").then(|| LdapInput {
        host: filled(form.ldap_host.clone()),
        base_dn: filled(form.ldap_base_dn.clone()),
        ..LdapInput::default()
    });
    let input = ProviderInput {
        kind: form.kind.clone(),
        name: form.name.trim().to_owned(),
        saml: None,
        sign_in: None,
        ldap,
        provisioning: None,
    };
    match app.admin().create_provider(&access.principal, &access.site, input).await {
        Ok(provider) => see_other(&access.site, &format!("/providers/{}", provider.id), "created"),
        Err(err) => {
            let (status, text) = message(err);
            new_page(&access, status, Some(text), form)
        }
    }
}

#[derive(Template)]
#[template(path = "console/provider.html")]
struct ProviderPage {
    layout: Layout,
    provider: ProviderView,
    kind_label: &'static str,
    group_filters: bool,
    problem: Option<String>,
    /// The provider's set-up links (never their secrets).
    links: Vec<SetupLinkView>,
    /// The credential or link just made: shown on this page only.
    new_secret: Option<NewSecret>,
}

/// A secret just made, for the one page that shows it: a SCIM credential,
/// or a set-up link.
#[derive(Default)]
struct NewSecret {
    token: Option<String>,
    username: Option<String>,
    password: Option<String>,
    link: Option<String>,
}

async fn show(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let app = app.via(Interface::Web);
    let done = forms::done(query);
    provider_page(&app, &access, &id, done.as_deref(), None, None).await
}

async fn provider_page(
    app: &App,
    access: &ConsoleAccess,
    id: &str,
    done: Option<&str>,
    problem: Option<(StatusCode, String)>,
    new_secret: Option<NewSecret>,
) -> Response {
    let provider = match app.admin().get_provider(&access.principal, &access.site, id).await {
        Ok(provider) => provider,
        Err(err) => return error_page(err.into()),
    };
    let links = match app.admin().list_setup_links(&access.principal, &access.site).await {
        Ok(links) => links.into_iter().filter(|link| link.provider_id == provider.id).collect(),
        Err(err) => return error_page(err.into()),
    };
    let (status, problem) = outcome(problem);
    render(
        status,
        &ProviderPage {
            links,
            layout: Layout::new(access, Section::Providers, provider.name.clone())
                .with_notice(done),
            kind_label: kind_label(provider.kind),
            group_filters: kind_supports_group_filters(provider.kind),
            provider,
            problem,
            new_secret,
        },
    )
}

#[derive(Template)]
#[template(path = "console/guide.html")]
struct GuidePage {
    layout: Layout,
    provider_id: String,
    guide: SetupGuide,
}

/// The set-up guide of a provider's kind, filled in for this site.
async fn guide(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id)): Path<(String, String)>,
) -> Response {
    let app = app.via(Interface::Web);
    match app.setup_guide(&access.principal, &access.site, &id).await {
        Ok(guide) => render(
            StatusCode::OK,
            &GuidePage {
                layout: Layout::new(&access, Section::Providers, guide.title),
                provider_id: id,
                guide,
            },
        ),
        Err(err) => error_page(err.into()),
    }
}

/// Making a set-up link, or revoking one (`link`).
#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    expires_in: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    link: Option<String>,
}

#[derive(Deserialize)]
struct NameForm {
    #[serde(default)]
    name: String,
}

/// The forms of a provider's page: `name`, `saml`, `sign-in`,
/// `provisioning`, `scim` and `delete`.
async fn change(
    State(app): State<App>,
    Console(access): Console,
    Path((_, id, part)): Path<(String, String, String)>,
    body: Body,
) -> Response {
    let app = app.via(Interface::Web);
    let admin = app.admin();
    let (who, site) = (&access.principal, access.site.as_str());
    let patch = match part.as_str() {
        "name" => match forms::read::<NameForm>(&access.form_token, body).await {
            Ok(form) => {
                ProviderPatch { name: Some(form.name.trim().to_owned()), ..Default::default() }
            }
            Err(refused) => return refused,
        },
        "saml" => match forms::read::<SamlForm>(&access.form_token, body).await {
            Ok(form) => ProviderPatch { saml: Some(form.into_input()), ..Default::default() },
            Err(refused) => return refused,
        },
        "sign-in" => match forms::read::<SignInForm>(&access.form_token, body).await {
            Ok(form) => ProviderPatch { sign_in: Some(form.into_input()), ..Default::default() },
            Err(refused) => return refused,
        },
        "provisioning" => match forms::read::<ProvisioningForm>(&access.form_token, body).await {
            Ok(form) => {
                ProviderPatch { provisioning: Some(form.into_input()), ..Default::default() }
            }
            Err(refused) => return refused,
        },
        "scim" => {
            let form = match forms::read::<CredentialForm>(&access.form_token, body).await {
                Ok(form) => form,
                Err(refused) => return refused,
            };
            return match admin.set_scim_credential(who, site, &id, form.into_input()).await {
                Ok(made) => {
                    let shown = NewSecret {
                        token: made.token.map(|t| t.expose().to_owned()),
                        username: made.username,
                        password: made.password.map(|p| p.expose().to_owned()),
                        link: None,
                    };
                    let any = shown.token.is_some() || shown.password.is_some();
                    provider_page(&app, &access, &id, Some("saved"), None, any.then_some(shown))
                        .await
                }
                Err(err) => provider_page(&app, &access, &id, None, Some(message(err)), None).await,
            };
        }
        "setup-link" => {
            let form = match forms::read::<LinkForm>(&access.form_token, body).await {
                Ok(form) => form,
                Err(refused) => return refused,
            };
            let input = SetupLinkInput {
                provider: id.clone(),
                expires_in: filled(form.expires_in),
                description: filled(form.description),
            };
            return match admin.create_setup_link(who, site, input).await {
                Ok(made) => {
                    let shown = NewSecret {
                        link: Some(made.url.expose().to_owned()),
                        ..Default::default()
                    };
                    provider_page(&app, &access, &id, Some("created"), None, Some(shown)).await
                }
                Err(err) => provider_page(&app, &access, &id, None, Some(message(err)), None).await,
            };
        }
        "setup-link-revoke" => {
            let form = match forms::read::<LinkForm>(&access.form_token, body).await {
                Ok(form) => form,
                Err(refused) => return refused,
            };
            let link = form.link.unwrap_or_default();
            return match admin.revoke_setup_link(who, site, &link).await {
                Ok(()) => see_other(site, &format!("/providers/{id}"), "removed"),
                Err(err) => provider_page(&app, &access, &id, None, Some(message(err)), None).await,
            };
        }
        "delete" => {
            if let Err(refused) = forms::read::<NameForm>(&access.form_token, body).await {
                return refused;
            }
            return match admin.delete_provider(who, site, &id).await {
                Ok(()) => see_other(site, "/providers", "deleted"),
                Err(err) => provider_page(&app, &access, &id, None, Some(message(err)), None).await,
            };
        }
        _ => {
            return error_page(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such form on a provider",
            ));
        }
    };
    match admin.update_provider(who, site, &id, patch).await {
        Ok(_) => see_other(site, &format!("/providers/{id}"), "saved"),
        Err(err) => provider_page(&app, &access, &id, None, Some(message(err)), None).await,
    }
}
