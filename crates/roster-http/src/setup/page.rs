//! The set-up session's pages: the one SSO provider a link opens, with its
//! SAML trust, its SCIM credential (a new secret shown once, on the page
//! answering the post), its set-up guide and a test sign-in, and nothing
//! else of the console. Every change goes through the admin use cases with
//! the link's principal, which may set up this provider and nothing more.

use askama::Template;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use roster_app::App;
use roster_app::admin::views::ProviderView;
use roster_app::admin::{OpenedSetupLink, ProviderPatch};
use roster_app::setup_guide::SetupGuide;
use roster_domain::history::Interface;

use crate::ApiError;
use crate::console::{
    CredentialForm, SamlForm, error_page, kind_label, message, read_form, render,
};

#[derive(Template)]
#[template(path = "console/setup.html")]
struct SetupPage {
    form_token: String,
    site: String,
    provider: ProviderView,
    kind_label: &'static str,
    expires_at: String,
    guide: Option<SetupGuide>,
    problem: Option<String>,
    notice: Option<&'static str>,
    new_token: Option<String>,
    new_username: Option<String>,
    new_password: Option<String>,
}

/// The secret a SCIM credential change just made, if any.
#[derive(Default)]
pub(super) struct NewCredential {
    token: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// The page of an opened link, with the outcome of the last post.
pub(super) async fn show(
    app: &App,
    opened: &OpenedSetupLink,
    form_token: String,
    outcome: Result<Option<&'static str>, (StatusCode, String)>,
    credential: NewCredential,
) -> Response {
    let who = opened.principal();
    let site = opened.site.as_str();
    let provider = match app.admin().get_provider(&who, site, &opened.provider_id).await {
        Ok(provider) => provider,
        Err(err) => return error_page(err.into()),
    };
    // Without a public URL there is no guide; the rest still works.
    let guide = app.setup_guide(&who, site, &opened.provider_id).await.ok();
    let (status, problem, notice) = match outcome {
        Ok(notice) => (StatusCode::OK, None, notice),
        Err((status, text)) => (status, Some(text), None),
    };
    render(
        status,
        &SetupPage {
            form_token,
            site: site.to_owned(),
            kind_label: kind_label(provider.kind),
            provider,
            expires_at: opened.expires_at.to_string(),
            guide,
            problem,
            notice,
            new_token: credential.token,
            new_username: credential.username,
            new_password: credential.password,
        },
    )
}

/// `POST /setup/{part}`: the SAML trust (`saml`) or the SCIM credential
/// (`scim`) of the link's provider.
pub(super) async fn change(
    app: &App,
    opened: &OpenedSetupLink,
    form_token: String,
    part: &str,
    body: Body,
) -> Response {
    let app = app.via(Interface::Web);
    let who = opened.principal();
    let (site, id) = (opened.site.as_str(), opened.provider_id.as_str());
    let admin = app.admin();
    match part {
        "saml" => {
            let form: SamlForm = match read_form(&form_token, body).await {
                Ok(form) => form,
                Err(refused) => return refused,
            };
            let patch = ProviderPatch { saml: Some(form.into_input()), ..Default::default() };
            let outcome = admin.update_provider(&who, site, id, patch).await;
            let outcome = outcome.map(|_| Some("Saved.")).map_err(message);
            show(&app, opened, form_token, outcome, NewCredential::default()).await
        }
        "scim" => {
            let form: CredentialForm = match read_form(&form_token, body).await {
                Ok(form) => form,
                Err(refused) => return refused,
            };
            match admin.set_scim_credential(&who, site, id, form.into_input()).await {
                Ok(made) => {
                    let credential = NewCredential {
                        token: made.token.map(|t| t.expose().to_owned()),
                        username: made.username,
                        password: made.password.map(|p| p.expose().to_owned()),
                    };
                    show(&app, opened, form_token, Ok(Some("Saved.")), credential).await
                }
                Err(err) => {
                    show(&app, opened, form_token, Err(message(err)), NewCredential::default())
                        .await
                }
            }
        }
        _ => error_page(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "a set-up link changes the SAML trust and the SCIM credential only",
        )),
    }
}
