//! Change marks: what an entry's `uSNChanged` or `modifyTimestamp` becomes
//! as a [`Watermark`], and the filter clause that reads what changed since.
//!
//! A watermark is stored as text and compared as text (its `Ord`), so each
//! kind is written in a fixed-width form whose text order is its order:
//!
//! - Active Directory's `uSNChanged`, an unsigned 64-bit counter, as 20
//!   digits with leading zeros (`00000000000000012345`).
//! - OpenLDAP's `modifyTimestamp`, a generalized time in UTC, as
//!   `YYYYMMDDHHMMSSZ`, fractions of a second dropped.
//!
//! The two kinds never compare with each other: one provider has one
//! server type, and a mark of the other kind is refused.
//!
//! Reads since a mark use `>=`: entries changed in the mark's own second
//! (OpenLDAP) or with the mark's own counter (Active Directory) come again,
//! so a change made just after a read is never missed. A sync sees some
//! entries twice and must treat them as unchanged.

use crate::{ServerType, Watermark};

/// Digits in the decimal form of `u64::MAX`.
const USN_WIDTH: usize = 20;

/// The mark of an entry's raw change attribute, or why it has none.
pub(crate) fn mark(server_type: ServerType, raw: &str) -> Result<Watermark, String> {
    match server_type {
        ServerType::ActiveDirectory => usn(raw).map(|n| Watermark(format!("{n:0USN_WIDTH$}"))),
        ServerType::OpenLdap => utc_seconds(raw).map(Watermark),
    }
}

/// The filter clause selecting entries changed at or after `since`; the
/// mark is checked first, since it is put into a filter as it is.
pub(crate) fn since_clause(server_type: ServerType, since: &Watermark) -> Result<String, String> {
    match server_type {
        ServerType::ActiveDirectory => usn(&since.0).map(|n| format!("(uSNChanged>={n})")),
        ServerType::OpenLdap => {
            utc_seconds(&since.0).map(|time| format!("(modifyTimestamp>={time})"))
        }
    }
}

fn usn(raw: &str) -> Result<u64, String> {
    let valid =
        !raw.is_empty() && raw.len() <= USN_WIDTH && raw.bytes().all(|b| b.is_ascii_digit());
    valid
        .then(|| raw.parse().ok())
        .flatten()
        .ok_or_else(|| format!("{raw:?} is not a uSNChanged counter"))
}

/// A generalized time (RFC 4517 §3.3.13) in UTC with seconds, and an
/// optional fraction, as `YYYYMMDDHHMMSSZ`. Times with an offset, or
/// without seconds, are refused: directories write modifyTimestamp in UTC
/// with seconds, and converting would need a calendar for no gain.
fn utc_seconds(raw: &str) -> Result<String, String> {
    let refuse = || format!("{raw:?} is not a UTC generalized time (YYYYMMDDHHMMSSZ)");
    let body = raw.strip_suffix('Z').ok_or_else(refuse)?;
    let (seconds, fraction) = match body.split_once(['.', ',']) {
        Some((seconds, fraction)) => (seconds, Some(fraction)),
        None => (body, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if seconds.len() != 14 || !digits(seconds) {
        return Err(refuse());
    }
    if fraction.is_some_and(|f| f.is_empty() || !digits(f)) {
        return Err(refuse());
    }
    let field = |range: std::ops::Range<usize>| seconds[range].parse::<u32>().unwrap_or(u32::MAX);
    let in_range = (1..=12).contains(&field(4..6))
        && (1..=31).contains(&field(6..8))
        && field(8..10) <= 23
        && field(10..12) <= 59
        // 60: a leap second.
        && field(12..14) <= 60;
    if !in_range {
        return Err(refuse());
    }
    Ok(format!("{seconds}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ad(raw: &str) -> Watermark {
        mark(ServerType::ActiveDirectory, raw).unwrap()
    }

    fn openldap(raw: &str) -> Watermark {
        mark(ServerType::OpenLdap, raw).unwrap()
    }

    #[test]
    fn usn_marks_order_as_numbers() {
        assert_eq!(ad("12345").0, "00000000000000012345");
        assert!(ad("9") < ad("10"));
        assert!(ad("999999") < ad("1000000"));
        assert_eq!(ad("18446744073709551615").0, "18446744073709551615");
        assert_eq!(ad("007"), ad("7"));
    }

    #[test]
    fn timestamp_marks_order_as_times() {
        assert_eq!(openldap("20240305101112Z").0, "20240305101112Z");
        assert_eq!(openldap("20240305101112.123456Z").0, "20240305101112Z");
        assert_eq!(openldap("20240305101112,5Z").0, "20240305101112Z");
        assert!(openldap("20240305101112Z") < openldap("20240305101113.0Z"));
        assert!(openldap("20231231235959Z") < openldap("20240101000000Z"));
    }

    #[test]
    fn bad_change_values_are_refused() {
        for raw in ["", "-1", "1e3", " 12", "184467440737095516150", "18446744073709551616"] {
            assert!(mark(ServerType::ActiveDirectory, raw).is_err(), "{raw:?}");
        }
        for raw in [
            "",
            "20240305101112",
            "20240305101112+0100",
            "202403051011Z",
            "20241305101112Z",
            "20240305241112Z",
            "20240305101112.Z",
            "2024030510111xZ",
            "20240305101112.5aZ",
        ] {
            assert!(mark(ServerType::OpenLdap, raw).is_err(), "{raw:?}");
        }
    }

    #[test]
    fn since_clauses_hold_only_checked_marks() {
        let usn = Watermark("00000000000000012345".into());
        assert_eq!(since_clause(ServerType::ActiveDirectory, &usn).unwrap(), "(uSNChanged>=12345)");
        let time = Watermark("20240305101112Z".into());
        assert_eq!(
            since_clause(ServerType::OpenLdap, &time).unwrap(),
            "(modifyTimestamp>=20240305101112Z)"
        );
        // A mark of the other kind, or one carrying filter syntax, is refused.
        assert!(since_clause(ServerType::ActiveDirectory, &time).is_err());
        assert!(since_clause(ServerType::OpenLdap, &usn).is_err());
        let injected = Watermark("1)(objectClass=*".into());
        assert!(since_clause(ServerType::ActiveDirectory, &injected).is_err());
        assert!(since_clause(ServerType::OpenLdap, &injected).is_err());
    }
}
