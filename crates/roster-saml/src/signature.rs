//! XML signatures over a SAML response, with bergshamra doing the
//! cryptography and this module the policy an SP needs on top of it:
//!
//! - only the identity provider's configured certificates are trusted (or,
//!   by fingerprint, the one certificate whose SHA-256 matches); keys an
//!   attacker embeds in `KeyInfo` are never used on their own;
//! - every signature in the document must verify;
//! - each signature has exactly one reference, `#ID` of the element that
//!   holds it (enveloped), and that element is the Response itself or the
//!   one Assertion directly inside it (or a decrypted assertion, verified
//!   as a document of its own); any other target is refused, which closes
//!   the wrapping attacks that move signed content around;
//! - algorithms come from an allow-list: RSA or ECDSA with SHA-256 and
//!   stronger, exclusive canonicalisation, the enveloped transform; SHA-1
//!   only where the provider allows it;
//! - the caller learns which assertion node the signatures cover, in the
//!   very tree that was verified, and reads nothing else.

use base64::Engine;
use bergshamra::keys::loader;
use bergshamra::{DsigContext, KeysManager, VerifyResult};
use sha2::{Digest, Sha256};
use uppsala::{Document, NodeId};

use crate::SamlError;
use crate::input::truncate;
use crate::xml::{self, DSIG};

/// How the identity provider's signing key is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdpKeys {
    /// X.509 certificates (DER) from the IdP's metadata or configuration;
    /// any of them may sign, so a rotation announced in metadata needs no
    /// action.
    Certificates(Vec<Vec<u8>>),
    /// The SHA-256 fingerprint of the IdP's certificate: the certificate
    /// travels in the signature's `KeyInfo` and is trusted only when its
    /// fingerprint matches.
    Fingerprint([u8; 32]),
}

const SIGNATURE_METHODS: [&str; 6] = [
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
];
const DIGEST_METHODS: [&str; 3] = [
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const EXCLUSIVE_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Verifies every signature of a document and returns the elements they
/// cover (none when the document carries no signature). `signable` are the
/// elements a signature may sit in and name: the Response and its one
/// Assertion, the Response alone around an `EncryptedAssertion`, or a
/// decrypted assertion on its own.
pub(crate) fn verify(
    doc: &Document<'_>,
    signable: &[NodeId],
    keys: &IdpKeys,
    allow_sha1: bool,
) -> Result<Vec<NodeId>, SamlError> {
    let root = doc.document_element().ok_or(SamlError::Missing("a root element"))?;
    let signatures = xml::descendants(doc, root, DSIG, "Signature");
    if signatures.is_empty() {
        return Ok(Vec::new());
    }
    // Nothing reaches the XML-signature engine that a SAML signature does
    // not need: it would run transforms, resolve references and hash
    // whatever a signature names before any key is checked.
    if signatures.len() > MAX_SIGNATURES {
        return Err(SamlError::BadSignature("a response carries at most two signatures".into()));
    }
    for &signature in &signatures {
        check_shape(doc, signature, signable, allow_sha1)?;
    }
    let trusted = trusted_certificates(doc, &signatures, keys)?;
    let mut manager = KeysManager::new();
    for der in &trusted {
        let key = loader::load_x509_cert_der(der)
            .map_err(|err| SamlError::BadCertificate(truncate(&err.to_string())))?;
        manager.add_key(key);
    }
    let context = DsigContext::new(manager);
    let results = bergshamra::dsig::verify::verify_all_document(&context, doc)
        .map_err(|err| SamlError::BadSignature(truncate(&err.to_string())))?;
    if results.len() != signatures.len() {
        return Err(SamlError::BadSignature("not every signature was checked".into()));
    }
    let mut covered = Vec::new();
    for result in results {
        let (signature, references) = match result {
            VerifyResult::Valid { signature_node, references, .. } => (signature_node, references),
            VerifyResult::Invalid { reason } => {
                return Err(SamlError::BadSignature(truncate(&reason)));
            }
        };
        let [reference] = references.as_slice() else {
            return Err(SamlError::BadSignature(
                "a signature must have exactly one reference".into(),
            ));
        };
        let target = reference
            .resolved_node
            .filter(|_| reference.digest_verified)
            .ok_or_else(|| SamlError::BadSignature("the reference was not verified".into()))?;
        let id = xml::attr(doc, target, "ID").unwrap_or_default();
        if id.is_empty() || reference.uri != format!("#{id}") {
            return Err(SamlError::BadSignature("the reference must name its element's ID".into()));
        }
        if doc.parent(signature) != Some(target) {
            return Err(SamlError::BadSignature(
                "a signature must sit inside the element it signs".into(),
            ));
        }
        if !signable.contains(&target) {
            return Err(SamlError::BadSignature(format!(
                "a signature covers {}, not the Response or its Assertion",
                xml::name_of(doc, target)
            )));
        }
        covered.push(target);
    }
    Ok(covered)
}

/// The certificates that may have signed: the configured ones, or the
/// `KeyInfo` certificates whose fingerprint matches.
fn trusted_certificates(
    doc: &Document<'_>,
    signatures: &[NodeId],
    keys: &IdpKeys,
) -> Result<Vec<Vec<u8>>, SamlError> {
    match keys {
        IdpKeys::Certificates(certificates) if certificates.is_empty() => {
            Err(SamlError::NoSigningCertificate)
        }
        IdpKeys::Certificates(certificates) => Ok(certificates.clone()),
        IdpKeys::Fingerprint(expected) => {
            let mut matching = Vec::new();
            for &signature in signatures {
                for node in xml::descendants(doc, signature, DSIG, "X509Certificate") {
                    let Some(der) = certificate(doc, node)? else { continue };
                    if Sha256::digest(&der).as_slice() == expected.as_slice() {
                        matching.push(der);
                    }
                }
            }
            if matching.is_empty() {
                return Err(SamlError::BadSignature(
                    "no certificate in the signature matches the configured fingerprint".into(),
                ));
            }
            Ok(matching)
        }
    }
}

/// The DER of an `X509Certificate`, or `None` when it is not base64.
fn certificate(doc: &Document<'_>, node: NodeId) -> Result<Option<Vec<u8>>, SamlError> {
    let text = xml::text(doc, node)?;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    Ok(base64::engine::general_purpose::STANDARD.decode(compact).ok())
}

/// Refuses a document whose signatures carry a certificate the IdP is not
/// trusted with. A signature covers everything but its own `KeyInfo`, so
/// where nothing else authenticates a CBC plaintext, that is the one part
/// a changed ciphertext could garble unnoticed: `response.rs` asks for
/// this there, and nowhere else.
pub(crate) fn refuse_foreign_certificates(
    doc: &Document<'_>,
    keys: &IdpKeys,
) -> Result<(), SamlError> {
    let root = doc.document_element().ok_or(SamlError::Missing("a root element"))?;
    for node in xml::descendants(doc, root, DSIG, "X509Certificate") {
        let trusted = certificate(doc, node)?.is_some_and(|der| match keys {
            IdpKeys::Certificates(certificates) => certificates.contains(&der),
            IdpKeys::Fingerprint(expected) => Sha256::digest(&der).as_slice() == expected,
        });
        if !trusted {
            return Err(SamlError::BadSignature(
                "a certificate in KeyInfo is not the identity provider's".into(),
            ));
        }
    }
    Ok(())
}

/// The most signatures a response carries: one on the Response, one on
/// the assertion.
const MAX_SIGNATURES: usize = 2;

/// Refuses, before any verification, a signature a SAML IdP would not
/// make: it must sit directly in a signable element (the Response or the
/// assertion), name that
/// element by its ID as its one reference, use only the enveloped and
/// exclusive-canonicalisation transforms and allowed algorithms, and carry
/// nothing but `SignedInfo`, `SignatureValue` and X.509 `KeyInfo`.
fn check_shape(
    doc: &Document<'_>,
    signature: NodeId,
    signable: &[NodeId],
    allow_sha1: bool,
) -> Result<(), SamlError> {
    let refuse = |why: &str| Err(SamlError::BadSignature(why.to_owned()));
    let parent = doc.parent(signature).ok_or(SamlError::Missing("Signature's parent"))?;
    if !signable.contains(&parent) {
        return refuse("a signature must sit directly in the Response or its Assertion");
    }
    let children = xml::elements(doc, signature);
    let named = |node: NodeId, local: &str| xml::is(doc, node, DSIG, local);
    match children.as_slice() {
        [info, value] if named(*info, "SignedInfo") && named(*value, "SignatureValue") => {}
        [info, value, key]
            if named(*info, "SignedInfo")
                && named(*value, "SignatureValue")
                && named(*key, "KeyInfo") =>
        {
            check_key_info(doc, *key)?;
        }
        _ => return refuse("a signature holds only SignedInfo, SignatureValue and KeyInfo"),
    }
    check_algorithms(doc, signature, allow_sha1)?;
    let signed_info = children[0];
    let references = xml::children(doc, signed_info, DSIG, "Reference");
    let [reference] = references.as_slice() else {
        return refuse("a signature must have exactly one reference");
    };
    let id = xml::attr(doc, parent, "ID").unwrap_or_default();
    if id.is_empty() || xml::attr(doc, *reference, "URI") != Some(format!("#{id}").as_str()) {
        return refuse("the reference must name its element's ID");
    }
    Ok(())
}

/// `KeyInfo` may only name X.509 certificates (which are never trusted
/// for being there): no retrieval methods, no key values, nothing to fetch.
fn check_key_info(doc: &Document<'_>, key_info: NodeId) -> Result<(), SamlError> {
    for child in doc.children(key_info) {
        if doc.element(child).is_none() {
            continue;
        }
        if !xml::is(doc, child, DSIG, "X509Data") {
            return Err(SamlError::BadSignature("KeyInfo may hold only X509Data".into()));
        }
        for item in doc.children(child) {
            if doc.element(item).is_some() && !xml::is(doc, item, DSIG, "X509Certificate") {
                return Err(SamlError::BadSignature("X509Data may hold only certificates".into()));
            }
        }
    }
    Ok(())
}

/// Refuses any algorithm outside the allow-list, and any transform but the
/// two a SAML signature uses.
fn check_algorithms(
    doc: &Document<'_>,
    signature: NodeId,
    allow_sha1: bool,
) -> Result<(), SamlError> {
    let signed_info =
        xml::child(doc, signature, DSIG, "SignedInfo").ok_or(SamlError::Missing("SignedInfo"))?;
    let algorithm = |node: Option<NodeId>, what: &'static str| -> Result<String, SamlError> {
        let node = node.ok_or(SamlError::Missing(what))?;
        Ok(xml::attr(doc, node, "Algorithm").unwrap_or_default().to_owned())
    };
    let canonicalization = algorithm(
        xml::child(doc, signed_info, DSIG, "CanonicalizationMethod"),
        "CanonicalizationMethod",
    )?;
    if canonicalization != EXCLUSIVE_C14N {
        return Err(SamlError::Algorithm(truncate(&canonicalization)));
    }
    let method =
        algorithm(xml::child(doc, signed_info, DSIG, "SignatureMethod"), "SignatureMethod")?;
    if !(SIGNATURE_METHODS.contains(&method.as_str()) || (allow_sha1 && method == RSA_SHA1)) {
        return Err(SamlError::Algorithm(truncate(&method)));
    }
    for reference in xml::children(doc, signed_info, DSIG, "Reference") {
        let digest = algorithm(xml::child(doc, reference, DSIG, "DigestMethod"), "DigestMethod")?;
        if !(DIGEST_METHODS.contains(&digest.as_str()) || (allow_sha1 && digest == SHA1)) {
            return Err(SamlError::Algorithm(truncate(&digest)));
        }
        if let Some(transforms) = xml::child(doc, reference, DSIG, "Transforms") {
            for transform in doc.children(transforms) {
                if doc.element(transform).is_none() {
                    continue;
                }
                let uri = algorithm(Some(transform), "Transform")?;
                if !xml::is(doc, transform, DSIG, "Transform")
                    || !(uri == ENVELOPED || uri == EXCLUSIVE_C14N)
                {
                    return Err(SamlError::Algorithm(truncate(&uri)));
                }
                // Only exclusive canonicalisation takes a parameter: its
                // InclusiveNamespaces prefix list.
                for parameter in doc.children(transform) {
                    if doc.element(parameter).is_some()
                        && !(uri == EXCLUSIVE_C14N
                            && xml::is(doc, parameter, EXCLUSIVE_C14N, "InclusiveNamespaces"))
                    {
                        return Err(SamlError::Algorithm(truncate(&uri)));
                    }
                }
            }
        }
    }
    Ok(())
}
