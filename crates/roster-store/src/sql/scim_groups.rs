//! SCIM groups: the group row with its external id and version, and the
//! members (users and groups), changed one row at a time.

use std::collections::HashSet;

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{GroupId, SiteId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::Tx;
use super::groups::group_from;
use super::row::{Cols, micros, write_error};
use super::scim_users::placeholders;
use crate::scim_api::{Member, NamedMember, ScimGroup, ScimPage, ScimQuery, ScimScope};
use crate::{ScimGroupRepo, StoreError};

/// The groups a provider's SCIM client manages: those it provisioned.
const GROUP_SCOPE: &str = "g.site_id = $1 AND g.managed_by_provider_id = $2";

const USERS_IN_SCOPE: &str = "SELECT id FROM users WHERE site_id = $1 \
     AND (provisioned_by_provider_id = $2 OR auth_provider_id = $2) \
     AND provisioning_state <> 'released'";
const GROUPS_IN_SCOPE: &str =
    "SELECT id FROM groups WHERE site_id = $1 AND managed_by_provider_id = $2";

/// Rows per multi-row statement: well under SQLite's parameter limit.
const CHUNK: usize = 400;

fn scim_group_from(row: &AnyRow) -> Result<ScimGroup, StoreError> {
    let c = Cols(row);
    Ok(ScimGroup {
        group: group_from(row)?,
        external_id: c.opt_text("external_id")?,
        version: c.int("version")?,
    })
}

fn split(members: &[Member]) -> (Vec<&UserId>, Vec<&GroupId>) {
    let mut users = Vec::new();
    let mut groups = Vec::new();
    for member in members {
        match member {
            Member::User(id) => users.push(id),
            Member::Group(id) => groups.push(id),
        }
    }
    (users, groups)
}

impl Tx {
    /// `DELETE FROM table WHERE site_id = $1 AND group_id = $2 AND column IN (...)`.
    async fn delete_in(
        &mut self,
        table: &str,
        column: &str,
        site: &SiteId,
        group: &GroupId,
        ids: &[&str],
    ) -> Result<(), StoreError> {
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "DELETE FROM {table} WHERE site_id = $1 AND group_id = $2 AND {column} IN ({})",
                placeholders(3, chunk.len())
            );
            let mut query =
                sqlx::query(AssertSqlSafe(sql)).bind(site.as_str()).bind(group.as_str());
            for id in chunk {
                query = query.bind(id.to_string());
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// `id`s of `table` in the site among `ids`.
    /// `id`s among `ids` of the rows `select_scoped` returns (it binds the
    /// site as `$1` and the provider as `$2`).
    async fn ids_in(
        &mut self,
        select_scoped: &str,
        scope: &ScimScope,
        ids: &[&str],
    ) -> Result<Vec<String>, StoreError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!("{select_scoped} AND id IN ({})", placeholders(3, chunk.len()));
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(scope.site.as_str())
                .bind(scope.provider.as_str());
            for id in chunk {
                query = query.bind(id.to_string());
            }
            for row in query.fetch_all(self.conn()).await? {
                found.push(row.try_get::<String, _>("id")?);
            }
        }
        Ok(found)
    }
}

#[async_trait]
impl ScimGroupRepo for Tx {
    async fn scim_group(
        &mut self,
        scope: &ScimScope,
        id: &GroupId,
    ) -> Result<Option<ScimGroup>, StoreError> {
        let sql = format!(
            "SELECT {}, external_id, version FROM groups g WHERE {GROUP_SCOPE} AND g.id = $3",
            group_columns!()
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(scope.site.as_str())
            .bind(scope.provider.as_str())
            .bind(id.as_str())
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(scim_group_from).transpose()
    }

    async fn scim_groups(
        &mut self,
        scope: &ScimScope,
        query: &ScimQuery,
    ) -> Result<ScimPage<ScimGroup>, StoreError> {
        let columns = format!("{}, external_id, version", group_columns!());
        let (rows, total, bounds) =
            self.scim_page(&columns, "groups g", GROUP_SCOPE, scope, query).await?;
        let items = rows.iter().map(scim_group_from).collect::<Result<_, _>>()?;
        Ok(ScimPage { items, total, bounds })
    }

    async fn insert_scim_group(&mut self, group: &ScimGroup) -> Result<(), StoreError> {
        let g = &group.group;
        sqlx::query(concat!(
            "INSERT INTO groups (",
            group_columns!(),
            ", external_id, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(g.site_id.as_str())
        .bind(g.id.as_str())
        .bind(g.name.as_str())
        .bind(g.name.key())
        .bind(g.managed_by.as_ref().map(|p| p.as_str().to_owned()))
        .bind(micros(g.created_at))
        .bind(micros(g.updated_at))
        .bind(g.state.as_str())
        .bind(group.external_id.clone())
        .bind(group.version)
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "group name"))?;
        Ok(())
    }

    async fn update_scim_group(&mut self, group: &ScimGroup) -> Result<i64, StoreError> {
        let g = &group.group;
        let row = sqlx::query(
            "UPDATE groups SET name = $3, name_key = $4, external_id = $5, updated_at = $6, \
             provisioning_state = $7, version = version + 1 \
             WHERE site_id = $1 AND id = $2 RETURNING version",
        )
        .bind(g.site_id.as_str())
        .bind(g.id.as_str())
        .bind(g.name.as_str())
        .bind(g.name.key())
        .bind(group.external_id.clone())
        .bind(micros(g.updated_at))
        .bind(g.state.as_str())
        .fetch_optional(self.conn())
        .await
        .map_err(|err| write_error(err, "group name"))?
        .ok_or_else(|| StoreError::Corrupt(format!("group {} vanished", g.id)))?;
        Ok(row.try_get::<i64, _>("version")?)
    }

    async fn group_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
    ) -> Result<Vec<NamedMember>, StoreError> {
        let users = sqlx::query(
            "SELECT m.user_id AS id, u.username AS display FROM group_members m \
             JOIN users u ON u.site_id = m.site_id AND u.id = m.user_id \
             WHERE m.site_id = $1 AND m.group_id = $2 AND u.provisioning_state <> 'released'",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .fetch_all(self.conn())
        .await?;
        let groups = sqlx::query(
            "SELECT m.member_group_id AS id, g.name AS display FROM group_member_groups m \
             JOIN groups g ON g.site_id = m.site_id AND g.id = m.member_group_id \
             WHERE m.site_id = $1 AND m.group_id = $2",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::with_capacity(users.len() + groups.len());
        for row in &users {
            let c = Cols(row);
            out.push(NamedMember {
                member: Member::User(UserId::from_raw(c.text("id")?)),
                display: c.text("display")?,
            });
        }
        for row in &groups {
            let c = Cols(row);
            out.push(NamedMember {
                member: Member::Group(GroupId::from_raw(c.text("id")?)),
                display: c.text("display")?,
            });
        }
        // Sorted here rather than in SQL: an ORDER BY on the users' name
        // would lead the planner to walk every user of the site in name
        // order instead of the group's members.
        out.sort_by_cached_key(|m| {
            let id = match &m.member {
                Member::User(id) => (0, id.as_str().to_owned()),
                Member::Group(id) => (1, id.as_str().to_owned()),
            };
            (id.0, m.display.to_lowercase(), id.1)
        });
        Ok(out)
    }

    async fn managed_members(
        &mut self,
        scope: &ScimScope,
        group: &GroupId,
    ) -> Result<Vec<NamedMember>, StoreError> {
        let all = self.group_members(&scope.site, group).await?;
        let candidates: Vec<Member> = all.iter().map(|m| m.member.clone()).collect();
        let managed: HashSet<Member> =
            self.existing_members(scope, &candidates).await?.into_iter().collect();
        Ok(all.into_iter().filter(|m| managed.contains(&m.member)).collect())
    }

    async fn existing_members(
        &mut self,
        scope: &ScimScope,
        candidates: &[Member],
    ) -> Result<Vec<Member>, StoreError> {
        let (users, groups) = split(candidates);
        let users: Vec<&str> = users.iter().map(|id| id.as_str()).collect();
        let groups: Vec<&str> = groups.iter().map(|id| id.as_str()).collect();
        let mut found: Vec<Member> = self
            .ids_in(USERS_IN_SCOPE, scope, &users)
            .await?
            .into_iter()
            .map(|id| Member::User(UserId::from_raw(id)))
            .collect();
        found.extend(
            self.ids_in(GROUPS_IN_SCOPE, scope, &groups)
                .await?
                .into_iter()
                .map(|id| Member::Group(GroupId::from_raw(id))),
        );
        Ok(found)
    }

    async fn add_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        members: &[Member],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (users, groups) = split(members);
        for (table, column, ids) in [
            ("group_members", "user_id", users.iter().map(|id| id.as_str()).collect::<Vec<_>>()),
            (
                "group_member_groups",
                "member_group_id",
                groups.iter().map(|id| id.as_str()).collect(),
            ),
        ] {
            let extra = if table == "group_members" { ", is_admin" } else { "" };
            for chunk in ids.chunks(CHUNK) {
                let rows: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        let admin = if table == "group_members" { ", 0" } else { "" };
                        format!("($1, $2, ${}, $3{admin})", i + 4)
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {table} (site_id, group_id, {column}, created_at{extra}) VALUES {} \
                     ON CONFLICT DO NOTHING",
                    rows.join(", ")
                );
                let mut query = sqlx::query(AssertSqlSafe(sql))
                    .bind(site.as_str())
                    .bind(group.as_str())
                    .bind(micros(now));
                for id in chunk {
                    query = query.bind(id.to_string());
                }
                query.execute(self.conn()).await.map_err(|err| write_error(err, "membership"))?;
            }
        }
        Ok(())
    }

    async fn remove_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        members: &[Member],
    ) -> Result<(), StoreError> {
        let (users, groups) = split(members);
        let users: Vec<&str> = users.iter().map(|id| id.as_str()).collect();
        let groups: Vec<&str> = groups.iter().map(|id| id.as_str()).collect();
        self.delete_in("group_members", "user_id", site, group, &users).await?;
        self.delete_in("group_member_groups", "member_group_id", site, group, &groups).await
    }

    async fn clear_members(&mut self, site: &SiteId, group: &GroupId) -> Result<(), StoreError> {
        for sql in [
            "DELETE FROM group_members WHERE site_id = $1 AND group_id = $2",
            "DELETE FROM group_member_groups WHERE site_id = $1 AND group_id = $2",
        ] {
            sqlx::query(sql).bind(site.as_str()).bind(group.as_str()).execute(self.conn()).await?;
        }
        Ok(())
    }

    async fn touch_scim_group(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "UPDATE groups SET version = version + 1, updated_at = $3 \
             WHERE site_id = $1 AND id = $2 RETURNING version",
        )
        .bind(site.as_str())
        .bind(group.as_str())
        .bind(micros(now))
        .fetch_optional(self.conn())
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("group {group} vanished")))?;
        Ok(row.try_get::<i64, _>("version")?)
    }
}
