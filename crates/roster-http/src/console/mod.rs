//! The administrator's console (`/admin/{site}`): server-rendered pages
//! that work without JavaScript, over the same admin use cases as the
//! JSON API, with the signed-in person as the principal. So the console
//! can do nothing the admin API would refuse that person: a read-only
//! administrator sees every page and every change is refused in words.
//!
//! Every page carries a strict Content-Security-Policy (no inline script
//! or style, nothing from another origin), is never cached, and never puts
//! a secret in a URL; every form carries the session's form token.

mod assets;
mod forms;
mod groups;
mod logs;
mod operator;
mod page;
mod provider_forms;
mod provider_ldap;
mod providers;
mod settings;
mod users;

use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use roster_app::App;
use roster_app::sso::{ConsoleAccess, SsoError};

use crate::ApiError;
use crate::sso::session_secret;

// What the set-up pages of a set-up link share with the console.
pub(crate) use forms::read as read_form;
pub(crate) use page::{error_page, render};
pub(crate) use provider_forms::{CredentialForm, SamlForm, kind_label};
pub(crate) use users::message;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        // Roster's own paths under /admin start with `_`, which no site's
        // slug may hold, so that every slug reaches its console.
        .route("/admin/_assets/{file}", get(assets::serve))
        .merge(operator::routes())
        .route("/admin/{site}", get(page::overview))
        .merge(users::routes())
        .merge(groups::routes())
        .merge(providers::routes())
        .merge(provider_ldap::routes())
        .merge(logs::routes())
        .merge(settings::routes())
}

/// The signed-in administrator of the site in the path: extracting it
/// sends anyone else to the site's sign-in page (no session, or a session
/// of another site) or to a refusal (not an administrator).
pub(crate) struct Console(pub ConsoleAccess);

impl FromRequestParts<App> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let site = params
            .iter()
            .find_map(|(name, value)| (name == "site").then(|| value.to_owned()))
            .unwrap_or_default();
        let secure = crate::sso::secure(app);
        let secret = session_secret(&parts.headers, secure).unwrap_or_default();
        match app.sso().console(secret, &site).await {
            Ok(access) => Ok(Self(access)),
            Err(SsoError::Unauthenticated) => {
                // An operator signed in to the console may open any site.
                if let Some(access) = operator::operator_access(app, &parts.headers, &site).await {
                    return access.map(Self);
                }
                // The slug was found, so it is safe in a path.
                Err(Redirect::to(&format!("/login/{site}?to=admin")).into_response())
            }
            Err(err) => Err(page::error_page(ApiError::from(err))),
        }
    }
}
