//! A user's second factor as administrators see it (SPEC §5): whether
//! one is required and enrolled, and the reset for someone who lost their
//! authenticator (the next sign-in enrols a new one).

use roster_domain::history::Action;
use roster_domain::{Site, User, UserId};
use roster_store::{SecondFactorRepo, Transaction};
use serde::Serialize;

use super::lookup::{changeable_site, visible_site};
use super::{Admin, AdminError, AdminTx};
use crate::Principal;
use crate::ids::opaque_id;
use utoipa::ToSchema;

/// A user's second factor.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct TwoFactorView {
    pub user_id: String,
    /// Whether the user signs in with a code, by its own rule or the
    /// site's policy.
    pub required: bool,
    /// Whether an authenticator app is set up.
    pub enrolled: bool,
    #[schema(format = DateTime)]
    pub enrolled_at: Option<String>,
}

async fn user_of(tx: &mut impl AdminTx, site: &Site, id: &str) -> Result<User, AdminError> {
    let not_found = || AdminError::NotFound { what: "user" };
    let id = opaque_id(id).ok_or_else(not_found)?;
    tx.user_by_id(&site.id, &UserId::from_raw(id)).await?.ok_or_else(not_found)
}

async fn view_of(
    tx: &mut impl AdminTx,
    site: &Site,
    user: &User,
) -> Result<TwoFactorView, AdminError> {
    let enrolled = tx.totp_of(&site.id, &user.id).await?;
    Ok(TwoFactorView {
        user_id: user.id.as_str().to_owned(),
        required: user.two_factor.required(site.two_factor),
        enrolled: enrolled.is_some(),
        enrolled_at: enrolled.map(|record| record.enrolled_at.to_string()),
    })
}

impl Admin<'_> {
    pub async fn two_factor(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<TwoFactorView, AdminError> {
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let user = user_of(&mut tx, &site, id).await?;
        view_of(&mut tx, &site, &user).await
    }

    /// Removes the user's authenticator, and ends the sign-ins waiting
    /// for a code from it. Sessions already open stay.
    pub async fn reset_two_factor(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<TwoFactorView, AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let user = user_of(&mut tx, &site, id).await?;
        if tx.remove_totp(&site.id, &user.id).await? {
            tracing::info!(site = %site.slug.as_str(), user = %user.id, "a user's second factor was reset");
            let mut history = self.recorder(who, &site.id);
            let (id, name) = (user.id.as_str(), user.username.as_str());
            history.credential(Action::CredentialReset, "user", id, name, "second factor");
            history.write(&mut tx).await?;
        }
        let view = view_of(&mut tx, &site, &user).await?;
        tx.commit().await?;
        Ok(view)
    }
}
