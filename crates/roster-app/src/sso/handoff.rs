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
    Ok(Some(with_ticket(application.as_str(), &ticket)))
}

/// The URL with `ticket=` added to its query, before any fragment: a
/// fragment never reaches the application's server.
fn with_ticket(url: &str, ticket: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let separator = if base.contains('?') { '&' } else { '?' };
    match fragment {
        Some(fragment) => format!("{base}{separator}ticket={ticket}#{fragment}"),
        None => format!("{base}{separator}ticket={ticket}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_joins_the_query_not_the_fragment() {
        assert_eq!(with_ticket("https://a.test/x", "t"), "https://a.test/x?ticket=t");
        assert_eq!(with_ticket("https://a.test/x?y=1", "t"), "https://a.test/x?y=1&ticket=t");
        assert_eq!(with_ticket("https://a.test/x#/home", "t"), "https://a.test/x?ticket=t#/home");
        assert_eq!(with_ticket("https://a.test/?q#f?g", "t"), "https://a.test/?q&ticket=t#f?g");
    }
}
