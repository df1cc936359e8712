//! The identity provider of the sign-in benchmark: it makes SAML Responses
//! as an IdP-initiated sign-in posts them (HTTP-POST binding, base64), each
//! with fresh Response and Assertion ids, since an ACS accepts an assertion
//! once.
//!
//! The document has the shape pysaml2 gives it in the test suite's IdP
//! (`crates/roster/tests/saml_idp`): one Assertion signed enveloped with
//! RSA-SHA256, a SHA-256 digest and exclusive canonicalisation, its
//! certificate in `KeyInfo`, the Issuer, a bearer confirmation for the ACS,
//! Conditions with the Audience, an AuthnStatement and Okta's attribute
//! names (`email`, `firstName`, `lastName`, `groups`). The pysaml2 fixture
//! signs through an `xmlsec1` process per document, about 20 ms; here
//! bergshamra (the engine roster-saml verifies with) signs in process, and
//! `scripts/bench-saml.sh` checks a sample with `xmlsec1 --verify`, so the
//! signatures are not only ones that bergshamra agrees with itself about.

use std::fmt::Write as _;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use bergshamra::keys::loader;
use bergshamra::{DsigContext, KeysManager, VerifyResult};
use jiff::{SignedDuration, Timestamp};

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const XS: &str = "http://www.w3.org/2001/XMLSchema";
const ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const PASSWORD: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
const EXCLUSIVE_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Where the responses go: the service provider as the IdP knows it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The IdP's entity id: the Issuer.
    pub idp_entity_id: String,
    /// The SP's entity id: the Audience.
    pub sp_entity_id: String,
    /// The ACS URL: the Destination and the Recipient.
    pub acs_url: String,
}

/// The person a response signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The NameID, an e-mail address (Okta's default).
    pub name_id: String,
    pub first_name: String,
    pub last_name: String,
    pub groups: Vec<String>,
}

/// The IdP's key pair, as PEM text, from which each signing thread makes
/// its own [`Signer`].
#[derive(Clone)]
pub struct KeyPair {
    pub key_pem: Vec<u8>,
    pub cert_pem: Vec<u8>,
}

/// Signs responses with one key; one per thread.
pub struct Signer {
    context: DsigContext,
    /// The certificate's DER in base64, for `KeyInfo`.
    certificate: String,
}

impl Signer {
    pub fn new(keys: &KeyPair) -> Result<Self> {
        let key = loader::load_rsa_private_pem(&keys.key_pem)
            .map_err(|err| anyhow!("the IdP key is not an RSA private key in PEM: {err}"))?;
        let mut manager = KeysManager::new();
        manager.add_key(key);
        Ok(Signer {
            context: DsigContext::new(manager),
            certificate: certificate_body(&keys.cert_pem)?,
        })
    }

    /// A signed response for `person`, issued at `now` and valid for
    /// `validity`, as the `SAMLResponse` form value (base64).
    pub fn response(
        &self,
        target: &Target,
        person: &Person,
        now: Timestamp,
        validity: SignedDuration,
    ) -> Result<String> {
        let template = template(target, person, &self.certificate, now, validity)?;
        let signed = bergshamra::sign(&self.context, &template)
            .map_err(|err| anyhow!("signing a response: {err}"))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(signed))
    }
}

/// The base64 DER of the one certificate of a PEM text.
fn certificate_body(pem: &[u8]) -> Result<String> {
    let text = std::str::from_utf8(pem).context("the IdP certificate is not PEM text")?;
    let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
    if lines.next() != Some("-----BEGIN CERTIFICATE-----") {
        bail!("the IdP certificate does not start with -----BEGIN CERTIFICATE-----");
    }
    let body: String = lines.take_while(|line| !line.starts_with("-----END")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&body)
        .context("the IdP certificate's body is not base64")?;
    if der.is_empty() {
        bail!("the IdP certificate is empty");
    }
    Ok(body)
}

/// Verifies a signed response (base64) against the certificate alone:
/// the benchmark checks its first response this way before the run, so a
/// key that does not match the certificate stops it with a clear message.
pub fn verify(encoded: &str, cert_pem: &[u8]) -> Result<()> {
    let xml = decode(encoded)?;
    let cert = loader::load_x509_cert_pem(cert_pem)
        .map_err(|err| anyhow!("the IdP certificate is not a PEM certificate: {err}"))?;
    let mut manager = KeysManager::new();
    manager.add_key(cert);
    match bergshamra::verify(&DsigContext::new(manager), &xml) {
        Ok(VerifyResult::Valid { .. }) => Ok(()),
        Ok(VerifyResult::Invalid { reason }) => {
            bail!("the IdP certificate does not verify its key's signature: {reason}")
        }
        Err(err) => bail!("verifying a signed response: {err}"),
    }
}

/// The XML of a response's form value.
pub fn decode(encoded: &str) -> Result<String> {
    let xml = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .context("the response is not base64")?;
    String::from_utf8(xml).context("the response is not UTF-8")
}

/// Escapes text for an XML attribute value or element content (roster-saml
/// has the same; this crate depends on no roster crate).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// An XML ID (an NCName): a letter first, then hex.
fn new_id() -> String {
    format!("id-{}", uuid::Uuid::new_v4().simple())
}

/// SAML's time form: UTC, whole seconds.
fn instant(t: Timestamp) -> Result<String> {
    let whole = Timestamp::from_second(t.as_second()).context("a time out of range")?;
    Ok(whole.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// The unsigned response with the assertion's signature template (empty
/// `DigestValue` and `SignatureValue`, which signing fills).
fn template(
    target: &Target,
    person: &Person,
    certificate: &str,
    now: Timestamp,
    validity: SignedDuration,
) -> Result<String> {
    let issued = instant(now)?;
    let until = instant(now.checked_add(validity).context("validity out of range")?)?;
    let (idp, sp, acs) =
        (escape(&target.idp_entity_id), escape(&target.sp_entity_id), escape(&target.acs_url));
    let name_id = escape(&person.name_id);
    let (response_id, assertion_id, session) = (new_id(), new_id(), new_id());
    let value = |v: &str| {
        format!(
            "<saml:AttributeValue xmlns:xs=\"{XS}\" xsi:type=\"xs:string\">{}</saml:AttributeValue>",
            escape(v)
        )
    };
    let attribute = |name: &str, values: &[&str]| {
        let values: String = values.iter().map(|v| value(v)).collect();
        format!(
            "<saml:Attribute Name=\"{name}\" NameFormat=\"{UNSPECIFIED}\">{values}</saml:Attribute>"
        )
    };
    let groups: Vec<&str> = person.groups.iter().map(String::as_str).collect();
    let mut xml = String::with_capacity(4096 + certificate.len());
    let _ = write!(
        xml,
        "<?xml version='1.0' encoding='UTF-8'?>\n\
         <samlp:Response xmlns:ds=\"{DSIG}\" xmlns:saml=\"{ASSERTION}\" xmlns:samlp=\"{PROTOCOL}\" \
         xmlns:xsi=\"{XSI}\" ID=\"{response_id}\" Version=\"2.0\" IssueInstant=\"{issued}\" \
         Destination=\"{acs}\">\
         <saml:Issuer Format=\"{ENTITY}\">{idp}</saml:Issuer>\
         <samlp:Status><samlp:StatusCode Value=\"{SUCCESS}\"/></samlp:Status>\
         <saml:Assertion Version=\"2.0\" ID=\"{assertion_id}\" IssueInstant=\"{issued}\">\
         <saml:Issuer Format=\"{ENTITY}\">{idp}</saml:Issuer>\
         <ds:Signature Id=\"Signature1\"><ds:SignedInfo>\
         <ds:CanonicalizationMethod Algorithm=\"{EXCLUSIVE_C14N}\"/>\
         <ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"/>\
         <ds:Reference URI=\"#{assertion_id}\"><ds:Transforms>\
         <ds:Transform Algorithm=\"{ENVELOPED}\"/><ds:Transform Algorithm=\"{EXCLUSIVE_C14N}\"/>\
         </ds:Transforms><ds:DigestMethod Algorithm=\"{SHA256}\"/>\
         <ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>\
         <ds:SignatureValue></ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate>\
         </ds:X509Data></ds:KeyInfo></ds:Signature>\
         <saml:Subject><saml:NameID Format=\"{EMAIL}\">{name_id}</saml:NameID>\
         <saml:SubjectConfirmation Method=\"{BEARER}\">\
         <saml:SubjectConfirmationData NotOnOrAfter=\"{until}\" Recipient=\"{acs}\"/>\
         </saml:SubjectConfirmation></saml:Subject>\
         <saml:Conditions NotBefore=\"{issued}\" NotOnOrAfter=\"{until}\">\
         <saml:AudienceRestriction><saml:Audience>{sp}</saml:Audience></saml:AudienceRestriction>\
         </saml:Conditions>\
         <saml:AuthnStatement AuthnInstant=\"{issued}\" SessionIndex=\"{session}\">\
         <saml:AuthnContext><saml:AuthnContextClassRef>{PASSWORD}</saml:AuthnContextClassRef>\
         </saml:AuthnContext></saml:AuthnStatement>\
         <saml:AttributeStatement>{}{}{}{}</saml:AttributeStatement>\
         </saml:Assertion></samlp:Response>",
        attribute("email", &[&person.name_id]),
        attribute("firstName", &[&person.first_name]),
        attribute("lastName", &[&person.last_name]),
        attribute("groups", &groups),
    );
    Ok(xml)
}

#[cfg(test)]
mod tests {
    use roster_saml::{Expected, IdpKeys, validate_post};

    use super::*;

    const KEY: &[u8] = include_bytes!("../../../roster-saml/tests/data/keys/idp.key");
    const CERT: &[u8] = include_bytes!("../../../roster-saml/tests/data/keys/idp.crt");
    const OTHER_CERT: &[u8] = include_bytes!("../../../roster-saml/tests/data/keys/other.crt");

    fn target() -> Target {
        Target {
            idp_entity_id: "https://idp.bench.example/metadata".into(),
            sp_entity_id: "http://127.0.0.1:8080/saml/metadata".into(),
            acs_url: "http://127.0.0.1:8080/saml/consume/p1".into(),
        }
    }

    fn person() -> Person {
        Person {
            name_id: "user7@bench.example".into(),
            first_name: "First7".into(),
            last_name: "Last&7".into(),
            groups: vec!["Staff".into(), "Bench <1>".into()],
        }
    }

    fn signer() -> Signer {
        Signer::new(&KeyPair { key_pem: KEY.to_vec(), cert_pem: CERT.to_vec() }).unwrap()
    }

    fn now() -> Timestamp {
        "2026-12-01T12:00:00.75Z".parse().unwrap()
    }

    fn decoded(encoded: &str) -> String {
        decode(encoded).unwrap()
    }

    #[test]
    fn roster_saml_accepts_what_it_signs() {
        let target = target();
        let encoded =
            signer().response(&target, &person(), now(), SignedDuration::from_mins(10)).unwrap();
        let der = base64::engine::general_purpose::STANDARD
            .decode(certificate_body(CERT).unwrap())
            .unwrap();
        let expected = Expected {
            idp_entity_id: Some(&target.idp_entity_id),
            sp_entity_id: &target.sp_entity_id,
            acs_url: &target.acs_url,
            outstanding: &[],
            allow_unsolicited: true,
            allow_sha1: false,
            decryption_keys: &[],
            now: now().checked_add(SignedDuration::from_mins(9)).unwrap(),
        };
        let assertion =
            validate_post(&encoded, &IdpKeys::Certificates(vec![der]), &expected).unwrap();
        assert_eq!(assertion.name_id, "user7@bench.example");
        assert_eq!(assertion.issuer, target.idp_entity_id);
        assert_eq!(assertion.in_response_to, None);
        assert_eq!(assertion.not_on_or_after.to_string(), "2026-12-01T12:10:00Z");
        assert_eq!(
            assertion.attributes,
            vec![
                ("email".to_owned(), vec!["user7@bench.example".to_owned()]),
                ("firstName".to_owned(), vec!["First7".to_owned()]),
                ("lastName".to_owned(), vec!["Last&7".to_owned()]),
                ("groups".to_owned(), vec!["Staff".to_owned(), "Bench <1>".to_owned()]),
            ]
        );
    }

    #[test]
    fn every_response_has_its_own_ids() {
        let signer = signer();
        let one = signer.response(&target(), &person(), now(), SignedDuration::from_mins(5));
        let two = signer.response(&target(), &person(), now(), SignedDuration::from_mins(5));
        let ids = |encoded: String| -> Vec<String> {
            decoded(&encoded)
                .split(" ID=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next().map(str::to_owned))
                .collect()
        };
        let (one, two) = (ids(one.unwrap()), ids(two.unwrap()));
        assert_eq!(one.len(), 2, "{one:?}");
        assert!(one.iter().all(|id| !two.contains(id)), "{one:?} {two:?}");
    }

    #[test]
    fn a_response_verifies_with_its_certificate_only() {
        let encoded =
            signer().response(&target(), &person(), now(), SignedDuration::from_mins(5)).unwrap();
        verify(&encoded, CERT).unwrap();
        let err = verify(&encoded, OTHER_CERT).unwrap_err().to_string();
        assert!(err.contains("does not verify"), "{err}");
        let altered = decoded(&encoded).replacen("user7@", "user8@", 1);
        let altered = base64::engine::general_purpose::STANDARD.encode(altered);
        assert!(verify(&altered, CERT).is_err());
    }

    #[test]
    fn times_are_whole_seconds_in_utc() {
        let xml = decoded(
            &signer().response(&target(), &person(), now(), SignedDuration::from_secs(90)).unwrap(),
        );
        assert!(xml.contains("IssueInstant=\"2026-12-01T12:00:00Z\""), "{xml}");
        assert!(xml.contains("NotOnOrAfter=\"2026-12-01T12:01:30Z\""), "{xml}");
        assert!(xml.contains("Destination=\"http://127.0.0.1:8080/saml/consume/p1\""), "{xml}");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"a&b<c>"d'"#), "a&amp;b&lt;c&gt;&quot;d&apos;");
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn keys_must_be_pem() {
        let err = certificate_body(b"not a certificate").unwrap_err().to_string();
        assert!(err.contains("BEGIN CERTIFICATE"), "{err}");
        let err =
            certificate_body(b"-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("not base64"), "{err}");
        let bad_key = KeyPair { key_pem: b"nope".to_vec(), cert_pem: CERT.to_vec() };
        let err = Signer::new(&bad_key).err().unwrap().to_string();
        assert!(err.contains("RSA private key"), "{err}");
    }
}
