//! The gate in front of the XML-signature engine: a signature a SAML IdP
//! would not make is refused before any transform runs, any reference is
//! resolved or anything is hashed, so that a hostile response cannot make
//! the engine read files, recurse without end or burn the CPU.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use base64::Engine;
use roster_saml::{Expected, IdpKeys, SamlError, validate_xml};

/// A real IdP's signed response (`signed-assertion` of the corpus).
fn signed() -> String {
    let data = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/data");
    let encoded = std::fs::read_to_string(data.join("corpus/signed-assertion.b64")).unwrap();
    let compact: String = encoded.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(compact).unwrap()).unwrap()
}

fn check(xml: &str) -> Result<(), SamlError> {
    let data =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/data/keys/idp.crt");
    let pem = std::fs::read_to_string(data).unwrap();
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let expected = Expected {
        idp_entity_id: Some("https://idp.example.test/metadata"),
        sp_entity_id: "https://roster.example.test/saml/metadata",
        acs_url: "https://roster.example.test/saml/consume",
        outstanding: &["_req1"],
        allow_unsolicited: false,
        allow_sha1: false,
        decryption_keys: &[],
        now: "2026-12-01T12:00:30Z".parse().unwrap(),
    };
    validate_xml(xml, &IdpKeys::Certificates(vec![der]), &expected).map(|_| ())
}

/// The recorded response with one edit.
fn edited(from: &str, to: &str) -> String {
    let text = signed();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

const ENVELOPED: &str =
    r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#;

#[test]
fn the_recorded_response_passes_the_gate() {
    assert_eq!(check(&signed()), Ok(()));
}

#[test]
fn transforms_beyond_the_two_saml_uses_are_refused() {
    let xpath = format!(
        r#"{ENVELOPED}<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>{}1{}</ds:XPath></ds:Transform>"#,
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let xslt = format!(
        r#"{ENVELOPED}<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>"#
    );
    for transform in [xpath, xslt] {
        let refused = check(&edited(ENVELOPED, &transform)).unwrap_err();
        assert!(matches!(refused, SamlError::Algorithm(_)), "{refused}");
    }
    let inclusive = r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>"#;
    let refused = check(&edited(
        r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
        inclusive,
    ))
    .unwrap_err();
    assert!(matches!(refused, SamlError::Algorithm(_)), "{refused}");
}

#[test]
fn references_to_anything_but_the_signed_element_are_refused() {
    let text = signed();
    let start = text.find("<ds:Reference URI=\"").unwrap() + "<ds:Reference URI=\"".len();
    let end = start + text[start..].find('"').unwrap();
    let uri = &text[start..end];
    for target in ["Cargo.toml", "/etc/passwd", "dev/zero", "", "#id-other"] {
        let refused =
            check(&edited(&format!("URI=\"{uri}\""), &format!("URI=\"{target}\""))).unwrap_err();
        assert_eq!(
            refused,
            SamlError::BadSignature("the reference must name its element's ID".into()),
            "{target}"
        );
    }
}

#[test]
fn signatures_carry_nothing_else_and_are_few() {
    let object = check(&edited("</ds:Signature>", "<ds:Object><x/></ds:Object></ds:Signature>"));
    assert_eq!(
        object,
        Err(SamlError::BadSignature(
            "a signature holds only SignedInfo, SignatureValue and KeyInfo".into()
        ))
    );
    let retrieval = check(&edited(
        "<ds:X509Data>",
        r#"<ds:RetrievalMethod URI="file:///etc/passwd"/><ds:X509Data>"#,
    ));
    assert_eq!(retrieval, Err(SamlError::BadSignature("KeyInfo may hold only X509Data".into())));
    let text = signed();
    let start = text.find("<ds:Signature").unwrap();
    let end = text.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    // Copies without the original's Id, which would collide.
    let signature = text[start..end].replace(" Id=\"Signature2\"", "");
    let many = edited("<samlp:Status>", &format!("{signature}{signature}<samlp:Status>"));
    assert_eq!(
        check(&many),
        Err(SamlError::BadSignature("a response carries at most two signatures".into()))
    );
}
