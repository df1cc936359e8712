//! `dateTime` values (RFC 7643 §2.3.5) read as instants, so that filters
//! compare them as points in time and not as text.
//!
//! The accepted form is what is both an `xsd:dateTime` (RFC 7643 §2.3.5)
//! and an RFC 3339 `date-time`:
//! `YYYY-MM-DD "T" hh:mm:ss [.fraction] ("Z" / ("+" / "-") hh:mm)`, year
//! 0001 or later, upper-case `T` and `Z`, no leap second, offsets up to
//! 14:59. A value without an offset names no instant and is refused. These
//! are the rules the filter resolver's date check applies too, so a date a
//! filter accepts is one that compares. No clock is read: this is
//! arithmetic on the text alone.

/// A point in time: seconds since 1970-01-01T00:00:00Z and nanoseconds.
/// Two spellings of the same instant (`Z` and `+00:00`, or different
/// offsets) compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Instant {
    seconds: i64,
    nanos: u32,
}

/// The instant `text` names, or `None` when it is not an RFC 3339
/// `date-time`.
pub(crate) fn parse(text: &str) -> Option<Instant> {
    let mut cursor = Cursor { bytes: text.as_bytes(), at: 0 };
    let year = cursor.digits(4)?;
    cursor.expect(b'-')?;
    let month = cursor.digits(2)?;
    cursor.expect(b'-')?;
    let day = cursor.digits(2)?;
    if cursor.next()? != b'T' {
        return None;
    }
    let hour = cursor.digits(2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2)?;
    cursor.expect(b':')?;
    let second = cursor.digits(2)?;
    let mut nanos = 0u32;
    if cursor.peek() == Some(b'.') {
        cursor.at += 1;
        let mut count = 0;
        while let Some(digit) = cursor.peek().filter(u8::is_ascii_digit) {
            cursor.at += 1;
            // Digits past the ninth are below a nanosecond: ignored.
            if count < 9 {
                nanos = nanos * 10 + u32::from(digit - b'0');
            }
            count += 1;
        }
        if count == 0 {
            return None;
        }
        for _ in count..9 {
            nanos *= 10;
        }
    }
    let offset = match cursor.next()? {
        b'Z' => 0,
        sign @ (b'+' | b'-') => {
            let hours = cursor.digits(2)?;
            cursor.expect(b':')?;
            let minutes = cursor.digits(2)?;
            if hours > 14 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    if cursor.at != cursor.bytes.len() {
        return None;
    }
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(Instant { seconds, nanos })
}

/// Reads fixed-width ASCII fields.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// Exactly `count` decimal digits, as a number.
    fn digits(&mut self, count: usize) -> Option<i64> {
        let mut value = 0i64;
        for _ in 0..count {
            let digit = self.next().filter(u8::is_ascii_digit)?;
            value = value * 10 + i64::from(digit - b'0');
        }
        Some(value)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian
/// calendar (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(text: &str) -> i64 {
        parse(text).unwrap().seconds
    }

    #[test]
    fn instants_match_known_epoch_seconds() {
        assert_eq!(seconds("1970-01-01T00:00:00Z"), 0);
        assert_eq!(seconds("2011-05-13T04:42:34Z"), 1_305_261_754);
        assert_eq!(seconds("2000-02-29T00:00:00Z"), 951_782_400);
        assert_eq!(seconds("1969-12-31T23:59:59Z"), -1);
        assert_eq!(seconds("0001-01-01T00:00:00Z"), -62_135_596_800);
        assert_eq!(seconds("2011-05-13T04:42:34+14:59"), 1_305_261_754 - 14 * 3600 - 59 * 60);
    }

    #[test]
    fn offsets_and_fractions_name_the_same_instant() {
        assert_eq!(parse("2011-05-13T04:42:34Z"), parse("2011-05-13T06:42:34+02:00"));
        assert_eq!(parse("2011-05-13T04:42:34Z"), parse("2011-05-12T23:42:34-05:00"));
        assert_eq!(parse("2011-05-13T04:42:34.5Z"), parse("2011-05-13T04:42:34.500000000Z"));
        assert!(parse("2011-05-13T04:42:34.1Z") > parse("2011-05-13T04:42:34.09999999999Z"));
    }

    #[test]
    fn other_text_is_refused() {
        for text in [
            "",
            "2011-05-13",
            "2011-05-13T04:42:34",
            "2011-05-13 04:42:34Z",
            "2011-5-13T04:42:34Z",
            "2011-05-13T04:42Z",
            "2011-05-13T04:42:34.Z",
            "2011-05-13T04:42:34+0200",
            "2011-05-13T04:42:34+15:00",
            "2011-05-13t04:42:34Z",
            "2011-05-13T04:42:34z",
            "0000-01-01T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2011-13-01T00:00:00Z",
            "2011-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2011-04-31T00:00:00Z",
            "2011-05-13T24:00:00Z",
            "2011-05-13T04:60:00Z",
            "2011-05-13T04:42:61Z",
            "2011-05-13T04:42:34Zjunk",
            "+2011-05-13T04:42:34Z",
            "２０１１-05-13T04:42:34Z",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
        assert!(parse("2000-02-29T00:00:00Z").is_some());
    }
}
