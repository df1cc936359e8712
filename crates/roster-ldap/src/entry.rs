//! A search result entry read from its BER form without panicking: ldap3's
//! own `SearchEntry::construct` panics on malformed input, and what a
//! directory sends is not ours to trust.

use ldap3::asn1::StructureTag;

/// RFC 4511 §4.5.2: `SearchResultEntry ::= [APPLICATION 4] SEQUENCE`.
const SEARCH_RESULT_ENTRY: u64 = 4;

/// An entry's DN and its attributes with their raw values, in the order
/// the directory sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) dn: String,
    pub(crate) attributes: Vec<(String, Vec<Vec<u8>>)>,
}

impl Entry {
    /// Reads a `SearchResultEntry`, or says why it is malformed.
    pub(crate) fn from_tag(tag: StructureTag) -> Result<Entry, String> {
        let malformed = |what: &str| format!("a malformed search result entry ({what})");
        let mut parts = tag
            .match_id(SEARCH_RESULT_ENTRY)
            .and_then(StructureTag::expect_constructed)
            .ok_or_else(|| malformed("not an entry"))?
            .into_iter();
        let dn = parts
            .next()
            .and_then(StructureTag::expect_primitive)
            .ok_or_else(|| malformed("no DN"))?;
        let dn = String::from_utf8(dn).map_err(|_| malformed("a DN that is not UTF-8"))?;
        let list = parts
            .next()
            .and_then(StructureTag::expect_constructed)
            .ok_or_else(|| malformed("no attribute list"))?;
        let mut attributes = Vec::with_capacity(list.len());
        for attribute in list {
            let mut pair = attribute
                .expect_constructed()
                .ok_or_else(|| malformed("an attribute"))?
                .into_iter();
            let name = pair
                .next()
                .and_then(StructureTag::expect_primitive)
                .and_then(|name| String::from_utf8(name).ok())
                .ok_or_else(|| malformed("an attribute name"))?;
            let values = pair
                .next()
                .and_then(StructureTag::expect_constructed)
                .ok_or_else(|| malformed("attribute values"))?
                .into_iter()
                .map(StructureTag::expect_primitive)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| malformed("an attribute value"))?;
            attributes.push((name, values));
        }
        Ok(Entry { dn, attributes })
    }

    /// The values of the attribute described exactly by `name` (compared
    /// without case, as attribute descriptions are), none if absent.
    pub(crate) fn values(&self, name: &str) -> &[Vec<u8>] {
        self.attributes
            .iter()
            .find(|(described, _)| described.eq_ignore_ascii_case(name))
            .map_or(&[], |(_, values)| values.as_slice())
    }

    /// The first value of `name` as text; an error when it is not UTF-8,
    /// which every directory-string syntax requires.
    pub(crate) fn text(&self, name: &str) -> Result<Option<String>, String> {
        match self.values(name).first() {
            None => Ok(None),
            Some(value) => String::from_utf8(value.clone())
                .map(Some)
                .map_err(|_| format!("{}: {name} is not UTF-8", self.dn)),
        }
    }

    /// Every value of `name` as text, with the same UTF-8 rule.
    pub(crate) fn texts(&self, name: &str) -> Result<Vec<String>, String> {
        self.values(name)
            .iter()
            .map(|value| {
                String::from_utf8(value.clone())
                    .map_err(|_| format!("{}: {name} is not UTF-8", self.dn))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use ldap3::asn1::{ASNTag, OctetString, Sequence, Set, Tag, TagClass};

    use super::*;

    fn octets(bytes: &[u8]) -> Tag {
        Tag::OctetString(OctetString { inner: bytes.to_vec(), ..Default::default() })
    }

    fn entry_tag(dn: &[u8], attributes: Vec<Tag>) -> StructureTag {
        Tag::Sequence(Sequence {
            id: SEARCH_RESULT_ENTRY,
            class: TagClass::Application,
            inner: vec![
                octets(dn),
                Tag::Sequence(Sequence { inner: attributes, ..Default::default() }),
            ],
        })
        .into_structure()
    }

    fn attribute(name: &str, values: &[&[u8]]) -> Tag {
        Tag::Sequence(Sequence {
            inner: vec![
                octets(name.as_bytes()),
                Tag::Set(Set {
                    inner: values.iter().map(|v| octets(v)).collect(),
                    ..Default::default()
                }),
            ],
            ..Default::default()
        })
    }

    #[test]
    fn entries_keep_binary_and_text_values() {
        let tag = entry_tag(
            b"uid=a,dc=x",
            vec![
                attribute("uid", &[b"a"]),
                attribute("objectGUID", &[&[0xff, 0x00]]),
                attribute("mail", &[]),
            ],
        );
        let entry = Entry::from_tag(tag).unwrap();
        assert_eq!(entry.dn, "uid=a,dc=x");
        assert_eq!(entry.text("UID").unwrap().as_deref(), Some("a"));
        assert_eq!(entry.values("objectguid"), &[vec![0xff, 0x00]]);
        assert!(entry.text("objectGUID").unwrap_err().contains("not UTF-8"));
        assert_eq!(entry.text("mail").unwrap(), None);
        assert_eq!(entry.text("cn").unwrap(), None);
        assert_eq!(entry.texts("uid").unwrap(), ["a"]);
    }

    #[test]
    fn malformed_entries_are_errors_not_panics() {
        let not_an_entry =
            Tag::Sequence(Sequence { id: 5, class: TagClass::Application, inner: vec![] });
        assert!(Entry::from_tag(not_an_entry.into_structure()).is_err());
        let no_list = Tag::Sequence(Sequence {
            id: SEARCH_RESULT_ENTRY,
            class: TagClass::Application,
            inner: vec![octets(b"dc=x")],
        });
        assert!(Entry::from_tag(no_list.into_structure()).is_err());
        assert!(Entry::from_tag(entry_tag(&[0xc3, 0x28], vec![])).is_err());
        let bad_attribute = entry_tag(b"dc=x", vec![octets(b"uid")]);
        assert!(Entry::from_tag(bad_attribute).is_err());
    }
}
