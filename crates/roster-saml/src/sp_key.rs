//! The service provider's own keys: an RSA key pair with a self-signed
//! certificate (IdPs pin the certificate from the SP's metadata; no CA is
//! involved in SAML trust), and the signature of an HTTP-Redirect message
//! (SAML bindings §3.4.4.1: RSA-SHA256 over the query's
//! `SAMLRequest=...&RelayState=...&SigAlg=...`, exactly as sent).
//!
//! Randomness comes in from the caller, like the clock: this crate does no
//! I/O.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use jiff::Timestamp;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::rand_core::CryptoRngCore;
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::Encode;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

use crate::SamlError;

/// The size of the SP's RSA keys: what IdPs accept everywhere.
pub const SP_KEY_BITS: usize = 2048;

/// The signature algorithm of signed redirects.
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// A fresh key pair: the private key (PKCS#8 DER, to be kept secret) and
/// its self-signed certificate (DER, published in the SP's metadata).
pub struct GeneratedKey {
    pub private_key_pkcs8: Vec<u8>,
    pub certificate: Vec<u8>,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey").field("private_key_pkcs8", &"[redacted]").finish()
    }
}

/// Generates an RSA key pair and a certificate for `common_name`, valid
/// from `not_before` for `years`. Slow (a second or so): run it off the
/// async workers.
pub fn generate_sp_key<R: CryptoRngCore>(
    rng: &mut R,
    common_name: &str,
    not_before: Timestamp,
    years: u16,
) -> Result<GeneratedKey, SamlError> {
    let failed = |what: &str, err: &dyn std::fmt::Display| {
        SamlError::KeyGeneration(format!("{what}: {err}"))
    };
    let private = RsaPrivateKey::new(rng, SP_KEY_BITS).map_err(|e| failed("the RSA key", &e))?;
    let public = SubjectPublicKeyInfoOwned::from_key(private.to_public_key())
        .map_err(|e| failed("the public key", &e))?;
    let since_epoch = u64::try_from(not_before.as_second())
        .map_err(|_| failed("the start time", &"before 1970"))?;
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(since_epoch);
    let end = start + Duration::from_secs(u64::from(years) * 365 * 24 * 3600);
    let validity = Validity {
        not_before: Time::try_from(start).map_err(|e| failed("the start time", &e))?,
        not_after: Time::try_from(end).map_err(|e| failed("the end time", &e))?,
    };
    // Only the characters a distinguished name takes without escaping.
    let common_name: String = common_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ' ' | ':'))
        .take(64)
        .collect();
    let subject = Name::from_str(&format!("CN={}", common_name.trim()))
        .map_err(|e| failed("the subject", &e))?;
    let mut serial = [0u8; 16];
    rng.fill_bytes(&mut serial);
    // A positive integer: the high bit clear, and never all zeroes.
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let serial = SerialNumber::new(&serial).map_err(|e| failed("the serial number", &e))?;
    let signer = pkcs1v15::SigningKey::<Sha256>::new(private.clone());
    let certificate = CertificateBuilder::new(
        Profile::Leaf {
            issuer: subject.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: true,
        },
        serial,
        validity,
        subject,
        public,
        &signer,
    )
    .and_then(|builder| builder.build::<pkcs1v15::Signature>())
    .map_err(|e| failed("the certificate", &e))?
    .to_der()
    .map_err(|e| failed("the certificate", &e))?;
    let private_key_pkcs8 =
        private.to_pkcs8_der().map_err(|e| failed("the private key", &e))?.as_bytes().to_vec();
    Ok(GeneratedKey { private_key_pkcs8, certificate })
}

/// The SP's key for signing the messages it sends, parsed once.
#[derive(Clone)]
pub struct RequestSigner {
    key: pkcs1v15::SigningKey<Sha256>,
}

impl std::fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestSigner([redacted])")
    }
}

impl RequestSigner {
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, SamlError> {
        let private = RsaPrivateKey::from_pkcs8_der(der)
            .map_err(|err| SamlError::BadCertificate(format!("the SP's private key: {err}")))?;
        Ok(Self { key: pkcs1v15::SigningKey::new(private) })
    }

    /// The base64 RSA-SHA256 signature of `octets` (the query string of a
    /// redirect, as the binding defines it).
    pub(crate) fn sign_base64(&self, octets: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.key.sign(octets).to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    use x509_cert::Certificate;
    use x509_cert::der::{Decode, Encode};

    use super::*;

    fn generated() -> GeneratedKey {
        let start: Timestamp = "2026-12-04T00:00:00Z".parse().unwrap();
        generate_sp_key(&mut rsa::rand_core::OsRng, "sp.example.test <evil>", start, 10).unwrap()
    }

    #[test]
    fn a_generated_certificate_is_self_signed_for_its_key_and_window() {
        let key = generated();
        let cert = Certificate::from_der(&key.certificate).unwrap();
        let tbs = &cert.tbs_certificate;
        assert_eq!(tbs.subject.to_string(), "CN=sp.example.test evil");
        assert_eq!(tbs.issuer, tbs.subject);
        let start: Timestamp = "2026-12-04T00:00:00Z".parse().unwrap();
        let not_before = tbs.validity.not_before.to_unix_duration().as_secs();
        assert_eq!(i64::try_from(not_before).unwrap(), start.as_second());
        let years =
            tbs.validity.not_after.to_unix_duration() - tbs.validity.not_before.to_unix_duration();
        assert_eq!(years.as_secs(), 10 * 365 * 24 * 3600);

        // The certificate's public key verifies what the private key signs,
        // and the certificate's own signature.
        let signer = RequestSigner::from_pkcs8_der(&key.private_key_pkcs8).unwrap();
        let spki = tbs.subject_public_key_info.to_der().unwrap();
        let public = rsa::RsaPublicKey::from_public_key_der(&spki).unwrap();
        let verifier = VerifyingKey::<Sha256>::new(public);
        let signature = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(signer.sign_base64(b"octets")).unwrap()
        };
        verifier.verify(b"octets", &Signature::try_from(signature.as_slice()).unwrap()).unwrap();
        let tbs_der = tbs.to_der().unwrap();
        let cert_signature = Signature::try_from(cert.signature.raw_bytes()).unwrap();
        verifier.verify(&tbs_der, &cert_signature).unwrap();
    }

    #[test]
    fn two_generated_keys_differ() {
        let (a, b) = (generated(), generated());
        assert_ne!(a.private_key_pkcs8, b.private_key_pkcs8);
        assert_ne!(a.certificate, b.certificate);
    }

    #[test]
    fn a_signer_refuses_what_is_not_a_private_key() {
        let err = RequestSigner::from_pkcs8_der(b"not a key").unwrap_err();
        assert!(matches!(err, SamlError::BadCertificate(_)), "{err:?}");
        assert!(
            !format!(
                "{:?}",
                RequestSigner::from_pkcs8_der(&generated().private_key_pkcs8).unwrap()
            )
            .contains("0x")
        );
    }
}
