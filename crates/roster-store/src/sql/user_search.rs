//! The administrators' user search: `users.search_key` (migration 0019),
//! how it is written, the one query that filters and pages it, and the
//! completion of rows stored before the column existed.
//!
//! The query is built from fixed fragments, each naming its own `$n`
//! placeholder; what an administrator typed is only ever bound. Text is
//! found with a position function over folded values (`instr`, `strpos`),
//! never `LIKE`, so `%` and `_` need no escaping and both dialects agree
//! beyond ASCII (ARCHITECTURE.md: values folded in Rust, no `LOWER()`).

use roster_domain::{SiteId, User};
use sqlx::AssertSqlSafe;

use super::row::{count_of, limit_offset};
use super::users::user_from;
use super::{Dialect, Store, Tx};
use crate::{AdminRole, Listed, Page, StoreError, Transaction, UserFilter, UserState};

/// Users completed per transaction when the store opens.
const BATCH: i64 = 500;

/// What `users.search_key` holds: the searched fields folded, one per
/// line. A search text has no line feed, so no match spans two fields.
pub(super) fn search_key(user: &User) -> String {
    let names = [&user.full_name, &user.first_name, &user.last_name, &user.display_name];
    let fields = std::iter::once(user.username.as_str())
        .chain(user.email.as_ref().map(|email| email.as_str()))
        .chain(names.into_iter().flatten().map(|name| name.as_str()));
    fields.map(roster_scim::fold).collect::<Vec<_>>().join("\n")
}

/// A bound value of the search.
enum Value {
    Text(String),
    Int(i64),
}

impl Tx {
    pub(super) async fn user_search_page(
        &mut self,
        site: &SiteId,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Listed<User>, StoreError> {
        let (conditions, values) = conditions(self.dialect, filter);
        let count_sql = format!("SELECT COUNT(*) FROM users WHERE {conditions}");
        let mut count = sqlx::query(AssertSqlSafe(count_sql)).bind(site.as_str());
        for value in &values {
            count = bind(count, value);
        }
        let total = count_of(&count.fetch_one(self.conn()).await?)?;
        let next = values.len() + 2;
        let rows_sql = format!(
            "SELECT {} FROM users WHERE {conditions} ORDER BY created_at, id LIMIT ${next} \
             OFFSET ${}",
            user_columns!(),
            next + 1
        );
        let (limit, offset) = limit_offset(page);
        let mut rows = sqlx::query(AssertSqlSafe(rows_sql)).bind(site.as_str());
        for value in &values {
            rows = bind(rows, value);
        }
        let rows = rows.bind(limit).bind(offset).fetch_all(self.conn()).await?;
        let items = rows.iter().map(user_from).collect::<Result<_, _>>()?;
        Ok(Listed { items, total })
    }
}

/// The `WHERE` clause of a search and the values its placeholders take,
/// after the site's `$1`.
fn conditions(dialect: Dialect, filter: &UserFilter) -> (String, Vec<Value>) {
    // Pending users are outside their provider's filters: never listed.
    let mut conditions = vec!["site_id = $1", "provisioning_state <> 'pending'"]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let mut values = Vec::new();
    // The placeholder a value takes: after the site's `$1`, in order.
    let bound = |value: Value, values: &mut Vec<Value>| {
        values.push(value);
        values.len() + 1
    };
    if let Some(text) = &filter.text {
        let n = bound(Value::Text(roster_scim::fold(text)), &mut values);
        conditions.push(match dialect {
            Dialect::Sqlite => format!("instr(search_key, ${n}) > 0"),
            Dialect::Postgres => format!("strpos(search_key, ${n}) > 0"),
        });
    }
    if let Some(provider) = &filter.provider {
        let n = bound(Value::Text(provider.as_str().to_owned()), &mut values);
        conditions.push(format!("(auth_provider_id = ${n} OR provisioned_by_provider_id = ${n})"));
    }
    if let Some(source) = filter.source {
        let n = bound(Value::Text(source.as_str().to_owned()), &mut values);
        conditions.push(format!("provisioned_by = ${n}"));
    }
    if let Some(state) = filter.state {
        let (column, value) = match state {
            UserState::Enabled => ("enabled", Value::Int(1)),
            UserState::Disabled => ("enabled", Value::Int(0)),
            UserState::Released => ("provisioning_state", Value::Text("released".to_owned())),
        };
        let n = bound(value, &mut values);
        conditions.push(format!("{column} = ${n}"));
    }
    if let Some(role) = filter.role {
        let column = match role {
            AdminRole::SiteAdmin => "site_admin",
            AdminRole::ReadonlySiteAdmin => "readonly_site_admin",
        };
        conditions.push(format!("{column} = 1"));
    }
    (conditions.join(" AND "), values)
}

fn bind<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    value: &Value,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    match value {
        Value::Text(text) => query.bind(text.clone()),
        Value::Int(number) => query.bind(*number),
    }
}

/// Fills `users.search_key` of every row stored before migration 0019, a
/// batch per transaction; returns how many. Instances of one PostgreSQL
/// database that start together take different rows (`SKIP LOCKED`), and
/// the work is idempotent.
pub(super) async fn complete(dialect: Dialect, writer: &sqlx::AnyPool) -> Result<u64, StoreError> {
    let store = Store::new(dialect, writer.clone(), writer.clone());
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let select = format!(
        "SELECT {} FROM users WHERE search_key IS NULL LIMIT {BATCH}{lock}",
        user_columns!()
    );
    let mut total = 0;
    loop {
        let mut tx = store.write().await?;
        let rows = sqlx::query(AssertSqlSafe(select.clone())).fetch_all(tx.conn()).await?;
        for row in &rows {
            let user = user_from(row)?;
            sqlx::query("UPDATE users SET search_key = $3 WHERE site_id = $1 AND id = $2")
                .bind(user.site_id.as_str())
                .bind(user.id.as_str())
                .bind(search_key(&user))
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await?;
        if rows.is_empty() {
            break;
        }
        total += rows.len() as u64;
    }
    if total > 0 {
        tracing::info!(users = total, "completed the search keys of users stored before 0019");
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(filter: &UserFilter) -> (String, usize) {
        let (sql, values) = conditions(Dialect::Postgres, filter);
        (sql, values.len())
    }

    #[test]
    fn an_empty_filter_is_the_plain_listing() {
        let (sql, values) = sql(&UserFilter::default());
        assert_eq!(sql, "site_id = $1 AND provisioning_state <> 'pending'");
        assert_eq!(values, 0);
    }

    #[test]
    fn typed_text_is_bound_never_written_into_the_sql() {
        let filter = UserFilter {
            text: Some("x' OR 1=1 --%_".to_owned()),
            provider: Some(roster_domain::ProviderId::from_raw("p1".to_owned())),
            state: Some(UserState::Disabled),
            role: Some(AdminRole::SiteAdmin),
            ..UserFilter::default()
        };
        let (sql, values) = sql(&filter);
        assert_eq!(
            sql,
            "site_id = $1 AND provisioning_state <> 'pending' AND strpos(search_key, $2) > 0 \
             AND (auth_provider_id = $3 OR provisioned_by_provider_id = $3) AND enabled = $4 \
             AND site_admin = 1"
        );
        assert_eq!(values, 3);
        let (sqlite, _) = conditions(Dialect::Sqlite, &filter);
        assert!(sqlite.contains("instr(search_key, $2) > 0"), "{sqlite}");
    }
}
