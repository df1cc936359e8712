//! What a posted response claims before it is validated (`claimed`): the
//! request it answers and its Issuer, read to find the provider whose
//! trust then validates it. Hostile documents are refused here already.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use base64::Engine;
use roster_saml::{Claimed, claimed};

fn corpus(name: &str) -> String {
    let data = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/data/corpus");
    let encoded = std::fs::read_to_string(data.join(format!("{name}.b64"))).unwrap();
    encoded.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

fn encode(xml: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}

const RESPONSE: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="2026-12-01T12:00:00Z"{irt}>{issuer}<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a" Version="2.0" IssueInstant="2026-12-01T12:00:00Z"><saml:Issuer> https://assertion.example.test </saml:Issuer></saml:Assertion></samlp:Response>"#;

fn response(in_response_to: Option<&str>, issuer: Option<&str>) -> String {
    let irt = in_response_to.map(|id| format!(r#" InResponseTo="{id}""#)).unwrap_or_default();
    let issuer =
        issuer.map(|issuer| format!("<saml:Issuer>{issuer}</saml:Issuer>")).unwrap_or_default();
    encode(&RESPONSE.replace("{irt}", &irt).replace("{issuer}", &issuer))
}

#[test]
fn a_real_responses_request_and_issuer() {
    let claims = claimed(&corpus("signed-assertion")).unwrap();
    assert_eq!(claims.in_response_to.as_deref(), Some("_req1"));
    assert_eq!(claims.issuer.as_deref(), Some("https://idp.example.test/metadata"));
}

#[test]
fn the_responses_issuer_comes_first_then_the_assertions() {
    assert_eq!(
        claimed(&response(Some("_req9"), Some("https://idp.example.test"))).unwrap(),
        Claimed {
            in_response_to: Some("_req9".into()),
            issuer: Some("https://idp.example.test".into())
        }
    );
    assert_eq!(
        claimed(&response(None, None)).unwrap(),
        Claimed { in_response_to: None, issuer: Some("https://assertion.example.test".into()) }
    );
}

#[test]
fn hostile_or_foreign_documents_claim_nothing() {
    for name in ["attack-doctype", "attack-external-entity"] {
        assert!(claimed(&corpus(name)).is_err(), "{name}");
    }
    let not_a_response = encode(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x"/>"#,
    );
    assert!(claimed(&not_a_response).is_err());
    assert!(claimed("not base64 at all!").is_err());
    // An Issuer whose text hides markup is refused, not read in part.
    let commented = RESPONSE
        .replace("{irt}", "")
        .replace("{issuer}", "<saml:Issuer>https://idp<!-- -->.evil.test</saml:Issuer>");
    let refused = claimed(&encode(&commented)).unwrap_err();
    assert!(refused.to_string().contains("only text"), "{refused}");
}
