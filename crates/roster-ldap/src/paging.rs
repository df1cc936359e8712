//! Searches over a bound connection: a subtree search read page by page
//! with the simple paged results control (RFC 2696), and the base-object
//! reads that ranged retrieval needs.
//!
//! All or nothing: every entry of every page, or an error. A directory
//! that stops early (a size limit without paging, an administrative limit,
//! a lost connection, a timeout between two messages) fails the search;
//! nothing partial is returned. The paging loop is written here rather than
//! with ldap3's `PagedResults` adapter because the adapter parses the
//! server's control with panics on malformed input.

use std::time::Duration;

use ldap3::asn1::{StructureTag, parse_tag};
use ldap3::controls::{PagedResults, RawControl};
use ldap3::{Ldap, Scope};

use crate::LdapError;
use crate::entry::Entry;
use crate::outcome::describe;

/// RFC 2696's control type.
const PAGED_RESULTS_OID: &str = "1.2.840.113556.1.4.319";

/// Where and what to search.
pub(crate) struct Query<'a> {
    pub(crate) base: &'a str,
    pub(crate) filter: &'a str,
    pub(crate) attributes: &'a [String],
}

/// Every entry under `query.base` matching its filter, `page_size` at a
/// time. The control is not critical: a server without paging answers
/// everything at once, and if its size limit cuts that short the result
/// code says so and the search fails.
pub(crate) async fn paged_search(
    ldap: &mut Ldap,
    query: &Query<'_>,
    page_size: i32,
    timeout: Duration,
) -> Result<Vec<Entry>, LdapError> {
    let mut entries = Vec::new();
    let mut cookie = Vec::new();
    loop {
        let control = RawControl::from(PagedResults { size: page_size, cookie });
        ldap.with_controls(control).with_timeout(timeout);
        let (page, controls) = read(ldap, Scope::Subtree, query).await?;
        entries.extend(page);
        let Some(paged) = controls.iter().find(|c| c.ctype == PAGED_RESULTS_OID) else {
            return Ok(entries);
        };
        cookie = paged
            .val
            .as_deref()
            .and_then(cookie_of)
            .ok_or_else(|| LdapError::Search("a malformed paged results control".into()))?;
        if cookie.is_empty() {
            return Ok(entries);
        }
    }
}

/// The entry at `dn` with `attributes`, or `None` when the search found
/// nothing there.
pub(crate) async fn read_entry(
    ldap: &mut Ldap,
    dn: &str,
    attributes: &[String],
    timeout: Duration,
) -> Result<Option<Entry>, LdapError> {
    ldap.with_timeout(timeout);
    let query = Query { base: dn, filter: "(objectClass=*)", attributes };
    let (entries, _) = read(ldap, Scope::Base, &query).await?;
    Ok(entries.into_iter().next())
}

/// One search operation to its end: its entries and the controls of its
/// result, or an error when it did not end in success.
async fn read(
    ldap: &mut Ldap,
    scope: Scope,
    query: &Query<'_>,
) -> Result<(Vec<Entry>, Vec<RawControl>), LdapError> {
    let lost = |e: ldap3::LdapError| LdapError::Search(format!("under {}: {e}", query.base));
    let mut stream = ldap
        .streaming_search(query.base, scope, query.filter, query.attributes)
        .await
        .map_err(lost)?;
    let mut entries = Vec::new();
    while let Some(item) = stream.next().await.map_err(lost)? {
        // Continuation references point into other naming contexts (Active
        // Directory's DomainDnsZones); a sync reads only its base DN's
        // server, so they are not followed.
        if item.is_ref() || item.is_intermediate() {
            continue;
        }
        entries.push(Entry::from_tag(item.0).map_err(LdapError::Search)?);
    }
    let result = stream.finish().await;
    if result.rc != 0 {
        return Err(LdapError::Search(format!("under {}: {}", query.base, describe(&result))));
    }
    Ok((entries, result.ctrls.into_iter().map(|control| control.1).collect()))
}

/// RFC 2696 §2: `realSearchControlValue ::= SEQUENCE { size INTEGER,
/// cookie OCTET STRING }`; the cookie, or `None` when malformed.
fn cookie_of(value: &[u8]) -> Option<Vec<u8>> {
    let (_, tag) = parse_tag(value).ok()?;
    let mut parts = tag.expect_constructed()?.into_iter();
    let _estimate = parts.next()?;
    parts.next().and_then(StructureTag::expect_primitive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_the_control_value() {
        // What ldap3 writes for a request is what a server answers with.
        let value = |size, cookie: &[u8]| {
            RawControl::from(PagedResults { size, cookie: cookie.to_vec() }).val.unwrap()
        };
        assert_eq!(cookie_of(&value(500, b"\x01\x02abc")).unwrap(), b"\x01\x02abc");
        assert_eq!(cookie_of(&value(0, b"")).unwrap(), b"");
        assert_eq!(cookie_of(&[]), None);
        assert_eq!(cookie_of(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
        assert_eq!(cookie_of(&[0x04, 0x01, 0x00]), None);
        assert_eq!(cookie_of(&[0x30, 0x80]), None);
    }
}
