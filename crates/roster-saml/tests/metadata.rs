//! IdP metadata: a real IdP's document (`tests/data/metadata/idp.xml`, made
//! by `tests/data/make-corpus.sh`) and the documents an SP must refuse.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use jiff::SignedDuration;
use roster_saml::{SamlError, parse_idp_metadata};

fn recorded() -> String {
    std::fs::read_to_string(
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
            .join("tests/data/metadata/idp.xml"),
    )
    .unwrap()
}

#[test]
fn a_real_idp_document_gives_every_certificate_and_endpoint() {
    let metadata = parse_idp_metadata(&recorded()).unwrap();
    assert_eq!(metadata.entity_id, "https://idp.example.test/metadata");
    assert_eq!(metadata.signing_certificates.len(), 2, "both certificates of a rotation");
    assert_eq!(metadata.sso_redirect_url.as_deref(), Some("https://idp.example.test/sso"));
    assert_eq!(metadata.slo_redirect_url.as_deref(), Some("https://idp.example.test/slo"));
    assert_eq!(metadata.valid_until, Some("2027-01-01T00:00:00Z".parse().unwrap()));
    assert_eq!(metadata.cache_duration, Some(SignedDuration::from_hours(6)));
}

/// The recorded document with one edit.
fn edited(from: &str, to: &str) -> String {
    let text = recorded();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn unusable_documents_are_refused_with_the_reason() {
    let cases: Vec<(String, SamlError)> = vec![
        (
            edited("<md:EntityDescriptor", "<!DOCTYPE x [<!ENTITY e \"x\">]><md:EntityDescriptor"),
            SamlError::Doctype,
        ),
        (
            edited("use=\"signing\"", "use=\"encryption\"")
                .replace("use=\"signing\"", "use=\"encryption\""),
            SamlError::NoSigningCertificate,
        ),
        (
            edited("https://idp.example.test/sso", "javascript:alert(1)"),
            SamlError::Metadata("javascript:alert(1) is not an http(s) URL".into()),
        ),
        (
            edited("entityID=\"https://idp.example.test/metadata\"", "entityID=\" \""),
            SamlError::Required("entityID"),
        ),
        (
            edited("cacheDuration=\"PT6H\"", "cacheDuration=\"soon\""),
            SamlError::BadTime { what: "cacheDuration", value: "soon".into() },
        ),
        (
            "<html><body>Sign in</body></html>".to_owned(),
            SamlError::UnexpectedRoot { expected: "md:EntityDescriptor", found: "html".into() },
        ),
        (
            edited("urn:oasis:names:tc:SAML:2.0:protocol", "urn:oasis:names:tc:SAML:1.1:protocol"),
            SamlError::Metadata("no SAML 2.0 IDPSSODescriptor".into()),
        ),
        ("x".repeat(2 * 1024 * 1024 + 1), SamlError::TooLarge { limit: 2 * 1024 * 1024 }),
    ];
    for (document, expected) in cases {
        assert_eq!(parse_idp_metadata(&document), Err(expected));
    }
}

#[test]
fn a_federation_document_must_name_one_idp() {
    let entity = recorded();
    let entity = entity.split_once("?>").map_or(entity.as_str(), |(_, rest)| rest).trim();
    let one = format!(
        "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">{entity}</md:EntitiesDescriptor>"
    );
    assert_eq!(parse_idp_metadata(&one).unwrap().entity_id, "https://idp.example.test/metadata");
    let two = format!(
        "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">{entity}{}</md:EntitiesDescriptor>",
        entity.replace("https://idp.example.test/metadata", "https://second.example.test/")
    );
    let refused = parse_idp_metadata(&two).unwrap_err();
    assert!(
        matches!(refused, SamlError::Metadata(ref why) if why.contains("2 identity providers")),
        "{refused}"
    );
}
