//! Reading typed values out of rows and turning write errors into
//! [`StoreError`]s. Booleans are stored as 0/1 and times as microseconds
//! since the Unix epoch (see the migrations).

use jiff::Timestamp;
use roster_domain::InvalidValue;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;

pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

pub(crate) fn micros(time: Timestamp) -> i64 {
    time.as_microsecond()
}

pub(crate) fn opt_micros(time: Option<Timestamp>) -> Option<i64> {
    time.map(micros)
}

/// Maps a failed write: a unique violation means `what` is taken, a
/// foreign-key violation a broken reference.
pub(crate) fn write_error(err: sqlx::Error, what: &'static str) -> StoreError {
    if let Some(db) = err.as_database_error() {
        if db.is_unique_violation() {
            return StoreError::Conflict { what };
        }
        if db.is_foreign_key_violation() {
            return StoreError::Reference(db.message().to_owned());
        }
    }
    StoreError::Database(err)
}

/// A row with column accessors that report which column was bad.
pub(crate) struct Cols<'r>(pub(crate) &'r AnyRow);

impl Cols<'_> {
    pub(crate) fn text(&self, col: &str) -> Result<String, StoreError> {
        Ok(self.0.try_get::<String, _>(col)?)
    }

    pub(crate) fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        Ok(self.0.try_get::<Option<String>, _>(col)?)
    }

    pub(crate) fn int(&self, col: &str) -> Result<i64, StoreError> {
        Ok(self.0.try_get::<i64, _>(col)?)
    }

    pub(crate) fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.0.try_get::<Option<i64>, _>(col)?)
    }

    pub(crate) fn flag(&self, col: &str) -> Result<bool, StoreError> {
        Ok(self.int(col)? != 0)
    }

    pub(crate) fn time(&self, col: &str) -> Result<Timestamp, StoreError> {
        to_time(col, self.int(col)?)
    }

    pub(crate) fn opt_time(&self, col: &str) -> Result<Option<Timestamp>, StoreError> {
        self.opt_int(col)?.map(|value| to_time(col, value)).transpose()
    }

    /// A text column parsed into a domain type.
    pub(crate) fn parsed<T>(
        &self,
        col: &str,
        parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    ) -> Result<T, StoreError> {
        let raw = self.text(col)?;
        parse(&raw).map_err(|err| corrupt(col, &raw, &err))
    }

    /// A nullable text column parsed into a domain type.
    pub(crate) fn opt_parsed<T>(
        &self,
        col: &str,
        parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
    ) -> Result<Option<T>, StoreError> {
        match self.opt_text(col)? {
            None => Ok(None),
            Some(raw) => parse(&raw).map(Some).map_err(|err| corrupt(col, &raw, &err)),
        }
    }
}

fn to_time(col: &str, value: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(value)
        .map_err(|err| StoreError::Corrupt(format!("{col}: {value} is not a time: {err}")))
}

fn corrupt(col: &str, raw: &str, err: &InvalidValue) -> StoreError {
    StoreError::Corrupt(format!("{col} = {raw:?}: {err}"))
}

/// `LIMIT` and `OFFSET` as the signed integers SQL binds.
pub(crate) fn limit_offset(page: crate::Page) -> (i64, i64) {
    (i64::try_from(page.limit).unwrap_or(i64::MAX), i64::try_from(page.offset).unwrap_or(i64::MAX))
}

/// Reads a `SELECT COUNT(*)` result.
pub(crate) fn count_of(row: &AnyRow) -> Result<u64, StoreError> {
    let count = row.try_get::<i64, _>(0)?;
    u64::try_from(count).map_err(|_| StoreError::Corrupt(format!("a count of {count}")))
}
