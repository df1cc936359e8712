//! SCIM users: the user row with the attributes a client set, their
//! comparison form and its version, its e-mail rows, and its groups,
//! loaded in batches for list pages.

use std::collections::HashMap;

use async_trait::async_trait;
use roster_domain::{GroupId, GroupName, SiteId, UserId, Username};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::row::{Cols, count_of, flag};
use super::user_search::search_key;
use super::users::{bind_user, email_key, user_from};
use super::{Bind, Dialect, Tx};
use crate::scim_api::{PageBounds, RowKey, ScimPage, ScimQuery, ScimScope, ScimUser, SortValue};
use crate::scim_view::{EmailRow, email_rows, match_form};
use crate::{ScimUserRepo, StoreError};

/// The users a provider's SCIM client manages: those it provisioned and
/// those an administrator associated with it (SPEC §3), except the ones it
/// removed that the options kept (released).
const USER_SCOPE: &str = "u.site_id = $1 AND (u.provisioned_by_provider_id = $2 OR \
     u.auth_provider_id = $2) AND u.provisioning_state <> 'released'";

/// E-mail rows per INSERT: six bound values each, well under every
/// database's limit on bound variables.
const EMAIL_CHUNK: usize = 400;

/// `$start, $start+1, ...`, `count` of them.
pub(super) fn placeholders(start: usize, count: usize) -> String {
    (start..start + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// The attributes a client set, as `users.scim_resource` holds them: a
/// JSON object the store wrote, or NULL. Anything else is corruption,
/// reported rather than replaced, which would drop what the identity
/// provider sent.
pub(super) fn stored_resource(
    row: &AnyRow,
    id: &UserId,
) -> Result<Option<Map<String, Value>>, StoreError> {
    let Some(text) = Cols(row).opt_text("scim_resource")? else { return Ok(None) };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(other) => Err(StoreError::Corrupt(format!(
            "the SCIM attributes of user {id}: a JSON object was expected, not {other}"
        ))),
        Err(err) => Err(StoreError::Corrupt(format!("the SCIM attributes of user {id}: {err}"))),
    }
}

fn scim_user_from(row: &AnyRow) -> Result<ScimUser, StoreError> {
    let user = user_from(row)?;
    Ok(ScimUser {
        resource: stored_resource(row, &user.id)?,
        user,
        version: Cols(row).int("version")?,
        groups: Vec::new(),
    })
}

/// The `member_of` column: the user's groups as `[[id, name], ...]`.
fn member_of(row: &AnyRow, id: &UserId) -> Result<Vec<(GroupId, GroupName)>, StoreError> {
    let corrupt = |why: String| StoreError::Corrupt(format!("the groups of user {id}: {why}"));
    let text = Cols(row).text("member_of")?;
    let pairs: Vec<(String, String)> =
        serde_json::from_str(&text).map_err(|err| corrupt(err.to_string()))?;
    pairs
        .into_iter()
        .map(|(group, name)| {
            let name = GroupName::parse(&name).map_err(|err| corrupt(format!("{err:?}")))?;
            Ok((GroupId::from_raw(group), name))
        })
        .collect()
}

pub(super) type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

pub(super) fn bind_all<'q>(mut query: Query<'q>, binds: &[Bind]) -> Query<'q> {
    for value in binds {
        query = match value {
            Bind::Text(text) => query.bind(text.clone()),
            Bind::Int(number) => query.bind(*number),
            Bind::Real(number) => query.bind(*number),
        };
    }
    query
}

/// The SQL of one page of a compiled list query over `table` within
/// `scope_sql`: the scope binds `$1` and `$2`, the filter's and the key's
/// values follow, then `LIMIT` and `OFFSET`. Each row's sort value comes
/// back as `sort_key`, for the keys of the page's ends.
pub(super) fn page_sql(columns: &str, table: &str, scope_sql: &str, query: &ScimQuery) -> String {
    let limit_at = 3 + query.binds.len();
    let keyset = query.keyset.as_deref().map(|keyset| format!(" AND {keyset}")).unwrap_or_default();
    format!(
        "SELECT {columns}, ({}) AS sort_key FROM {table} WHERE {scope_sql} AND {}{keyset} \
         ORDER BY {} LIMIT ${} OFFSET ${}",
        query.sort_value,
        query.condition,
        query.order_by,
        limit_at,
        limit_at + 1
    )
}

/// A row's key in its query's order: `sort_key` (see [`page_sql`]) and
/// its id. The value is read with the type the database gave it, so that
/// it binds back as the same type.
fn row_key(row: &AnyRow) -> Result<RowKey, StoreError> {
    const SORT_KEY: &str = "sort_key";
    let value = if let Ok(number) = row.try_get::<Option<i64>, _>(SORT_KEY) {
        number.map_or(SortValue::Null, SortValue::Int)
    } else if let Ok(number) = row.try_get::<f64, _>(SORT_KEY) {
        SortValue::Real(number)
    } else {
        row.try_get::<Option<String>, _>(SORT_KEY)?.map_or(SortValue::Null, SortValue::Text)
    };
    Ok(RowKey { value, id: Cols(row).text("id")? })
}

impl Tx {
    /// Runs a compiled list query over `table` within `scope_sql`: the
    /// page's rows in the query's order, the number of rows it matches,
    /// and the page's bounds.
    pub(super) async fn scim_page(
        &mut self,
        columns: &str,
        table: &str,
        scope_sql: &str,
        scope: &ScimScope,
        query: &ScimQuery,
    ) -> Result<(Vec<AnyRow>, u64, PageBounds), StoreError> {
        let sql = page_sql(columns, table, scope_sql, query);
        // One row more than the page says whether any lies beyond it.
        let mut rows = bind_all(
            sqlx::query(AssertSqlSafe(sql)).bind(scope.site.as_str()).bind(scope.provider.as_str()),
            &query.binds,
        )
        .bind(i64::try_from(query.limit.saturating_add(1)).unwrap_or(i64::MAX))
        .bind(i64::try_from(query.offset).unwrap_or(i64::MAX))
        .fetch_all(self.conn())
        .await?;
        let beyond = rows.len() as u64 > query.limit;
        rows.truncate(usize::try_from(query.limit).unwrap_or(usize::MAX));
        if query.reversed {
            rows.reverse();
        }
        let bounds = PageBounds {
            first: rows.first().map(row_key).transpose()?,
            last: rows.last().map(row_key).transpose()?,
            beyond,
        };
        let total = match query.known_total {
            Some(total) => total,
            // A first page with nothing beyond it is the whole result.
            None if query.offset == 0 && query.keyset.is_none() && !beyond => rows.len() as u64,
            None => {
                let sql = format!(
                    "SELECT COUNT(*) FROM {table} WHERE {scope_sql} AND {}",
                    query.condition
                );
                let row = bind_all(
                    sqlx::query(AssertSqlSafe(sql))
                        .bind(scope.site.as_str())
                        .bind(scope.provider.as_str()),
                    query.binds.get(..query.filter_binds).unwrap_or(&query.binds),
                )
                .fetch_one(self.conn())
                .await?;
                count_of(&row)?
            }
        };
        Ok((rows, total, bounds))
    }

    /// The groups of the given users, filled in: those the scope's
    /// provider manages, since a SCIM client sees no local group and no
    /// other provider's group in a user's `groups` (SPEC §3).
    async fn complete_users(
        &mut self,
        scope: &ScimScope,
        users: &mut [ScimUser],
    ) -> Result<(), StoreError> {
        if users.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = users.iter().map(|u| u.user.id.as_str().to_owned()).collect();
        let mut groups: HashMap<String, Vec<(GroupId, GroupName)>> = HashMap::new();
        let sql = format!(
            "SELECT m.user_id, g.id, g.name FROM group_members m \
             JOIN groups g ON g.site_id = m.site_id AND g.id = m.group_id \
             WHERE m.site_id = $1 AND g.managed_by_provider_id = $2 AND m.user_id IN ({}) \
             ORDER BY g.name_key, g.id",
            placeholders(3, ids.len())
        );
        let mut query =
            sqlx::query(AssertSqlSafe(sql)).bind(scope.site.as_str()).bind(scope.provider.as_str());
        for id in &ids {
            query = query.bind(id.clone());
        }
        for row in query.fetch_all(self.conn()).await? {
            let c = Cols(&row);
            groups
                .entry(c.text("user_id")?)
                .or_default()
                .push((GroupId::from_raw(c.text("id")?), c.parsed("name", GroupName::parse)?));
        }
        for user in users {
            user.groups = groups.remove(user.user.id.as_str()).unwrap_or_default();
        }
        Ok(())
    }

    /// Rewrites the e-mail rows of a user from the e-mails of `view`.
    pub(super) async fn write_emails(
        &mut self,
        site: &SiteId,
        id: &UserId,
        view: &Map<String, Value>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM user_emails WHERE site_id = $1 AND user_id = $2")
            .bind(site.as_str())
            .bind(id.as_str())
            .execute(self.conn())
            .await?;
        self.insert_emails(site, id, &email_rows(view)).await
    }

    /// Inserts the e-mail rows of a user that has none.
    async fn insert_emails(
        &mut self,
        site: &SiteId,
        id: &UserId,
        emails: &[EmailRow],
    ) -> Result<(), StoreError> {
        let (site, id) = (site.as_str(), id.as_str());
        // In chunks: one INSERT for thousands of addresses would pass the
        // databases' limits on bound variables (SQLite's is 32,766).
        let mut position = 0_i64;
        for chunk in emails.chunks(EMAIL_CHUNK) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, $2, {})", placeholders(3 + i * 6, 6)))
                .collect();
            let sql = format!(
                "INSERT INTO user_emails (site_id, user_id, position, value, value_key, kind, \
                 kind_key, is_primary) VALUES {}",
                rows.join(", ")
            );
            let mut query =
                sqlx::query(AssertSqlSafe(sql)).bind(site.to_owned()).bind(id.to_owned());
            for email in chunk {
                query = query
                    .bind(position)
                    .bind(email.value.clone())
                    .bind(email.value_key())
                    .bind(email.kind.clone())
                    .bind(email.kind_key())
                    .bind(flag(email.primary));
                position += 1;
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }
}

/// The JSON text of a user's `scim_resource` column.
fn resource_text(user: &ScimUser) -> Option<String> {
    user.resource.as_ref().map(|resource| Value::Object(resource.clone()).to_string())
}

#[async_trait]
impl ScimUserRepo for Tx {
    async fn scim_user(
        &mut self,
        scope: &ScimScope,
        id: &UserId,
    ) -> Result<Option<ScimUser>, StoreError> {
        // The groups come in the same statement, as a JSON array: one
        // round trip instead of two for every read and write of a user.
        let groups = match self.dialect {
            Dialect::Sqlite => {
                "SELECT json_group_array(json_array(g.id, g.name) ORDER BY g.name_key, g.id)"
            }
            Dialect::Postgres => {
                "SELECT CAST(COALESCE(json_agg(json_build_array(g.id, g.name) \
                 ORDER BY g.name_key, g.id), '[]') AS TEXT)"
            }
        };
        let sql = format!(
            "SELECT {}, scim_resource, version, ({groups} FROM group_members m \
             JOIN groups g ON g.site_id = m.site_id AND g.id = m.group_id \
             WHERE m.site_id = u.site_id AND m.user_id = u.id \
             AND g.managed_by_provider_id = $2) AS member_of \
             FROM users u WHERE {USER_SCOPE} AND u.id = $3",
            user_columns!()
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(scope.site.as_str())
            .bind(scope.provider.as_str())
            .bind(id.as_str())
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut user = scim_user_from(&row)?;
        user.groups = member_of(&row, &user.user.id)?;
        Ok(Some(user))
    }

    async fn scim_user_by_username(
        &mut self,
        site: &SiteId,
        username: &Username,
    ) -> Result<Option<UserId>, StoreError> {
        let row = sqlx::query("SELECT id FROM users WHERE site_id = $1 AND username_key = $2")
            .bind(site.as_str())
            .bind(username.key())
            .fetch_optional(self.conn())
            .await?;
        row.map(|row| Ok(UserId::from_raw(row.try_get::<String, _>("id")?))).transpose()
    }

    async fn scim_users(
        &mut self,
        scope: &ScimScope,
        query: &ScimQuery,
    ) -> Result<ScimPage<ScimUser>, StoreError> {
        let columns = format!("{}, scim_resource, version", user_columns!());
        let (rows, total, bounds) =
            self.scim_page(&columns, "users u", USER_SCOPE, scope, query).await?;
        let mut items = rows.iter().map(scim_user_from).collect::<Result<Vec<_>, _>>()?;
        self.complete_users(scope, &mut items).await?;
        Ok(ScimPage { items, total, bounds })
    }

    async fn insert_scim_user(&mut self, user: &ScimUser) -> Result<(), StoreError> {
        let sql = concat!(
            "INSERT INTO users (",
            user_columns!(),
            ", scim_resource, scim_match, version, email_key, search_key) VALUES ($1, $2, $3, $4, \
             $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
             $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33)"
        );
        let view = user.attributes();
        bind_user(sqlx::query(sql), &user.user)
            .bind(resource_text(user))
            .bind(match_form(&view))
            .bind(user.version)
            .bind(email_key(&user.user))
            .bind(search_key(&user.user))
            .execute(self.conn())
            .await
            .map_err(|err| super::row::write_error(err, "username"))?;
        self.insert_emails(&user.user.site_id, &user.user.id, &email_rows(&view)).await
    }

    async fn update_scim_user(
        &mut self,
        user: &ScimUser,
        before: &ScimUser,
    ) -> Result<i64, StoreError> {
        let sql = "UPDATE users SET username = $3, username_key = $4, full_name = $5, \
             first_name = $6, last_name = $7, display_name = $8, email = $9, company = $10, \
             time_zone = $11, enabled = $12, auth_provider_id = $13, site_admin = $14, \
             readonly_site_admin = $15, two_factor = $16, webdav = $17, ftp = $18, sftp = $19, \
             external_id = $20, provisioned_by = $21, provisioned_by_provider_id = $22, \
             created_at = $23, updated_at = $24, last_login_at = $25, provisioning_state = $26, \
             provider_grants = $27, password_hash = $28, scim_resource = $29, scim_match = $30, \
             email_key = $31, search_key = $32, version = version + 1 \
             WHERE site_id = $1 AND id = $2 \
             RETURNING version";
        let view = user.attributes();
        let row = bind_user(sqlx::query(sql), &user.user)
            .bind(resource_text(user))
            .bind(match_form(&view))
            .bind(email_key(&user.user))
            .bind(search_key(&user.user))
            .fetch_optional(self.conn())
            .await
            .map_err(|err| super::row::write_error(err, "username"))?
            .ok_or_else(|| StoreError::Corrupt(format!("user {} vanished", user.user.id)))?;
        // Most changes (a PATCH of `active`, a new name) leave the
        // addresses as they were: then their rows stay too.
        if email_rows(&view) != email_rows(&before.attributes()) {
            self.write_emails(&user.user.site_id, &user.user.id, &view).await?;
        }
        // Deactivated (or moved out of scope) by the client: its sessions
        // end now, as `update_user` ends them.
        if super::users::barred(&user.user) && !super::users::barred(&before.user) {
            self.end_sessions(&user.user).await?;
        }
        Ok(row.try_get::<i64, _>("version")?)
    }
}

#[cfg(test)]
mod tests {
    use roster_scim::{parse_attr_path, parse_filter};
    use sqlx::Connection;

    use super::*;
    use crate::{Dialect, ListParams, PageAt};

    /// The SQLite query plan of a users page for `filter`.
    async fn plan(filter: &str, sort_by: Option<&str>, at: PageAt) -> String {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect("sqlite::memory:").await.unwrap();
        super::super::SQLITE_MIGRATIONS.run(&mut conn).await.unwrap();
        let filter = (!filter.is_empty()).then(|| parse_filter(filter).unwrap());
        let sort_by = sort_by.map(|s| parse_attr_path(s).unwrap());
        let offset = match at {
            PageAt::Offset(offset) => offset,
            PageAt::After(_) | PageAt::Before(_) => 0,
        };
        let params = ListParams {
            filter: filter.as_ref(),
            sort_by: sort_by.as_ref(),
            descending: false,
            at,
            limit: 100,
            known_total: None,
            base_url: None,
        };
        let query = ScimQuery::users(Dialect::Sqlite, params).unwrap();
        let sql = format!(
            "EXPLAIN QUERY PLAN {}",
            page_sql(user_columns!(), "users u", USER_SCOPE, &query)
        );
        let explained = bind_all(sqlx::query(AssertSqlSafe(sql)).bind("s").bind("p"), &query.binds);
        let rows = explained.bind(100i64).bind(offset as i64).fetch_all(&mut conn).await.unwrap();
        rows.iter()
            .map(|row| row.try_get::<String, _>("detail").unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The issue's indexed look-ups never scan the users table.
    #[tokio::test]
    async fn identity_provider_lookups_use_indexes() {
        let cases = [
            (r#"id eq "u1""#, "sqlite_autoindex_users_1"),
            (r#"userName eq "Bjensen@Example.com""#, "sqlite_autoindex_users_2"),
            (r#"externalId eq "00u1""#, "users_external_id"),
            (r#"emails.value eq "b@example.com""#, "user_emails_value"),
            (r#"emails[value eq "b@example.com"]"#, "user_emails_value"),
            ("", "users_created"),
        ];
        for (filter, index) in cases {
            let plan = plan(filter, None, PageAt::Offset(0)).await;
            assert!(plan.contains(index), "{filter}: {plan}");
            assert!(!plan.contains("SCAN u"), "{filter}: {plan}");
        }
        let deep_page = plan("", None, PageAt::Offset(19_900)).await;
        assert!(
            deep_page.contains("users_created") && !deep_page.contains("TEMP B-TREE"),
            "{deep_page}"
        );
    }

    /// A keyset page starts its walk of the index at the key (a range on
    /// the index, not a scan from the start) and sorts nothing: by
    /// creation, and by userName.
    #[tokio::test]
    async fn keyset_pages_seek_the_index_from_the_key() {
        let created = RowKey { value: SortValue::Int(1_700_000_000_000_000), id: "u9".into() };
        let name = RowKey { value: SortValue::Text("carol".into()), id: "u9".into() };
        let cases = [
            (
                None,
                PageAt::After(Some(created.clone())),
                "users_created (site_id=? AND (created_at,id)>(?,?))",
            ),
            (None, PageAt::Before(created), "users_created (site_id=? AND (created_at,id)<(?,?))"),
            (
                Some("userName"),
                PageAt::After(Some(name)),
                "sqlite_autoindex_users_2 (site_id=? AND username_key>?)",
            ),
        ];
        for (sort_by, at, wanted) in cases {
            let plan = plan("", sort_by, at).await;
            assert!(plan.contains(wanted), "{sort_by:?}: {plan}");
            assert!(
                !plan.contains("TEMP B-TREE") && !plan.contains("SCAN u"),
                "{sort_by:?}: {plan}"
            );
        }
    }
}
