//! `/api/admin`: JSON CRUD for sites, users, groups and memberships, SSO
//! providers, admin keys, the SAML SP's keys, the history log, the events
//! feed and the SCIM request log, authenticated by admin keys. Site
//! resources live under `/sites/{slug}`; a site key sees only its own site.

mod groups;
mod history;
mod keys;
mod lifecycle;
mod providers;
mod scim_logs;
mod sites;
mod sp_keys;
mod tickets;
mod users;
mod webhooks;

use axum::Router;
use roster_app::App;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .merge(sites::routes())
        .merge(users::routes())
        .merge(groups::routes())
        .merge(providers::routes())
        .merge(keys::routes())
        .merge(tickets::routes())
        .merge(sp_keys::routes())
        .merge(history::routes())
        .merge(lifecycle::routes())
        .merge(webhooks::routes())
        .merge(scim_logs::routes())
}
