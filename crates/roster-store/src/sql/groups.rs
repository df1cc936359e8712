//! Groups and memberships. Membership changes are single-row writes, never
//! a rewrite of the member list, so concurrent changes lose nothing.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::policy::ProvisioningState;
use roster_domain::{Group, GroupId, GroupName, Membership, ProviderId, SiteId, UserId, Username};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::Tx;
use super::row::{Cols, count_of, flag, limit_offset, micros, write_error};
use super::scim_users::placeholders;
use crate::{GroupRepo, Listed, MemberRecord, Page, StoreError};

/// Memberships per statement: two parameters each besides three shared.
const MEMBERS_PER_STATEMENT: usize = super::BULK_PARAMETERS / 2;

pub(super) fn group_from(row: &AnyRow) -> Result<Group, StoreError> {
    let c = Cols(row);
    Ok(Group {
        site_id: SiteId::from_raw(c.text("site_id")?),
        id: GroupId::from_raw(c.text("id")?),
        name: c.parsed("name", GroupName::parse)?,
        managed_by: c.opt_text("managed_by_provider_id")?.map(ProviderId::from_raw),
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
        state: c.parsed("provisioning_state", ProvisioningState::parse)?,
    })
}

impl Tx {
    /// Marks a group changed: a new version and modification time.
    pub(crate) async fn touch_group(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE groups SET version = version + 1, updated_at = $3 \
             WHERE site_id = $1 AND id = $2",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .bind(micros(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

#[async_trait]
impl GroupRepo for Tx {
    async fn insert_group(&mut self, group: &Group) -> Result<(), StoreError> {
        sqlx::query(concat!(
            "INSERT INTO groups (",
            group_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(group.site_id.as_str())
        .bind(group.id.as_str())
        .bind(group.name.as_str())
        .bind(group.name.key())
        .bind(group.managed_by.as_ref().map(|p| p.as_str().to_owned()))
        .bind(micros(group.created_at))
        .bind(micros(group.updated_at))
        .bind(group.state.as_str())
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "group name"))?;
        Ok(())
    }

    async fn group_by_id(
        &mut self,
        site: &SiteId,
        id: &GroupId,
    ) -> Result<Option<Group>, StoreError> {
        self.one_in_site(
            concat!(
                "SELECT ",
                group_columns!(),
                " FROM groups WHERE site_id = $1 AND id = $2 AND provisioning_state <> 'pending'"
            ),
            site,
            id.as_str(),
            group_from,
        )
        .await
    }

    async fn group_by_name(
        &mut self,
        site: &SiteId,
        name: &GroupName,
    ) -> Result<Option<Group>, StoreError> {
        self.one_in_site(
            concat!(
                "SELECT ",
                group_columns!(),
                " FROM groups WHERE site_id = $1 AND name_key = $2"
            ),
            site,
            name.key(),
            group_from,
        )
        .await
    }

    async fn list_groups(
        &mut self,
        site: &SiteId,
        page: Page,
    ) -> Result<Listed<Group>, StoreError> {
        self.page_in_site(
            "SELECT COUNT(*) FROM groups WHERE site_id = $1 AND provisioning_state <> 'pending'",
            concat!(
                "SELECT ",
                group_columns!(),
                " FROM groups WHERE site_id = $1 AND provisioning_state <> 'pending' \
                 ORDER BY created_at, id LIMIT $2 OFFSET $3"
            ),
            site,
            page,
            group_from,
        )
        .await
    }

    async fn update_group(&mut self, group: &Group) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE groups SET name = $3, name_key = $4, managed_by_provider_id = $5, \
             updated_at = $6, provisioning_state = $7, version = version + 1 \
             WHERE site_id = $1 AND id = $2",
        )
        .bind(group.site_id.as_str())
        .bind(group.id.as_str())
        .bind(group.name.as_str())
        .bind(group.name.key())
        .bind(group.managed_by.as_ref().map(|p| p.as_str().to_owned()))
        .bind(micros(group.updated_at))
        .bind(group.state.as_str())
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "group name"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_group(&mut self, site: &SiteId, id: &GroupId) -> Result<bool, StoreError> {
        sqlx::query("DELETE FROM group_members WHERE site_id = $1 AND group_id = $2")
            .bind(site.as_str())
            .bind(id.as_str())
            .execute(self.conn())
            .await?;
        let done = sqlx::query("DELETE FROM groups WHERE site_id = $1 AND id = $2")
            .bind(site.as_str())
            .bind(id.as_str())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn count_groups_managed_by(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<u64, StoreError> {
        self.count_in_site(
            "SELECT COUNT(*) FROM groups WHERE site_id = $1 AND managed_by_provider_id = $2",
            site,
            provider.as_str(),
        )
        .await
    }

    async fn list_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        page: Page,
    ) -> Result<Listed<MemberRecord>, StoreError> {
        let total = count_of(
            &sqlx::query(
                "SELECT COUNT(*) FROM group_members m \
                 JOIN users u ON u.site_id = m.site_id AND u.id = m.user_id \
                 WHERE m.site_id = $1 AND m.group_id = $2 AND u.provisioning_state <> 'pending'",
            )
            .bind(site.as_str())
            .bind(group.as_str())
            .fetch_one(self.conn())
            .await?,
        )?;
        let (limit, offset) = limit_offset(page);
        // The `|| ''` keeps the planner on the group's rows: ordering by the
        // indexed name directly would walk every user of the site.
        let rows = sqlx::query(
            "SELECT m.user_id, m.is_admin, u.username FROM group_members m \
             JOIN users u ON u.site_id = m.site_id AND u.id = m.user_id \
             WHERE m.site_id = $1 AND m.group_id = $2 AND u.provisioning_state <> 'pending' \
             ORDER BY (u.username_key || ''), m.user_id LIMIT $3 OFFSET $4",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(self.conn())
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                let c = Cols(row);
                Ok(MemberRecord {
                    membership: Membership {
                        user_id: UserId::from_raw(c.text("user_id")?),
                        is_admin: c.flag("is_admin")?,
                    },
                    username: c.parsed("username", Username::parse)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Listed { items, total })
    }

    async fn put_member(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        membership: &Membership,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO group_members (site_id, group_id, user_id, is_admin, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (site_id, group_id, user_id) DO UPDATE SET is_admin = excluded.is_admin",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .bind(membership.user_id.as_str())
        .bind(flag(membership.is_admin))
        .bind(micros(now))
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "membership"))?;
        self.touch_group(site, group, now).await
    }

    async fn put_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        memberships: &[Membership],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if memberships.is_empty() {
            return Ok(());
        }
        for chunk in memberships.chunks(MEMBERS_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("($1, $2, {}, $3)", placeholders(4 + row * 2, 2)))
                .collect();
            let sql = format!(
                "INSERT INTO group_members (site_id, group_id, user_id, is_admin, created_at) \
                 VALUES {} ON CONFLICT (site_id, group_id, user_id) \
                 DO UPDATE SET is_admin = excluded.is_admin",
                rows.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(site.as_str())
                .bind(group.as_str())
                .bind(micros(now));
            for membership in chunk {
                query = query.bind(membership.user_id.as_str()).bind(flag(membership.is_admin));
            }
            query.execute(self.conn()).await.map_err(|err| write_error(err, "membership"))?;
        }
        self.touch_group(site, group, now).await
    }

    async fn remove_member(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        user: &UserId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM group_members WHERE site_id = $1 AND group_id = $2 AND user_id = $3",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .bind(user.as_str())
        .execute(self.conn())
        .await?;
        // The membership list is part of the group's SCIM resource, whose
        // version changes with it.
        if done.rows_affected() == 1 {
            sqlx::query("UPDATE groups SET version = version + 1 WHERE site_id = $1 AND id = $2")
                .bind(site.as_str())
                .bind(group.as_str())
                .execute(self.conn())
                .await?;
        }
        Ok(done.rows_affected() == 1)
    }

    async fn membership(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        user: &UserId,
    ) -> Result<Option<Membership>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, is_admin FROM group_members \
             WHERE site_id = $1 AND group_id = $2 AND user_id = $3",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .bind(user.as_str())
        .fetch_optional(self.conn())
        .await?;
        row.map(|row| {
            let c = Cols(&row);
            Ok(Membership {
                user_id: UserId::from_raw(c.text("user_id")?),
                is_admin: c.flag("is_admin")?,
            })
        })
        .transpose()
    }
}
