//! The hand-off to the application after a sign-in: a one-time ticket,
//! valid for a minute, on the site's application URL.

use jiff::{SignedDuration, Timestamp};
use roster_domain::{HttpUrl, SiteId, UserId};
use roster_store::TicketRepo;

use super::SsoError;
use crate::secrets;

/// How long the application has to redeem a ticket: the browser's
/// redirect and one server-to-server call.
pub(crate) const TICKET_LIFETIME: SignedDuration = SignedDuration::from_secs(60);

/// Where a signed-in person continues: the application URL with a new
/// ticket, when the site has one.
pub(crate) async fn continue_to(
    tx: &mut (impl TicketRepo + Send),
    site: &SiteId,
    application: Option<&HttpUrl>,
    user: &UserId,
    now: Timestamp,
) -> Result<Option<String>, SsoError> {
    let Some(application) = application else { return Ok(None) };
    let ticket = secrets::generate("roster_ticket_");
    let expires_at = now
        .checked_add(TICKET_LIFETIME)
        .map_err(|err| crate::InternalError::Settings(err.to_string()))?;
    tx.insert_ticket(site, &secrets::hash(&ticket), user, expires_at).await?;
    let url = application.as_str();
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(Some(format!("{url}{separator}ticket={ticket}")))
}
