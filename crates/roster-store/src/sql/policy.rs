//! The provisioning policy's reads and writes.

use async_trait::async_trait;
use roster_domain::policy::ProvisioningState;
use roster_domain::{Group, GroupId, GroupName, ProviderId, SiteId, User, UserId};
use sqlx::AssertSqlSafe;

use super::Tx;
use super::groups::group_from;
use super::row::{Cols, flag};
use super::scim_users::placeholders;
use super::users::user_from;
use crate::StoreError;
use crate::policy_api::{MemberGrant, PolicyRepo};

/// Ids per `IN (...)` list.
const CHUNK: usize = super::BULK_PARAMETERS;

#[async_trait]
impl PolicyRepo for Tx {
    async fn users_in_any_state(
        &mut self,
        site: &SiteId,
        ids: &[UserId],
    ) -> Result<Vec<User>, StoreError> {
        let mut users = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT {} FROM users WHERE site_id = $1 AND id IN ({})",
                user_columns!(),
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(site.as_str());
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(self.conn()).await? {
                users.push(user_from(&row)?);
            }
        }
        Ok(users)
    }

    async fn idp_groups_of(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, GroupName)>, StoreError> {
        let mut out = Vec::new();
        for chunk in users.chunks(CHUNK) {
            let sql = format!(
                "SELECT m.user_id, g.name FROM group_members m \
                 JOIN groups g ON g.site_id = m.site_id AND g.id = m.group_id \
                 WHERE m.site_id = $1 AND g.managed_by_provider_id = $2 AND m.user_id IN ({})",
                placeholders(3, chunk.len())
            );
            let mut query =
                sqlx::query(AssertSqlSafe(sql)).bind(site.as_str()).bind(provider.as_str());
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(self.conn()).await? {
                let c = Cols(&row);
                out.push((
                    UserId::from_raw(c.text("user_id")?),
                    c.parsed("name", GroupName::parse)?,
                ));
            }
        }
        Ok(out)
    }

    async fn managed_user_ids(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<Vec<UserId>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM users WHERE site_id = $1 \
             AND (provisioned_by_provider_id = $2 OR auth_provider_id = $2) \
             AND provisioning_state <> 'released' ORDER BY id",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|row| Ok(UserId::from_raw(Cols(row).text("id")?))).collect()
    }

    async fn managed_groups(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<Vec<Group>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            group_columns!(),
            " FROM groups WHERE site_id = $1 AND managed_by_provider_id = $2 ORDER BY id"
        ))
        .bind(site.as_str())
        .bind(provider.as_str())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(group_from).collect()
    }

    async fn release_from_provider_groups(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        user: &UserId,
        remove: bool,
    ) -> Result<Vec<(GroupId, GroupName)>, StoreError> {
        sqlx::query(
            "UPDATE groups SET version = version + 1 WHERE site_id = $1 \
             AND managed_by_provider_id = $2 AND id IN \
             (SELECT group_id FROM group_members WHERE site_id = $1 AND user_id = $3)",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .bind(user.as_str())
        .execute(self.conn())
        .await?;
        if !remove {
            return Ok(Vec::new());
        }
        // What the delete itself removed, so that each removal has its
        // history entry (the rows, not a read before that could miss one).
        let removed = sqlx::query(
            "DELETE FROM group_members WHERE site_id = $1 AND user_id = $3 AND group_id IN \
             (SELECT id FROM groups WHERE site_id = $1 AND managed_by_provider_id = $2) \
             RETURNING group_id",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .bind(user.as_str())
        .fetch_all(self.conn())
        .await?;
        let ids = removed
            .iter()
            .map(|row| Cols(row).text("group_id"))
            .collect::<Result<Vec<String>, StoreError>>()?;
        let mut groups = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT id, name FROM groups WHERE site_id = $1 AND id IN ({}) ORDER BY name",
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(site.as_str());
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(self.conn()).await? {
                let c = Cols(&row);
                groups
                    .push((GroupId::from_raw(c.text("id")?), c.parsed("name", GroupName::parse)?));
            }
        }
        Ok(groups)
    }

    async fn set_group_state(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        state: ProvisioningState,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE groups SET provisioning_state = $3, version = version + 1 \
             WHERE site_id = $1 AND id = $2",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .bind(state.as_str())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn member_grants(
        &mut self,
        site: &SiteId,
        group: &GroupId,
    ) -> Result<Vec<MemberGrant>, StoreError> {
        let rows = sqlx::query(
            "SELECT user_id, is_admin, admin_granted FROM group_members \
             WHERE site_id = $1 AND group_id = $2 ORDER BY user_id",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok(MemberGrant {
                    user: UserId::from_raw(c.text("user_id")?),
                    is_admin: c.flag("is_admin")?,
                    granted: c.flag("admin_granted")?,
                })
            })
            .collect()
    }

    async fn set_member_grant(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        grant: &MemberGrant,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE group_members SET is_admin = $4, admin_granted = $5 \
             WHERE site_id = $1 AND group_id = $2 AND user_id = $3",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .bind(grant.user.as_str())
        .bind(flag(grant.is_admin))
        .bind(flag(grant.granted))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
