//! Hand-off tickets.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{SiteId, UserId};

use super::Tx;
use super::row::{Cols, micros};
use crate::{StoreError, TicketRepo};

#[async_trait]
impl TicketRepo for Tx {
    async fn insert_ticket(
        &mut self,
        site: &SiteId,
        ticket_hash: &str,
        user: &UserId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO handoff_tickets (site_id, ticket_hash, user_id, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(site.as_str())
        .bind(ticket_hash)
        .bind(user.as_str())
        .bind(micros(expires_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn take_ticket(
        &mut self,
        site: &SiteId,
        ticket_hash: &str,
        now: Timestamp,
    ) -> Result<Option<UserId>, StoreError> {
        // One statement takes the ticket, so that two concurrent redeems
        // cannot both read it before either deletes it.
        let row = sqlx::query(
            "DELETE FROM handoff_tickets WHERE site_id = $1 AND ticket_hash = $2 \
             RETURNING user_id, expires_at",
        )
        .bind(site.as_str())
        .bind(ticket_hash)
        .fetch_optional(self.conn())
        .await?;
        // Expired tickets of the site go too, so the table stays small.
        sqlx::query("DELETE FROM handoff_tickets WHERE site_id = $1 AND expires_at <= $2")
            .bind(site.as_str())
            .bind(micros(now))
            .execute(self.conn())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let c = Cols(&row);
        if c.time("expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some(UserId::from_raw(c.text("user_id")?)))
    }

    async fn group_names_of(
        &mut self,
        site: &SiteId,
        user: &UserId,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT g.name FROM group_members m JOIN groups g \
             ON g.site_id = m.site_id AND g.id = m.group_id \
             WHERE m.site_id = $1 AND m.user_id = $2 AND g.provisioning_state = 'active' \
             ORDER BY g.name_key",
        )
        .bind(site.as_str())
        .bind(user.as_str())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|row| Cols(row).text("name")).collect()
    }
}
