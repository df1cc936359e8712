//! Who is calling, and which sites they may touch.
//!
//! An operator (an operator admin key, or the CLI, whose user can read the
//! database anyway) manages every site. A site admin key sees exactly one
//! site: any other site answers "not found", so a key cannot even learn
//! which other sites exist.

use roster_domain::{Site, SiteId, SiteSlug};
use roster_store::Transaction;

use crate::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Operator,
    Site(SiteId),
}

impl Principal {
    pub(crate) fn require_operator(&self, action: &str) -> Result<(), AppError> {
        match self {
            Self::Operator => Ok(()),
            Self::Site(_) => Err(AppError::Forbidden(format!(
                "only an operator key may {action}; this key belongs to one site"
            ))),
        }
    }
}

/// Loads the site named by `slug` if the caller may see it.
pub(crate) async fn visible_site(
    tx: &mut dyn Transaction,
    who: &Principal,
    slug: &str,
) -> Result<Site, AppError> {
    let not_found = AppError::NotFound { what: "site" };
    let Ok(slug) = SiteSlug::parse(slug) else {
        return Err(not_found);
    };
    let site = tx.site_by_slug(&slug).await?.ok_or(AppError::NotFound { what: "site" })?;
    match who {
        Principal::Operator => Ok(site),
        Principal::Site(id) if *id == site.id => Ok(site),
        Principal::Site(_) => Err(not_found),
    }
}
