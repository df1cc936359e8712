//! A SAML Response received at the ACS (HTTP-POST binding), validated as
//! hostile input: the gate of `input.rs`, one assertion, a success status,
//! the signatures of `signature.rs`, then every condition an SP must check
//! (Destination, Issuer, Audience, Recipient, validity windows with a
//! small skew, InResponseTo), reading the subject and attributes only from
//! the assertion the verified signatures cover. Replays are refused by the
//! caller, which keeps the ids of accepted assertions until they expire.

use jiff::{SignedDuration, Timestamp};
use uppsala::{Document, NodeId};

use crate::SamlError;
use crate::input::{self, truncate};
use crate::signature::{IdpKeys, covered_assertion};
use crate::xml::{self, ASSERTION, PROTOCOL, XMLENC};

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// The clock skew allowed each way on every validity window: IdP and SP
/// clocks drift, and a minute and a half covers it without keeping an
/// expired assertion usable for long.
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_secs(90);

/// What the SP expects of a response.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The IdP's entity id, when known (from its metadata): the Issuer of
    /// the response and the assertion must be it. Trust by certificate
    /// fingerprint knows no entity id; the key identifies the IdP then.
    pub idp_entity_id: Option<&'a str>,
    /// The SP's entity id: the assertion's Audience.
    pub sp_entity_id: &'a str,
    /// The ACS URL the response was posted to: its Destination and the
    /// bearer confirmation's Recipient.
    pub acs_url: &'a str,
    /// The request ids this SP has outstanding with the IdP.
    pub outstanding: &'a [&'a str],
    /// Whether a response to no request (IdP-initiated sign-in) is
    /// accepted.
    pub allow_unsolicited: bool,
    /// Whether RSA-SHA1 signatures and SHA-1 digests are accepted.
    pub allow_sha1: bool,
    pub now: Timestamp,
}

/// What a validated response says, read from the signed assertion only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// The assertion's ID: the caller's replay cache keeps it until
    /// `not_on_or_after`.
    pub id: String,
    pub issuer: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    /// The request this answers; `None` for an IdP-initiated sign-in.
    pub in_response_to: Option<String>,
    pub session_index: Option<String>,
    /// Attribute name and its values, in the order sent.
    pub attributes: Vec<(String, Vec<String>)>,
    /// Until when the assertion could be used (the earliest of its
    /// windows).
    pub not_on_or_after: Timestamp,
}

/// Validates the `SAMLResponse` form value of a POST to the ACS.
pub fn validate_post(
    encoded: &str,
    keys: &IdpKeys,
    expected: &Expected<'_>,
) -> Result<Assertion, SamlError> {
    let text = input::decode_post(encoded)?;
    validate_xml(&text, keys, expected)
}

/// The request a posted response says it answers, read before any
/// validation: only to find which outstanding request (and so which
/// provider) to validate it against. Nothing else may be read from an
/// unvalidated response.
pub fn claimed_request(encoded: &str) -> Result<Option<String>, SamlError> {
    let text = input::decode_post(encoded)?;
    let doc = input::parse(&text)?;
    let response = response_element(&doc)?;
    Ok(xml::attr(&doc, response, "InResponseTo").map(str::to_owned))
}

/// Validates a response document (already decoded).
pub fn validate_xml(
    text: &str,
    keys: &IdpKeys,
    expected: &Expected<'_>,
) -> Result<Assertion, SamlError> {
    let doc = input::parse(text)?;
    let response = response_element(&doc)?;
    xml::refuse_duplicate_ids(&doc)?;
    check_status(&doc, response)?;
    // Encrypted assertions wait for a decryption that works on the one
    // verified `EncryptedData` node and parses its plaintext on its own:
    // decrypting by rewriting the document's text lets content outside the
    // signatures become the assertion, and CBC errors make an oracle.
    if !xml::descendants(&doc, response, ASSERTION, "EncryptedAssertion").is_empty()
        || !xml::descendants(&doc, response, XMLENC, "EncryptedData").is_empty()
    {
        return Err(SamlError::EncryptedUnsupported);
    }
    let assertion = sole_assertion(&doc, response)?;
    let assertion = covered_assertion(&doc, assertion, keys, expected.allow_sha1)?;
    check_response(&doc, response, assertion, expected)
}

/// The one assertion of the document, directly inside the Response. A
/// second one anywhere (in Advice, in an extension, beside the first) is
/// how wrapping attacks bring in unsigned content.
fn sole_assertion(doc: &Document<'_>, response: NodeId) -> Result<NodeId, SamlError> {
    let everywhere = xml::descendants(doc, response, ASSERTION, "Assertion").len();
    match xml::children(doc, response, ASSERTION, "Assertion").as_slice() {
        [assertion] if everywhere == 1 => Ok(*assertion),
        _ => Err(SamlError::AssertionCount(everywhere)),
    }
}

fn response_element(doc: &Document<'_>) -> Result<NodeId, SamlError> {
    let root = doc.document_element().ok_or(SamlError::Missing("Response"))?;
    if !xml::is(doc, root, PROTOCOL, "Response") {
        return Err(SamlError::UnexpectedRoot {
            expected: "samlp:Response",
            found: xml::name_of(doc, root),
        });
    }
    Ok(root)
}

/// The response's own fields, then the assertion's.
fn check_response(
    doc: &Document<'_>,
    response: NodeId,
    assertion: NodeId,
    expected: &Expected<'_>,
) -> Result<Assertion, SamlError> {
    let destination =
        xml::attr(doc, response, "Destination").ok_or(SamlError::Required("Destination"))?;
    same("Destination", destination, expected.acs_url)?;
    if let (Some(issuer), Some(idp)) =
        (xml::child(doc, response, ASSERTION, "Issuer"), expected.idp_entity_id)
    {
        same("the response's Issuer", &xml::text(doc, issuer)?, idp)?;
    }
    let in_response_to = xml::attr(doc, response, "InResponseTo").map(str::to_owned);
    match &in_response_to {
        Some(id) if !expected.outstanding.contains(&id.as_str()) => {
            return Err(SamlError::UnknownRequest(truncate(id)));
        }
        Some(_) => {}
        None if !expected.allow_unsolicited => return Err(SamlError::Unsolicited),
        None => {}
    }
    read_assertion(doc, assertion, expected, in_response_to)
}

fn check_status(doc: &Document<'_>, response: NodeId) -> Result<(), SamlError> {
    let status =
        xml::child(doc, response, PROTOCOL, "Status").ok_or(SamlError::Missing("Status"))?;
    let code =
        xml::child(doc, status, PROTOCOL, "StatusCode").ok_or(SamlError::Missing("StatusCode"))?;
    let value = xml::attr(doc, code, "Value").unwrap_or_default();
    if value != SUCCESS {
        // The second-level code says why (such as AuthnFailed).
        let detail = xml::child(doc, code, PROTOCOL, "StatusCode")
            .and_then(|inner| xml::attr(doc, inner, "Value"))
            .unwrap_or(value);
        return Err(SamlError::Status(truncate(detail)));
    }
    Ok(())
}

fn same(what: &'static str, found: &str, expected: &str) -> Result<(), SamlError> {
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

fn read_assertion(
    doc: &Document<'_>,
    assertion: NodeId,
    expected: &Expected<'_>,
    in_response_to: Option<String>,
) -> Result<Assertion, SamlError> {
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
