//! What only Active Directory does: binary `objectGUID`s, the
//! `userAccountControl` flags, and ranged retrieval of large multi-valued
//! attributes ([MS-ADTS] §3.1.1.3.1.3.3: a group's `member` comes back as
//! `member;range=0-1499` and the rest must be asked for by range).

/// [MS-ADTS] §2.2.16: ACCOUNTDISABLE.
const ACCOUNT_DISABLE: i64 = 0x2;

/// An `objectGUID`'s 16 bytes as 32 lower-case hex digits, in the order the
/// directory sends them (not the mixed-endian braces form Windows shows):
/// the stable id of the record contract. `None` unless it is 16 bytes.
pub(crate) fn guid_hex(bytes: &[u8]) -> Option<String> {
    if bytes.len() != 16 {
        return None;
    }
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether a `userAccountControl` value has the ACCOUNTDISABLE bit. The
/// attribute is a signed 32-bit integer in the schema; a value that is not
/// an integer is an error rather than "enabled", so that a broken entry
/// never turns a disabled account on.
pub(crate) fn account_disabled(user_account_control: &str) -> Result<bool, String> {
    user_account_control
        .trim()
        .parse::<i64>()
        .map(|flags| flags & ACCOUNT_DISABLE != 0)
        .map_err(|_| format!("userAccountControl {user_account_control:?} is not an integer"))
}

/// One slice of a ranged attribute, from its description
/// (`member;range=0-1499`): the first index and the last, `None` for `*`,
/// which marks the final slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Range {
    pub(crate) low: u32,
    pub(crate) high: Option<u32>,
}

impl Range {
    /// The description that asks for what follows this slice
    /// (`member;range=1500-*`), or `None` when this was the last one.
    pub(crate) fn next_request(&self, attribute: &str) -> Option<String> {
        let high = self.high?;
        Some(format!("{attribute};range={}-*", high.checked_add(1)?))
    }
}

/// The range of `description` when it is `attribute;range=LOW-HIGH` (the
/// attribute compared without case, as attribute names are).
pub(crate) fn parse_range(description: &str, attribute: &str) -> Option<Range> {
    let (name, options) = description.split_once(';')?;
    if !name.eq_ignore_ascii_case(attribute) {
        return None;
    }
    let bounds = options.split(';').find_map(|option| {
        option.get(..6).filter(|p| p.eq_ignore_ascii_case("range=")).map(|_| &option[6..])
    })?;
    let (low, high) = bounds.split_once('-')?;
    let low = low.parse().ok()?;
    let high = match high {
        "*" => None,
        digits => Some(digits.parse().ok().filter(|high| *high >= low)?),
    };
    Some(Range { low, high })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_hex_in_wire_order() {
        let bytes: Vec<u8> = (0..16).map(|b| b * 17).collect();
        assert_eq!(guid_hex(&bytes).unwrap(), "00112233445566778899aabbccddeeff");
        assert_eq!(guid_hex(&[0xAB; 16]).unwrap(), "ab".repeat(16));
        assert_eq!(guid_hex(&[1; 15]), None);
        assert_eq!(guid_hex(&[1; 17]), None);
    }

    #[test]
    fn the_disabled_bit_is_read_from_user_account_control() {
        assert_eq!(account_disabled("512"), Ok(false)); // NORMAL_ACCOUNT
        assert_eq!(account_disabled("514"), Ok(true)); // NORMAL_ACCOUNT | ACCOUNTDISABLE
        assert_eq!(account_disabled("66050"), Ok(true)); // ... | DONT_EXPIRE_PASSWORD
        assert_eq!(account_disabled("66048"), Ok(false));
        assert_eq!(account_disabled("-2147483646"), Ok(true));
        assert!(account_disabled("enabled").is_err());
        assert!(account_disabled("").is_err());
    }

    #[test]
    fn ranges_are_parsed_and_followed() {
        let first = parse_range("member;range=0-1499", "member").unwrap();
        assert_eq!(first, Range { low: 0, high: Some(1499) });
        assert_eq!(first.next_request("member").unwrap(), "member;range=1500-*");
        let last = parse_range("Member;Range=1500-*", "member").unwrap();
        assert_eq!(last, Range { low: 1500, high: None });
        assert_eq!(last.next_request("member"), None);
    }

    #[test]
    fn other_descriptions_are_not_ranges() {
        for description in [
            "member",
            "memberOf;range=0-10",
            "member;binary",
            "member;range=",
            "member;range=5",
            "member;range=a-b",
            "member;range=10-5",
            "member;range=-1-5",
        ] {
            assert_eq!(parse_range(description, "member"), None, "{description}");
        }
        let wrapped = Range { low: 0, high: Some(u32::MAX) };
        assert_eq!(wrapped.next_request("member"), None);
    }
}
