//! Sort keys (RFC 7644 §3.4.2.3): the order of a list for `sortBy`, as
//! `ORDER BY` lists, and the primary-else-first value of multi-valued
//! attributes.

use roster_scim::{AttrPath, ScimError};

use super::{Compiler, MANAGED_GROUP, MANAGED_USER, Rows, Scalar, Target, quoted};
use crate::Dialect;

/// The order of a list: rows sort by a value, then by id, both in one
/// direction; rows whose value is unassigned (`NULL`) come after the
/// others when ascending and before them when descending, on SQLite and
/// PostgreSQL alike (each places `NULL` its own way by default, so the
/// order says where). The keyset conditions of [`super::keyset`] follow
/// exactly this order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Order {
    /// The SQL of the value rows sort by first: the `sortBy` attribute's,
    /// else the creation time.
    pub(crate) value: String,
    /// `value` as it is compared: text in code point order on both
    /// databases (`COLLATE "C"` on PostgreSQL, SQLite's default).
    pub(crate) compared: String,
    /// Whether `value` can be `NULL`.
    pub(crate) nullable: bool,
    /// Whether `value` is text (else an integer) on this order's database;
    /// a keyset key must be of that type.
    pub(crate) text: bool,
    /// The row's id, the tiebreaker that makes every key unique.
    pub(crate) id: String,
    pub(crate) descending: bool,
}

impl Order {
    /// The `ORDER BY` list, in the order's direction or, `reversed`, in
    /// the opposite one (to read the rows before a key).
    pub(crate) fn order_by(&self, reversed: bool) -> String {
        let direction = if self.descending != reversed { "DESC" } else { "ASC" };
        let Order { value, compared, id, .. } = self;
        if self.nullable {
            format!("({value}) IS NULL {direction}, {compared} {direction}, {id} {direction}")
        } else {
            format!("{compared} {direction}, {id} {direction}")
        }
    }
}

impl Compiler {
    /// The order for `sortBy` (RFC 7644 §3.4.2.3): unassigned values last
    /// when ascending, first when descending; then the id, so that pages
    /// never overlap.
    ///
    /// Without `sortBy`, pages follow creation order. When a filter narrows
    /// the rows, the creation time is wrapped (`+ 0`) so that the planner
    /// picks the filter's index (`userName`, `externalId`, ...) rather than
    /// walking the creation index to avoid a sort of a few rows.
    pub(crate) fn order(
        &mut self,
        sort_by: Option<&AttrPath>,
        descending: bool,
        filtered: bool,
    ) -> Result<Order, ScimError> {
        let row = self.row();
        let id = format!("{row}.id");
        let Some(path) = sort_by else {
            let created = if filtered {
                format!("({row}.created_at + 0)")
            } else {
                format!("{row}.created_at")
            };
            return Ok(Order {
                compared: created.clone(),
                value: created,
                nullable: false,
                text: false,
                id,
                descending,
            });
        };
        let (value, scalar) =
            match self.target(path).map_err(|err| ScimError::invalid_value(err.detail))? {
                Target::Scalar(scalar) => (self.sort_key(&scalar, row), scalar),
                Target::Complex { attribute, .. } => {
                    return Err(ScimError::invalid_value(format!(
                        "cannot sort by {}, a complex attribute; sort by one of its \
                         sub-attributes",
                        attribute.name
                    )));
                }
                // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its
                // primary value, else its first.
                Target::Rows { rows, attribute, sub } => {
                    let sub = sub.or_else(|| attribute.sub("value")).ok_or_else(|| {
                        ScimError::invalid_value(format!("cannot sort by {path}"))
                    })?;
                    let element = self
                        .element(rows, sub)
                        .map_err(|err| ScimError::invalid_value(err.detail))?;
                    let key = self.sort_key(&element, "el");
                    (self.first_value(rows, &key), element)
                }
            };
        // A JSON-held boolean is text on PostgreSQL (`'false'`, `'true'`,
        // in that order under any collation) and an integer on SQLite.
        let text = !matches!(
            (&scalar, self.dialect),
            (Scalar::Time { .. } | Scalar::Flag { .. }, _)
                | (Scalar::JsonFlag { .. }, Dialect::Sqlite)
        );
        let compared = match self.dialect {
            Dialect::Postgres if text => format!("{value} COLLATE \"C\""),
            Dialect::Sqlite | Dialect::Postgres => value.clone(),
        };
        let nullable = !never_null(&value, row);
        Ok(Order { value, compared, nullable, text, id, descending })
    }

    /// The value a scalar sorts by.
    fn sort_key(&self, scalar: &Scalar, row: &str) -> String {
        match scalar {
            // Case-insensitive values are stored folded: they sort as such.
            Scalar::Text { expr }
            | Scalar::Key { expr }
            | Scalar::Flag { expr }
            | Scalar::JsonFlag { expr }
            | Scalar::Time { expr } => expr.clone(),
            Scalar::Constant(..) => format!("{row}.id"),
        }
    }

    /// The sort key of the primary (else first) row of a multi-valued
    /// attribute, as a scalar subquery; `key` reads the element `el`.
    fn first_value(&self, rows: Rows, key: &str) -> String {
        match (rows, self.dialect) {
            (Rows::Emails, _) => format!(
                "(SELECT {key} FROM user_emails el WHERE el.site_id = u.site_id \
                 AND el.user_id = u.id ORDER BY el.is_primary DESC, el.position LIMIT 1)"
            ),
            (Rows::UserGroups, _) => format!(
                "(SELECT {key} FROM group_members el JOIN groups eg ON eg.site_id = el.site_id \
                 AND eg.id = el.group_id WHERE el.site_id = u.site_id AND el.user_id = u.id \
                 AND {MANAGED_GROUP} ORDER BY eg.name_key, eg.id LIMIT 1)"
            ),
            (Rows::UserMembers | Rows::GroupMembers, _) => format!(
                "(SELECT {key} FROM group_members el JOIN users eu ON eu.site_id = el.site_id \
                 AND eu.id = el.user_id WHERE el.site_id = g.site_id AND el.group_id = g.id \
                 AND {MANAGED_USER} ORDER BY eu.username_key, eu.id LIMIT 1)"
            ),
            (Rows::Json(name), Dialect::Sqlite) => format!(
                "(SELECT {key} FROM json_each(u.scim_match, {}) el \
                 ORDER BY COALESCE(json_extract(el.value, '$.primary'), 0) DESC, el.key LIMIT 1)",
                quoted(&format!("$.\"{name}\""))
            ),
            (Rows::Json(name), Dialect::Postgres) => format!(
                "(SELECT {key} FROM jsonb_array_elements(COALESCE(u.scim_match::jsonb -> {}, \
                 '[]'::jsonb)) WITH ORDINALITY el(value, n) \
                 ORDER BY COALESCE(el.value ->> 'primary', 'false') = 'true' DESC, el.n LIMIT 1)",
                quoted(name)
            ),
        }
    }
}

/// Whether a sort value is a column of the row that the schema declares
/// `NOT NULL`. Such an order needs no `IS NULL` term, so that an index on
/// the column (the username's, the group name's) serves both the order and
/// the keyset condition.
fn never_null(value: &str, row: &str) -> bool {
    let declared: &[&str] = match row {
        "u" => &["id", "created_at", "updated_at", "username_key"],
        _ => &["id", "created_at", "updated_at", "name_key"],
    };
    value
        .strip_prefix(row)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|column| declared.contains(&column))
}
