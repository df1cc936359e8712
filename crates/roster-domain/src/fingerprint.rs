//! A SAML IdP's certificate fingerprint, as an administrator pastes it.

use crate::InvalidValue;

/// A SHA-256 certificate fingerprint, stored as 64 lower-case hex digits.
/// Accepted as administrators copy it: in either case, with or without `:`
/// or space separators, and with the label OpenSSL prints before it
/// (`openssl x509 -noout -fingerprint -sha256` writes
/// `sha256 Fingerprint=AB:CD:…`, older versions `SHA256 Fingerprint=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFingerprint(String);

impl CertificateFingerprint {
    /// Labels that may precede the digits, compared without case.
    const LABELS: [&'static str; 3] = ["sha256 fingerprint=", "sha256:", "sha-256:"];

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let lowered = raw.trim().to_lowercase();
        let digits =
            Self::LABELS.iter().find_map(|label| lowered.strip_prefix(label)).unwrap_or(&lowered);
        let hex: String = digits.chars().filter(|c| *c != ':' && *c != ' ').collect();
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(InvalidValue::new(
                "must be a SHA-256 fingerprint: 64 hex digits, optionally separated by ':'",
            ));
        }
        match hex.len() {
            64 => Ok(Self(hex)),
            // SHA-1 "thumbprints" are what some consoles show first.
            40 => Err(InvalidValue::new(
                "is a SHA-1 fingerprint (40 hex digits); roster needs the certificate's SHA-256 \
                 fingerprint: 64 hex digits, e.g. from `openssl x509 -noout -fingerprint -sha256`",
            )),
            _ => Err(InvalidValue::new(
                "must be a SHA-256 fingerprint: 64 hex digits, optionally separated by ':'",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_as_pasted() {
        let colons = "AB:".repeat(31) + "AB";
        assert_eq!(CertificateFingerprint::parse(&colons).unwrap().as_str(), "ab".repeat(32));
        assert!(CertificateFingerprint::parse("abcd").is_err());
        assert!(CertificateFingerprint::parse(&"zz".repeat(32)).is_err());
        let expected = "ab".repeat(32);
        for pasted in [
            format!("sha256 Fingerprint={colons}"),
            format!("SHA256 Fingerprint={colons}\n"),
            format!("  SHA-256:{}  ", "AB ".repeat(31) + "AB"),
            format!("sha256:{expected}"),
        ] {
            assert_eq!(
                CertificateFingerprint::parse(&pasted).unwrap().as_str(),
                expected,
                "{pasted}"
            );
        }
        let sha1 = CertificateFingerprint::parse(&"ab".repeat(20)).unwrap_err();
        assert!(sha1.0.contains("SHA-1"), "{}", sha1.0);
        for hostile in [format!("md5 Fingerprint={colons}"), format!("{expected}00"), String::new()]
        {
            assert!(CertificateFingerprint::parse(&hostile).is_err(), "{hostile}");
        }
    }
}
