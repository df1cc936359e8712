//! Shared pieces of admin request input: paging and optional values.

pub(crate) use crate::ids::opaque_id;

use roster_domain::{DisplayText, Email, TimeZoneName};
use roster_store::Page;
use serde::{Deserialize, Deserializer};

use super::AdminError;
use super::error::field;
use utoipa::IntoParams;

/// `?offset=&limit=` of every list.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
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

/// A duration written as minutes, hours or days (`90m`, `24h`, `7d`, or
/// `0`), at most `max`.
pub(crate) fn duration(
    name: &str,
    raw: &str,
    max: jiff::SignedDuration,
) -> Result<jiff::SignedDuration, AdminError> {
    let bad = || {
        AdminError::invalid(
            name,
            format!(
                "{raw:?} is not a duration such as 30m, 24h or 7d (at most {}d)",
                max.as_hours() / 24
            ),
        )
    };
    if raw == "0" {
        return Ok(jiff::SignedDuration::ZERO);
    }
    let (number, unit_seconds) = [("m", 60), ("h", 3600), ("d", 86_400)]
        .into_iter()
        .find_map(|(unit, seconds)| raw.strip_suffix(unit).map(|number| (number, seconds)))
        .ok_or_else(bad)?;
    let number: i64 = number.parse().map_err(|_| bad())?;
    number
        .checked_mul(unit_seconds)
        .map(jiff::SignedDuration::from_secs)
        .filter(|duration| !duration.is_negative() && *duration <= max)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;

    #[test]
    fn durations_in_minutes_hours_and_days() {
        let max = SignedDuration::from_hours(90 * 24);
        assert_eq!(duration("d", "90m", max).unwrap(), SignedDuration::from_mins(90));
        assert_eq!(duration("d", "24h", max).unwrap(), SignedDuration::from_hours(24));
        assert_eq!(duration("d", "90d", max).unwrap(), max);
        assert_eq!(duration("d", "0", max).unwrap(), SignedDuration::ZERO);
        for bad in ["91d", "-1d", "1é", "é", "d", "", "7", "1w", "99999999999999999d", " 1d"] {
            let err = duration("overlap", bad, max).unwrap_err();
            assert!(
                matches!(err, AdminError::Invalid { ref field, ref message } if field == "overlap" && message.contains("at most 90d")),
                "{bad:?}: {err:?}"
            );
        }
    }
}
