//! Single logout over the HTTP-Redirect binding: the LogoutRequest the SP
//! sends when a person signs out, the LogoutResponse it answers an IdP's
//! LogoutRequest with, and the checks on what an IdP sends: the query's
//! signature (SAML bindings §3.4.4.1) by a trusted certificate, with an
//! allowed algorithm, before any XML is parsed; then the request's Issuer,
//! Destination and validity.

use std::fmt::Write as _;

use jiff::{SignedDuration, Timestamp};
use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

use crate::SamlError;
use crate::input::{self, truncate};
use crate::redirect::{Message, redirect_url};
use crate::request::escape;
use crate::response::CLOCK_SKEW;
use crate::sp_key::RequestSigner;
use crate::xml::{self, ASSERTION, PROTOCOL};

/// How old an IdP's LogoutRequest may be (by its IssueInstant, beside
/// the clock skew): the replay cache keeps its id this long.
pub const LOGOUT_MAX_AGE: SignedDuration = SignedDuration::from_mins(10);

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const RESPONDER: &str = "urn:oasis:names:tc:SAML:2.0:status:Responder";

/// The LogoutRequest an SP sends when a person signs out.
#[derive(Debug, Clone)]
pub struct LogoutRequest<'a> {
    pub id: &'a str,
    pub issue_instant: Timestamp,
    /// The IdP's single logout URL.
    pub destination: &'a str,
    pub sp_entity_id: &'a str,
    /// The NameID of the assertion the session came from, as sent.
    pub name_id: &'a str,
    pub name_id_format: Option<&'a str>,
    pub session_index: Option<&'a str>,
}

impl LogoutRequest<'_> {
    pub fn to_xml(&self) -> String {
        let mut xml = format!(
            "<samlp:LogoutRequest xmlns:samlp=\"{PROTOCOL}\" xmlns:saml=\"{ASSERTION}\" ID=\"{}\" \
             Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\"><saml:Issuer>{}</saml:Issuer>\
             <saml:NameID",
            escape(self.id),
            self.issue_instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
            escape(self.destination),
            escape(self.sp_entity_id),
        );
        if let Some(format) = self.name_id_format {
            let _ = write!(xml, " Format=\"{}\"", escape(format));
        }
        let _ = write!(xml, ">{}</saml:NameID>", escape(self.name_id));
        if let Some(index) = self.session_index {
            let _ = write!(xml, "<samlp:SessionIndex>{}</samlp:SessionIndex>", escape(index));
        }
        xml.push_str("</samlp:LogoutRequest>");
        xml
    }

    pub fn redirect_url(
        &self,
        relay_state: Option<&str>,
        signer: Option<&RequestSigner>,
    ) -> String {
        redirect_url(self.destination, Message::Request(&self.to_xml()), relay_state, signer)
    }
}

/// The LogoutResponse an SP answers an IdP's LogoutRequest with.
#[derive(Debug, Clone)]
pub struct LogoutResponse<'a> {
    pub id: &'a str,
    pub in_response_to: &'a str,
    pub issue_instant: Timestamp,
    pub destination: &'a str,
    pub sp_entity_id: &'a str,
    /// Whether the sessions ended (a failure says the SP could not).
    pub success: bool,
}

impl LogoutResponse<'_> {
    pub fn to_xml(&self) -> String {
        format!(
            "<samlp:LogoutResponse xmlns:samlp=\"{PROTOCOL}\" xmlns:saml=\"{ASSERTION}\" ID=\"{}\" \
             InResponseTo=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\">\
             <saml:Issuer>{}</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"{}\"/>\
             </samlp:Status></samlp:LogoutResponse>",
            escape(self.id),
            escape(self.in_response_to),
            self.issue_instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
            escape(self.destination),
            escape(self.sp_entity_id),
            if self.success { SUCCESS } else { RESPONDER },
        )
    }

    pub fn redirect_url(
        &self,
        relay_state: Option<&str>,
        signer: Option<&RequestSigner>,
    ) -> String {
        redirect_url(self.destination, Message::Response(&self.to_xml()), relay_state, signer)
    }
}

/// What an IdP sent over the HTTP-Redirect binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectKind {
    Request,
    Response,
}

/// A message received over the HTTP-Redirect binding, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRedirect {
    pub kind: RedirectKind,
    /// The inflated XML, through the input gate.
    pub xml: String,
    pub relay_state: Option<String>,
    /// The raw query's parts, for `verify`.
    signed_octets: String,
    sig_alg: Option<String>,
    signature: Option<String>,
}

const REDIRECT_SIGNATURES: [(&str, HashKind); 4] = [
    ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", HashKind::Sha256),
    ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", HashKind::Sha384),
    ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", HashKind::Sha512),
    ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", HashKind::Sha1),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HashKind {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// Decodes the query of a redirect (`SAMLRequest` or `SAMLResponse`,
/// `RelayState`, `SigAlg`, `Signature`); each parameter at most once.
pub fn receive_redirect(query: &str) -> Result<ReceivedRedirect, SamlError> {
    if query.len() > input::MAX_ENCODED_BYTES {
        return Err(SamlError::TooLarge { limit: input::MAX_ENCODED_BYTES });
    }
    let mut raw: Vec<(String, &str)> = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = form_decode(name)?;
        if raw.iter().any(|(seen, _)| *seen == name) {
            return Err(SamlError::Malformed(format!(
                "the parameter {} is repeated",
                truncate(&name)
            )));
        }
        raw.push((name, value));
    }
    let get = |name: &str| raw.iter().find(|(seen, _)| seen == name).map(|(_, value)| *value);
    let (kind, parameter, message) = match (get("SAMLRequest"), get("SAMLResponse")) {
        (Some(message), None) => (RedirectKind::Request, "SAMLRequest", message),
        (None, Some(message)) => (RedirectKind::Response, "SAMLResponse", message),
        _ => return Err(SamlError::Missing("SAMLRequest or SAMLResponse")),
    };
    let xml = input::decode_redirect(&form_decode(message)?)?;
    // The signed octets are the parameters exactly as they came, in the
    // binding's order (§3.4.4.1).
    let mut signed_octets = format!("{parameter}={message}");
    if let Some(state) = get("RelayState") {
        let _ = write!(signed_octets, "&RelayState={state}");
    }
    let sig_alg = get("SigAlg").map(form_decode).transpose()?;
    if let Some(alg) = get("SigAlg") {
        let _ = write!(signed_octets, "&SigAlg={alg}");
    }
    Ok(ReceivedRedirect {
        kind,
        xml,
        relay_state: get("RelayState").map(form_decode).transpose()?,
        signed_octets,
        sig_alg,
        signature: get("Signature").map(form_decode).transpose()?,
    })
}

impl ReceivedRedirect {
    /// Verifies the query's signature with one of the IdP's certificates
    /// (DER). Unsigned messages are refused.
    pub fn verify(&self, certificates: &[Vec<u8>], allow_sha1: bool) -> Result<(), SamlError> {
        let (Some(alg), Some(signature)) = (&self.sig_alg, &self.signature) else {
            return Err(SamlError::Unsigned);
        };
        let hash = REDIRECT_SIGNATURES
            .iter()
            .find(|(uri, _)| uri == alg)
            .map(|(_, hash)| *hash)
            .filter(|hash| allow_sha1 || *hash != HashKind::Sha1)
            .ok_or_else(|| SamlError::Algorithm(truncate(alg)))?;
        if certificates.is_empty() {
            return Err(SamlError::NoSigningCertificate);
        }
        use base64::Engine;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|_| SamlError::BadSignature("the Signature is not base64".into()))?;
        let signature = Signature::try_from(signature.as_slice())
            .map_err(|_| SamlError::BadSignature("the Signature is malformed".into()))?;
        let octets = self.signed_octets.as_bytes();
        for der in certificates {
            let key = rsa_key(der)?;
            let verified = match hash {
                HashKind::Sha1 => VerifyingKey::<sha1::Sha1>::new(key).verify(octets, &signature),
                HashKind::Sha256 => {
                    VerifyingKey::<rsa::sha2::Sha256>::new(key).verify(octets, &signature)
                }
                HashKind::Sha384 => {
                    VerifyingKey::<rsa::sha2::Sha384>::new(key).verify(octets, &signature)
                }
                HashKind::Sha512 => {
                    VerifyingKey::<rsa::sha2::Sha512>::new(key).verify(octets, &signature)
                }
            };
            if verified.is_ok() {
                return Ok(());
            }
        }
        Err(SamlError::BadSignature("no trusted certificate made the query's signature".into()))
    }
}

fn rsa_key(der: &[u8]) -> Result<RsaPublicKey, SamlError> {
    let bad = |err: &dyn std::fmt::Display| SamlError::BadCertificate(truncate(&err.to_string()));
    let certificate = Certificate::from_der(der).map_err(|err| bad(&err))?;
    let spki =
        certificate.tbs_certificate.subject_public_key_info.to_der().map_err(|err| bad(&err))?;
    RsaPublicKey::from_public_key_der(&spki).map_err(|err| bad(&err))
}

/// `application/x-www-form-urlencoded` decoding of one query component.
fn form_decode(raw: &str) -> Result<String, SamlError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw
                    .get(index + 1..index + 3)
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                    .ok_or_else(|| SamlError::Malformed("a bad percent-escape".into()))?;
                out.push(hex);
                index += 2;
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8(out).map_err(|_| SamlError::NotText)
}

/// What the SP expects of an IdP's LogoutRequest.
#[derive(Debug, Clone)]
pub struct LogoutExpected<'a> {
    /// The IdP's entity id: the request's Issuer.
    pub idp_entity_id: &'a str,
    /// The SP's logout URL the request came to: its Destination, when it
    /// has one.
    pub destination: &'a str,
    pub now: Timestamp,
}

/// An IdP's LogoutRequest, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpLogoutRequest {
    pub id: String,
    pub name_id: String,
    /// The sessions to end; none means every session of the NameID.
    pub session_indexes: Vec<String>,
}

/// The Issuer a LogoutRequest claims, read before verification only to
/// find the provider whose keys then verify it.
pub fn claimed_issuer(xml: &str) -> Result<String, SamlError> {
    let doc = input::parse(xml)?;
    let root = logout_request_element(&doc)?;
    let issuer = xml::child(&doc, root, ASSERTION, "Issuer").ok_or(SamlError::Missing("Issuer"))?;
    xml::text(&doc, issuer)
}

fn logout_request_element(doc: &uppsala::Document<'_>) -> Result<uppsala::NodeId, SamlError> {
    let root = doc.document_element().ok_or(SamlError::Missing("LogoutRequest"))?;
    if !xml::is(doc, root, PROTOCOL, "LogoutRequest") {
        return Err(SamlError::UnexpectedRoot {
            expected: "samlp:LogoutRequest",
            found: xml::name_of(doc, root),
        });
    }
    Ok(root)
}

/// Reads a LogoutRequest whose signature was verified.
pub fn read_logout_request(
    xml: &str,
    expected: &LogoutExpected<'_>,
) -> Result<IdpLogoutRequest, SamlError> {
    let doc = input::parse(xml)?;
    let root = logout_request_element(&doc)?;
    let id = xml::attr(&doc, root, "ID").ok_or(SamlError::Required("the request's ID"))?;
    let issuer = claimed_issuer(xml)?;
    if issuer != expected.idp_entity_id {
        return Err(SamlError::Mismatch {
            what: "the request's Issuer",
            found: truncate(&issuer),
            expected: expected.idp_entity_id.to_owned(),
        });
    }
    if let Some(destination) = xml::attr(&doc, root, "Destination")
        && destination != expected.destination
    {
        return Err(SamlError::Mismatch {
            what: "Destination",
            found: truncate(destination),
            expected: expected.destination.to_owned(),
        });
    }
    // Fresh: a captured request replayed later must not end new sessions.
    let raw = xml::attr(&doc, root, "IssueInstant").ok_or(SamlError::Required("IssueInstant"))?;
    let issued: Timestamp = raw
        .parse()
        .map_err(|_| SamlError::BadTime { what: "IssueInstant", value: truncate(raw) })?;
    let oldest = expected.now.checked_sub(LOGOUT_MAX_AGE.saturating_add(CLOCK_SKEW));
    let newest = expected.now.checked_add(CLOCK_SKEW);
    if newest.is_ok_and(|newest| issued > newest) {
        return Err(SamlError::NotYetValid(issued.to_string()));
    }
    if oldest.is_ok_and(|oldest| issued < oldest) {
        return Err(SamlError::Expired(issued.to_string()));
    }
    if let Some(raw) = xml::attr(&doc, root, "NotOnOrAfter") {
        let end: Timestamp = raw
            .parse()
            .map_err(|_| SamlError::BadTime { what: "NotOnOrAfter", value: truncate(raw) })?;
        if expected.now.checked_sub(CLOCK_SKEW).is_ok_and(|early| early >= end) {
            return Err(SamlError::Expired(end.to_string()));
        }
    }
    if xml::child(&doc, root, ASSERTION, "EncryptedID").is_some() {
        return Err(SamlError::Required("a plain NameID (EncryptedID is not supported)"));
    }
    let name_id =
        xml::child(&doc, root, ASSERTION, "NameID").ok_or(SamlError::Missing("NameID"))?;
    let name_id = xml::text(&doc, name_id).map_err(|_| SamlError::NameIdNotText)?.trim().to_owned();
    let session_indexes = xml::children(&doc, root, PROTOCOL, "SessionIndex")
        .into_iter()
        .map(|node| xml::text(&doc, node))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(IdpLogoutRequest { id: id.to_owned(), name_id, session_indexes })
}

#[cfg(test)]
mod tests {
    use rsa::pkcs8::DecodePrivateKey;

    use super::*;
    use crate::redirect::parameter;
    use crate::sp_key::generate_sp_key;

    fn now() -> Timestamp {
        "2026-12-04T12:00:00Z".parse().unwrap()
    }

    fn key() -> (RequestSigner, Vec<u8>) {
        let key = generate_sp_key(&mut rsa::rand_core::OsRng, "idp", now(), 1).unwrap();
        assert!(rsa::RsaPrivateKey::from_pkcs8_der(&key.private_key_pkcs8).is_ok());
        (RequestSigner::from_pkcs8_der(&key.private_key_pkcs8).unwrap(), key.certificate)
    }

    fn idp_request(destination: &str) -> String {
        LogoutRequest {
            id: "_r1",
            issue_instant: now(),
            destination,
            sp_entity_id: "https://idp.example.test/metadata",
            name_id: "alice@example.com",
            name_id_format: None,
            session_index: Some("_s1"),
        }
        .to_xml()
    }

    fn query_of(url: &str) -> &str {
        url.split_once('?').unwrap().1
    }

    #[test]
    fn a_signed_request_verifies_and_reads() {
        let (signer, certificate) = key();
        let (_, other) = key();
        let xml = idp_request("https://sp.example.test/saml/logout");
        let url = redirect_url(
            "https://sp.example.test/saml/logout",
            Message::Request(&xml),
            Some("st ate"),
            Some(&signer),
        );
        let received = receive_redirect(query_of(&url)).unwrap();
        assert_eq!(received.kind, RedirectKind::Request);
        assert_eq!(received.relay_state.as_deref(), Some("st ate"));
        received.verify(&[other.clone(), certificate.clone()], false).unwrap();
        let err = received.verify(std::slice::from_ref(&other), false).unwrap_err();
        assert!(matches!(err, SamlError::BadSignature(_)), "{err:?}");
        assert_eq!(received.verify(&[], false).unwrap_err(), SamlError::NoSigningCertificate);
        assert_eq!(claimed_issuer(&received.xml).unwrap(), "https://idp.example.test/metadata");
        let expected = LogoutExpected {
            idp_entity_id: "https://idp.example.test/metadata",
            destination: "https://sp.example.test/saml/logout",
            now: now(),
        };
        let read = read_logout_request(&received.xml, &expected).unwrap();
        assert_eq!(read.name_id, "alice@example.com");
        assert_eq!(read.session_indexes, ["_s1"]);
        let wrong = LogoutExpected { idp_entity_id: "https://other.test", ..expected.clone() };
        assert!(matches!(
            read_logout_request(&received.xml, &wrong),
            Err(SamlError::Mismatch { .. })
        ));
        let late =
            LogoutExpected { now: now() + SignedDuration::from_mins(12), ..expected.clone() };
        assert!(matches!(read_logout_request(&received.xml, &late), Err(SamlError::Expired(_))));
        let early =
            LogoutExpected { now: now() - SignedDuration::from_mins(2), ..expected.clone() };
        assert!(matches!(
            read_logout_request(&received.xml, &early),
            Err(SamlError::NotYetValid(_))
        ));
        let elsewhere =
            LogoutExpected { destination: "https://sp.example.test/saml/logout/p", ..expected };
        assert!(matches!(
            read_logout_request(&received.xml, &elsewhere),
            Err(SamlError::Mismatch { what: "Destination", .. })
        ));
    }

    #[test]
    fn tampered_unsigned_and_weak_queries_are_refused() {
        let (signer, certificate) = key();
        let xml = idp_request("https://sp.example.test/saml/logout");
        let url = redirect_url("https://sp/x", Message::Request(&xml), Some("a"), Some(&signer));
        let query = query_of(&url);
        let tampered = query.replace("RelayState=a", "RelayState=b");
        let err =
            receive_redirect(&tampered).unwrap().verify(std::slice::from_ref(&certificate), false);
        assert!(matches!(err, Err(SamlError::BadSignature(_))), "{err:?}");
        let unsigned = redirect_url("https://sp/x", Message::Request(&xml), None, None);
        let err = receive_redirect(query_of(&unsigned))
            .unwrap()
            .verify(std::slice::from_ref(&certificate), false);
        assert_eq!(err, Err(SamlError::Unsigned));
        let sha1 = query
            .replace("rsa-sha256", "rsa-sha1")
            .replace("xmldsig-more%23rsa-sha1", "xmldsig%23rsa-sha1");
        let err =
            receive_redirect(&sha1).unwrap().verify(std::slice::from_ref(&certificate), false);
        assert!(matches!(err, Err(SamlError::Algorithm(_))), "{err:?}");
        let twice = format!("{query}&RelayState=c");
        assert!(matches!(receive_redirect(&twice), Err(SamlError::Malformed(_))));
        assert!(matches!(receive_redirect("RelayState=x"), Err(SamlError::Missing(_))));
        assert!(matches!(receive_redirect("SAMLRequest=%zz"), Err(SamlError::Malformed(_))));
        assert!(matches!(
            receive_redirect("SAMLRequest=bm90IGRlZmxhdGVk"),
            Err(SamlError::NotDeflated)
        ));
    }

    #[test]
    fn what_the_sp_sends_is_escaped_and_complete() {
        let request = LogoutRequest {
            id: "_x",
            issue_instant: now(),
            destination: "https://idp.test/slo",
            sp_entity_id: "https://sp.test/saml/metadata",
            name_id: "a<b>&\"c",
            name_id_format: Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
            session_index: Some("_s"),
        };
        let url = request.redirect_url(None, None);
        let xml = input::decode_redirect(&parameter(&url, "SAMLRequest").unwrap()).unwrap();
        let doc = uppsala::parse(&xml).unwrap();
        let root = doc.document_element().unwrap();
        let name_id = xml::child(&doc, root, ASSERTION, "NameID").unwrap();
        assert_eq!(xml::text(&doc, name_id).unwrap(), "a<b>&\"c");
        let response = LogoutResponse {
            id: "_y",
            in_response_to: "_r\"1",
            issue_instant: now(),
            destination: "https://idp.test/slo",
            sp_entity_id: "https://sp.test/saml/metadata",
            success: true,
        };
        let doc_text = response.to_xml();
        let doc = uppsala::parse(&doc_text).unwrap();
        let root = doc.document_element().unwrap();
        assert_eq!(xml::attr(&doc, root, "InResponseTo"), Some("_r\"1"));
        assert!(doc_text.contains(SUCCESS));
    }
}
