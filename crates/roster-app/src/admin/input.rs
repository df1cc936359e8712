//! Shared pieces of admin request input: paging and optional values.

pub(crate) use crate::ids::opaque_id;

use roster_domain::{DisplayText, Email, TimeZoneName};
use roster_store::Page;
use serde::{Deserialize, Deserializer};

use super::AdminError;
use super::error::field;

/// `?offset=&limit=` of every list.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u64 = 50;
    pub const MAX_LIMIT: u64 = 500;

    pub(crate) fn page(self) -> Result<Page, AdminError> {
        let limit = self.limit.unwrap_or(Self::DEFAULT_LIMIT);
        if limit == 0 || limit > Self::MAX_LIMIT {
            return Err(AdminError::invalid(
                "limit",
                format!("must be between 1 and {} (got {limit})", Self::MAX_LIMIT),
            ));
        }
        let offset = self.offset.unwrap_or(0);
        if offset > i64::MAX as u64 {
            return Err(AdminError::invalid("offset", "is too large"));
        }
        Ok(Page { offset, limit })
    }
}

/// For fields of a PATCH body that can be cleared: absent is `None`, `null`
/// is `Some(None)`, a value is `Some(Some(value))`.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// For fields of a PATCH body that cannot be cleared: absent is `None`,
/// and `null` is an error (rather than silently meaning "no change").
pub(crate) fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

pub(crate) fn text(name: &str, raw: Option<&str>) -> Result<Option<DisplayText>, AdminError> {
    raw.map(|raw| field(name, DisplayText::parse(raw))).transpose()
}

pub(crate) fn email(name: &str, raw: Option<&str>) -> Result<Option<Email>, AdminError> {
    raw.map(|raw| field(name, Email::parse(raw))).transpose()
}

pub(crate) fn time_zone(name: &str, raw: Option<&str>) -> Result<Option<TimeZoneName>, AdminError> {
    raw.map(|raw| field(name, TimeZoneName::parse(raw))).transpose()
}

/// An opaque external identifier: any non-empty text without control
/// characters, at most 255 characters.
pub(crate) fn external_id(name: &str, raw: Option<&str>) -> Result<Option<String>, AdminError> {
    match raw {
        None => Ok(None),
        Some("") => Err(AdminError::invalid(name, "must not be empty (send null to clear it)")),
        Some(raw) if raw.chars().any(char::is_control) || raw.chars().count() > 255 => Err(
            AdminError::invalid(name, "must be at most 255 characters without control characters"),
        ),
        Some(raw) => Ok(Some(raw.to_owned())),
    }
}

/// Free text that may span lines (an XML document, a password) but never
/// holds a NUL byte, which PostgreSQL cannot store in text.
pub(crate) fn no_nul(name: &str, raw: &str) -> Result<(), AdminError> {
    if raw.contains('\0') {
        return Err(AdminError::invalid(name, "must not contain NUL characters"));
    }
    Ok(())
}
