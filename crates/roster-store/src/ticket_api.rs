//! The hand-off to the application: one-time tickets issued at sign-in
//! and redeemed by the application (SPEC §5).

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{SiteId, UserId};

use crate::StoreError;

#[async_trait]
pub trait TicketRepo {
    /// Keeps a ticket (its hash) for `user` until `expires_at`.
    async fn insert_ticket(
        &mut self,
        site: &SiteId,
        ticket_hash: &str,
        user: &UserId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Redeems a ticket: the user it was issued for, if it exists and has
    /// not expired. A ticket is gone once taken, redeemed or not.
    async fn take_ticket(
        &mut self,
        site: &SiteId,
        ticket_hash: &str,
        now: Timestamp,
    ) -> Result<Option<UserId>, StoreError>;
    /// The names of the visible groups a user is a direct member of, by
    /// name.
    async fn group_names_of(
        &mut self,
        site: &SiteId,
        user: &UserId,
    ) -> Result<Vec<String>, StoreError>;
}
