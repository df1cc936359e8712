//! The HTTP-Redirect binding for what the SP sends (SAML bindings §3.4):
//! the message raw-DEFLATEd, base64 and percent-encoded into the query,
//! the relay state beside it, and, when signed, `SigAlg` and `Signature`
//! over exactly the octets `SAMLRequest=...&RelayState=...&SigAlg=...` as
//! they appear in the URL (§3.4.4.1).

use std::fmt::Write as _;
use std::io::Write as _;

use base64::Engine;

use crate::sp_key::{RSA_SHA256, RequestSigner};

/// A message and the query parameter that carries it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Message<'a> {
    Request(&'a str),
    Response(&'a str),
}

/// The URL that carries `message` to `destination`, keeping any query the
/// destination already has.
pub(crate) fn redirect_url(
    destination: &str,
    message: Message<'_>,
    relay_state: Option<&str>,
    signer: Option<&RequestSigner>,
) -> String {
    let (parameter, xml) = match message {
        Message::Request(xml) => ("SAMLRequest", xml),
        Message::Response(xml) => ("SAMLResponse", xml),
    };
    let mut query = format!("{parameter}={}", percent_encode(&deflate_base64(xml)));
    if let Some(state) = relay_state {
        let _ = write!(query, "&RelayState={}", percent_encode(state));
    }
    if let Some(signer) = signer {
        let _ = write!(query, "&SigAlg={}", percent_encode(RSA_SHA256));
        let signature = signer.sign_base64(query.as_bytes());
        let _ = write!(query, "&Signature={}", percent_encode(&signature));
    }
    let separator = if destination.contains('?') { '&' } else { '?' };
    format!("{destination}{separator}{query}")
}

fn deflate_base64(xml: &str) -> String {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(xml.as_bytes());
    let compressed = encoder.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(compressed)
}

/// Percent-encoding for a query component (RFC 3986 unreserved kept).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The query parameter `name` of `url`, percent-decoded (for tests).
#[cfg(test)]
pub(crate) fn parameter(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let value = query.split('&').find_map(|pair| pair.strip_prefix(&format!("{name}=")))?;
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            out.push(u8::from_str_radix(value.get(index + 1..index + 3)?, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::sha2::Sha256;
    use rsa::signature::Verifier;

    use super::*;
    use crate::input::decode_redirect;
    use crate::sp_key::generate_sp_key;

    #[test]
    fn a_signed_redirect_signs_the_query_as_sent() {
        let key = generate_sp_key(
            &mut rsa::rand_core::OsRng,
            "sp",
            "2026-12-04T00:00:00Z".parse().unwrap(),
            1,
        )
        .unwrap();
        let signer = RequestSigner::from_pkcs8_der(&key.private_key_pkcs8).unwrap();
        let url = redirect_url(
            "https://idp.example.test/slo?x=1",
            Message::Response("<samlp:LogoutResponse/>"),
            Some("a b&c"),
            Some(&signer),
        );
        let query = url.strip_prefix("https://idp.example.test/slo?x=1&").unwrap();
        let (signed, signature) = query.split_once("&Signature=").unwrap();
        assert!(signed.starts_with("SAMLResponse="), "{signed}");
        assert!(signed.contains("&RelayState=a%20b%26c&SigAlg="), "{signed}");
        assert_eq!(parameter(&url, "SigAlg").as_deref(), Some(RSA_SHA256));
        let xml = decode_redirect(&parameter(&url, "SAMLResponse").unwrap()).unwrap();
        assert_eq!(xml, "<samlp:LogoutResponse/>");

        let private = rsa::RsaPrivateKey::from_pkcs8_der(&key.private_key_pkcs8).unwrap();
        let verifier = VerifyingKey::<Sha256>::new(private.to_public_key());
        let signature = base64::engine::general_purpose::STANDARD
            .decode(parameter(&format!("?Signature={signature}"), "Signature").unwrap())
            .unwrap();
        let signature = Signature::try_from(signature.as_slice()).unwrap();
        verifier.verify(signed.as_bytes(), &signature).unwrap();
        // Any other octets do not verify: the signature is over the query.
        assert!(verifier.verify(format!("{signed}&x=1").as_bytes(), &signature).is_err());
    }

    #[test]
    fn an_unsigned_redirect_has_no_signature() {
        let url =
            redirect_url("https://idp.example.test/sso", Message::Request("<a/>"), None, None);
        assert!(url.starts_with("https://idp.example.test/sso?SAMLRequest="), "{url}");
        assert!(parameter(&url, "SigAlg").is_none() && parameter(&url, "Signature").is_none());
        assert!(parameter(&url, "RelayState").is_none());
    }
}
