//! SCIM groups: the group row with its external id and version, and the
//! members (users and groups), changed one row at a time.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{GroupId, SiteId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::Tx;
use super::groups::group_from;
use super::json_strings;
use super::row::{Cols, micros, write_error};
use super::scim_users::placeholders;
use crate::scim_api::{Member, NamedMember, ScimGroup, ScimPage, ScimQuery, ScimScope};
use crate::{ScimGroupRepo, StoreError};

/// The groups a provider's SCIM client manages: those it provisioned.
const GROUP_SCOPE: &str = "g.site_id = $1 AND g.managed_by_provider_id = $2";

/// The members of group `$2` with their display names, users first
/// (`kind` 'u') then groups ('g'); `{users}` and `{groups}` narrow each
/// half. One statement, so one round trip to the database.
macro_rules! members_sql {
    ($users:literal, $groups:literal) => {
        concat!(
            "SELECT 'u' AS kind, m.user_id AS id, u.username AS display FROM group_members m \
             JOIN users u ON u.site_id = m.site_id AND u.id = m.user_id \
             WHERE m.site_id = $1 AND m.group_id = $2 AND u.provisioning_state <> 'released'",
            $users,
            " UNION ALL SELECT 'g', m.member_group_id, g.name FROM group_member_groups m \
             JOIN groups g ON g.site_id = m.site_id AND g.id = m.member_group_id \
             WHERE m.site_id = $1 AND m.group_id = $2",
            $groups
        )
    };
}

/// Every member of a group.
const ALL_MEMBERS: &str = members_sql!("", "");

/// The members a provider's SCIM client manages (`$3`): the users and
/// groups in its scope.
const MANAGED_MEMBERS: &str = members_sql!(
    " AND (u.provisioned_by_provider_id = $3 OR u.auth_provider_id = $3)",
    " AND g.managed_by_provider_id = $3"
);

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

/// Which of the users (`$3`, a JSON array of ids) and groups (`$4`) are in
/// the scope of site `$1` and provider `$2`. The named ids drive the
/// look-up: CROSS JOIN keeps SQLite's planner from walking every user of
/// the site and testing each against the list, a cost that grew with the
/// directory.
fn existing_members_sql(dialect: super::Dialect) -> String {
    format!(
        "SELECT 'u' AS kind, u.id FROM {} CROSS JOIN users u \
         WHERE u.site_id = $1 AND u.id = j.value \
         AND (u.provisioned_by_provider_id = $2 OR u.auth_provider_id = $2) \
         AND u.provisioning_state <> 'released' \
         UNION ALL SELECT 'g', g.id FROM {} CROSS JOIN groups g \
         WHERE g.site_id = $1 AND g.id = j.value AND g.managed_by_provider_id = $2",
        json_strings(dialect, 3),
        json_strings(dialect, 4)
    )
}

/// A member from a row with `kind` ('u' user, 'g' group) and `id`.
fn member_from(row: &AnyRow) -> Result<Member, StoreError> {
    let c = Cols(row);
    let id = c.text("id")?;
    match c.text("kind")?.as_str() {
        "u" => Ok(Member::User(UserId::from_raw(id))),
        "g" => Ok(Member::Group(GroupId::from_raw(id))),
        other => Err(StoreError::Corrupt(format!("a member of kind {other:?}"))),
    }
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
    /// The members of a group that `sql` (one of [`ALL_MEMBERS`],
    /// [`MANAGED_MEMBERS`]) finds, ordered as clients see them.
    async fn members(
        &mut self,
        sql: &'static str,
        site: &SiteId,
        group: &GroupId,
        provider: Option<&str>,
    ) -> Result<Vec<NamedMember>, StoreError> {
        let mut query = sqlx::query(sql).bind(site.as_str()).bind(group.as_str());
        if let Some(provider) = provider {
            query = query.bind(provider.to_owned());
        }
        let mut out = Vec::new();
        for row in query.fetch_all(self.conn()).await? {
            out.push(NamedMember {
                member: member_from(&row)?,
                display: Cols(&row).text("display")?,
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
        self.members(ALL_MEMBERS, site, group, None).await
    }

    async fn managed_members(
        &mut self,
        scope: &ScimScope,
        group: &GroupId,
    ) -> Result<Vec<NamedMember>, StoreError> {
        self.members(MANAGED_MEMBERS, &scope.site, group, Some(scope.provider.as_str())).await
    }

    async fn existing_members(
        &mut self,
        scope: &ScimScope,
        candidates: &[Member],
    ) -> Result<Vec<Member>, StoreError> {
        let (users, groups) = split(candidates);
        let ids = |ids: Vec<&str>| serde_json::Value::from(ids).to_string();
        let users = ids(users.iter().map(|id| id.as_str()).collect());
        let groups = ids(groups.iter().map(|id| id.as_str()).collect());
        let sql = existing_members_sql(self.dialect);
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(scope.site.as_str())
            .bind(scope.provider.as_str())
            .bind(users)
            .bind(groups)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(member_from).collect()
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

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::*;

    /// The members a client names are looked up by key, one by one, never
    /// by walking the site's users or groups.
    #[tokio::test]
    async fn named_members_are_looked_up_by_key() {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect("sqlite::memory:").await.unwrap();
        super::super::SQLITE_MIGRATIONS.run(&mut conn).await.unwrap();
        let sql =
            format!("EXPLAIN QUERY PLAN {}", existing_members_sql(super::super::Dialect::Sqlite));
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind("s")
            .bind("p")
            .bind("[]")
            .bind("[]")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let plan: Vec<String> =
            rows.iter().map(|row| row.try_get::<String, _>("detail").unwrap()).collect();
        let plan = plan.join("\n");
        assert!(
            plan.contains("SEARCH u USING INDEX sqlite_autoindex_users_1 (site_id=? AND id=?)"),
            "{plan}"
        );
        assert!(
            plan.contains("SEARCH g USING INDEX sqlite_autoindex_groups_1 (site_id=? AND id=?)"),
            "{plan}"
        );
        assert!(!plan.contains("SCAN u") && !plan.contains("SCAN g"), "{plan}");
    }
}
