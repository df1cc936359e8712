//! `roster provider saml`: an IdP's trust and the sign-in settings of a
//! provider from the command line, checked as the admin API checks them.

use std::path::Path;

use crate::cli::{assert_fails, run, run_json, run_ok};
use crate::helpers::{self, Backend};

/// A real IdP's metadata (recorded for roster-saml's tests).
fn recorded_metadata() -> String {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("../roster-saml/tests/data/metadata/idp.xml")
        .display()
        .to_string()
}

async fn trust_and_sign_in_settings(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "saml", "--name", "Custom"]);
    let base = ["provider", "saml", "--site", "acme", "--provider", "Custom"];
    let args = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| (*s).to_owned()).collect()
    };

    let metadata = recorded_metadata();
    let set = args(&["--metadata-file", &metadata, "--idp-initiated", "on", "--name-id", "email"]);
    let shown = run_json(&db, &set.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(shown["saml"]["trust"], "metadata_xml", "{shown}");
    assert!(shown["saml"]["metadata_xml"].as_str().unwrap().contains("IDPSSODescriptor"));
    assert_eq!(shown["sign_in"]["idp_initiated"], true);
    assert_eq!(shown["sign_in"]["name_id"], "email");

    let fingerprint = "AB:".repeat(31) + "AB";
    let set = args(&[
        "--fingerprint",
        &fingerprint,
        "--sso-url",
        "https://idp.example.test/sso",
        "--idp-initiated",
        "default",
    ]);
    let shown = run_json(&db, &set.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(shown["saml"]["trust"], "fingerprint");
    assert_eq!(shown["saml"]["fingerprint"], "ab".repeat(32));
    assert_eq!(shown["sign_in"]["idp_initiated"], false, "a generic provider's default");
    assert_eq!(shown["sign_in"]["name_id"], "email", "kept");

    let set = args(&[
        "--sign-requests",
        "on",
        "--email-attribute",
        "workEmail",
        "--groups-attribute",
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    ]);
    let shown = run_json(&db, &set.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(shown["sign_in"]["sign_requests"], true, "{shown}");
    assert_eq!(shown["sign_in"]["attributes"]["email"], "workEmail");
    assert_eq!(
        shown["sign_in"]["attributes"]["groups"],
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
    );
    assert_eq!(shown["sign_in"]["attributes"]["first_name"], serde_json::Value::Null);
    let set = args(&["--sign-requests", "metadata", "--email-attribute", ""]);
    let shown = run_json(&db, &set.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(shown["sign_in"]["sign_requests"], serde_json::Value::Null, "{shown}");
    assert_eq!(shown["sign_in"]["attributes"]["email"], serde_json::Value::Null, "presets again");
    assert_eq!(
        shown["sign_in"]["attributes"]["groups"],
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
        "kept"
    );

    // Refused, with nothing changed.
    let before = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Custom"]);
    let not_metadata =
        std::env::temp_dir().join(format!("roster-not-metadata-{}.xml", std::process::id()));
    std::fs::write(&not_metadata, "<html/>").unwrap();
    let not_metadata = not_metadata.display().to_string();
    for (extra, words) in [
        (
            vec!["--metadata-file", "/nonexistent/idp.xml"],
            vec!["cannot read", "/nonexistent/idp.xml"],
        ),
        (
            vec!["--metadata-file", &not_metadata],
            vec!["saml.metadata_xml", "not usable IdP metadata"],
        ),
        (vec!["--name-id", "upn"], vec!["sign_in.name_id", "upn"]),
        (
            vec!["--first-name-attribute", "first name"],
            vec!["sign_in.attributes.first_name", "white space"],
        ),
        (vec![], vec!["nothing to change"]),
    ] {
        let output = run(&db, &args(&extra).iter().map(String::as_str).collect::<Vec<_>>());
        assert_fails(&output, &words);
    }
    // Usage mistakes: a fingerprint needs the SSO URL; two trusts at once.
    for extra in [
        vec!["--fingerprint", &fingerprint],
        vec!["--metadata-url", "https://idp.example.test/md", "--metadata-file", &metadata],
    ] {
        let output = run(&db, &args(&extra).iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
    }
    let after = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Custom"]);
    assert_eq!(after, before);
    std::fs::remove_file(&not_metadata).unwrap();
}

crate::on_both_databases!(trust_and_sign_in_settings);
