//! `roster provider ldap`: the directory settings from the command line,
//! the bind password only from a file, and refusals that change nothing.

use serde_json::Value;

use crate::cli::{assert_fails, run, run_json, run_ok};
use crate::helpers::{self, Backend};

async fn ldap_settings_from_the_command_line(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Directory"]);
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("bind-password");
    std::fs::write(&password, "s3cret bind\n").unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").unwrap();
    let (password, ca) = (password.display().to_string(), ca.display().to_string());
    let base = ["provider", "ldap", "--site", "acme", "--provider", "Directory"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| (*s).to_owned()).collect()
    };
    // New settings name the account the sync binds as: without it, refused
    // with the missing flags named, and nothing stored.
    let before = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Directory"]);
    let unbound = ["--host", "ldap1.example.test", "--base-dn", "dc=example,dc=test"];
    let output = run(&db, &with(&unbound).iter().map(String::as_str).collect::<Vec<_>>());
    assert_fails(&output, &["--bind-username and --bind-password-file"]);
    let no_file =
        with(&[&unbound[..], &["--bind-username", "cn=sync,dc=example,dc=test"]].concat());
    let output = run(&db, &no_file.iter().map(String::as_str).collect::<Vec<_>>());
    assert_fails(&output, &["give --bind-password-file"]);
    let after = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Directory"]);
    assert_eq!(after, before, "nothing stored");
    assert_eq!(after["ldap"], Value::Null, "{after}");

    let set = with(&[
        "--host",
        "ldap1.example.test",
        "--backup-host",
        "ldap2.example.test",
        "--security",
        "starttls",
        "--ca-cert",
        &ca,
        "--server-type",
        "openldap",
        "--bind-username",
        "cn=sync,dc=example,dc=test",
        "--bind-password-file",
        &password,
        "--base-dn",
        "dc=example,dc=test",
        "--domain",
        "example.test",
        "--interval",
        "30m",
        "--user-filter",
        "(ou=staff)",
    ]);
    let shown = run_json(&db, &set.iter().map(String::as_str).collect::<Vec<_>>());
    let ldap = &shown["ldap"];
    assert_eq!(ldap["host"], "ldap1.example.test", "{shown}");
    assert_eq!(ldap["backup_host"], "ldap2.example.test");
    assert_eq!(ldap["security"], "starttls");
    assert_eq!(ldap["port"], 389);
    assert_eq!(ldap["server_type"], "openldap");
    assert_eq!(ldap["username_attribute"], "uid", "OpenLDAP's default");
    assert_eq!(ldap["bind_password_set"], true);
    assert!(!shown.to_string().contains("s3cret"), "the password is never shown: {shown}");
    assert_eq!(ldap["interval"], "30m");
    assert_eq!(ldap["user_filter"], "(ou=staff)");
    assert!(ldap["ca_certificate"].as_str().unwrap().contains("BEGIN CERTIFICATE"));

    // An empty value clears what can be cleared.
    let cleared = with(&["--backup-host", "", "--user-filter", ""]);
    let shown = run_json(&db, &cleared.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(shown["ldap"]["backup_host"], Value::Null);
    assert_eq!(shown["ldap"]["user_filter"], Value::Null);

    let before = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Directory"]);
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let empty = empty.display().to_string();
    for (extra, words) in [
        (vec!["--interval", "1m"], vec!["ldap.interval", "at least 15m"]),
        (vec!["--user-filter", "ou=staff"], vec!["ldap.user_filter"]),
        (vec!["--bind-password-file", "/nonexistent/pw"], vec!["cannot read", "/nonexistent/pw"]),
        (vec!["--bind-password-file", &empty], vec!["ldap.bind_password"]),
        (vec!["--ca-cert", &password], vec!["ldap.ca_certificate"]),
        (vec!["--failure-threshold", "0"], vec!["ldap.failure_threshold"]),
    ] {
        let output = run(&db, &with(&extra).iter().map(String::as_str).collect::<Vec<_>>());
        assert_fails(&output, &words);
    }
    let output =
        run(&db, &with(&["--security", "tls"]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(output.status.code(), Some(2), "a usage mistake");
    let after = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Directory"]);
    assert_eq!(after, before, "nothing changed");

    // Syncing a provider whose directory cannot be reached fails, says
    // why, and is recorded; `--test` says why too.
    let unreachable = with(&["--host", "127.0.0.1", "--port", "1", "--security", "plain"]);
    run_ok(&db, &unreachable.iter().map(String::as_str).collect::<Vec<_>>());
    let output = run(&db, &["sync", "run", "--site", "acme", "--provider", "Directory"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.lines().any(|line| line.starts_with("failure: ")), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("error: the sync failed"));
    let output = run(&db, &with(&["--test"]).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!output.status.success());
    let output = run(&db, &["sync", "run", "--site", "acme", "--provider", "Nobody"]);
    assert_fails(&output, &["provider not found"]);
}

/// A provider of kind `ldap` exists only with its settings: `provider
/// create` says how, and `provider ldap --create` makes it.
async fn an_ldap_provider_is_created_with_its_settings(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    let output =
        run(&db, &["provider", "create", "--site", "acme", "--kind", "ldap", "--name", "Corp"]);
    assert_fails(&output, &["provider ldap --create", "--host"]);
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("bind-password");
    std::fs::write(&password, "s3cret bind\n").unwrap();
    let password = password.display().to_string();
    let create = |extra: &[&str]| -> Vec<String> {
        ["provider", "ldap", "--create", "--site", "acme", "--provider", "Corp"]
            .iter()
            .chain(extra)
            .map(|s| (*s).to_owned())
            .collect()
    };
    // Without the bind account: refused, naming what is missing, and
    // nothing is created.
    let output = run(
        &db,
        &create(&["--host", "dc1.corp.test", "--base-dn", "dc=corp,dc=test"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_fails(&output, &["--bind-username and --bind-password-file"]);
    let output = run(
        &db,
        &create(&["--host", "dc1.corp.test", "--base-dn", "dc=corp,dc=test"])
            .iter()
            .chain(&["--bind-password-file".to_owned(), password.clone()])
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_fails(&output, &["give --bind-username"]);
    let listed = run_json(&db, &["provider", "list", "--site", "acme"]);
    assert_eq!(listed["total"], 0, "{listed}");
    // Without a host: a usage mistake, and nothing is created.
    let output = run(
        &db,
        &create(&["--base-dn", "dc=corp,dc=test"]).iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(output.status.code(), Some(2));
    let listed = run_json(&db, &["provider", "list", "--site", "acme"]);
    assert_eq!(listed["total"], 0, "{listed}");

    let created = run_json(
        &db,
        &create(&[
            "--host",
            "dc1.corp.test",
            "--base-dn",
            "dc=corp,dc=test",
            "--bind-username",
            "cn=sync,dc=corp,dc=test",
            "--bind-password-file",
            &password,
        ])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    assert_eq!(created["kind"], "ldap", "{created}");
    assert_eq!(created["name"], "Corp");
    assert_eq!(created["ldap"]["host"], "dc1.corp.test");
    assert_eq!(created["ldap"]["server_type"], "active_directory", "the default");
    assert_eq!(created["ldap"]["bind_password_set"], true);
    // Once: a second create is refused by name.
    let output = run(
        &db,
        &create(&[
            "--host",
            "dc2.corp.test",
            "--base-dn",
            "dc=corp,dc=test",
            "--bind-username",
            "cn=sync,dc=corp,dc=test",
            "--bind-password-file",
            &password,
        ])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    assert_fails(&output, &["a provider named \"Corp\" already exists"]);
    let shown = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Corp"]);
    assert_eq!(shown["ldap"]["host"], "dc1.corp.test");
}

crate::on_both_databases!(
    ldap_settings_from_the_command_line,
    an_ldap_provider_is_created_with_its_settings
);
