//! Keyset conditions (issue 20): the rows that come after a row's key in a
//! list's [`Order`], so that a page reads on from where the last one ended
//! with no `OFFSET`, and a row created or deleted meanwhile shifts no other.
//!
//! A row's place in the order is the tuple (value is `NULL`, value, id),
//! every part in the order's direction, as [`Order::order_by`] sorts it.
//! The id makes keys unique, so "after" is strict and no row is read twice.
//! The pair (value, id) is compared as a row value, which both SQLite and
//! PostgreSQL match against an index on the two columns.

use roster_scim::{ScimError, ScimType};

use super::sort::Order;
use super::{Bind, Compiler};
use crate::scim_api::{RowKey, SortValue};

impl Compiler {
    /// The condition for the rows after `key` in `order`; `reversed`, for
    /// those before it (read in the reversed order).
    ///
    /// A key whose value is not of the order's type was not read from
    /// this order (only a hand-built cursor could hold one): it is refused
    /// as `invalidCursor` on both databases alike, though SQLite could
    /// compare it (in its order of types) where PostgreSQL could not.
    pub(crate) fn after(
        &mut self,
        order: &Order,
        key: &RowKey,
        reversed: bool,
    ) -> Result<String, ScimError> {
        let fits = match &key.value {
            SortValue::Null => true,
            SortValue::Text(_) => order.text,
            SortValue::Int(_) => !order.text,
            SortValue::Real(_) => false,
        };
        if !fits {
            return Err(ScimError::bad_request(
                ScimType::InvalidCursor,
                "the cursor does not belong to this query; start again without a cursor value",
            ));
        }
        let ascending = order.descending == reversed;
        let op = if ascending { ">" } else { "<" };
        let Order { value, compared, id, .. } = order;
        let at_value = self.bind_value(&key.value);
        let at_id = self.bind(Bind::Text(key.id.clone()));
        let Some(at_value) = at_value else {
            // The key has no value: ascending, only rows without a value
            // and a later id follow it; descending, those and every row
            // with a value.
            return Ok(if ascending {
                format!("(({value}) IS NULL AND {id} {op} {at_id})")
            } else {
                format!("(({value}) IS NOT NULL OR {id} {op} {at_id})")
            });
        };
        let beyond = format!("({compared}, {id}) {op} ({at_value}, {at_id})");
        Ok(match (order.nullable, ascending) {
            (false, _) => format!("({beyond})"),
            // Rows without a value come last when ascending.
            (true, true) => format!("(({value}) IS NULL OR {beyond})"),
            // And first when descending, so none of them follows a value.
            (true, false) => format!("(({value}) IS NOT NULL AND {beyond})"),
        })
    }

    /// The placeholder of a key's value, bound with its own SQL type;
    /// `None` for `NULL`, which no comparison matches.
    fn bind_value(&mut self, value: &SortValue) -> Option<String> {
        match value {
            SortValue::Null => None,
            SortValue::Int(number) => Some(self.bind(Bind::Int(*number))),
            SortValue::Real(number) => Some(self.bind(Bind::Real(*number))),
            SortValue::Text(text) => Some(self.bind(Bind::Text(text.clone()))),
        }
    }
}
