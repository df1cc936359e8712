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
mod setup_links;
mod sites;
mod sp_keys;
mod tickets;
mod users;
mod webhooks;

use roster_app::App;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

/// A whole list, not paged, and its length.
#[derive(Debug, Serialize, ToSchema)]
struct Items<T> {
    items: Vec<T>,
    total: usize,
}

impl<T> From<Vec<T>> for Items<T> {
    fn from(items: Vec<T>) -> Self {
        Self { total: items.len(), items }
    }
}

/// Every admin route, each registered from its handler's
/// `#[utoipa::path]` (see `crate::openapi`).
pub(crate) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
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
        .merge(setup_links::routes())
}
