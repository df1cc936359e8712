//! The XML Encryption algorithms an SP accepts, as allow-lists read from
//! `EncryptionMethod` elements, and the RustCrypto primitives behind them.
//!
//! - Key transport: RSA-OAEP only (`xmlenc#rsa-oaep-mgf1p`, and
//!   `xmlenc11#rsa-oaep` with its `DigestMethod` and `MGF`), digests SHA-1
//!   or SHA-256. RSA PKCS#1 v1.5 is refused: its padding check is the
//!   Bleichenbacher oracle. Key wrap and key agreement are refused too.
//! - Content: AES-128/192/256 in GCM (XML Encryption 1.1) or CBC. 3DES and
//!   everything else is refused.
//!
//! Decryption answers `None` for every failure, with no reason: the caller
//! folds them all into one error.

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, AeadCore};
use aes_gcm::{AesGcm, KeyInit};
use cbc::cipher::inout::InOutBuf;
use cbc::cipher::{BlockCipherDecrypt, BlockModeDecrypt, BlockSizeUser, KeyIvInit, consts::U16};
use rsa::sha2::Sha256;
use rsa::{Oaep, RsaPrivateKey};
use sha1::Sha1;
use uppsala::{Document, NodeId};
use zeroize::Zeroizing;

use crate::SamlError;
use crate::input::truncate;
use crate::xml::{self, DSIG, XMLENC, XMLENC11};

const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const SHA1_URI: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const SHA256_URI: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";

/// A hash of RSA-OAEP (its digest or its mask generation function).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hash {
    Sha1,
    Sha256,
}

/// RSA-OAEP as an `EncryptedKey` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyTransport {
    pub(super) digest: Hash,
    pub(super) mgf: Hash,
}

impl KeyTransport {
    /// Reads an `EncryptedKey`'s `EncryptionMethod`: `rsa-oaep-mgf1p`
    /// always masks with MGF1-SHA-1 (XML Encryption §5.4.2) and digests
    /// with SHA-1 unless its `DigestMethod` says otherwise; `xmlenc11#rsa-oaep`
    /// may also name its MGF (XML Encryption 1.1 §5.5.2).
    pub(super) fn read(doc: &Document<'_>, method: NodeId) -> Result<Self, SamlError> {
        let uri = algorithm(doc, method);
        let xmlenc11 = match uri {
            RSA_OAEP_MGF1P => false,
            RSA_OAEP => true,
            other => return Err(SamlError::EncryptionAlgorithm(truncate(other))),
        };
        let (mut digest, mut mgf) = (None, None);
        for child in xml::elements(doc, method) {
            let (slot, hash) = if xml::is(doc, child, DSIG, "DigestMethod") {
                let hash = match algorithm(doc, child) {
                    SHA1_URI => Hash::Sha1,
                    SHA256_URI => Hash::Sha256,
                    other => return Err(SamlError::EncryptionAlgorithm(truncate(other))),
                };
                (&mut digest, hash)
            } else if xmlenc11 && xml::is(doc, child, XMLENC11, "MGF") {
                let hash = match algorithm(doc, child) {
                    MGF1_SHA1 => Hash::Sha1,
                    MGF1_SHA256 => Hash::Sha256,
                    other => return Err(SamlError::EncryptionAlgorithm(truncate(other))),
                };
                (&mut mgf, hash)
            } else if xml::is(doc, child, XMLENC, "OAEPparams") {
                return Err(SamlError::EncryptedShape(
                    "OAEPparams (an OAEP label) are not supported",
                ));
            } else {
                return Err(SamlError::EncryptedShape(
                    "an EncryptedKey's EncryptionMethod holds only DigestMethod and MGF",
                ));
            };
            if slot.replace(hash).is_some() {
                return Err(SamlError::EncryptedShape(
                    "an EncryptionMethod names its DigestMethod and MGF once",
                ));
            }
        }
        Ok(Self { digest: digest.unwrap_or(Hash::Sha1), mgf: mgf.unwrap_or(Hash::Sha1) })
    }

    /// The content key `wrapped` holds for `key`, or `None`. The private
    /// key operation is blinded, so its timing says less about the key.
    pub(super) fn unwrap(self, key: &RsaPrivateKey, wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let padding = match (self.digest, self.mgf) {
            (Hash::Sha1, Hash::Sha1) => Oaep::new::<Sha1>(),
            (Hash::Sha1, Hash::Sha256) => Oaep::new_with_mgf_hash::<Sha1, Sha256>(),
            (Hash::Sha256, Hash::Sha1) => Oaep::new_with_mgf_hash::<Sha256, Sha1>(),
            (Hash::Sha256, Hash::Sha256) => Oaep::new::<Sha256>(),
        };
        key.decrypt_blinded(&mut rsa::rand_core::OsRng, padding, wrapped).ok().map(Zeroizing::new)
    }
}

/// An AES key size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Aes {
    Aes128,
    Aes192,
    Aes256,
}

/// The content encryption of an `EncryptedData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Content {
    Gcm(Aes),
    Cbc(Aes),
}

impl Content {
    /// Reads an `EncryptedData`'s `EncryptionMethod`, which has nothing
    /// inside (the key size follows from the algorithm).
    pub(super) fn read(doc: &Document<'_>, method: NodeId) -> Result<Self, SamlError> {
        let content = Self::from_uri(algorithm(doc, method))?;
        if !xml::elements(doc, method).is_empty() {
            return Err(SamlError::EncryptedShape(
                "the EncryptedData's EncryptionMethod must be empty",
            ));
        }
        Ok(content)
    }

    pub(super) fn from_uri(uri: &str) -> Result<Self, SamlError> {
        let refuse = || SamlError::EncryptionAlgorithm(truncate(uri));
        if let Some(name) = uri.strip_prefix(XMLENC11) {
            return Ok(Self::Gcm(match name {
                "aes128-gcm" => Aes::Aes128,
                "aes192-gcm" => Aes::Aes192,
                "aes256-gcm" => Aes::Aes256,
                _ => return Err(refuse()),
            }));
        }
        if let Some(name) = uri.strip_prefix(XMLENC) {
            return Ok(Self::Cbc(match name {
                "aes128-cbc" => Aes::Aes128,
                "aes192-cbc" => Aes::Aes192,
                "aes256-cbc" => Aes::Aes256,
                _ => return Err(refuse()),
            }));
        }
        Err(refuse())
    }

    /// The length in bytes of the key the algorithm takes.
    pub(super) fn key_len(self) -> usize {
        match self {
            Self::Gcm(aes) | Self::Cbc(aes) => match aes {
                Aes::Aes128 => 16,
                Aes::Aes192 => 24,
                Aes::Aes256 => 32,
            },
        }
    }

    /// Whether a change to the ciphertext is detected by the decryption
    /// itself (GCM's tag). CBC detects nothing: each bit flipped in a
    /// block flips the same bit of the next block's plaintext.
    pub(super) fn authenticated(self) -> bool {
        matches!(self, Self::Gcm(_))
    }

    /// The plaintext, or `None` for a key of the wrong size, a short or
    /// ragged ciphertext, a GCM tag that does not match, or bad padding.
    pub(super) fn decrypt(self, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
        if key.len() != self.key_len() {
            return None;
        }
        match self {
            Self::Gcm(Aes::Aes128) => gcm::<aes::Aes128>(key, data),
            Self::Gcm(Aes::Aes192) => gcm::<aes::Aes192>(key, data),
            Self::Gcm(Aes::Aes256) => gcm::<aes::Aes256>(key, data),
            Self::Cbc(Aes::Aes128) => cbc::<aes::Aes128>(key, data),
            Self::Cbc(Aes::Aes192) => cbc::<aes::Aes192>(key, data),
            Self::Cbc(Aes::Aes256) => cbc::<aes::Aes256>(key, data),
        }
    }
}

fn algorithm<'d>(doc: &'d Document<'_>, node: NodeId) -> &'d str {
    xml::attr(doc, node, "Algorithm").unwrap_or_default()
}

/// XML Encryption 1.1 §5.2.4: the CipherValue is a 96-bit IV, then the
/// ciphertext, then a 128-bit tag.
fn gcm<C>(key: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    AesGcm<C, U12>: KeyInit + Aead + AeadCore<NonceSize = U12>,
{
    const IV: usize = 12;
    const TAG: usize = 16;
    if data.len() < IV + TAG {
        return None;
    }
    let (iv, sealed) = data.split_at(IV);
    let cipher = AesGcm::<C, U12>::new_from_slice(key).ok()?;
    let nonce = aes_gcm::Nonce::<U12>::try_from(iv).ok()?;
    cipher.decrypt(&nonce, sealed).ok()
}

/// XML Encryption §5.2: the CipherValue is a 128-bit IV, then whole
/// blocks; the last octet of the plaintext counts the padding octets
/// (1 to 16), whose values are arbitrary (so not PKCS#7's check).
fn cbc<C>(key: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    C: BlockCipherDecrypt + BlockSizeUser<BlockSize = U16> + KeyInit,
{
    const BLOCK: usize = 16;
    if data.len() < 2 * BLOCK || !data.len().is_multiple_of(BLOCK) {
        return None;
    }
    let (iv, body) = data.split_at(BLOCK);
    let mut decryptor = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    let mut plain = body.to_vec();
    let (blocks, _) = InOutBuf::from(plain.as_mut_slice()).into_chunks::<U16>();
    decryptor.decrypt_blocks_inout(blocks);
    let padding = usize::from(*plain.last()?);
    if padding == 0 || padding > BLOCK {
        return None;
    }
    plain.truncate(plain.len() - padding);
    Some(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_algorithms_come_from_the_allow_list() {
        for (uri, content, len) in [
            ("http://www.w3.org/2009/xmlenc11#aes128-gcm", Content::Gcm(Aes::Aes128), 16),
            ("http://www.w3.org/2009/xmlenc11#aes192-gcm", Content::Gcm(Aes::Aes192), 24),
            ("http://www.w3.org/2009/xmlenc11#aes256-gcm", Content::Gcm(Aes::Aes256), 32),
            ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", Content::Cbc(Aes::Aes128), 16),
            ("http://www.w3.org/2001/04/xmlenc#aes192-cbc", Content::Cbc(Aes::Aes192), 24),
            ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", Content::Cbc(Aes::Aes256), 32),
        ] {
            assert_eq!(Content::from_uri(uri), Ok(content), "{uri}");
            assert_eq!(content.key_len(), len);
            assert_eq!(content.authenticated(), matches!(content, Content::Gcm(_)));
        }
        for uri in [
            "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
            "http://www.w3.org/2001/04/xmlenc#kw-aes256",
            "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
            "http://www.w3.org/2009/xmlenc11#aes256-cbc",
            "http://www.w3.org/2001/04/xmlenc#aes256-gcm",
            "http://www.w3.org/2009/xmlenc11#AES256-GCM",
            "",
        ] {
            assert_eq!(
                Content::from_uri(uri),
                Err(SamlError::EncryptionAlgorithm(uri.to_owned())),
                "{uri}"
            );
        }
    }

    fn transport(method: &str) -> Result<KeyTransport, SamlError> {
        let xml = format!(
            "<r xmlns:xenc='{XMLENC}' xmlns:xenc11='{XMLENC11}' xmlns:ds='{DSIG}'>{method}</r>"
        );
        let doc = uppsala::parse(&xml).unwrap();
        let root = doc.document_element().unwrap();
        KeyTransport::read(&doc, xml::elements(&doc, root)[0])
    }

    #[test]
    fn key_transport_is_rsa_oaep_with_sha1_or_sha256() {
        let oaep = |digest, mgf| Ok(KeyTransport { digest, mgf });
        let mgf1p =
            "xenc:EncryptionMethod Algorithm='http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p'";
        let oaep11 = "xenc:EncryptionMethod Algorithm='http://www.w3.org/2009/xmlenc11#rsa-oaep'";
        let sha256 = "<ds:DigestMethod Algorithm='http://www.w3.org/2001/04/xmlenc#sha256'/>";
        let mgf256 = "<xenc11:MGF Algorithm='http://www.w3.org/2009/xmlenc11#mgf1sha256'/>";
        assert_eq!(transport(&format!("<{mgf1p}/>")), oaep(Hash::Sha1, Hash::Sha1));
        assert_eq!(transport(&format!("<{mgf1p}>{sha256}</xenc:EncryptionMethod>")), {
            oaep(Hash::Sha256, Hash::Sha1)
        });
        assert_eq!(transport(&format!("<{oaep11}/>")), oaep(Hash::Sha1, Hash::Sha1));
        assert_eq!(
            transport(&format!("<{oaep11}>{sha256}{mgf256}</xenc:EncryptionMethod>")),
            oaep(Hash::Sha256, Hash::Sha256)
        );
        // rsa-oaep-mgf1p has no MGF to choose.
        assert!(matches!(
            transport(&format!("<{mgf1p}>{mgf256}</xenc:EncryptionMethod>")),
            Err(SamlError::EncryptedShape(_))
        ));
        assert!(matches!(
            transport(&format!("<{oaep11}>{sha256}{sha256}</xenc:EncryptionMethod>")),
            Err(SamlError::EncryptedShape(_))
        ));
        assert!(matches!(
            transport(&format!(
                "<{mgf1p}><xenc:OAEPparams>AA==</xenc:OAEPparams></xenc:EncryptionMethod>"
            )),
            Err(SamlError::EncryptedShape(_))
        ));
        for refused in [
            "<xenc:EncryptionMethod Algorithm='http://www.w3.org/2001/04/xmlenc#rsa-1_5'/>",
            "<xenc:EncryptionMethod Algorithm='http://www.w3.org/2001/04/xmlenc#kw-aes256'/>",
            "<xenc:EncryptionMethod Algorithm='http://www.w3.org/2009/xmlenc11#ECDH-ES'/>",
            "<xenc:EncryptionMethod/>",
            &format!(
                "<{mgf1p}><ds:DigestMethod Algorithm='http://www.w3.org/2001/04/xmlenc#sha512'/></xenc:EncryptionMethod>"
            ),
            &format!(
                "<{oaep11}><xenc11:MGF Algorithm='http://www.w3.org/2009/xmlenc11#mgf1sha512'/></xenc:EncryptionMethod>"
            ),
        ] {
            assert!(
                matches!(transport(refused), Err(SamlError::EncryptionAlgorithm(_))),
                "{refused}"
            );
        }
    }

    #[test]
    fn decryption_fails_without_a_reason() {
        let gcm = Content::Gcm(Aes::Aes128);
        let cbc = Content::Cbc(Aes::Aes256);
        // Wrong key sizes, short and ragged ciphertexts.
        assert_eq!(gcm.decrypt(&[0; 32], &[0; 64]), None);
        assert_eq!(cbc.decrypt(&[0; 16], &[0; 64]), None);
        assert_eq!(gcm.decrypt(&[0; 16], &[0; 27]), None);
        assert_eq!(cbc.decrypt(&[0; 32], &[0; 16]), None);
        assert_eq!(cbc.decrypt(&[0; 32], &[0; 40]), None);
        // A tag that does not match.
        assert_eq!(gcm.decrypt(&[0; 16], &[0; 64]), None);
    }

    #[test]
    fn cbc_padding_is_xml_encryptions() {
        use cbc::cipher::BlockModeEncrypt;
        let key = [7u8; 16];
        let iv = [9u8; 16];
        let encrypt = |plain: &[u8]| {
            let mut data = plain.to_vec();
            let mut encryptor = cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv).unwrap();
            let (blocks, _) = InOutBuf::from(data.as_mut_slice()).into_chunks::<U16>();
            encryptor.encrypt_blocks_inout(blocks);
            [iv.as_slice(), &data].concat()
        };
        let content = Content::Cbc(Aes::Aes128);
        // Arbitrary padding octets, then their count.
        let padded = [b"<a/>".as_slice(), &[0xaa; 11], &[12]].concat();
        assert_eq!(content.decrypt(&key, &encrypt(&padded)).as_deref(), Some(b"<a/>".as_slice()));
        let full = [[0x55; 15].as_slice(), &[16]].concat();
        assert_eq!(content.decrypt(&key, &encrypt(&full)).as_deref(), Some(b"".as_slice()));
        for last in [0u8, 17, 255] {
            let bad = [[0x55; 15].as_slice(), &[last]].concat();
            assert_eq!(content.decrypt(&key, &encrypt(&bad)), None, "{last}");
        }
    }
}
