//! Reading a verified assertion: its Issuer, the validity windows of its
//! Conditions and bearer confirmation (with a small skew), the Audience,
//! the Recipient, InResponseTo, the NameID and the attributes. The caller
//! hands over only an assertion that verified signatures cover, in the
//! tree they were verified in.

use jiff::Timestamp;
use uppsala::{Document, NodeId};

use crate::SamlError;
use crate::input::truncate;
use crate::response::{Assertion, CLOCK_SKEW, Expected};
use crate::xml::{self, ASSERTION};

const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// Encrypted parts of an assertion: only a whole encrypted assertion is
/// decrypted, and skipping them would silently drop a subject or values.
const ENCRYPTED_PARTS: [&str; 2] = ["EncryptedID", "EncryptedAttribute"];

pub(crate) fn same(what: &'static str, found: &str, expected: &str) -> Result<(), SamlError> {
    if found == expected {
        Ok(())
    } else {
        Err(SamlError::Mismatch { what, found: truncate(found), expected: expected.to_owned() })
    }
}

fn time(
    doc: &Document<'_>,
    node: NodeId,
    attribute: &'static str,
) -> Result<Option<Timestamp>, SamlError> {
    xml::attr(doc, node, attribute)
        .map(|raw| {
            raw.parse::<Timestamp>()
                .map_err(|_| SamlError::BadTime { what: attribute, value: truncate(raw) })
        })
        .transpose()
}

/// Checks a window `[not_before, not_on_or_after)` against now, with the
/// skew each way; returns its end.
fn window(
    not_before: Option<Timestamp>,
    not_on_or_after: Option<Timestamp>,
    now: Timestamp,
) -> Result<Option<Timestamp>, SamlError> {
    if let Some(start) = not_before
        && now.checked_add(CLOCK_SKEW).is_ok_and(|late| late < start)
    {
        return Err(SamlError::NotYetValid(start.to_string()));
    }
    if let Some(end) = not_on_or_after
        && now.checked_sub(CLOCK_SKEW).is_ok_and(|early| early >= end)
    {
        return Err(SamlError::Expired(end.to_string()));
    }
    Ok(not_on_or_after)
}

pub(crate) fn read_assertion(
    doc: &Document<'_>,
    assertion: NodeId,
    expected: &Expected<'_>,
    in_response_to: Option<String>,
) -> Result<Assertion, SamlError> {
    for local in ENCRYPTED_PARTS {
        if !xml::descendants(doc, assertion, ASSERTION, local).is_empty() {
            return Err(SamlError::EncryptedElement(local));
        }
    }
    let id = xml::attr(doc, assertion, "ID").ok_or(SamlError::Required("the assertion's ID"))?;
    let issuer =
        xml::child(doc, assertion, ASSERTION, "Issuer").ok_or(SamlError::Missing("Issuer"))?;
    let issuer = xml::text(doc, issuer)?;
    if let Some(idp) = expected.idp_entity_id {
        same("the assertion's Issuer", &issuer, idp)?;
    }

    // Conditions: the validity window and the audience.
    let conditions = xml::child(doc, assertion, ASSERTION, "Conditions")
        .ok_or(SamlError::Missing("Conditions"))?;
    let mut ends = Vec::new();
    ends.extend(window(
        time(doc, conditions, "NotBefore")?,
        time(doc, conditions, "NotOnOrAfter")?,
        expected.now,
    )?);
    let restrictions = xml::children(doc, conditions, ASSERTION, "AudienceRestriction");
    if restrictions.is_empty() {
        return Err(SamlError::Required("an AudienceRestriction"));
    }
    // Every restriction must admit this SP (SAML core §2.5.1.4).
    for restriction in restrictions {
        let audiences = xml::children(doc, restriction, ASSERTION, "Audience")
            .into_iter()
            .map(|node| xml::text(doc, node))
            .collect::<Result<Vec<_>, _>>()?;
        if !audiences.iter().any(|audience| audience == expected.sp_entity_id) {
            return Err(SamlError::Mismatch {
                what: "Audience",
                found: truncate(&audiences.join(", ")),
                expected: expected.sp_entity_id.to_owned(),
            });
        }
    }

    // The subject: its NameID, and a bearer confirmation for this ACS.
    let subject =
        xml::child(doc, assertion, ASSERTION, "Subject").ok_or(SamlError::Missing("Subject"))?;
    let name_id =
        xml::child(doc, subject, ASSERTION, "NameID").ok_or(SamlError::Missing("NameID"))?;
    let name_id_value = xml::text(doc, name_id).map_err(|_| SamlError::NameIdNotText)?;
    let name_id_value = name_id_value.trim().to_owned();
    if name_id_value.is_empty() {
        return Err(SamlError::Required("the NameID's value"));
    }
    let name_id_format = xml::attr(doc, name_id, "Format").map(str::to_owned);
    let confirmation = xml::children(doc, subject, ASSERTION, "SubjectConfirmation")
        .into_iter()
        .find(|&node| xml::attr(doc, node, "Method") == Some(BEARER))
        .ok_or(SamlError::Required("a bearer SubjectConfirmation"))?;
    let data = xml::child(doc, confirmation, ASSERTION, "SubjectConfirmationData")
        .ok_or(SamlError::Missing("SubjectConfirmationData"))?;
    let recipient = xml::attr(doc, data, "Recipient").ok_or(SamlError::Required("Recipient"))?;
    same("Recipient", recipient, expected.acs_url)?;
    let confirmed_until = time(doc, data, "NotOnOrAfter")?
        .ok_or(SamlError::Required("SubjectConfirmationData NotOnOrAfter"))?;
    ends.extend(window(time(doc, data, "NotBefore")?, Some(confirmed_until), expected.now)?);
    let confirmed_for = xml::attr(doc, data, "InResponseTo").map(str::to_owned);
    if confirmed_for != in_response_to {
        return Err(SamlError::Mismatch {
            what: "SubjectConfirmationData InResponseTo",
            found: truncate(confirmed_for.as_deref().unwrap_or("(none)")),
            expected: in_response_to.unwrap_or_else(|| "(none)".to_owned()),
        });
    }

    let session_index = xml::child(doc, assertion, ASSERTION, "AuthnStatement")
        .and_then(|statement| xml::attr(doc, statement, "SessionIndex"))
        .map(str::to_owned);
    let attributes = attributes(doc, assertion)?;
    let not_on_or_after = ends.into_iter().min().unwrap_or(confirmed_until);
    Ok(Assertion {
        id: id.to_owned(),
        issuer,
        name_id: name_id_value,
        name_id_format,
        in_response_to,
        session_index,
        attributes,
        not_on_or_after,
    })
}

fn attributes(
    doc: &Document<'_>,
    assertion: NodeId,
) -> Result<Vec<(String, Vec<String>)>, SamlError> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for statement in xml::children(doc, assertion, ASSERTION, "AttributeStatement") {
        for attribute in xml::children(doc, statement, ASSERTION, "Attribute") {
            let name = xml::attr(doc, attribute, "Name")
                .ok_or(SamlError::Required("an Attribute's Name"))?;
            let values = xml::children(doc, attribute, ASSERTION, "AttributeValue")
                .into_iter()
                .map(|value| xml::text(doc, value))
                .collect::<Result<Vec<_>, _>>()?;
            match out.iter_mut().find(|(existing, _)| existing == name) {
                Some((_, existing)) => existing.extend(values),
                None => out.push((name.to_owned(), values)),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_parts_of_an_assertion_are_refused_not_skipped() {
        let expected = Expected {
            idp_entity_id: None,
            sp_entity_id: "sp",
            acs_url: "acs",
            outstanding: &[],
            allow_unsolicited: true,
            allow_sha1: false,
            decryption_keys: &[],
            now: Timestamp::UNIX_EPOCH,
        };
        for (inside, part) in [
            ("<saml:Subject><saml:EncryptedID/></saml:Subject>", "EncryptedID"),
            (
                "<saml:AttributeStatement><saml:EncryptedAttribute/></saml:AttributeStatement>",
                "EncryptedAttribute",
            ),
        ] {
            let xml = format!(
                "<saml:Assertion xmlns:saml='{ASSERTION}' ID='a'><saml:Issuer>i</saml:Issuer>{inside}</saml:Assertion>"
            );
            let doc = uppsala::parse(&xml).unwrap();
            let assertion = doc.document_element().unwrap();
            assert_eq!(
                read_assertion(&doc, assertion, &expected, None),
                Err(SamlError::EncryptedElement(part))
            );
        }
    }
}
