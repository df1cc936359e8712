//! A real SAML 2.0 identity provider for tests: `tests/saml_idp/idp.py`,
//! pysaml2's IdP signing and encrypting through Debian's `xmlsec1`, run as a
//! command (no shell). `scripts/install-saml-idp.sh` installs it; README.md
//! beside the tool explains every option and attack kind.
//!
//! ```ignore
//! let idp = SamlIdp::new();                  // a key pair in a temporary directory
//! let metadata = idp.metadata();             // what roster is told to trust
//! let request = idp.parse_authn_request(&redirect_url, None); // what roster sent
//! let spec = ResponseSpec {
//!     sp_entity_id: sp_entity_id.into(),     // the Audience
//!     acs_url: acs_url.into(),               // Destination and Recipient
//!     in_response_to: request["id"].as_str().map(Into::into),
//!     ..ResponseSpec::default()
//! }
//! .attribute("groups", "eng");
//! let saml_response = idp.response(&spec);   // base64, to POST as SAMLResponse
//! let hostile = idp.attack("wrap-assertion-before", &spec); // must be refused
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

/// Every `attack` kind (README.md says what each one tests).
/// `wrap-beside-encrypted` and the encryption kinds after `empty-reference-uri`
/// need `ResponseSpec::encrypt`.
#[rustfmt::skip]
pub const ATTACK_KINDS: &[&str] = &[
    "wrap-assertion-before", "wrap-assertion-after", "wrap-inside-signed",
    "wrap-signed-inside-evil", "wrap-signature-moved", "wrap-signed-in-evil-signature",
    "wrap-signed-in-object", "wrap-signed-in-extensions", "duplicate-id",
    "wrap-response-in-signature", "wrap-response-detached", "response-signature-only-wraps",
    "response-signature-appended", "wrap-in-advice", "wrap-beside-encrypted", "two-assertions",
    "comment-in-nameid", "stripped-signature", "altered-byte", "other-key", "doctype",
    "external-entity", "sha1", "empty-reference-uri", "tampered-ciphertext", "tampered-key",
    "two-encrypted", "encrypted-in-advice", "retrieval-external", "cipher-reference",
    "encrypted-doctype", "encrypted-not-assertion", "encrypted-undeclared-prefix",
    "encrypted-wrap", "encrypted-signature-moved",
];

/// The virtualenv's python (in `$ROSTER_TOOLS_DIR`, by default
/// `/var/cache/roster-tools`), or a panic that says how to install it.
pub fn python() -> PathBuf {
    let tools = std::env::var_os("ROSTER_TOOLS_DIR").unwrap_or("/var/cache/roster-tools".into());
    let python = Path::new(&tools).join("saml-venv/bin/python");
    assert!(
        python.exists(),
        "the SAML IdP test fixture is not installed ({} is missing): \
         run scripts/install-saml-idp.sh",
        python.display()
    );
    python
}

/// Runs `idp.py ARGS`: its stdout, or its stderr when it exits non-zero.
pub fn try_run<S: AsRef<str>>(args: impl IntoIterator<Item = S>) -> Result<String, String> {
    let tool =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/saml_idp/idp.py");
    let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let out = Command::new(python())
        .arg(&tool)
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    if out.status.success() {
        Ok(String::from_utf8(out.stdout).expect("idp.py prints UTF-8"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Runs `idp.py ARGS` and returns its stdout; panics with its stderr if it fails.
pub fn run<S: AsRef<str>>(args: impl IntoIterator<Item = S>) -> String {
    let args: Vec<String> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    try_run(&args).unwrap_or_else(|err| panic!("idp.py {args:?} failed:\n{err}"))
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("idp.py printed no JSON ({e}): {out}"))
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// A private key and its self-signed certificate, PEM files.
#[derive(Debug, Clone)]
pub struct KeyPair {
    pub key: PathBuf,
    pub cert: PathBuf,
    /// `AB:CD:...`, the form roster's fingerprint trust takes.
    pub sha256_fingerprint: String,
}

impl KeyPair {
    /// An RSA-2048 key and a ten-year certificate: `DIR/NAME.key`, `DIR/NAME.crt`.
    pub fn generate(dir: &Path, name: &str) -> KeyPair {
        let out = json(&run(["keys", "--out", path(dir), "--name", name]));
        let field = |name: &str| out[name].as_str().expect("keys prints its files").to_owned();
        KeyPair {
            key: field("key").into(),
            cert: field("cert").into(),
            sha256_fingerprint: field("sha256_fingerprint"),
        }
    }

    pub fn cert_pem(&self) -> String {
        std::fs::read_to_string(&self.cert).unwrap()
    }
}

/// How to encrypt the assertion, for the SP that holds `cert`'s key.
#[derive(Debug, Clone)]
pub struct Encryption {
    pub cert: PathBuf,
    /// `aes128-cbc`, `aes256-cbc`, `aes128-gcm` or `aes256-gcm`.
    pub alg: &'static str,
    /// `rsa-oaep-mgf1p`, `rsa-oaep` or `rsa-1_5`.
    pub key_transport: &'static str,
}

impl Encryption {
    /// AES-128-CBC, the key sent with RSA-OAEP-MGF1P.
    pub fn to(cert: &Path) -> Encryption {
        Encryption { cert: cert.to_owned(), alg: "aes128-cbc", key_transport: "rsa-oaep-mgf1p" }
    }
}

/// What a response (or an attack built from one) says. The default is a
/// successful, IdP-initiated login of alice@example.com at
/// `https://sp.example.test`, valid for five minutes from now.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    /// The Audience.
    pub sp_entity_id: String,
    /// The Destination and the Recipient.
    pub acs_url: String,
    pub name_id: String,
    /// `email`, `unspecified`, `persistent` or `transient`.
    pub name_id_format: &'static str,
    /// The AuthnRequest's ID; None: IdP-initiated.
    pub in_response_to: Option<String>,
    /// In order; a repeated name is one multi-valued attribute.
    pub attributes: Vec<(String, String)>,
    /// `assertion`, `response`, `both` or `none`; None: the tool's default
    /// (`assertion`, or what the attack kind signs).
    pub sign: Option<&'static str>,
    /// `rsa-sha256`, `rsa-sha1` or `rsa-sha512`.
    pub signature_alg: &'static str,
    /// `sha256`, `sha1` or `sha512`.
    pub digest_alg: &'static str,
    /// The IdP's "now" (ISO 8601); None: the clock.
    pub now: Option<String>,
    /// NotBefore, in seconds from now.
    pub not_before_offset: i64,
    /// NotOnOrAfter (Conditions and SubjectConfirmationData), in seconds from now.
    pub not_on_or_after_offset: i64,
    pub session_index: Option<String>,
    /// `success`, `requester` or `responder` (the last two without an assertion).
    pub status: &'static str,
    pub encrypt: Option<Encryption>,
    /// Any other `idp.py` options, e.g. `["--destination", URL]`.
    pub extra: Vec<String>,
}

impl Default for ResponseSpec {
    fn default() -> Self {
        ResponseSpec {
            sp_entity_id: "https://sp.example.test/saml/metadata".into(),
            acs_url: "https://sp.example.test/saml/consume".into(),
            name_id: "alice@example.com".into(),
            name_id_format: "email",
            in_response_to: None,
            attributes: Vec::new(),
            sign: None,
            signature_alg: "rsa-sha256",
            digest_alg: "sha256",
            now: None,
            not_before_offset: 0,
            not_on_or_after_offset: 300,
            session_index: None,
            status: "success",
            encrypt: None,
            extra: Vec::new(),
        }
    }
}

impl ResponseSpec {
    /// Adds an attribute value (call again with the same name for more values).
    pub fn attribute(mut self, name: &str, value: &str) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    fn args(&self) -> Vec<String> {
        let mut options = vec![
            ("--sp-entity-id", self.sp_entity_id.clone()),
            ("--acs-url", self.acs_url.clone()),
            ("--name-id", self.name_id.clone()),
            ("--name-id-format", self.name_id_format.into()),
            ("--signature-alg", self.signature_alg.into()),
            ("--digest-alg", self.digest_alg.into()),
            ("--not-before-offset", self.not_before_offset.to_string()),
            ("--not-on-or-after-offset", self.not_on_or_after_offset.to_string()),
            ("--status", self.status.into()),
        ];
        options.extend(self.attributes.iter().map(|(n, v)| ("--attribute", format!("{n}={v}"))));
        let optional = [
            ("--in-response-to", self.in_response_to.clone()),
            ("--sign", self.sign.map(Into::into)),
            ("--now", self.now.clone()),
            ("--session-index", self.session_index.clone()),
        ];
        options.extend(optional.into_iter().filter_map(|(name, value)| Some((name, value?))));
        if let Some(enc) = &self.encrypt {
            options.push(("--encrypt-cert", path(&enc.cert).into()));
            options.push(("--encrypt-alg", enc.alg.into()));
            options.push(("--key-transport", enc.key_transport.into()));
        }
        let mut args: Vec<String> =
            options.into_iter().flat_map(|(name, value)| [name.into(), value]).collect();
        args.extend(self.extra.iter().cloned());
        args
    }
}

/// A test identity provider: an entity id, its endpoints, and a signing key
/// pair in its own temporary directory (removed on drop).
pub struct SamlIdp {
    pub entity_id: String,
    pub sso_url: String,
    pub slo_url: String,
    key: KeyPair,
    previous_keys: Vec<KeyPair>,
    rotations: usize,
    dir: TempDir,
}

impl SamlIdp {
    /// `https://idp.example.test/metadata`, with a fresh key pair.
    pub fn new() -> SamlIdp {
        SamlIdp::with_entity_id("https://idp.example.test/metadata")
    }

    pub fn with_entity_id(entity_id: &str) -> SamlIdp {
        let dir = tempfile::tempdir().expect("temporary directory");
        SamlIdp {
            entity_id: entity_id.into(),
            sso_url: "https://idp.example.test/sso".into(),
            slo_url: "https://idp.example.test/slo".into(),
            key: KeyPair::generate(dir.path(), "idp-0"),
            previous_keys: Vec::new(),
            rotations: 0,
            dir,
        }
    }

    /// The key pair the IdP signs with now.
    pub fn key(&self) -> &KeyPair {
        &self.key
    }

    /// Another key pair in this IdP's directory: an SP's encryption key, an attacker's.
    pub fn key_pair(&self, name: &str) -> KeyPair {
        KeyPair::generate(self.dir.path(), name)
    }

    /// Signs with a new key from now on. The metadata lists the new
    /// certificate first and the old ones after it until `forget_previous_keys`.
    pub fn rotate_key(&mut self) -> &KeyPair {
        self.rotations += 1;
        let new = self.key_pair(&format!("idp-{}", self.rotations));
        self.previous_keys.insert(0, std::mem::replace(&mut self.key, new));
        &self.key
    }

    pub fn forget_previous_keys(&mut self) {
        self.previous_keys.clear();
    }

    /// The IdP's metadata XML: every certificate, SSO and SLO endpoints.
    pub fn metadata(&self) -> String {
        self.metadata_with(&[])
    }

    /// The metadata with more `idp.py metadata` options, e.g. `["--valid-until", T]`.
    pub fn metadata_with(&self, extra: &[&str]) -> String {
        let mut args = vec!["metadata", "--entity-id", &self.entity_id, "--sso-url", &self.sso_url];
        args.extend(["--slo-url", &self.slo_url]);
        for pair in std::iter::once(&self.key).chain(&self.previous_keys) {
            args.extend(["--cert", path(&pair.cert)]);
        }
        run(args.iter().chain(extra))
    }

    fn run_signed(&self, command: &[&str], rest: impl IntoIterator<Item = String>) -> String {
        let (key, cert) = (path(&self.key.key), path(&self.key.cert));
        let identity = ["--idp-entity-id", &self.entity_id, "--key", key, "--cert", cert];
        let args = command.iter().chain(&identity).map(|a| a.to_string());
        run(args.chain(rest)).trim_end().to_owned()
    }

    /// A signed SAMLResponse, base64 (the HTTP-POST form value).
    pub fn response(&self, spec: &ResponseSpec) -> String {
        self.run_signed(&["response"], spec.args())
    }

    /// The same as XML.
    pub fn response_xml(&self, spec: &ResponseSpec) -> String {
        self.run_signed(&["response", "--raw"], spec.args())
    }

    /// A hostile SAMLResponse of one of the `ATTACK_KINDS`, base64.
    pub fn attack(&self, kind: &str, spec: &ResponseSpec) -> String {
        self.run_signed(&["attack", "--kind", kind], spec.args())
    }

    /// The same as XML.
    pub fn attack_xml(&self, kind: &str, spec: &ResponseSpec) -> String {
        self.run_signed(&["attack", "--raw", "--kind", kind], spec.args())
    }

    /// An IdP-initiated LogoutRequest to `destination`, as JSON: `id` and
    /// `url` (HTTP-Redirect, the query signed), or with `--binding post`
    /// `SAMLRequest` and `RelayState`. `extra`: e.g. `["--relay-state", "acme"]`.
    pub fn logout_request(&self, destination: &str, name_id: &str, extra: &[&str]) -> Value {
        let command = ["logout-request", "--destination", destination, "--name-id", name_id];
        json(&self.run_signed(&command, extra.iter().map(|a| a.to_string())))
    }

    /// A LogoutResponse to the SP's LogoutRequest `in_response_to`, as JSON
    /// like `logout_request` (`SAMLResponse` for `--binding post`).
    pub fn logout_response(
        &self,
        destination: &str,
        in_response_to: &str,
        extra: &[&str],
    ) -> Value {
        let command =
            ["logout-response", "--destination", destination, "--in-response-to", in_response_to];
        json(&self.run_signed(&command, extra.iter().map(|a| a.to_string())))
    }

    /// Decodes the HTTP-Redirect URL of an SP's AuthnRequest: `id`, `issuer`,
    /// `assertion_consumer_service_url`, `destination`, `name_id_policy_format`,
    /// `relay_state`, `signed`, `signature_valid` (against `sp_cert`), `xml`...
    pub fn parse_authn_request(&self, url: &str, sp_cert: Option<&Path>) -> Value {
        parse("parse-authn-request", url, sp_cert)
    }

    /// Decodes any SAML message an SP sent by HTTP-Redirect (LogoutRequest, LogoutResponse...).
    pub fn parse_redirect(&self, url: &str, sp_cert: Option<&Path>) -> Value {
        parse("parse-redirect", url, sp_cert)
    }
}

/// roster's SP metadata as pysaml2 reads it (`read-sp-metadata`): its
/// `single_logout_service` and `assertion_consumer_service` endpoints
/// (`binding`, `location`), certificate counts and NameID formats.
pub fn read_sp_metadata(xml: &str) -> Value {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("sp-metadata.xml");
    std::fs::write(&file, xml).unwrap();
    json(&run(["read-sp-metadata", "--file", path(&file)]))
}

fn parse(command: &str, url: &str, sp_cert: Option<&Path>) -> Value {
    let mut args = vec![command, "--url", url];
    if let Some(cert) = sp_cert {
        args.extend(["--sp-cert", path(cert)]);
    }
    json(&run(args))
}
