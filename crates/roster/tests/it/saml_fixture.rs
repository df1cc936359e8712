//! The SAML IdP fixture (`saml_idp.rs`, `tests/saml_idp/idp.py`) is real:
//! what it signs verifies with Debian's `xmlsec1` against the IdP's
//! certificate and no other, what it encrypts decrypts with the SP's key,
//! and every attack has the shape README.md claims, checked with `xmllint`.
//! Neither checker is part of the fixture.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::saml_idp::{ATTACK_KINDS, Encryption, KeyPair, ResponseSpec, SamlIdp};

pub(super) const EVIL: &str = "attacker@evil.test";
pub(super) const ALICE: &str = "alice@example.com";
pub(super) const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(super) const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
pub(super) const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";

/// An IdP, an SP key pair for encryption and a directory for documents.
pub(super) struct Fixture {
    pub(super) idp: SamlIdp,
    pub(super) sp: KeyPair,
    pub(super) other: KeyPair,
    pub(super) dir: TempDir,
}

pub(super) fn fixture() -> Fixture {
    let idp = SamlIdp::new();
    let sp = idp.key_pair("sp");
    let other = idp.key_pair("other");
    Fixture { idp, sp, other, dir: tempfile::tempdir().unwrap() }
}

impl Fixture {
    pub(super) fn file(&self, xml: &str) -> PathBuf {
        let path = self.dir.path().join(format!("doc-{}.xml", uuid::Uuid::new_v4()));
        std::fs::write(&path, xml).unwrap();
        path
    }

    /// Whether `xmlsec1` verifies the signature (the first one in the
    /// document, or the one at `signature`, a path for `x`) with `cert` alone.
    pub(super) fn verifies(&self, xml: &str, cert: &Path, signature: Option<&str>) -> bool {
        let mut cmd = Command::new("xmlsec1");
        cmd.args(["--verify", "--enabled-key-data", "raw-x509-cert"])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response"])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:LogoutRequest"])
            .args(["--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"])
            .arg("--pubkey-cert-pem")
            .arg(cert);
        if let Some(path) = signature {
            cmd.arg("--node-xpath").arg(x(path));
        }
        let out = cmd
            .arg(self.file(xml))
            .output()
            .expect("xmlsec1 (scripts/install-saml-idp.sh installs it)");
        out.status.success()
    }

    /// `xmlsec1 --decrypt` with the key options `key_args`; Err(stderr) if it fails.
    pub(super) fn decrypt(
        &self,
        xml: &str,
        key_args: &[&std::ffi::OsStr],
    ) -> Result<String, String> {
        let out = Command::new("xmlsec1")
            .arg("--decrypt")
            .args(key_args)
            .arg(self.file(xml))
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8(out.stdout).unwrap())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    pub(super) fn decrypt_with(&self, xml: &str, key: &Path) -> Result<String, String> {
        self.decrypt(xml, &["--privkey-pem".as_ref(), key.as_os_str()])
    }

    /// The value of an XPath expression (written with `x`'s short paths) by `xmllint`.
    pub(super) fn xpath(&self, xml: &str, expr: &str) -> String {
        let out = Command::new("xmllint")
            .args(["--nonet", "--xpath", expr])
            .arg(self.file(xml))
            .output()
            .expect("xmllint (scripts/install-saml-idp.sh installs it)");
        assert!(
            out.status.success(),
            "xmllint --xpath {expr}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    pub(super) fn text(&self, xml: &str, path: &str) -> String {
        self.xpath(xml, &format!("string({})", x(path)))
    }

    pub(super) fn count(&self, xml: &str, path: &str) -> usize {
        self.xpath(xml, &format!("count({})", x(path))).parse().unwrap()
    }
}

/// `/Response/Assertion[2]/Subject` as an XPath that ignores prefixes:
/// each step's name becomes `*[local-name()='Name']`.
pub(super) fn x(path: &str) -> String {
    let step = |s: &str| match s.find('[').unwrap_or(s.len()) {
        _ if s.is_empty() || s.starts_with(['@', '*']) => s.to_owned(),
        end => format!("*[local-name()='{}']{}", &s[..end], &s[end..]),
    };
    path.split('/').map(step).collect::<Vec<_>>().join("/")
}

pub(super) fn spec() -> ResponseSpec {
    ResponseSpec { in_response_to: Some("_request-1".into()), ..ResponseSpec::default() }
}

pub(super) fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
fn a_response_verifies_with_the_idp_certificate_and_no_other() {
    let f = fixture();
    let spec = ResponseSpec { now: Some("2030-01-02T03:04:05Z".into()), ..spec() }
        .attribute("groups", "eng")
        .attribute("groups", "admins")
        .attribute("email", ALICE);
    let xml = f.idp.response_xml(&spec);
    assert!(f.verifies(&xml, &f.idp.key().cert, None));
    assert!(!f.verifies(&xml, &f.other.cert, None));
    assert_eq!(f.count(&xml, "/Response/Assertion/Signature"), 1);
    assert_eq!(f.count(&xml, "//Signature"), 1);
    let a = "/Response/Assertion";
    assert_eq!(
        f.text(&xml, &format!("{a}/Signature/SignedInfo/Reference/@URI")),
        format!("#{}", f.text(&xml, &format!("{a}/@ID")))
    );
    assert_eq!(f.text(&xml, &format!("{a}/Subject/NameID")), ALICE);
    assert_eq!(f.text(&xml, &format!("{a}/Issuer")), f.idp.entity_id);
    assert_eq!(
        f.text(&xml, &format!("{a}/Conditions/AudienceRestriction/Audience")),
        spec.sp_entity_id
    );
    assert_eq!(f.text(&xml, "/Response/@Destination"), spec.acs_url);
    assert_eq!(
        f.text(
            &xml,
            &format!("{a}/Subject/SubjectConfirmation/SubjectConfirmationData/@Recipient")
        ),
        spec.acs_url
    );
    assert_eq!(f.text(&xml, "/Response/@InResponseTo"), "_request-1");
    assert_eq!(f.text(&xml, &format!("{a}/Conditions/@NotBefore")), "2030-01-02T03:04:05Z");
    assert_eq!(f.text(&xml, &format!("{a}/Conditions/@NotOnOrAfter")), "2030-01-02T03:09:05Z");
    assert_eq!(
        f.count(&xml, &format!("{a}/AttributeStatement/Attribute[@Name='groups']/AttributeValue")),
        2
    );
    assert_eq!(
        f.text(
            &xml,
            &format!("{a}/AttributeStatement/Attribute[@Name='groups']/AttributeValue[2]")
        ),
        "admins"
    );
    assert_eq!(
        f.text(&xml, "//SignatureMethod/@Algorithm"),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    );

    // IdP-initiated: no InResponseTo anywhere.
    let xml = f.idp.response_xml(&ResponseSpec::default());
    assert_eq!(f.count(&xml, "//@InResponseTo"), 0);
    // The base64 form is the same kind of document.
    let xml = base64_decode(&f, &f.idp.response(&spec));
    assert!(f.verifies(&xml, &f.idp.key().cert, None));
    assert_eq!(f.text(&xml, "/Response/Assertion/Subject/NameID"), ALICE);
}

#[test]
fn key_pairs_are_self_signed_certificates_with_their_fingerprint() {
    let f = fixture();
    let pair = f.idp.key();
    let cert = pair.cert.to_str().unwrap();
    let fingerprint = run("openssl", &["x509", "-noout", "-fingerprint", "-sha256", "-in", cert]);
    let fingerprint = String::from_utf8(fingerprint).unwrap();
    assert_eq!(fingerprint.trim().split_once('=').unwrap().1, pair.sha256_fingerprint);
    let modulus = |args: &[&str]| run("openssl", args);
    let key = pair.key.to_str().unwrap();
    assert_eq!(
        modulus(&["x509", "-noout", "-modulus", "-in", cert]),
        modulus(&["rsa", "-noout", "-modulus", "-in", key])
    );
    assert!(
        String::from_utf8(modulus(&["x509", "-noout", "-text", "-in", cert]))
            .unwrap()
            .contains("Public-Key: (2048 bit)")
    );
}

#[test]
fn sign_response_both_and_none_put_signatures_where_they_say() {
    let f = fixture();
    let cert = &f.idp.key().cert;
    let xml = f.idp.response_xml(&ResponseSpec { sign: Some("response"), ..spec() });
    assert_eq!(
        (f.count(&xml, "/Response/Signature"), f.count(&xml, "//Assertion/Signature")),
        (1, 0)
    );
    assert_eq!(
        f.text(&xml, "/Response/Signature/SignedInfo/Reference/@URI"),
        format!("#{}", f.text(&xml, "/Response/@ID"))
    );
    assert!(f.verifies(&xml, cert, Some("/Response/Signature")));
    assert!(!f.verifies(&xml, &f.other.cert, Some("/Response/Signature")));

    let xml = f.idp.response_xml(&ResponseSpec { sign: Some("both"), ..spec() });
    assert!(f.verifies(&xml, cert, Some("/Response/Signature")));
    assert!(f.verifies(&xml, cert, Some("/Response/Assertion/Signature")));

    let xml = f.idp.response_xml(&ResponseSpec { sign: Some("none"), ..spec() });
    assert_eq!(f.count(&xml, "//Signature"), 0);
    assert!(!f.verifies(&xml, cert, None));
}

#[test]
fn encrypted_assertions_decrypt_with_the_sp_key_for_every_algorithm() {
    let f = fixture();
    let algs = [
        ("aes128-cbc", format!("{XENC}aes128-cbc")),
        ("aes256-cbc", format!("{XENC}aes256-cbc")),
        ("aes128-gcm", format!("{XENC11}aes128-gcm")),
        ("aes256-gcm", format!("{XENC11}aes256-gcm")),
    ];
    for (alg, uri) in algs {
        for transport in ["rsa-oaep-mgf1p", "rsa-1_5"] {
            let enc = Encryption { alg, key_transport: transport, ..Encryption::to(&f.sp.cert) };
            let xml = f.idp.response_xml(&ResponseSpec { encrypt: Some(enc), ..spec() });
            assert_eq!(f.count(&xml, "//Assertion"), 0, "{alg}: no assertion in clear");
            assert!(!xml.contains(ALICE), "{alg}: the NameID is encrypted");
            assert_eq!(
                f.text(
                    &xml,
                    "/Response/EncryptedAssertion/EncryptedData/EncryptionMethod/@Algorithm"
                ),
                uri
            );
            assert_eq!(
                f.text(&xml, "//EncryptedKey/EncryptionMethod/@Algorithm"),
                format!("{XENC}{transport}")
            );
            let plain = f
                .decrypt_with(&xml, &f.sp.key)
                .unwrap_or_else(|e| panic!("{alg} {transport}: {e}"));
            assert_eq!(
                f.text(&plain, "/Response/EncryptedAssertion/Assertion/Subject/NameID"),
                ALICE
            );
            // Signed before it was encrypted, as real IdPs do.
            assert!(
                f.verifies(&plain, &f.idp.key().cert, Some("//Assertion/Signature")),
                "{alg} {transport}"
            );
            assert!(
                f.decrypt_with(&xml, &f.other.key).is_err(),
                "{alg}: another key cannot decrypt"
            );
        }
    }
}

#[test]
fn rsa_oaep_key_transport_is_xmlenc11_with_sha256() {
    let f = fixture();
    let enc = Encryption { key_transport: "rsa-oaep", ..Encryption::to(&f.sp.cert) };
    let xml =
        f.idp.response_xml(&ResponseSpec { encrypt: Some(enc), sign: Some("both"), ..spec() });
    let method = "//EncryptedKey/EncryptionMethod";
    assert_eq!(f.text(&xml, &format!("{method}/@Algorithm")), format!("{XENC11}rsa-oaep"));
    assert_eq!(f.text(&xml, &format!("{method}/DigestMethod/@Algorithm")), format!("{XENC}sha256"));
    assert!(f.verifies(&xml, &f.idp.key().cert, Some("/Response/Signature")));
    // openssl unwraps the session key (OAEP, SHA-256, MGF1-SHA1), and xmlsec1 decrypts with it.
    let wrapped = f.file(&f.text(&xml, "//EncryptedKey/CipherData/CipherValue"));
    let wrapped_bin = f.dir.path().join("wrapped.bin");
    run(
        "openssl",
        &[
            "base64",
            "-d",
            "-A",
            "-in",
            wrapped.to_str().unwrap(),
            "-out",
            wrapped_bin.to_str().unwrap(),
        ],
    );
    let unwrap = |md: &str| {
        Command::new("openssl")
            .args([
                "pkeyutl",
                "-decrypt",
                "-inkey",
                f.sp.key.to_str().unwrap(),
                "-in",
                wrapped_bin.to_str().unwrap(),
            ])
            .args([
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                &format!("rsa_oaep_md:{md}"),
                "-pkeyopt",
                "rsa_mgf1_md:sha1",
            ])
            .output()
            .unwrap()
    };
    assert!(!unwrap("sha1").status.success(), "the digest is SHA-256, not SHA-1");
    let session_key = unwrap("sha256");
    assert!(session_key.status.success());
    assert_eq!(session_key.stdout.len(), 16, "an AES-128 key");
    let key_file = f.dir.path().join("session.key");
    std::fs::write(&key_file, &session_key.stdout).unwrap();
    let plain = f.decrypt(&xml, &["--aeskey".as_ref(), key_file.as_os_str()]).unwrap();
    assert!(f.verifies(&plain, &f.idp.key().cert, Some("//Assertion/Signature")));
}

#[test]
fn error_responses_carry_the_status_and_no_assertion() {
    let f = fixture();
    let xml =
        f.idp.response_xml(&ResponseSpec { status: "responder", sign: Some("response"), ..spec() });
    assert_eq!(
        f.text(&xml, "/Response/Status/StatusCode/@Value"),
        "urn:oasis:names:tc:SAML:2.0:status:Responder"
    );
    assert_eq!(f.count(&xml, "//Assertion"), 0);
    assert!(f.verifies(&xml, &f.idp.key().cert, None));
}

#[test]
fn metadata_lists_every_certificate() {
    let mut f = fixture();
    let first = f.idp.key().clone();
    f.idp.rotate_key();
    let xml =
        f.idp.metadata_with(&["--valid-until", "2031-01-01T00:00:00Z", "--cache-duration", "PT1H"]);
    let body = |pair: &KeyPair| {
        pair.cert_pem().lines().filter(|l| !l.starts_with("-----")).collect::<String>()
    };
    let kd = "/EntityDescriptor/IDPSSODescriptor/KeyDescriptor";
    assert_eq!(f.count(&xml, kd), 2);
    assert_eq!(
        f.text(&xml, &format!("{kd}[1]/KeyInfo/X509Data/X509Certificate")),
        body(f.idp.key())
    );
    assert_eq!(f.text(&xml, &format!("{kd}[2]/KeyInfo/X509Data/X509Certificate")), body(&first));
    assert_eq!(f.count(&xml, &format!("{kd}[@use='signing']")), 2);
    assert_eq!(f.text(&xml, "/EntityDescriptor/@entityID"), f.idp.entity_id);
    assert_eq!(f.text(&xml, "/EntityDescriptor/@validUntil"), "2031-01-01T00:00:00Z");
    assert_eq!(f.text(&xml, "/EntityDescriptor/@cacheDuration"), "PT1H");
    let sso = "/EntityDescriptor/IDPSSODescriptor/SingleSignOnService";
    for binding in ["HTTP-Redirect", "HTTP-POST"] {
        let b = format!("urn:oasis:names:tc:SAML:2.0:bindings:{binding}");
        assert_eq!(f.text(&xml, &format!("{sso}[@Binding='{b}']/@Location")), f.idp.sso_url);
        assert_eq!(
            f.count(
                &xml,
                &format!("/EntityDescriptor/IDPSSODescriptor/SingleLogoutService[@Binding='{b}']")
            ),
            1
        );
    }
    assert_eq!(
        f.count(&xml, "//NameIDFormat[.='urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress']"),
        1
    );
    assert_eq!(
        f.count(&xml, "//NameIDFormat[.='urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified']"),
        1
    );
    // After the rotation the IdP signs with the new key only.
    let response = f.idp.response_xml(&spec());
    assert!(f.verifies(&response, &f.idp.key().cert, None));
    assert!(!f.verifies(&response, &first.cert, None));
    f.idp.forget_previous_keys();
    assert_eq!(f.count(&f.idp.metadata(), kd), 1);
    // Signed metadata (for a metadata URL that must be verified).
    let signer = f.idp.key();
    let (key, cert) = (signer.key.to_str().unwrap(), signer.cert.to_str().unwrap());
    let xml = f.idp.metadata_with(&["--sign-key", key, "--sign-cert", cert]);
    assert_eq!(f.count(&xml, "/EntityDescriptor/Signature"), 1);
    assert!(f.verifies(&xml, &signer.cert, None));
    assert!(!f.verifies(&xml, &first.cert, None));
}

#[test]
fn attack_kinds_are_the_tools_and_documented() {
    let help = crate::saml_idp::run(["attack", "--help"]);
    let start = help.find("--kind {").expect("--kind choices in the help") + "--kind {".len();
    let choices: Vec<&str> =
        help[start..start + help[start..].find('}').unwrap()].split(',').collect();
    assert_eq!(choices, ATTACK_KINDS);
    let readme =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/saml_idp/README.md");
    let readme = std::fs::read_to_string(readme).unwrap();
    for kind in ATTACK_KINDS {
        assert!(readme.contains(&format!("| `{kind}` |")), "README.md documents {kind}");
    }
}

#[test]
fn bad_input_is_an_error_with_a_message() {
    let f = fixture();
    let key = f.idp.key();
    let base = ["--key", key.key.to_str().unwrap(), "--cert", key.cert.to_str().unwrap()];
    let err = |args: &[&str]| crate::saml_idp::try_run(args.iter().chain(&base)).unwrap_err();
    assert!(err(&["response", "--attribute", "novalue"]).contains("NAME=VALUE"));
    assert!(err(&["response", "--now", "yesterday"]).contains("ISO 8601"));
    assert!(
        err(&["attack", "--kind", "wrap-response-detached", "--sign", "assertion"])
            .contains("signs response")
    );
    assert!(err(&["attack", "--kind", "wrap-beside-encrypted"]).contains("--encrypt-cert"));
    assert!(
        crate::saml_idp::try_run(["response", "--key", "/nonexistent", "--cert", "/nonexistent"])
            .unwrap_err()
            .contains("cannot read")
    );
}

#[test]
fn logout_messages_are_signed_for_each_binding() {
    let f = fixture();
    let idp = &f.idp;
    let dest = "https://sp.example.test/saml/logout";
    let msg = idp.logout_request(dest, ALICE, &["--relay-state", "acme", "--session-index", "s-1"]);
    let url = msg["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{dest}?SAMLRequest=")));
    assert!(query_signature_verifies(&f, url, &idp.key().cert));
    assert!(!query_signature_verifies(&f, url, &f.other.cert));
    assert!(!query_signature_verifies(
        &f,
        &url.replace("RelayState=acme", "RelayState=acmf"),
        &idp.key().cert
    ));
    let parsed = idp.parse_redirect(url, Some(&idp.key().cert));
    assert_eq!(
        (parsed["type"].as_str(), parsed["name_id"].as_str()),
        (Some("LogoutRequest"), Some(ALICE))
    );
    assert_eq!(parsed["session_indexes"], serde_json::json!(["s-1"]));
    assert_eq!(parsed["id"], msg["id"]);

    let msg = idp.logout_request(dest, ALICE, &["--binding", "post"]);
    let xml = base64_decode(&f, msg["SAMLRequest"].as_str().unwrap());
    assert_eq!(f.text(&xml, "/LogoutRequest/NameID"), ALICE);
    assert!(f.verifies(&xml, &idp.key().cert, None));

    let msg =
        idp.logout_response(dest, "_sp-logout-1", &["--binding", "post", "--relay-state", "acme"]);
    assert_eq!(msg["RelayState"], "acme");
    let xml = base64_decode(&f, msg["SAMLResponse"].as_str().unwrap());
    assert_eq!(f.text(&xml, "/LogoutResponse/@InResponseTo"), "_sp-logout-1");
    assert_eq!(
        f.text(&xml, "/LogoutResponse/Status/StatusCode/@Value"),
        "urn:oasis:names:tc:SAML:2.0:status:Success"
    );
    let unsigned = idp.logout_response(dest, "_sp-logout-1", &["--unsigned"]);
    assert!(!unsigned["url"].as_str().unwrap().contains("Signature="));
}

#[test]
fn authn_requests_are_decoded_and_their_signature_checked() {
    let f = fixture();
    let sp = &f.sp;
    let request = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_req-42" Version="2.0" IssueInstant="2030-01-01T00:00:00Z" Destination="https://idp.example.test/sso" AssertionConsumerServiceURL="https://sp.example.test/saml/consume" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>https://sp.example.test/saml/metadata</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/></samlp:AuthnRequest>"#;
    // Raw DEFLATE by Python's zlib, the query signed by openssl: not by the fixture.
    let deflate = "import sys, zlib, base64; c = zlib.compressobj(9, zlib.DEFLATED, -15); \
                   print(base64.b64encode(c.compress(sys.stdin.buffer.read()) + c.flush()).decode())";
    let mut child = Command::new(crate::saml_idp::python())
        .args(["-c", deflate])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), request.as_bytes()).unwrap();
    let encoded = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    let sig_alg = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    let signed = format!(
        "SAMLRequest={}&RelayState=acme&SigAlg={}",
        url_encode(encoded.trim()),
        url_encode(sig_alg)
    );
    let signed_file = f.file(&signed);
    let signature = run(
        "openssl",
        &["dgst", "-sha256", "-sign", sp.key.to_str().unwrap(), signed_file.to_str().unwrap()],
    );
    let sig_file = f.dir.path().join("sig.bin");
    std::fs::write(&sig_file, signature).unwrap();
    let sig_b64 =
        String::from_utf8(run("openssl", &["base64", "-A", "-in", sig_file.to_str().unwrap()]))
            .unwrap();
    let url =
        format!("https://idp.example.test/sso?{signed}&Signature={}", url_encode(sig_b64.trim()));

    let parsed = f.idp.parse_authn_request(&url, Some(&sp.cert));
    assert_eq!(parsed["id"], "_req-42");
    assert_eq!(parsed["issuer"], "https://sp.example.test/saml/metadata");
    assert_eq!(parsed["assertion_consumer_service_url"], "https://sp.example.test/saml/consume");
    assert_eq!(parsed["destination"], "https://idp.example.test/sso");
    assert_eq!(
        parsed["name_id_policy_format"],
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    );
    assert_eq!(
        (parsed["relay_state"].as_str(), parsed["sig_alg"].as_str()),
        (Some("acme"), Some(sig_alg))
    );
    assert_eq!(parsed["signature_valid"], true);
    assert_eq!(f.idp.parse_authn_request(&url, Some(&f.other.cert))["signature_valid"], false);
    let tampered = url.replace("RelayState=acme", "RelayState=evil");
    assert_eq!(f.idp.parse_authn_request(&tampered, Some(&sp.cert))["signature_valid"], false);
    let unsigned = url.split("&RelayState").next().unwrap();
    let parsed = f.idp.parse_authn_request(unsigned, None);
    assert_eq!((parsed["signed"].as_bool(), parsed["id"].as_str()), (Some(false), Some("_req-42")));
    let err = crate::saml_idp::try_run([
        "parse-authn-request",
        "--url",
        "https://idp.example.test/sso?SAMLRequest=zzz",
    ]);
    assert!(err.unwrap_err().contains("not base64 of DEFLATEd XML"));
}

/// Verifies an HTTP-Redirect query signature with openssl, from the raw query.
fn query_signature_verifies(f: &Fixture, url: &str, cert: &Path) -> bool {
    let query = url.split_once('?').unwrap().1;
    let (signed, signature) = query.split_once("&Signature=").unwrap();
    let sig_file = f.file(&url_decode(signature));
    let sig_bin = f.dir.path().join(format!("sig-{}.bin", uuid::Uuid::new_v4()));
    run(
        "openssl",
        &[
            "base64",
            "-d",
            "-A",
            "-in",
            sig_file.to_str().unwrap(),
            "-out",
            sig_bin.to_str().unwrap(),
        ],
    );
    let pubkey = f.file(
        &String::from_utf8(run(
            "openssl",
            &["x509", "-pubkey", "-noout", "-in", cert.to_str().unwrap()],
        ))
        .unwrap(),
    );
    Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-verify",
            pubkey.to_str().unwrap(),
            "-signature",
            sig_bin.to_str().unwrap(),
        ])
        .arg(f.file(signed))
        .output()
        .unwrap()
        .status
        .success()
}

pub(super) fn base64_decode(f: &Fixture, b64: &str) -> String {
    String::from_utf8(run("openssl", &["base64", "-d", "-A", "-in", f.file(b64).to_str().unwrap()]))
        .unwrap()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}
