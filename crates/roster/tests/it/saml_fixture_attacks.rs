//! The fixture's attacks (`idp.py attack`) have the shape its README
//! claims: each keeps a validly signed part beside the hostile one, or
//! breaks exactly what it says, checked with `xmlsec1` and `xmllint`.

use crate::saml_fixture::{ALICE, DS, EVIL, Fixture, base64_decode, fixture, run, spec};
use crate::saml_idp::{Encryption, ResponseSpec};

fn attack(f: &Fixture, kind: &str, spec: ResponseSpec) -> String {
    f.idp.attack_xml(kind, &spec)
}

#[test]
fn assertion_wrapping_attacks_keep_a_valid_signature_beside_an_unsigned_assertion() {
    let f = fixture();
    let cert = &f.idp.key().cert;
    let name = |xml: &str, path: &str| f.text(xml, &format!("{path}/Subject/NameID"));

    let xml = base64_decode(&f, &f.idp.attack("wrap-assertion-before", &spec()));
    assert_eq!(f.count(&xml, "/Response/Assertion"), 2);
    assert_eq!(
        (name(&xml, "/Response/Assertion[1]"), f.count(&xml, "/Response/Assertion[1]/Signature")),
        (EVIL.into(), 0)
    );
    assert_eq!(name(&xml, "/Response/Assertion[2]"), ALICE);
    assert!(f.verifies(&xml, cert, Some("/Response/Assertion[2]/Signature")));

    let xml = attack(&f, "wrap-assertion-after", spec());
    assert_eq!(
        (name(&xml, "/Response/Assertion[1]"), name(&xml, "/Response/Assertion[2]")),
        (ALICE.into(), EVIL.into())
    );
    assert_eq!(f.count(&xml, "/Response/Assertion[2]/Signature"), 0);
    assert!(f.verifies(&xml, cert, Some("/Response/Assertion[1]/Signature")));

    let xml = attack(&f, "wrap-inside-signed", spec());
    assert_eq!(
        (f.count(&xml, "/Response/Assertion"), name(&xml, "/Response/Assertion")),
        (1, ALICE.into())
    );
    assert_eq!(name(&xml, "/Response/Assertion/Signature/Object/Assertion"), EVIL);
    assert!(f.verifies(&xml, cert, Some("/Response/Assertion/Signature")));

    let xml = attack(&f, "wrap-signed-inside-evil", spec());
    assert_eq!(
        (name(&xml, "/Response/Assertion"), f.count(&xml, "/Response/Assertion/Signature")),
        (EVIL.into(), 0)
    );
    assert_eq!(name(&xml, "/Response/Assertion/Assertion"), ALICE);
    assert!(f.verifies(&xml, cert, Some("/Response/Assertion/Assertion/Signature")));

    let xml = attack(&f, "wrap-signature-moved", spec());
    assert_eq!(name(&xml, "/Response/Assertion[1]"), EVIL);
    assert_eq!(
        f.text(&xml, "/Response/Assertion[1]/Signature//Reference/@URI"),
        format!("#{}", f.text(&xml, "/Response/Assertion[2]/@ID"))
    );
    assert_eq!(
        (name(&xml, "/Response/Assertion[2]"), f.count(&xml, "/Response/Assertion[2]/Signature")),
        (ALICE.into(), 0)
    );
    assert!(f.verifies(&xml, cert, Some("/Response/Assertion[1]/Signature")));

    let xml = attack(&f, "wrap-signed-in-extensions", spec());
    assert_eq!(
        (name(&xml, "/Response/Assertion"), f.count(&xml, "/Response/Assertion/Signature")),
        (EVIL.into(), 0)
    );
    assert_eq!(name(&xml, "/Response/Extensions/Assertion"), ALICE);
    assert!(f.verifies(&xml, cert, Some("/Response/Extensions/Assertion/Signature")));

    let xml = attack(&f, "wrap-in-advice", spec());
    assert_eq!(name(&xml, "/Response/Assertion"), ALICE);
    assert_eq!(
        (name(&xml, "/Response/Assertion/Advice/Assertion"), f.count(&xml, "//Advice//Signature")),
        (EVIL.into(), 0)
    );
    assert!(f.verifies(&xml, cert, Some("/Response/Assertion/Signature")));
}

#[test]
fn wrapping_into_the_signature_needs_a_lax_enveloped_transform() {
    // The original sits inside the Signature whose enveloped-signature
    // transform removes it: a conforming verifier (xmlsec1) refuses these,
    // only a lax one that removes just the Signature element accepts them.
    let f = fixture();
    let cert = &f.idp.key().cert;
    for (kind, original) in [
        ("wrap-signed-in-evil-signature", "/Response/Assertion/Signature/Assertion"),
        ("wrap-signed-in-object", "/Response/Assertion/Signature/Object/Assertion"),
    ] {
        let xml = attack(&f, kind, spec());
        assert_eq!(f.text(&xml, "/Response/Assertion/Subject/NameID"), EVIL, "{kind}");
        assert_eq!(f.text(&xml, &format!("{original}/Subject/NameID")), ALICE, "{kind}");
        assert_eq!(f.count(&xml, &format!("{original}/Signature")), 0, "{kind}");
        let reference = f.text(&xml, "/Response/Assertion/Signature/SignedInfo/Reference/@URI");
        assert_eq!(reference, format!("#{}", f.text(&xml, &format!("{original}/@ID"))), "{kind}");
        assert!(!f.verifies(&xml, cert, None), "{kind}");
    }
    let xml = attack(&f, "wrap-response-in-signature", spec());
    let original = "/Response/Signature/Object/Response";
    assert_eq!(f.text(&xml, "/Response/Assertion/Subject/NameID"), EVIL);
    assert_eq!(f.text(&xml, &format!("{original}/Assertion/Subject/NameID")), ALICE);
    assert_eq!(
        f.text(&xml, "/Response/Signature/SignedInfo/Reference/@URI"),
        format!("#{}", f.text(&xml, &format!("{original}/@ID")))
    );
    assert!(!f.verifies(&xml, cert, None));
}

#[test]
fn response_signature_attacks() {
    let f = fixture();
    let cert = &f.idp.key().cert;

    let xml = attack(&f, "wrap-response-detached", spec());
    assert_ne!(f.text(&xml, "/Response/@ID"), f.text(&xml, "/Response/Response/@ID"));
    assert_eq!(
        f.text(&xml, "/Response/Signature/SignedInfo/Reference/@URI"),
        format!("#{}", f.text(&xml, "/Response/Response/@ID"))
    );
    assert_eq!(f.text(&xml, "/Response/Assertion/Subject/NameID"), EVIL);
    assert_eq!(f.text(&xml, "/Response/Response/Assertion/Subject/NameID"), ALICE);
    assert!(f.verifies(&xml, cert, Some("/Response/Signature")));

    let xml = attack(&f, "response-signature-only-wraps", spec());
    assert_eq!(f.count(&xml, "//Assertion/Signature"), 0);
    assert_eq!(f.text(&xml, "/Response/Assertion/Subject/NameID"), ALICE);
    assert_eq!(f.text(&xml, "/Response/Signature/Object/Assertion/Subject/NameID"), EVIL);
    assert!(f.verifies(&xml, cert, Some("/Response/Signature")));

    let xml = attack(&f, "response-signature-appended", spec());
    assert_eq!(f.text(&xml, "/Response/Assertion[2]/Subject/NameID"), EVIL);
    assert!(!f.verifies(&xml, cert, None));
    let start = xml.rfind("<saml:Assertion ").unwrap();
    let end = xml.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    assert!(
        f.verifies(&format!("{}{}", &xml[..start], &xml[end..]), cert, None),
        "valid without the appended assertion"
    );
}

#[test]
fn duplicate_ids_and_two_assertions() {
    let f = fixture();
    let cert = &f.idp.key().cert;
    let xml = attack(&f, "duplicate-id", spec());
    let id = f.text(&xml, "/Response/Assertion[2]/@ID");
    assert_eq!(f.count(&xml, "/Response/Assertion[2]/Signature"), 1);
    assert_eq!(f.count(&xml, &format!("//*[@ID='{id}']")), 2);
    assert_eq!(f.text(&xml, "/Response/Assertion[1]/Subject/NameID"), EVIL);
    assert!(!f.verifies(&xml, cert, None), "xmlsec1 refuses a duplicate ID");
    let end = xml.find("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    let start = xml.find("<saml:Assertion ").unwrap();
    assert!(
        f.verifies(&format!("{}{}", &xml[..start], &xml[end..]), cert, None),
        "valid without the duplicate"
    );

    for sign in ["assertion", "both"] {
        let xml = attack(&f, "two-assertions", ResponseSpec { sign: Some(sign), ..spec() });
        assert_eq!(f.count(&xml, "/Response/Assertion/Signature"), 2);
        assert_eq!(f.text(&xml, "/Response/Assertion[1]/Subject/NameID"), ALICE);
        assert_eq!(f.text(&xml, "/Response/Assertion[2]/Subject/NameID"), EVIL);
        assert!(f.verifies(&xml, cert, Some("/Response/Assertion[1]/Signature")));
        assert!(f.verifies(&xml, cert, Some("/Response/Assertion[2]/Signature")));
        assert_eq!(f.count(&xml, "/Response/Signature"), usize::from(sign == "both"));
        if sign == "both" {
            assert!(f.verifies(&xml, cert, Some("/Response/Signature")));
        }
    }
}

#[test]
fn wrap_beside_encrypted_leaves_an_unsigned_assertion_in_clear() {
    let f = fixture();
    let xml = attack(
        &f,
        "wrap-beside-encrypted",
        ResponseSpec { encrypt: Some(Encryption::to(&f.sp.cert)), ..spec() },
    );
    assert_eq!(f.text(&xml, "/Response/Assertion/Subject/NameID"), EVIL);
    assert_eq!(f.count(&xml, "/Response/Assertion/Signature"), 0);
    let plain = f.decrypt_with(&xml, &f.sp.key).unwrap();
    assert_eq!(f.text(&plain, "/Response/EncryptedAssertion/Assertion/Subject/NameID"), ALICE);
    assert!(f.verifies(
        &plain,
        &f.idp.key().cert,
        Some("/Response/EncryptedAssertion/Assertion/Signature")
    ));
}

#[test]
fn nameid_and_signature_tampering() {
    let f = fixture();
    let cert = &f.idp.key().cert;

    let xml = attack(&f, "comment-in-nameid", spec());
    assert!(xml.contains(&format!("{ALICE}<!---->.evil.test</saml:NameID>")));
    assert_eq!(f.text(&xml, "//NameID"), format!("{ALICE}.evil.test"));
    assert!(f.verifies(&xml, cert, None), "comments are outside the signed canonical form");

    for sign in ["assertion", "response", "both"] {
        let xml = attack(&f, "stripped-signature", ResponseSpec { sign: Some(sign), ..spec() });
        assert_eq!(
            (f.count(&xml, "//Signature"), f.text(&xml, "//NameID")),
            (0, ALICE.into()),
            "{sign}"
        );

        let xml = attack(&f, "altered-byte", ResponseSpec { sign: Some(sign), ..spec() });
        assert_eq!(f.text(&xml, "//NameID"), "blice@example.com");
        assert!(!f.verifies(&xml, cert, None), "{sign}");
        let restored = xml.replace(">blice@example.com<", &format!(">{ALICE}<"));
        assert!(f.verifies(&restored, cert, None), "{sign}: valid but for the one byte");
    }

    let attacker = f.idp.key_pair("attacker");
    let extra = [
        "--other-key",
        attacker.key.to_str().unwrap(),
        "--other-cert",
        attacker.cert.to_str().unwrap(),
    ];
    let xml =
        attack(&f, "other-key", ResponseSpec { extra: extra.map(String::from).into(), ..spec() });
    assert!(!f.verifies(&xml, cert, None));
    assert!(f.verifies(&xml, &attacker.cert, None));

    let xml = attack(&f, "sha1", spec());
    assert_eq!(f.text(&xml, "//SignatureMethod/@Algorithm"), format!("{DS}rsa-sha1"));
    assert_eq!(f.text(&xml, "//DigestMethod/@Algorithm"), format!("{DS}sha1"));
    assert!(f.verifies(&xml, cert, None));

    let xml = attack(&f, "empty-reference-uri", spec());
    assert_eq!(f.count(&xml, "/Response/Assertion/Signature/SignedInfo/Reference[@URI='']"), 1);
    assert!(f.verifies(&xml, cert, None));
}

#[test]
fn entity_attacks() {
    let f = fixture();
    let xml = attack(&f, "doctype", spec());
    assert!(xml.contains("<!DOCTYPE samlp:Response [<!ENTITY x \".evil.test\">]>"), "{xml}");
    assert!(xml.contains(&format!("{ALICE}&x;</saml:NameID>")));
    assert!(!f.verifies(&xml, &f.idp.key().cert, None), "xmlsec1 does not expand entities");
    let expanded =
        String::from_utf8(run("xmllint", &["--noent", f.file(&xml).to_str().unwrap()])).unwrap();
    assert_eq!(f.text(&expanded, "//NameID"), format!("{ALICE}.evil.test"));
    assert!(f.verifies(&expanded, &f.idp.key().cert, None), "signed as the expanded value");

    let spec = ResponseSpec {
        extra: vec!["--entity-url".into(), "http://127.0.0.1:1/roster-xxe".into()],
        ..spec()
    };
    let xml = attack(&f, "external-entity", spec);
    assert!(xml.contains("<!ENTITY file SYSTEM \"file:///etc/passwd\">"));
    assert!(xml.contains("<!ENTITY net SYSTEM \"http://127.0.0.1:1/roster-xxe\">"));
    assert!(xml.contains("%remote;"));
    assert!(xml.contains(&format!("{ALICE}&file;&net;</saml:NameID>")));
}

#[test]
fn encrypted_attacks_tamper_inside_the_encryption() {
    let f = fixture();
    let enc = || Some(Encryption::to(&f.sp.cert));
    let xml =
        attack(&f, "altered-byte", ResponseSpec { encrypt: enc(), sign: Some("both"), ..spec() });
    assert!(
        f.verifies(&xml, &f.idp.key().cert, Some("/Response/Signature")),
        "the response signature is intact"
    );
    let plain = f.decrypt_with(&xml, &f.sp.key).unwrap();
    assert_eq!(f.text(&plain, "//Assertion/Subject/NameID"), "blice@example.com");
    assert!(!f.verifies(&plain, &f.idp.key().cert, Some("//Assertion/Signature")));

    let xml = attack(
        &f,
        "stripped-signature",
        ResponseSpec { encrypt: enc(), sign: Some("both"), ..spec() },
    );
    let plain = f.decrypt_with(&xml, &f.sp.key).unwrap();
    assert_eq!((f.count(&plain, "//Signature"), f.text(&plain, "//NameID")), (0, ALICE.into()));
}
