//! `roster sync` against a real OpenLDAP `slapd`: a run's report, the runs
//! it leaves, and its progress line, which a terminal gets (a pseudo
//! terminal from util-linux `script`) and a pipe never does.

use std::process::Command;

use roster_ldap::testing::{SYNC_PASSWORD, Slapd};

use crate::cli::{run, run_json, run_ok};
use crate::helpers::{self, Backend, TestDatabase};

/// Back to the line's start, then "erase line": what the progress draws with.
const ERASE: &str = "\r\x1b[2K";

/// A site `acme` with the provider `Directory` on `slapd`.
fn directory_provider(db: &TestDatabase, slapd: &Slapd, dir: &std::path::Path) {
    run_ok(db, &["site", "create", "--slug", "acme"]);
    let password = dir.join("bind-password");
    std::fs::write(&password, SYNC_PASSWORD).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, slapd.ca_pem()).unwrap();
    let (host, port) =
        slapd.address().rsplit_once(':').map(|(h, p)| (h.to_owned(), p.to_owned())).unwrap();
    let sync_dn = slapd.sync_dn();
    let (password, ca) = (password.display().to_string(), ca.display().to_string());
    run_ok(
        db,
        &[
            "provider",
            "ldap",
            "--create",
            "--site",
            "acme",
            "--provider",
            "Directory",
            "--host",
            &host,
            "--port",
            &port,
            "--security",
            "starttls",
            "--ca-cert",
            &ca,
            "--server-type",
            "openldap",
            "--username-attribute",
            "uid",
            "--bind-username",
            &sync_dn,
            "--bind-password-file",
            &password,
            "--base-dn",
            slapd.base_dn(),
        ],
    );
}

async fn a_sync_runs_and_is_listed(backend: Backend) {
    let slapd = Slapd::builder().bulk(12, 2, 1).start();
    let db = helpers::fresh_database(backend).await;
    let dir = tempfile::tempdir().unwrap();
    directory_provider(&db, &slapd, dir.path());
    let sync = ["sync", "run", "--site", "acme", "--provider", "Directory"];

    // The tests' standard error is a pipe: no progress, not a byte of it.
    let output = run(&db, &sync);
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{:?}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.lines().any(|line| line == "users_created: 12"), "{stdout}");

    let report = run_json(&db, &[&sync[..], &["--full"]].concat());
    assert_eq!(report["full"], true, "{report}");
    assert_eq!(report["users_created"], 0, "{report}");
    assert_eq!(report["users_unchanged"], 12, "{report}");
    assert_eq!((&report["groups_updated"], &report["groups_removed"]), (&0.into(), &0.into()));
    // Renamed and deleted in the directory: counted, in words too.
    slapd.rename(&slapd.group_dn(0), "cn=renamed");
    slapd.delete(&slapd.group_dn(1));
    let text = run_ok(&db, &[&sync[..], &["--full"]].concat());
    for line in ["users_unchanged: 12", "groups_updated: 1", "groups_removed: 1"] {
        assert!(text.lines().any(|shown| shown == line), "{line} in {text}");
    }
    let runs = run_json(&db, &["sync", "runs", "--site", "acme", "--provider", "Directory"]);
    assert_eq!(runs["total"], 3, "{runs}");
    assert!(runs["items"].as_array().unwrap().iter().all(|run| run["succeeded"] == true), "{runs}");
    let text = run_ok(&db, &["sync", "runs", "--site", "acme", "--provider", "Directory"]);
    assert_eq!(text.lines().count(), 3, "{text}");

    let members =
        run_json(&db, &["group", "member", "list", "--site", "acme", "--group", "renamed"]);
    assert!(members["total"].as_u64().unwrap() > 0, "{members}");
}

/// `sync run` under a pseudo terminal: the progress line is drawn and
/// erased before the report; with `--json` nothing but the JSON comes.
async fn a_terminal_sees_the_progress(backend: Backend) {
    let slapd = Slapd::builder().bulk(40, 3, 1).start();
    let db = helpers::fresh_database(backend).await;
    let dir = tempfile::tempdir().unwrap();
    directory_provider(&db, &slapd, dir.path());
    let terminal = |extra: &[&str]| {
        let quoted: Vec<String> = [env!("CARGO_BIN_EXE_roster")]
            .iter()
            .copied()
            .chain(db.cli_args.iter().map(String::as_str))
            .chain(["sync", "run", "--site", "acme", "--provider", "Directory"])
            .chain(extra.iter().copied())
            .map(|arg| format!("'{}'", arg.replace('\'', r"'\''")))
            .collect();
        let output = Command::new("script")
            .args(["--quiet", "--return", "--command", &quoted.join(" "), "/dev/null"])
            .env_remove("RUST_LOG")
            .output()
            .expect("util-linux `script` runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };

    let seen = terminal(&["--full"]);
    let last_erase = seen.rfind(ERASE).unwrap_or_else(|| panic!("no progress drawn: {seen:?}"));
    let report = seen.find("users_created: 40").unwrap_or_else(|| panic!("no report: {seen:?}"));
    assert!(last_erase < report, "the line is erased before the report: {seen:?}");
    assert!(
        seen[..report].contains(" starting") || seen[..report].contains(" reading"),
        "{seen:?}"
    );

    let seen = terminal(&["--full", "--json"]);
    assert!(!seen.contains('\x1b'), "--json draws nothing: {seen:?}");
    let json: serde_json::Value = serde_json::from_str(seen.trim()).unwrap();
    assert_eq!(json["full"], true, "{json}");
}

/// `provider ldap --test` binds with the stored settings and counts what
/// a sync would read, in text and JSON; it changes nothing, and a refused
/// bind says why without ever printing the password.
async fn a_connection_test_counts_the_directory(backend: Backend) {
    let slapd = Slapd::builder().bulk(12, 3, 1).start();
    let db = helpers::fresh_database(backend).await;
    let dir = tempfile::tempdir().unwrap();
    directory_provider(&db, &slapd, dir.path());
    let test = ["provider", "ldap", "--site", "acme", "--provider", "Directory", "--test"];

    let shown = run_json(&db, &test);
    assert_eq!(
        shown,
        serde_json::json!({ "served_by": slapd.address(), "users": 12, "groups": 3 })
    );
    let text = run_ok(&db, &test);
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        ["groups: 3".to_owned(), format!("served_by: {}", slapd.address()), "users: 12".to_owned()],
        "{text}"
    );
    let users = run_json(&db, &["user", "list", "--site", "acme"]);
    assert_eq!(users["total"], 0, "a test provisions nobody: {users}");
    let runs = run_json(&db, &["sync", "runs", "--site", "acme", "--provider", "Directory"]);
    assert_eq!(runs["total"], 0, "and records no run: {runs}");

    let wrong = dir.path().join("wrong-password");
    std::fs::write(&wrong, "wrong-Pa55word-never-shown").unwrap();
    let wrong = wrong.display().to_string();
    run_ok(
        &db,
        &["provider", "ldap", "--site", "acme", "--provider", "Directory"]
            .into_iter()
            .chain(["--bind-password-file", wrong.as_str()])
            .collect::<Vec<_>>(),
    );
    let output = run(&db, &test);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("bind"), "the refusal is named: {said}");
    assert!(!said.contains("wrong-Pa55word") && !said.contains(SYNC_PASSWORD), "{said}");
}

crate::on_both_databases!(
    a_sync_runs_and_is_listed,
    a_terminal_sees_the_progress,
    a_connection_test_counts_the_directory
);
