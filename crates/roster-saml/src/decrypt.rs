//! Turning one `EncryptedAssertion` into the text of the assertion inside
//! it, with the SP's RSA keys ([`DecryptionKey`]).
//!
//! Decryption is built here on RustCrypto primitives rather than taken
//! from bergshamra's document-level decryption, which replaces the
//! `EncryptedData` in the document's text: that lets content outside any
//! verified signature become the assertion. Here one node is read, the
//! plaintext is returned as text, and the caller parses it as a document
//! of its own, through the same gate as any input.
//!
//! The structure is read narrowly: one `EncryptedData` of an element,
//! its `EncryptedKey`s inside its `KeyInfo` or beside it (a
//! `RetrievalMethod` may only name such a sibling, by `#id`), a few of
//! them at most, and ciphertext only in `CipherValue`s. Nothing is ever
//! fetched or resolved. Every key of the SP is tried on every
//! `EncryptedKey` (a key rotation holds two), and every failure to decrypt
//! is the one [`SamlError::Undecryptable`], with no detail: a reason would
//! make the SP an OAEP or padding oracle.

mod algorithm;

use std::fmt;

use base64::Engine;
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use uppsala::{Document, NodeId};

use crate::SamlError;
use crate::xml::{self, DSIG, XMLENC};
use algorithm::{Content, KeyTransport};

/// The smallest RSA key accepted for decryption.
const MIN_RSA_BITS: usize = 2048;

/// One `EncryptedKey` per SP key is what IdPs send; a few allow a rotation
/// and bound the RSA operations one response can cost.
const MAX_ENCRYPTED_KEYS: usize = 4;

const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
const TYPE_ENCRYPTED_KEY: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";

/// One of the SP's RSA private keys for encrypted assertions, parsed once
/// (the caller keeps it for many responses). Its `Debug` shows only the
/// key's size.
#[derive(Clone)]
pub struct DecryptionKey {
    key: RsaPrivateKey,
}

impl DecryptionKey {
    /// Parses a PKCS#8 DER RSA private key of 2048 bits or more.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, SamlError> {
        let key = RsaPrivateKey::from_pkcs8_der(der)
            .map_err(|_| SamlError::DecryptionKey("it is not a PKCS#8 RSA private key"))?;
        key.validate()
            .map_err(|_| SamlError::DecryptionKey("it is not a consistent RSA private key"))?;
        if key.size() * 8 < MIN_RSA_BITS {
            return Err(SamlError::DecryptionKey("an RSA key needs at least 2048 bits"));
        }
        Ok(Self { key })
    }
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("rsa_bits", &(self.key.size() * 8))
            .finish_non_exhaustive()
    }
}

/// The decrypted assertion's text, and whether its decryption would have
/// noticed a change to the ciphertext.
#[derive(Debug)]
pub(crate) struct Plaintext {
    pub(crate) text: String,
    pub(crate) authenticated: bool,
}

/// Decrypts the `EncryptedAssertion` element `encrypted` of `doc`.
pub(crate) fn decrypt_assertion(
    doc: &Document<'_>,
    encrypted: NodeId,
    keys: &[DecryptionKey],
) -> Result<Plaintext, SamlError> {
    if keys.is_empty() {
        return Err(SamlError::NoDecryptionKey);
    }
    let parts = read(doc, encrypted)?;
    let bytes = parts
        .keys
        .iter()
        .flat_map(|wrapped| keys.iter().map(move |key| (wrapped, key)))
        .find_map(|((transport, wrapped), key)| {
            let content_key = transport.unwrap(&key.key, wrapped)?;
            parts.content.decrypt(&content_key, &parts.ciphertext)
        })
        .ok_or(SamlError::Undecryptable)?;
    let text = String::from_utf8(bytes).map_err(|_| SamlError::Undecryptable)?;
    Ok(Plaintext { text, authenticated: parts.content.authenticated() })
}

/// What an `EncryptedAssertion` holds, checked and decoded.
#[derive(Debug)]
struct Parts {
    content: Content,
    ciphertext: Vec<u8>,
    keys: Vec<(KeyTransport, Vec<u8>)>,
}

fn shape(why: &'static str) -> SamlError {
    SamlError::EncryptedShape(why)
}

fn read(doc: &Document<'_>, encrypted: NodeId) -> Result<Parts, SamlError> {
    let children = xml::elements(doc, encrypted);
    let is_key = |node: NodeId| xml::is(doc, node, XMLENC, "EncryptedKey");
    let (data, siblings) = match children.split_first() {
        Some((&data, siblings))
            if xml::is(doc, data, XMLENC, "EncryptedData")
                && siblings.iter().all(|&n| is_key(n)) =>
        {
            (data, siblings)
        }
        _ => {
            return Err(shape(
                "an EncryptedAssertion holds one EncryptedData, then only EncryptedKeys",
            ));
        }
    };
    match xml::attr(doc, data, "Type") {
        None | Some(TYPE_ELEMENT) => {}
        Some(_) => return Err(shape("the EncryptedData must be of Type Element")),
    }
    let named = |node: NodeId, local: &str| xml::is(doc, node, XMLENC, local);
    let (method, key_info, cipher_data) = match xml::elements(doc, data).as_slice() {
        [method, cipher] if named(*method, "EncryptionMethod") && named(*cipher, "CipherData") => {
            (*method, None, *cipher)
        }
        [method, info, cipher]
            if named(*method, "EncryptionMethod")
                && xml::is(doc, *info, DSIG, "KeyInfo")
                && named(*cipher, "CipherData") =>
        {
            (*method, Some(*info), *cipher)
        }
        _ => {
            return Err(shape(
                "an EncryptedData holds EncryptionMethod, KeyInfo and CipherData, in that order",
            ));
        }
    };
    let content = Content::read(doc, method)?;
    let mut wrapped = match key_info {
        Some(info) => keys_in_key_info(doc, info, siblings)?,
        None => Vec::new(),
    };
    wrapped.extend_from_slice(siblings);
    if wrapped.is_empty() {
        return Err(shape("no EncryptedKey carries the content key"));
    }
    if wrapped.len() > MAX_ENCRYPTED_KEYS {
        return Err(shape("an encrypted assertion carries at most four EncryptedKeys"));
    }
    let keys =
        wrapped.into_iter().map(|node| encrypted_key(doc, node)).collect::<Result<Vec<_>, _>>()?;
    Ok(Parts { content, ciphertext: cipher_value(doc, cipher_data)?, keys })
}

/// The `EncryptedKey`s inside the `EncryptedData`'s `KeyInfo`. A
/// `RetrievalMethod` there may only name one of the `siblings`, which are
/// tried anyway; a `KeyName` names nothing we look up.
fn keys_in_key_info(
    doc: &Document<'_>,
    key_info: NodeId,
    siblings: &[NodeId],
) -> Result<Vec<NodeId>, SamlError> {
    let mut keys = Vec::new();
    for child in xml::elements(doc, key_info) {
        if xml::is(doc, child, XMLENC, "EncryptedKey") {
            keys.push(child);
        } else if xml::is(doc, child, DSIG, "RetrievalMethod") {
            let target = xml::attr(doc, child, "URI").and_then(|uri| uri.strip_prefix('#'));
            let names_sibling = target.is_some_and(|id| {
                siblings.iter().any(|&key| xml::attr(doc, key, "Id") == Some(id))
            });
            let typed = matches!(xml::attr(doc, child, "Type"), None | Some(TYPE_ENCRYPTED_KEY));
            if !names_sibling || !typed || !xml::elements(doc, child).is_empty() {
                return Err(shape(
                    "a RetrievalMethod may only name an EncryptedKey beside the EncryptedData, by #id",
                ));
            }
        } else if !xml::is(doc, child, DSIG, "KeyName") {
            return Err(shape(
                "the EncryptedData's KeyInfo holds only EncryptedKey, RetrievalMethod and KeyName",
            ));
        }
    }
    Ok(keys)
}

/// An `EncryptedKey`'s algorithm and wrapped key. Its own `KeyInfo` (which
/// of the SP's keys it is for) is not needed: every SP key is tried.
fn encrypted_key(doc: &Document<'_>, node: NodeId) -> Result<(KeyTransport, Vec<u8>), SamlError> {
    const ALLOWED: [&str; 5] =
        ["EncryptionMethod", "KeyInfo", "CipherData", "ReferenceList", "CarriedKeyName"];
    let children = xml::elements(doc, node);
    let allowed = |node: NodeId| {
        ALLOWED.iter().any(|&local| {
            let namespace = if local == "KeyInfo" { DSIG } else { XMLENC };
            xml::is(doc, node, namespace, local)
        })
    };
    if !children.iter().all(|&child| allowed(child)) {
        return Err(shape(
            "an EncryptedKey holds only EncryptionMethod, KeyInfo, CipherData, ReferenceList and CarriedKeyName",
        ));
    }
    let once = |local: &'static str| match xml::children(doc, node, XMLENC, local).as_slice() {
        [one] => Ok(*one),
        _ => Err(shape("an EncryptedKey holds one EncryptionMethod and one CipherData")),
    };
    let transport = KeyTransport::read(doc, once("EncryptionMethod")?)?;
    Ok((transport, cipher_value(doc, once("CipherData")?)?))
}

/// The bytes of a `CipherData`'s `CipherValue`. A `CipherReference` would
/// have the SP fetch the ciphertext from a URI: refused.
fn cipher_value(doc: &Document<'_>, cipher_data: NodeId) -> Result<Vec<u8>, SamlError> {
    match xml::elements(doc, cipher_data).as_slice() {
        [value] if xml::is(doc, *value, XMLENC, "CipherValue") => {
            let text = xml::text(doc, *value)?;
            let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|_| shape("a CipherValue is not base64"))
        }
        [reference] if xml::is(doc, *reference, XMLENC, "CipherReference") => Err(shape(
            "the ciphertext must travel in a CipherValue, not a CipherReference to fetch",
        )),
        _ => Err(shape("a CipherData holds one CipherValue")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "<xenc:EncryptedKey Id='k1'><xenc:EncryptionMethod \
        Algorithm='http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p'/>\
        <xenc:CipherData><xenc:CipherValue>AAEC</xenc:CipherValue></xenc:CipherData>\
        </xenc:EncryptedKey>";
    const METHOD: &str =
        "<xenc:EncryptionMethod Algorithm='http://www.w3.org/2009/xmlenc11#aes256-gcm'/>";
    const CIPHER: &str =
        "<xenc:CipherData><xenc:CipherValue>\n AAEC\n AwQ= </xenc:CipherValue></xenc:CipherData>";

    /// `read` on an EncryptedAssertion holding `inside`.
    fn parts(inside: &str) -> Result<Parts, SamlError> {
        let xml = format!(
            "<saml:EncryptedAssertion xmlns:saml='urn:oasis:names:tc:SAML:2.0:assertion' \
             xmlns:xenc='{XMLENC}' xmlns:ds='{DSIG}'>{inside}</saml:EncryptedAssertion>"
        );
        let doc = uppsala::parse(&xml).unwrap();
        read(&doc, doc.document_element().unwrap())
    }

    fn data(key_info: &str) -> String {
        format!(
            "<xenc:EncryptedData Type='{TYPE_ELEMENT}'>{METHOD}{key_info}{CIPHER}</xenc:EncryptedData>"
        )
    }

    fn refused(inside: &str) -> &'static str {
        match parts(inside) {
            Err(SamlError::EncryptedShape(why)) => why,
            other => panic!("{inside}: {other:?}"),
        }
    }

    #[test]
    fn keys_inside_or_beside_are_read() {
        let inside = parts(&data(&format!("<ds:KeyInfo>{KEY}</ds:KeyInfo>"))).unwrap();
        assert_eq!(inside.content, Content::Gcm(algorithm::Aes::Aes256));
        assert_eq!(inside.ciphertext, [0, 1, 2, 3, 4]);
        assert_eq!(inside.keys.len(), 1);
        assert_eq!(inside.keys[0].1, [0, 1, 2]);
        let retrieved = "<ds:KeyInfo><ds:RetrievalMethod URI='#k1' \
            Type='http://www.w3.org/2001/04/xmlenc#EncryptedKey'/></ds:KeyInfo>";
        assert_eq!(parts(&format!("{}{KEY}", data(retrieved))).unwrap().keys.len(), 1);
        assert_eq!(parts(&format!("{}{KEY}", data(""))).unwrap().keys.len(), 1);
        let named = "<ds:KeyInfo><ds:KeyName>sp</ds:KeyName></ds:KeyInfo>";
        assert_eq!(parts(&format!("{}{KEY}{KEY}", data(named))).unwrap().keys.len(), 2);
    }

    #[test]
    fn anything_else_is_refused() {
        let with_key = |key_info: &str| format!("{}{KEY}", data(key_info));
        for (inside, why) in [
            (String::new(), "EncryptedAssertion holds one"),
            (format!("{}{}", data(""), data("")), "EncryptedAssertion holds one"),
            (format!("{KEY}{}", data("")), "EncryptedAssertion holds one"),
            (data(""), "no EncryptedKey"),
            (format!("{}{}", data(""), KEY.repeat(5)), "at most four"),
            (
                with_key(
                    "<ds:KeyInfo><ds:RetrievalMethod URI='http://127.0.0.1:9/k'/></ds:KeyInfo>",
                ),
                "RetrievalMethod",
            ),
            (
                with_key("<ds:KeyInfo><ds:RetrievalMethod URI='#nowhere'/></ds:KeyInfo>"),
                "RetrievalMethod",
            ),
            (
                with_key(
                    "<ds:KeyInfo><ds:RetrievalMethod URI='#k1' Type='http://www.w3.org/2000/09/xmldsig#X509Data'/></ds:KeyInfo>",
                ),
                "RetrievalMethod",
            ),
            (with_key("<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>"), "KeyInfo holds only"),
            (with_key("<ds:KeyInfo><xenc:AgreementMethod/></ds:KeyInfo>"), "KeyInfo holds only"),
            (
                format!(
                    "<xenc:EncryptedData Type='{XMLENC}Content'>{METHOD}{CIPHER}</xenc:EncryptedData>{KEY}"
                ),
                "Type Element",
            ),
            (format!("<xenc:EncryptedData>{CIPHER}</xenc:EncryptedData>{KEY}"), "in that order"),
            (
                format!(
                    "<xenc:EncryptedData>{METHOD}<xenc:CipherData><xenc:CipherReference URI='http://127.0.0.1:9/'/></xenc:CipherData></xenc:EncryptedData>{KEY}"
                ),
                "not a CipherReference",
            ),
            (
                format!(
                    "<xenc:EncryptedData>{METHOD}<xenc:CipherData><xenc:CipherValue>!!</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>{KEY}"
                ),
                "not base64",
            ),
            (
                format!(
                    "{}{}",
                    data(""),
                    KEY.replace("</xenc:EncryptedKey>", "<ds:Object/></xenc:EncryptedKey>")
                ),
                "EncryptedKey holds only",
            ),
        ] {
            assert!(refused(&inside).contains(why), "{inside}: {}", refused(&inside));
        }
    }

    #[test]
    fn disallowed_algorithms_are_named() {
        let des = data("").replace(
            "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
        );
        assert_eq!(
            parts(&format!("{des}{KEY}")).unwrap_err(),
            SamlError::EncryptionAlgorithm("http://www.w3.org/2001/04/xmlenc#tripledes-cbc".into())
        );
        let v15 = KEY.replace("rsa-oaep-mgf1p", "rsa-1_5");
        assert_eq!(
            parts(&format!("{}{v15}", data(""))).unwrap_err(),
            SamlError::EncryptionAlgorithm("http://www.w3.org/2001/04/xmlenc#rsa-1_5".into())
        );
    }

    #[test]
    fn keys_are_pkcs8_rsa_of_2048_bits_or_more_and_never_printed() {
        assert_eq!(
            DecryptionKey::from_pkcs8_der(b"not a key").unwrap_err(),
            SamlError::DecryptionKey("it is not a PKCS#8 RSA private key")
        );
        let small = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
        let der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&small).unwrap();
        assert_eq!(
            DecryptionKey::from_pkcs8_der(der.as_bytes()).unwrap_err(),
            SamlError::DecryptionKey("an RSA key needs at least 2048 bits")
        );
        assert_eq!(format!("{:?}", sp_key()), "DecryptionKey { rsa_bits: 2048, .. }");
    }

    fn key_from(pem: &str) -> DecryptionKey {
        let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
        DecryptionKey::from_pkcs8_der(
            &base64::engine::general_purpose::STANDARD.decode(body).unwrap(),
        )
        .unwrap()
    }

    fn sp_key() -> DecryptionKey {
        key_from(include_str!("../tests/data/keys/sp.p8"))
    }

    /// An EncryptedAssertion of `plain` under AES-256-GCM, its `key`
    /// wrapped with rsa-oaep-mgf1p for `to`.
    fn sealed(to: &DecryptionKey, key: &[u8], plain: &[u8]) -> String {
        use aes_gcm::aead::{Aead, KeyInit};
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let public = rsa::RsaPublicKey::from(&to.key);
        let wrapped = public
            .encrypt(&mut rsa::rand_core::OsRng, rsa::Oaep::new::<sha1::Sha1>(), key)
            .unwrap();
        let iv = [3u8; 12];
        let gcm = aes_gcm::Aes256Gcm::new_from_slice(&[9u8; 32]).unwrap();
        let ciphertext = gcm.encrypt(&iv.into(), plain).unwrap();
        let key_xml = KEY.replace("AAEC", &b64(&wrapped));
        data("").replace("AAEC\n AwQ=", &b64(&[iv.as_slice(), &ciphertext].concat())) + &key_xml
    }

    fn decrypted(inside: &str, keys: &[DecryptionKey]) -> Result<Plaintext, SamlError> {
        let xml = format!(
            "<saml:EncryptedAssertion xmlns:saml='urn:oasis:names:tc:SAML:2.0:assertion' \
             xmlns:xenc='{XMLENC}' xmlns:ds='{DSIG}'>{inside}</saml:EncryptedAssertion>"
        );
        let doc = uppsala::parse(&xml).unwrap();
        decrypt_assertion(&doc, doc.document_element().unwrap(), keys)
    }

    #[test]
    fn every_failure_to_decrypt_is_the_same_error() {
        let sp = sp_key();
        let plain =
            decrypted(&sealed(&sp, &[9u8; 32], b"<a/>"), std::slice::from_ref(&sp)).unwrap();
        assert_eq!((plain.text.as_str(), plain.authenticated), ("<a/>", true));
        let other = key_from(include_str!("../tests/data/keys/other.p8"));
        // A rotation: the right key second.
        assert!(decrypted(&sealed(&sp, &[9u8; 32], b"<a/>"), &[other.clone(), sp.clone()]).is_ok());
        for (inside, keys) in [
            (sealed(&sp, &[9u8; 32], b"<a/>"), [other]),
            (sealed(&sp, &[8u8; 32], b"<a/>"), [sp.clone()]),
            (sealed(&sp, &[9u8; 16], b"<a/>"), [sp.clone()]),
            (sealed(&sp, &[9u8; 32], &[0xff, 0xfe, b'<']), [sp.clone()]),
        ] {
            assert_eq!(decrypted(&inside, &keys).unwrap_err(), SamlError::Undecryptable);
        }
    }

    #[test]
    fn no_key_is_said_before_anything_is_read() {
        let doc = uppsala::parse("<x/>").unwrap();
        assert_eq!(
            decrypt_assertion(&doc, doc.document_element().unwrap(), &[]).unwrap_err(),
            SamlError::NoDecryptionKey
        );
    }
}
