//! The application redeems, server to server with an admin key, the
//! one-time ticket a signed-in person brought it (SPEC §5).

use roster_domain::policy::ProvisioningState;
use roster_store::{TicketRepo, Transaction, UserRepo};
use serde::{Deserialize, Serialize};

use super::lookup::changeable_site;
use super::{Admin, AdminError};
use crate::{Principal, secrets};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketInput {
    pub ticket: String,
}

/// Who signed in, for the application.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct SignedInUserView {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub site_admin: bool,
    pub readonly_site_admin: bool,
    pub groups: Vec<String>,
}

/// The longest ticket worth hashing.
const MAX_TICKET_BYTES: usize = 256;

impl Admin<'_> {
    /// Redeems a ticket once: the user it was issued for. An unknown,
    /// expired or already redeemed ticket is "not found", whichever it was.
    pub async fn redeem_ticket(
        &self,
        who: &Principal,
        site: &str,
        input: TicketInput,
    ) -> Result<SignedInUserView, AdminError> {
        let not_found = || AdminError::NotFound { what: "ticket" };
        if input.ticket.is_empty() || input.ticket.len() > MAX_TICKET_BYTES {
            return Err(not_found());
        }
        let now = self.now();
        let mut tx = self.write().await?;
        // Redeeming uses the ticket up: a change, which a read-only
        // administrator may not make.
        let site = changeable_site(&mut tx, who, site).await?;
        let user_id = tx
            .take_ticket(&site.id, &secrets::hash(&input.ticket), now)
            .await?
            .ok_or_else(not_found)?;
        let user = tx.user_by_id(&site.id, &user_id).await?.ok_or_else(not_found)?;
        // Taken either way: a ticket is never good twice.
        tx.commit().await?;
        if !user.enabled || user.state != ProvisioningState::Active {
            return Err(not_found());
        }
        let mut tx = self.read().await?;
        let groups = tx.group_names_of(&site.id, &user.id).await?;
        Ok(SignedInUserView {
            id: user.id.as_str().to_owned(),
            username: user.username.as_str().to_owned(),
            email: user.email.map(|email| email.as_str().to_owned()),
            site_admin: user.roles.site_admin,
            readonly_site_admin: user.roles.readonly_site_admin,
            groups,
        })
    }
}
