//! A SAML Response received at the ACS (HTTP-POST binding), validated as
//! hostile input: the gate of `input.rs`, one assertion (plain or
//! encrypted), a success status, the signatures of `signature.rs`, then
//! every condition an SP must check (`assertion.rs`), reading the subject
//! and attributes only from the assertion the verified signatures cover.
//! An encrypted assertion is decrypted (`decrypt.rs`) only after every
//! signature of the Response verified, and its plaintext is a document of
//! its own, gated and verified like any input. Replays are refused by the
//! caller, which keeps the ids of accepted assertions until they expire.

use jiff::{SignedDuration, Timestamp};
use uppsala::{Document, NodeId};

use crate::SamlError;
use crate::assertion::{read_assertion, same};
use crate::decrypt::{self, DecryptionKey};
use crate::input::{self, truncate};
use crate::signature::{self, IdpKeys};
use crate::xml::{self, ASSERTION, PROTOCOL};

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

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
    /// The SP's keys for encrypted assertions (two during a rotation);
    /// with none, an encrypted assertion is refused.
    pub decryption_keys: &'a [DecryptionKey],
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

/// What a posted response claims about itself, read before any
/// validation: only to find which provider to validate it against (the
/// outstanding request it answers, or the IdP that issued it). Nothing
/// read here is trusted; the validation checks both against the provider
/// found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claimed {
    /// The response's `InResponseTo`.
    pub in_response_to: Option<String>,
    /// The response's Issuer, else its (plain) assertion's.
    pub issuer: Option<String>,
}

/// Reads what a posted `SAMLResponse` claims (see [`Claimed`]).
pub fn claimed(encoded: &str) -> Result<Claimed, SamlError> {
    let text = input::decode_post(encoded)?;
    let doc = input::parse(&text)?;
    let response = response_element(&doc)?;
    let in_response_to = xml::attr(&doc, response, "InResponseTo").map(str::to_owned);
    let issuer_element = xml::child(&doc, response, ASSERTION, "Issuer").or_else(|| {
        xml::child(&doc, response, ASSERTION, "Assertion")
            .and_then(|assertion| xml::child(&doc, assertion, ASSERTION, "Issuer"))
    });
    let issuer = match issuer_element {
        Some(element) => Some(xml::text(&doc, element)?.trim().to_owned()),
        None => None,
    };
    Ok(Claimed { in_response_to, issuer })
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
    match sole_assertion(&doc, response)? {
        Sole::Plain(assertion) => {
            let covered =
                signature::verify(&doc, &[response, assertion], keys, expected.allow_sha1)?;
            if covered.is_empty() {
                return Err(SamlError::Unsigned);
            }
            check_response(&doc, response, &doc, assertion, expected)
        }
        Sole::Encrypted(encrypted) => {
            // A Response signature covers the ciphertext: it is checked
            // before anything is decrypted.
            let response_signed =
                !signature::verify(&doc, &[response], keys, expected.allow_sha1)?.is_empty();
            let plaintext = decrypt::decrypt_assertion(&doc, encrypted, expected.decryption_keys)?;
            // Until a signature covers it, CBC plaintext is whatever a
            // changed ciphertext made of it, and telling a parse error
            // from a bad signature is an oracle on it (Jager and
            // Somorovsky, 2011): each of those failures is then the one
            // decryption error.
            let opaque = !(response_signed || plaintext.authenticated);
            let hide = |err| if opaque { SamlError::Undecryptable } else { err };
            let text =
                input::xml_text(plaintext.text.into_bytes(), input::MAX_XML_BYTES).map_err(hide)?;
            let (inner, assertion) =
                decrypted_assertion(&text, keys, expected.allow_sha1, response_signed, opaque)
                    .map_err(hide)?;
            check_response(&doc, response, &inner, assertion, expected)
        }
    }
}

/// The decrypted assertion, parsed as a document of its own: its root is
/// the one assertion, and a verified signature covers it (the Response's,
/// or its own, which must verify in the plaintext alone). An `opaque`
/// plaintext may carry no certificate but the IdP's: its signature's
/// `KeyInfo` is the one part that signature leaves uncovered.
fn decrypted_assertion<'t>(
    text: &'t str,
    keys: &IdpKeys,
    allow_sha1: bool,
    response_signed: bool,
    opaque: bool,
) -> Result<(Document<'t>, NodeId), SamlError> {
    let doc = input::parse(text)?;
    let assertion = doc.document_element().ok_or(SamlError::Missing("Assertion"))?;
    if !xml::is(&doc, assertion, ASSERTION, "Assertion") {
        return Err(SamlError::UnexpectedRoot {
            expected: "saml:Assertion",
            found: xml::name_of(&doc, assertion),
        });
    }
    xml::refuse_duplicate_ids(&doc)?;
    let count = assertion_like(&doc, assertion);
    if count != 1 {
        return Err(SamlError::AssertionCount(count));
    }
    let covered = signature::verify(&doc, &[assertion], keys, allow_sha1)?;
    if opaque {
        signature::refuse_foreign_certificates(&doc, keys)?;
    }
    if covered.is_empty() && !response_signed {
        return Err(SamlError::Unsigned);
    }
    Ok((doc, assertion))
}

/// The response's one assertion, directly inside it.
enum Sole {
    Plain(NodeId),
    Encrypted(NodeId),
}

/// Every assertion and encrypted assertion at or below `node`.
fn assertion_like(doc: &Document<'_>, node: NodeId) -> usize {
    xml::descendants(doc, node, ASSERTION, "Assertion").len()
        + xml::descendants(doc, node, ASSERTION, "EncryptedAssertion").len()
}

/// The one assertion of the document, plain or encrypted, directly inside
/// the Response. A second one anywhere (in Advice, in an extension, beside
/// the first, one of each) is how wrapping attacks bring in unsigned
/// content.
fn sole_assertion(doc: &Document<'_>, response: NodeId) -> Result<Sole, SamlError> {
    let everywhere = assertion_like(doc, response);
    let plain = xml::children(doc, response, ASSERTION, "Assertion");
    let encrypted = xml::children(doc, response, ASSERTION, "EncryptedAssertion");
    match (plain.as_slice(), encrypted.as_slice()) {
        _ if everywhere != 1 => Err(SamlError::AssertionCount(everywhere)),
        ([assertion], []) => Ok(Sole::Plain(*assertion)),
        ([], [encrypted]) => Ok(Sole::Encrypted(*encrypted)),
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

/// The response's own fields, then the assertion's (`assertion` is in
/// `assertion_doc`: the response's document, or a decrypted one).
fn check_response(
    doc: &Document<'_>,
    response: NodeId,
    assertion_doc: &Document<'_>,
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
    read_assertion(assertion_doc, assertion, expected, in_response_to)
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
