//! RFC 9865 cursors for keyset paging (issue 20): where the next (or
//! previous) page of a list starts, as an opaque, tamper-evident string.
//!
//! A cursor holds a row's key in the list's order (its sort value and
//! id; the page starts just after it, or for `previousCursor` just before
//! it), or no key for the first row, and the number of matching rows that
//! the walk's first page counted, which later pages repeat as
//! `totalResults` rather than count the directory again on every page.
//!
//! The text is base64url without padding (RFC 9865 §2 allows only
//! unreserved characters) of a 16-byte tag followed by a JSON array:
//! `[1, "a" | "b", total]` for the first row, else
//! `[1, "a" | "b", total, id, kind, value]`, where `kind` keeps the value's
//! SQL type exactly: `"n"` (null), `"i"` (integer), `"r"` (a float as its
//! IEEE 754 bits) or `"t"` (text). The tag is the start of an HMAC-SHA-256,
//! keyed with the server's cursor secret, over the query the cursor belongs
//! to and the JSON, so a cursor that was altered, cut short, built by hand
//! or sent with another filter, sort or resource type is refused with
//! `400 invalidCursor` (RFC 9865 §2) instead of paging somewhere
//! meaningless. The key is one random secret per database (the store's
//! `server_secret`, created by the first instance that pages), not per
//! instance, so that a walk may move between instances behind a load
//! balancer; it never leaves the database and the server.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use roster_scim::{ScimError, ScimType};
use roster_store::{PageAt, RowKey, SortValue};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The format of the JSON part, so that a later one can be told apart.
const VERSION: u64 = 1;

/// How many bytes of the HMAC-SHA-256 a cursor carries.
const TAG_LEN: usize = 16;

/// What the cursor secret is stored under (the store's `server_secret`).
pub(crate) const SECRET_NAME: &str = "scim_cursor";

/// The HMAC key of cursors: the SHA-256 of the stored secret.
#[derive(Clone)]
pub(crate) struct CursorKey([u8; 32]);

impl CursorKey {
    pub(crate) fn from_secret(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }
}

/// Where a cursor resumes a list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resume {
    /// The rows after a key, or from the first row.
    After(Option<RowKey>),
    /// The rows just before a key: the page before the one it opened.
    Before(RowKey),
}

impl From<Resume> for PageAt {
    fn from(resume: Resume) -> Self {
        match resume {
            Resume::After(key) => PageAt::After(key),
            Resume::Before(key) => PageAt::Before(key),
        }
    }
}

/// What a cursor says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cursor {
    pub(crate) resume: Resume,
    /// `totalResults` as the walk's first page counted it.
    pub(crate) total: u64,
}

/// The cursor text for `cursor` within the query described by `query`,
/// tagged with `secret` (see [`decode`]).
pub(crate) fn encode(cursor: &Cursor, query: &str, secret: &CursorKey) -> String {
    let (direction, key) = match &cursor.resume {
        Resume::After(key) => ("a", key.as_ref()),
        Resume::Before(key) => ("b", Some(key)),
    };
    let mut fields = vec![json!(VERSION), json!(direction), json!(cursor.total)];
    if let Some(key) = key {
        let (kind, value) = match &key.value {
            SortValue::Null => ("n", Value::Null),
            SortValue::Int(number) => ("i", json!(number)),
            SortValue::Real(number) => ("r", json!(number.to_bits())),
            SortValue::Text(text) => ("t", json!(text)),
        };
        fields.extend([json!(key.id), json!(kind), value]);
    }
    let body = Value::Array(fields).to_string().into_bytes();
    let mut bytes = mac(secret, query, &body).finalize().into_bytes()[..TAG_LEN].to_vec();
    bytes.extend(body);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The cursor a text holds, if this server issued it (its tag made with
/// `key`) for the query described by `query`: the same resource type,
/// filter and sort.
pub(crate) fn decode(text: &str, query: &str, key: &CursorKey) -> Result<Cursor, ScimError> {
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| refused())?;
    let (given, body) = bytes.split_at_checked(TAG_LEN).ok_or_else(refused)?;
    // In constant time.
    mac(key, query, body).verify_truncated_left(given).map_err(|_| refused())?;
    let fields: Vec<Value> = serde_json::from_slice(body).map_err(|_| refused())?;
    parse(&fields).ok_or_else(refused)
}

/// The answer to a cursor this server did not issue for the query.
pub(crate) fn refused() -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidCursor,
        "the cursor is not one this server issued for this query (the same filter, sortBy and \
         sortOrder); start again without a cursor value",
    )
}

/// The HMAC-SHA-256 of a cursor's body within its query, keyed with `key`.
fn mac(key: &CursorKey, query: &str, body: &[u8]) -> Hmac<Sha256> {
    // A key shorter than the hash's block is zero-padded to it (RFC 2104
    // §2); done here so that no constructor has a length to refuse.
    let mut block = Key::<Hmac<Sha256>>::default();
    block[..key.0.len()].copy_from_slice(&key.0);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block);
    mac.update(b"roster SCIM cursor\0");
    mac.update(query.as_bytes());
    mac.update(b"\0");
    mac.update(body);
    mac
}

/// The fields of the JSON part, checked exactly: any other shape is not
/// a cursor this server wrote.
fn parse(fields: &[Value]) -> Option<Cursor> {
    let (version, direction, total, key) = match fields {
        [version, direction, total] => (version, direction, total, None),
        [version, direction, total, id, kind, value] => {
            (version, direction, total, Some(row_key(id, kind, value)?))
        }
        _ => return None,
    };
    if version.as_u64() != Some(VERSION) {
        return None;
    }
    let resume = match (direction.as_str()?, key) {
        ("a", key) => Resume::After(key),
        ("b", Some(key)) => Resume::Before(key),
        _ => return None,
    };
    Some(Cursor { resume, total: total.as_u64()? })
}

fn row_key(id: &Value, kind: &Value, value: &Value) -> Option<RowKey> {
    let value = match (kind.as_str()?, value) {
        ("n", Value::Null) => SortValue::Null,
        ("i", number) => SortValue::Int(number.as_i64()?),
        ("r", bits) => SortValue::Real(f64::from_bits(bits.as_u64()?)),
        ("t", Value::String(text)) => SortValue::Text(text.clone()),
        _ => return None,
    };
    Some(RowKey { value, id: id.as_str()?.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "User\nuserName sw \"a\"\nname.familyName\nascending";

    fn secret() -> CursorKey {
        CursorKey::from_secret("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    }

    /// A cursor tagged with another key (another server's, or the unkeyed
    /// SHA-256 checksum cursors had before) is refused: a client cannot
    /// make one that this server takes.
    #[test]
    fn a_cursor_is_bound_to_its_key() {
        let other = CursorKey::from_secret("another server");
        for cursor in every_kind() {
            let text = encode(&cursor, QUERY, &other);
            let err = decode(&text, QUERY, &secret()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidCursor), "{text}");
        }
        let body = b"[1,\"a\",3]";
        let mut hash = Sha256::new();
        hash.update(b"roster SCIM cursor\0");
        hash.update(QUERY.as_bytes());
        hash.update(b"\0");
        hash.update(body);
        for len in [8, TAG_LEN] {
            let mut bytes = hash.clone().finalize()[..len].to_vec();
            bytes.extend(body);
            let err = decode(&URL_SAFE_NO_PAD.encode(bytes), QUERY, &secret()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidCursor));
        }
        // The same body under the right key is taken: the refusals above
        // are the key's doing.
        let tag = mac(&secret(), QUERY, body).finalize().into_bytes();
        let mut bytes = tag[..TAG_LEN].to_vec();
        bytes.extend(body);
        assert!(decode(&URL_SAFE_NO_PAD.encode(bytes), QUERY, &secret()).is_ok());
    }

    fn key(value: SortValue) -> RowKey {
        RowKey { value, id: "0b6f7c3e-users-id".into() }
    }

    fn every_kind() -> Vec<Cursor> {
        let values = [
            SortValue::Null,
            SortValue::Int(i64::MIN),
            SortValue::Int(1_733_450_000_123_456),
            SortValue::Real(-0.1),
            SortValue::Real(f64::MAX),
            SortValue::Text(String::new()),
            SortValue::Text("Zoë \"O'Brien\" \\ 𝄞 \u{7f}".into()),
        ];
        let mut cursors = vec![Cursor { resume: Resume::After(None), total: 0 }];
        for value in values {
            cursors.push(Cursor { resume: Resume::After(Some(key(value.clone()))), total: 7 });
            cursors.push(Cursor { resume: Resume::Before(key(value)), total: u64::MAX });
        }
        cursors
    }

    #[test]
    fn cursors_round_trip_exactly() {
        for cursor in every_kind() {
            let text = encode(&cursor, QUERY, &secret());
            assert!(
                text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{text}"
            );
            assert_eq!(decode(&text, QUERY, &secret()).unwrap(), cursor);
        }
    }

    #[test]
    fn a_cursor_is_bound_to_its_query() {
        for cursor in every_kind() {
            let text = encode(&cursor, QUERY, &secret());
            for other in ["", "Group\nuserName sw \"a\"\nname.familyName\nascending", "User\n\n\n"]
            {
                let err = decode(&text, other, &secret()).unwrap_err();
                assert_eq!(err.scim_type, Some(ScimType::InvalidCursor), "{other}");
            }
        }
    }

    #[test]
    fn altered_or_foreign_cursors_are_refused() {
        let text = encode(
            &Cursor { resume: Resume::After(Some(key(SortValue::Int(5)))), total: 3 },
            QUERY,
            &secret(),
        );
        let mut forged: Vec<String> = Vec::new();
        // Every single character changed, every prefix, and more appended.
        for (at, c) in text.char_indices() {
            let other = if c == 'A' { 'B' } else { 'A' };
            forged.push(format!("{}{other}{}", &text[..at], &text[at + 1..]));
            forged.push(text[..at].to_owned());
        }
        forged.push(format!("{text}AA"));
        // Offsets of the cursors before keyset paging, and junk.
        for old in ["roster:100", "roster:18446744073709551615"] {
            forged.push(URL_SAFE_NO_PAD.encode(old));
        }
        forged.extend(["x", "!!", "AAAA", "eyJvIjo5OTk5OTk5OTk5OTk5OTk5OTl9"].map(str::to_owned));
        for bad in forged {
            let err = decode(&bad, QUERY, &secret()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidCursor), "{bad}");
            assert_eq!(err.status.code(), 400);
        }
    }

    /// A tag that matches over a body of the wrong shape (which only a
    /// hand-built cursor can have) is refused all the same.
    #[test]
    fn well_tagged_nonsense_is_refused() {
        let bodies = [
            "[]",
            "[2,\"a\",1]",
            "[1,\"b\",1]",
            "[1,\"c\",1]",
            "[1,\"a\",-1]",
            "[1,\"a\",1,\"id\",\"i\",1.5]",
            "[1,\"a\",1,\"id\",\"t\",5]",
            "[1,\"a\",1,\"id\",\"n\",0]",
            "[1,\"a\",1,7,\"i\",5]",
            "[1,\"a\",1,\"id\",\"x\",5]",
            "{\"v\":1}",
        ];
        for body in bodies {
            let tag = mac(&secret(), QUERY, body.as_bytes()).finalize().into_bytes();
            let mut bytes = tag[..TAG_LEN].to_vec();
            bytes.extend(body.as_bytes());
            let err = decode(&URL_SAFE_NO_PAD.encode(bytes), QUERY, &secret()).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidCursor), "{body}");
        }
    }
}
