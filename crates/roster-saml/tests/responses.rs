//! Recorded responses of a real identity provider (`tests/data/corpus/`,
//! made by `tests/data/make-corpus.sh`), valid and hostile, run through
//! `validate_post` by one `check` against `tests/data/cases.txt`.
//!
//! A case is a line `> NAME` (the file `corpus/NAME.b64`), optional
//! `key: value` lines changing what the SP expects, a line `--`, then the
//! expected outcome up to a blank line: the assertion's fields, or
//! `error: ` and the refusal's text. Keys: `now` (RFC 3339; default the
//! recording time plus 30 s), `trust` (`idp`, `other`, `fingerprint`,
//! `wrong-fingerprint`, `none`), `outstanding` (comma-separated request
//! ids, or `none`; default `_req1`), `unsolicited` and `sha1` (`yes`),
//! `issuer` (`any` when the SP
//! knows no IdP entity id, as with trust by fingerprint).
//!
//! `UPDATE_EXPECT=1 cargo test -p roster-saml --test responses` rewrites the
//! expected outcomes; review the diff: every hostile case must stay an
//! error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::Engine;
use roster_saml::{Assertion, DecryptionKey, Expected, IdpKeys, SamlError, validate_post};
use sha2::{Digest, Sha256};

fn data() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/data")
}

fn der(name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(data().join("keys").join(name)).unwrap();
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

struct Case {
    name: String,
    line: usize,
    settings: Vec<(String, String)>,
    expect: std::ops::Range<usize>,
}

fn parse_cases(lines: &[&str]) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let Some(name) = lines[index].strip_prefix("> ") else {
            assert!(
                lines[index].is_empty() || lines[index].starts_with('#'),
                "cases.txt:{}: expected `> NAME`, a comment or a blank line",
                index + 1
            );
            index += 1;
            continue;
        };
        let line = index + 1;
        index += 1;
        let mut settings = Vec::new();
        while lines.get(index).is_some_and(|l| *l != "--") {
            let (key, value) = lines[index].split_once(": ").unwrap_or_else(|| {
                panic!("cases.txt:{}: expected `key: value` or `--`", index + 1)
            });
            settings.push((key.to_owned(), value.to_owned()));
            index += 1;
        }
        index += 1;
        let start = index;
        while lines.get(index).is_some_and(|l| !l.is_empty()) {
            index += 1;
        }
        cases.push(Case { name: name.to_owned(), line, settings, expect: start..index });
    }
    cases
}

fn render(result: &Result<Assertion, SamlError>) -> String {
    match result {
        Err(err) => format!("error: {err}"),
        Ok(assertion) => {
            let mut out = vec![
                format!("name_id: {}", assertion.name_id),
                format!("format: {}", assertion.name_id_format.as_deref().unwrap_or("-")),
                format!("issuer: {}", assertion.issuer),
                format!("in_response_to: {}", assertion.in_response_to.as_deref().unwrap_or("-")),
                format!("session_index: {}", assertion.session_index.as_deref().unwrap_or("-")),
                format!("not_on_or_after: {}", assertion.not_on_or_after),
            ];
            for (name, values) in &assertion.attributes {
                out.push(format!("attribute {name}: {}", values.join(" | ")));
            }
            out.join("\n")
        }
    }
}

fn actual(case: &Case) -> String {
    let setting = |key: &str| case.settings.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let encoded = std::fs::read_to_string(data().join("corpus").join(format!("{}.b64", case.name)))
        .unwrap_or_else(|err| panic!("cases.txt:{}: {}: {err}", case.line, case.name));
    let keys = match setting("trust").unwrap_or("idp") {
        "idp" => IdpKeys::Certificates(vec![der("idp.crt")]),
        "other" => IdpKeys::Certificates(vec![der("other.crt")]),
        "both" => IdpKeys::Certificates(vec![der("other.crt"), der("idp.crt")]),
        "fingerprint" => IdpKeys::Fingerprint(Sha256::digest(der("idp.crt")).into()),
        "wrong-fingerprint" => IdpKeys::Fingerprint(Sha256::digest(der("other.crt")).into()),
        "none" => IdpKeys::Certificates(Vec::new()),
        other => panic!("cases.txt:{}: unknown trust {other}", case.line),
    };
    let outstanding: Vec<&str> = match setting("outstanding").unwrap_or("_req1") {
        "none" => Vec::new(),
        ids => ids.split(',').collect(),
    };
    let key = |name: &str| DecryptionKey::from_pkcs8_der(&der(name)).unwrap();
    let decryption_keys = match setting("decrypt").unwrap_or("sp") {
        "sp" => vec![key("sp.p8")],
        "other" => vec![key("other.p8")],
        "both" => vec![key("other.p8"), key("sp.p8")],
        "none" => Vec::new(),
        other => panic!("cases.txt:{}: unknown decrypt {other}", case.line),
    };
    let now = setting("now").unwrap_or("2026-12-01T12:00:30Z").parse().unwrap();
    let expected = Expected {
        idp_entity_id: match setting("issuer") {
            Some("any") => None,
            _ => Some("https://idp.example.test/metadata"),
        },
        sp_entity_id: "https://roster.example.test/saml/metadata",
        acs_url: "https://roster.example.test/saml/consume",
        outstanding: &outstanding,
        allow_unsolicited: setting("unsolicited") == Some("yes"),
        allow_sha1: setting("sha1") == Some("yes"),
        decryption_keys: &decryption_keys,
        now,
    };
    render(&validate_post(&encoded, &keys, &expected))
}

fn check(case: &Case, expect: &str) -> Result<(), String> {
    let actual = actual(case);
    if actual == expect {
        Ok(())
    } else {
        Err(format!(
            "cases.txt:{} {}\n--- expected\n{expect}\n--- actual\n{actual}",
            case.line, case.name
        ))
    }
}

#[test]
fn recorded_responses_get_the_recorded_answers() {
    let path = data().join("cases.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cases = parse_cases(&lines);
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|value| value == "1");
    let mut failures = Vec::new();
    let mut rewritten: Vec<String> = Vec::new();
    let mut copied = 0;
    for case in &cases {
        let expect = lines[case.expect.clone()].join("\n");
        if let Err(failure) = check(case, &expect) {
            failures.push(failure);
        }
        if update {
            rewritten.extend(lines[copied..case.expect.start].iter().map(|l| (*l).to_owned()));
            rewritten.extend(actual(case).lines().map(str::to_owned));
            copied = case.expect.end;
        }
    }
    if update {
        rewritten.extend(lines[copied..].iter().map(|l| (*l).to_owned()));
        std::fs::write(&path, rewritten.join("\n") + "\n").unwrap();
        return;
    }
    // Every recording is a case, so a new recording cannot go unchecked.
    let recorded = std::fs::read_dir(data().join("corpus")).unwrap().count();
    let named: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(named.len(), recorded, "every file of corpus/ needs a case in cases.txt");
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Every hostile recording is refused, whatever cases.txt says, so that an
/// `UPDATE_EXPECT=1` run cannot quietly accept an attack.
#[test]
fn every_attack_is_refused() {
    let text = std::fs::read_to_string(data().join("cases.txt")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let attacks: Vec<Case> =
        parse_cases(&lines).into_iter().filter(|case| case.name.starts_with("attack-")).collect();
    assert!(attacks.len() >= 39, "only {} attacks", attacks.len());
    for case in &attacks {
        let actual = actual(case);
        assert!(
            actual.starts_with("error: "),
            "cases.txt:{} {} was accepted:\n{actual}",
            case.line,
            case.name
        );
    }
}
