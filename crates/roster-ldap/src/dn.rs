//! Distinguished names in their string form (RFC 4514), compared the way
//! a directory compares them: a group's `member` values name users in
//! whatever spelling the writer chose (`UID=JDoe, OU=People,...`), while
//! the user's own entry comes back as `uid=jdoe,ou=people,...`.
//!
//! The comparison form lowercases attribute types and values (the naming
//! attributes in practice, `cn`, `uid`, `ou`, `dc`, `o`, match without
//! case), drops the insignificant spaces around separators, decodes every
//! escape and writes the one canonical escape back, and orders the parts of
//! a multi-valued RDN. It is a key, never sent to a directory.

/// The comparison form of `dn`: equal for two DNs that a directory with
/// case-insensitive naming attributes considers the same entry. A DN that
/// does not parse (an unpaired quote, an RDN without `=`) is returned
/// lowercased and trimmed, so it still equals only itself.
pub fn dn_key(dn: &str) -> String {
    match parse(dn) {
        Some(rdns) => rdns.iter().map(|rdn| rdn.join("+")).collect::<Vec<_>>().join(","),
        None => dn.trim().to_lowercase(),
    }
}

/// A `uniqueMember` value (nameAndOptionalUID syntax, RFC 4517 §3.3.21)
/// without its optional `#'0101'B` unique-identifier suffix.
pub(crate) fn without_optional_uid(value: &str) -> &str {
    let Some(rest) = value.strip_suffix("'B") else {
        return value;
    };
    match rest.rfind("#'") {
        Some(at) if rest[at + 2..].bytes().all(|b| b == b'0' || b == b'1') => &value[..at],
        _ => value,
    }
}

/// The RDNs of `dn`, each a sorted list of canonical `type=value` parts;
/// `None` when it is malformed. The empty DN has no RDNs.
fn parse(dn: &str) -> Option<Vec<Vec<String>>> {
    let mut rdns = Vec::new();
    let mut rdn = Vec::new();
    let mut chars = dn.chars().peekable();
    if dn.trim().is_empty() {
        return Some(rdns);
    }
    loop {
        let attribute = attribute_type(&mut chars)?;
        let value = attribute_value(&mut chars)?;
        rdn.push(format!("{attribute}={}", escape(&value)));
        match chars.next() {
            Some('+') => continue,
            Some(',' | ';') => {
                rdn.sort();
                rdns.push(std::mem::take(&mut rdn));
            }
            None => {
                rdn.sort();
                rdns.push(rdn);
                return Some(rdns);
            }
            Some(_) => return None,
        }
    }
}

/// The attribute type before `=`, lowercased, without surrounding spaces.
fn attribute_type(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut name = String::new();
    for c in chars.by_ref() {
        if c == '=' {
            let name = name.trim().to_lowercase();
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            return valid.then_some(name);
        }
        name.push(c);
    }
    None
}

/// The value after `=`, up to an unescaped separator (left unread),
/// decoded and lowercased, without the spaces RFC 4514 §3 ignores.
fn attribute_value(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    while chars.next_if_eq(&' ').is_some() {}
    if chars.next_if_eq(&'"').is_some() {
        return quoted_value(chars);
    }
    let mut bytes = Vec::new();
    // Bytes up to here end with an escaped character, so the spaces after
    // it are significant.
    let mut significant = 0;
    while let Some(&c) = chars.peek() {
        match c {
            ',' | ';' | '+' => break,
            '\\' => {
                chars.next();
                escaped(chars, &mut bytes)?;
                significant = bytes.len();
            }
            _ => {
                chars.next();
                let mut buffer = [0; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                if c != ' ' {
                    significant = bytes.len();
                }
            }
        }
    }
    bytes.truncate(significant);
    String::from_utf8(bytes).ok().map(|value| value.to_lowercase())
}

/// RFC 2253's quoted value, which RFC 4514 readers still accept.
fn quoted_value(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut bytes = Vec::new();
    loop {
        match chars.next()? {
            '"' => break,
            '\\' => escaped(chars, &mut bytes)?,
            c => {
                let mut buffer = [0; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    while chars.next_if_eq(&' ').is_some() {}
    String::from_utf8(bytes).ok().map(|value| value.to_lowercase())
}

/// After a backslash: two hex digits are one byte, any other character
/// stands for itself.
fn escaped(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    bytes: &mut Vec<u8>,
) -> Option<()> {
    let first = chars.next()?;
    if let Some(high) = first.to_digit(16) {
        let low = chars.next()?.to_digit(16)?;
        bytes.push(u8::try_from(high * 16 + low).ok()?);
    } else {
        let mut buffer = [0; 4];
        bytes.extend_from_slice(first.encode_utf8(&mut buffer).as_bytes());
    }
    Some(())
}

/// RFC 4514 §2.4: the characters that must be escaped, escaped one way.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (index, c) in value.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=' | '\0')
            || (index == 0 && (c == ' ' || c == '#'))
            || (index == last && c == ' ');
        if special {
            out.push_str(&format!("\\{:02x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_spaces_do_not_matter() {
        assert_eq!(
            dn_key("UID=JDoe, OU=People ,DC=Example,DC=org"),
            "uid=jdoe,ou=people,dc=example,dc=org"
        );
        assert_eq!(
            dn_key("uid=jdoe,ou=people,dc=example,dc=org"),
            dn_key("uid=JDOE;ou=People;dc=EXAMPLE;dc=ORG")
        );
    }

    #[test]
    fn escapes_are_decoded_and_written_one_way() {
        let escaped_comma = dn_key(r"cn=Doe\, John,dc=example");
        assert_eq!(escaped_comma, dn_key(r"cn=doe\2C john,dc=example"));
        assert_eq!(escaped_comma, dn_key(r#"cn="Doe, John",dc=example"#));
        assert_eq!(escaped_comma, r"cn=doe\2c john,dc=example");
        assert_ne!(escaped_comma, dn_key("cn=Doe,cn=John,dc=example"));
        // UTF-8 written as hex pairs is the character itself.
        assert_eq!(dn_key(r"cn=J\C3\BCrgen,dc=example"), dn_key("cn=JÜRGEN,dc=example"));
    }

    #[test]
    fn escaped_spaces_stay_and_plain_edge_spaces_go() {
        assert_eq!(dn_key(r"cn=a\ ,dc=x"), r"cn=a\20,dc=x");
        assert_eq!(dn_key("cn= a ,dc=x"), "cn=a,dc=x");
        assert_ne!(dn_key(r"cn=a\ ,dc=x"), dn_key("cn=a,dc=x"));
        assert_eq!(dn_key(r"cn=\#1,dc=x"), r"cn=\231,dc=x");
    }

    #[test]
    fn multi_valued_rdns_compare_in_any_order() {
        assert_eq!(dn_key("cn=a+uid=b,dc=x"), dn_key("UID=B + CN=A,dc=x"));
        assert_ne!(dn_key("cn=a+uid=b,dc=x"), dn_key("cn=a,uid=b,dc=x"));
    }

    #[test]
    fn malformed_dns_equal_only_themselves() {
        assert_eq!(dn_key(" Not A DN "), "not a dn");
        assert_eq!(dn_key(r#"cn="open,dc=x"#), r#"cn="open,dc=x"#);
        assert_eq!(dn_key("cn=a\\"), "cn=a\\");
        assert_eq!(dn_key(""), "");
    }

    #[test]
    fn unique_member_uids_are_dropped() {
        assert_eq!(without_optional_uid("uid=a,dc=x#'0101'B"), "uid=a,dc=x");
        assert_eq!(without_optional_uid("uid=a,dc=x#''B"), "uid=a,dc=x");
        assert_eq!(without_optional_uid("uid=a,dc=x"), "uid=a,dc=x");
        assert_eq!(without_optional_uid("uid=a#'2'B"), "uid=a#'2'B");
        assert_eq!(without_optional_uid("cn=it'B"), "cn=it'B");
    }
}
