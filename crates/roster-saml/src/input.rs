//! The gate every SAML message passes before an XML parser sees it: size
//! caps before and after decoding and inflating, UTF-8 text, and no
//! document type declaration at all (so no entity, internal or external,
//! is ever expanded and nothing is ever fetched).

use std::io::Read;

use base64::Engine;

use crate::SamlError;

/// The largest base64 text accepted from a form or a query parameter.
/// IdP responses with a few certificates and many group attributes stay
/// well under 200 KiB.
pub const MAX_ENCODED_BYTES: usize = 512 * 1024;

/// The largest XML document accepted after decoding or inflating.
pub const MAX_XML_BYTES: usize = 384 * 1024;

/// The largest metadata document accepted (federation metadata with many
/// certificates is larger than a response).
pub const MAX_METADATA_BYTES: usize = 2 * 1024 * 1024;

/// The XML of an HTTP-POST binding's `SAMLResponse` (or `SAMLRequest`):
/// base64, possibly broken into lines.
pub fn decode_post(encoded: &str) -> Result<String, SamlError> {
    if encoded.len() > MAX_ENCODED_BYTES {
        return Err(SamlError::TooLarge { limit: MAX_ENCODED_BYTES });
    }
    let compact: String = encoded.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| SamlError::NotBase64)?;
    xml_text(bytes, MAX_XML_BYTES)
}

/// The XML of an HTTP-Redirect binding's parameter (already URL-decoded):
/// base64 of raw DEFLATE, inflated with a cap so that a small message
/// cannot expand into a large one.
pub fn decode_redirect(encoded: &str) -> Result<String, SamlError> {
    if encoded.len() > MAX_ENCODED_BYTES {
        return Err(SamlError::TooLarge { limit: MAX_ENCODED_BYTES });
    }
    let compressed = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim().as_bytes())
        .map_err(|_| SamlError::NotBase64)?;
    let mut inflated = Vec::new();
    let limit = u64::try_from(MAX_XML_BYTES).unwrap_or(u64::MAX) + 1;
    flate2::read::DeflateDecoder::new(compressed.as_slice())
        .take(limit)
        .read_to_end(&mut inflated)
        .map_err(|_| SamlError::NotDeflated)?;
    xml_text(inflated, MAX_XML_BYTES)
}

/// Checks a document's bytes: size, UTF-8, and no DOCTYPE.
pub fn xml_text(bytes: Vec<u8>, limit: usize) -> Result<String, SamlError> {
    if bytes.len() > limit {
        return Err(SamlError::TooLarge { limit });
    }
    let text = String::from_utf8(bytes).map_err(|_| SamlError::NotText)?;
    refuse_doctype(&text)?;
    Ok(text)
}

/// SAML never needs a DTD; a declaration is how entity expansion and
/// external fetches get in, so any is refused before parsing, wherever it
/// stands.
pub fn refuse_doctype(text: &str) -> Result<(), SamlError> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("<!doctype") || lower.contains("<!entity") {
        return Err(SamlError::Doctype);
    }
    Ok(())
}

/// Parses checked text.
pub(crate) fn parse(text: &str) -> Result<uppsala::Document<'_>, SamlError> {
    refuse_doctype(text)?;
    uppsala::parse(text).map_err(|err| match err {
        // A decrypted assertion is parsed on its own: a prefix it borrowed
        // from the Response is undeclared here, and deserves a clear word.
        uppsala::XmlError::Namespace(err) => SamlError::Namespace(truncate(&err.message)),
        err => SamlError::Malformed(truncate(&err.to_string())),
    })
}

/// Error texts from the parser quote the input; keep them short.
pub(crate) fn truncate(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn post_messages_are_decoded_with_line_breaks() {
        let encoded = b64(b"<samlp:Response/>");
        let broken = format!("{}\r\n{}", &encoded[..8], &encoded[8..]);
        assert_eq!(decode_post(&broken).unwrap(), "<samlp:Response/>");
        assert_eq!(decode_post("not base64!"), Err(SamlError::NotBase64));
        assert_eq!(decode_post(&b64(&[0xff, 0xfe, 0x00])), Err(SamlError::NotText));
    }

    #[test]
    fn doctypes_are_refused_in_any_case_and_place() {
        for xml in [
            "<!DOCTYPE r [<!ENTITY x \"evil\">]><r>&x;</r>",
            "<?xml version=\"1.0\"?>\n<!doctype r SYSTEM \"http://127.0.0.1:9/\"><r/>",
            "<r><!ENTITY x SYSTEM \"file:///etc/passwd\"></r>",
        ] {
            assert_eq!(decode_post(&b64(xml.as_bytes())), Err(SamlError::Doctype), "{xml}");
            assert_eq!(decode_redirect(&b64(&deflate(xml.as_bytes()))), Err(SamlError::Doctype));
        }
    }

    #[test]
    fn sizes_are_capped_before_and_after_inflating() {
        let huge = "A".repeat(MAX_ENCODED_BYTES + 1);
        assert_eq!(decode_post(&huge), Err(SamlError::TooLarge { limit: MAX_ENCODED_BYTES }));
        // A bomb: a few kilobytes that inflate far beyond the cap.
        let bomb = b64(&deflate(&vec![b'<'; 64 * 1024 * 1024]));
        assert!(bomb.len() < MAX_ENCODED_BYTES, "{}", bomb.len());
        assert_eq!(decode_redirect(&bomb), Err(SamlError::TooLarge { limit: MAX_XML_BYTES }));
        let xml = "<samlp:AuthnRequest ID=\"_1\"/>";
        assert_eq!(decode_redirect(&b64(&deflate(xml.as_bytes()))).unwrap(), xml);
        assert_eq!(decode_redirect(&b64(b"not deflate")), Err(SamlError::NotDeflated));
    }
}
