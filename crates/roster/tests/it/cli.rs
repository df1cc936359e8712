//! The `roster` command line, run as a real process against a real database:
//! bootstrapping a site and its first admin key as the README shows it, the
//! text and `--json` output of every management command, one-line errors
//! that leave the data unchanged, and site isolation; and the help itself:
//! every flag explained, `--json` offered exactly where something is printed.
//!
//! [`roster`] is also what `serve.rs` uses to start the binary: it clears
//! the caller's `ROSTER_*` variables (and `RUST_LOG`) so that nothing but
//! the arguments of the test configures the child.

use std::path::Path;
use std::process::{Command, Output};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{self, Backend, TestDatabase};
use crate::serve::Server;

/// The `roster` binary with `args`, in an environment without `ROSTER_*`
/// variables; PATH and the rest are kept.
pub(crate) fn roster<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ROSTER_") {
            command.env_remove(&name);
        }
    }
    // The server's log filter reads RUST_LOG; the tests need its default.
    command.env_remove("RUST_LOG");
    command.args(args);
    command
}

/// Runs `roster <database args> <args>` to completion.
pub(crate) fn run(db: &TestDatabase, args: &[&str]) -> Output {
    let mut all: Vec<&str> = db.cli_args.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    roster(&all).output().expect("run the roster binary")
}

/// Runs a command that must succeed and returns its standard output.
#[track_caller]
pub(crate) fn run_ok(db: &TestDatabase, args: &[&str]) -> String {
    let output = run(db, args);
    assert!(output.status.success(), "roster {args:?} failed: {}", describe(&output));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs a `--json` command that must succeed and parses its output.
#[track_caller]
pub(crate) fn run_json(db: &TestDatabase, args: &[&str]) -> Value {
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let stdout = run_ok(db, &with_json);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|err| panic!("roster {args:?}: not JSON ({err}): {stdout}"))
}

/// Asserts that a command failed with exactly one `error:` line on standard
/// error that contains every one of `expected`, and printed nothing else.
#[track_caller]
pub(crate) fn assert_fails(output: &Output, expected: &[&str]) {
    assert_eq!(output.status.code(), Some(1), "{}", describe(output));
    assert!(output.stdout.is_empty(), "{}", describe(output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr: {}", describe(output));
    assert!(lines[0].starts_with("error: "), "{}", describe(output));
    for word in expected {
        assert!(lines[0].contains(word), "expected {word:?} in the error: {}", describe(output));
    }
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every stored row, read through a connection of the test's own.
pub(crate) async fn snapshot(db: &TestDatabase) -> String {
    let store = roster_store::connect(&db.config).await.expect("open the store");
    let rows = store.snapshot().await.expect("snapshot");
    store.close().await;
    rows
}

fn items(list: &Value) -> &Vec<Value> {
    list["items"].as_array().unwrap_or_else(|| panic!("a list: {list}"))
}

/// `GET path` with a bearer key.
async fn get(server: &Server, key: &str, path: &str) -> helpers::Reply {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.address))
        .bearer_auth(key)
        .send()
        .await
        .expect("request");
    helpers::reply(response).await
}

async fn bootstrap_as_in_the_readme(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let site = run_ok(&db, &["site", "create", "--slug", "acme"]);
    assert!(site.lines().any(|line| line == "slug: acme"), "{site}");

    let output = run(&db, &["admin-key", "create", "--site", "acme"]);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "the key alone on stdout: {stdout:?}");
    let key = lines[0].to_owned();
    assert!(key.starts_with("roster_ak_") && key.len() > 20, "{key}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("shown only now"));

    let acme = run_json(&db, &["site", "show", "--site", "acme"]);
    let created = run_json(&db, &["admin-key", "create", "--site", "acme", "--name", "ci"]);
    let json_key = created["secret"].as_str().expect("secret").to_owned();
    assert!(json_key.starts_with("roster_ak_"), "{created}");
    assert_eq!(created["site_id"], acme["id"], "{created}");
    assert_eq!(created["name"], "ci");
    assert!(json_key.starts_with(created["prefix"].as_str().expect("prefix")), "{created}");
    assert_eq!(created["revoked_at"], Value::Null);
    let beta = run_json(&db, &["site", "create", "--slug", "beta", "--name", "Beta Corp"]);
    assert_eq!(beta["slug"], "beta");
    assert_eq!(beta["name"], "Beta Corp");

    let server = Server::start(&db.cli_args, &[]);
    for key in [&key, &json_key] {
        let reply = get(&server, key, "/api/admin/sites/acme").await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["slug"], "acme");
        // A site key sees its own site only.
        let other = get(&server, key, "/api/admin/sites/beta").await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{other:?}");
    }
    let wrong = format!("roster_ak_{}", "x".repeat(40));
    let reply = get(&server, &wrong, "/api/admin/sites/acme").await;
    helpers::assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized", None);

    // Revoking through the CLI takes effect at once in the running server.
    let id = created["id"].as_str().expect("id");
    let output = run(&db, &["admin-key", "revoke", "--id", id]);
    assert!(output.status.success() && output.stdout.is_empty(), "{}", describe(&output));
    let reply = get(&server, &json_key, "/api/admin/sites/acme").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(get(&server, &key, "/api/admin/sites/acme").await.status, StatusCode::OK);

    // The README goes on to an SSO provider and its SCIM token: with the base
    // URL, all an identity provider needs.
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"]);
    let token = secrets(&run(&db, &scim_args(&["--auth", "token"])));
    assert!(token.len() == 1 && token[0].starts_with("roster_scim_"), "{token:?}");
    let reply = get(&server, &token[0], "/api/scim/Users").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["totalResults"], 0, "{reply:?}");
    assert!(server.stop().success());
}

/// `provider scim --site acme --provider Okta` and `extra`.
fn scim_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["provider", "scim", "--site", "acme", "--provider", "Okta"];
    args.extend_from_slice(extra);
    args
}

/// The lines a successful `provider scim` printed on standard output: the
/// new secret, if any (the summary goes to standard error).
#[track_caller]
fn secrets(output: &Output) -> Vec<String> {
    assert!(output.status.success(), "{}", describe(output));
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
}

/// A secret is printed exactly when `provider scim --help` says: when
/// `--auth token` or `basic` changes the mode, and with `--reset`; never for
/// `--auth off` or for the current mode again, such as a new `--expires`.
async fn scim_prints_a_secret_only_when_it_makes_one(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"]);
    let scim = |extra: &[&str]| secrets(&run(&db, &scim_args(extra)));

    let first = scim(&["--auth", "token"]);
    assert!(first.len() == 1 && first[0].starts_with("roster_scim_"), "{first:?}");
    assert_eq!(scim(&["--auth", "token", "--expires", "2099-01-01"]), Vec::<String>::new());
    let shown = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Okta"]);
    assert_eq!(shown["scim"]["expires_at"], "2099-01-01T00:00:00Z", "{shown}");
    assert_eq!(scim(&["--auth", "token"]), Vec::<String>::new());
    let reset = scim(&["--auth", "token", "--reset"]);
    assert!(reset.len() == 1 && reset[0].starts_with("roster_scim_"), "{reset:?}");
    assert_ne!(reset, first);

    let basic = scim(&["--auth", "basic"]);
    assert_eq!(basic.len(), 2, "a username, then a password: {basic:?}");
    assert!(basic[0].starts_with("scim-") && !basic[1].is_empty(), "{basic:?}");
    assert_eq!(scim(&["--auth", "basic", "--expires", "2099-01-01"]), Vec::<String>::new());

    let json = run_json(&db, &scim_args(&["--auth", "token"]));
    assert!(json["token"].as_str().is_some_and(|t| t.starts_with("roster_scim_")), "{json}");
    let json = run_json(&db, &scim_args(&["--auth", "token", "--expires", "2099-02-01"]));
    for secret in ["token", "username", "password"] {
        assert!(json.get(secret).is_none(), "{secret} printed again: {json}");
    }
    assert_eq!(json["provider"]["scim"]["expires_at"], "2099-02-01T00:00:00Z", "{json}");

    assert_eq!(scim(&["--auth", "off"]), Vec::<String>::new());
    let shown = run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Okta"]);
    assert_eq!(shown["scim"]["auth"], "off", "{shown}");
    // The flag's earlier name still works, so scripts written for it do.
    let old = run_json(&db, &["provider", "show", "--site", "acme", "--name", "Okta"]);
    assert_eq!(old, shown);
}

async fn users(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    let alice = run_json(
        &db,
        &[
            "user",
            "create",
            "--site",
            "acme",
            "--username",
            "alice",
            "--email",
            "alice@example.com",
            "--full-name",
            "Alice Liddell",
            "--time-zone",
            "Europe/Paris",
            "--site-admin",
        ],
    );
    assert_eq!(alice["username"], "alice");
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["full_name"], "Alice Liddell");
    assert_eq!(alice["time_zone"], "Europe/Paris");
    assert_eq!(alice["auth_method"], "password");
    assert_eq!(alice["sso_provider_id"], Value::Null);
    assert_eq!(alice["site_admin"], true);
    assert_eq!(alice["enabled"], true);

    let text =
        run_ok(&db, &["user", "create", "--site", "acme", "--username", "Bob.Smith", "--disabled"]);
    assert!(text.lines().any(|line| line == "username: Bob.Smith"), "{text}");
    assert!(text.lines().any(|line| line == "enabled: false"), "{text}");

    let okta = run_json(
        &db,
        &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"],
    );
    let carol = run_json(
        &db,
        &["user", "create", "--site", "acme", "--username", "carol", "--sso-provider", "Okta"],
    );
    assert_eq!(carol["auth_method"], "sso");
    assert_eq!(carol["sso_provider_id"], okta["id"]);

    let shown = run_json(&db, &["user", "show", "--site", "acme", "--user", "ALICE"]);
    assert_eq!(shown["id"], alice["id"]);
    assert_eq!(shown["username"], "alice");
    let shown = run_json(&db, &["user", "show", "--site", "acme", "--user", "bob.smith"]);
    assert_eq!(shown["username"], "Bob.Smith", "the case given at creation is kept");
    let text = run_ok(&db, &["user", "show", "--site", "acme", "--user", "Carol"]);
    assert!(text.lines().any(|line| line == "auth_method: sso"), "{text}");

    let list = run_json(&db, &["user", "list", "--site", "acme"]);
    assert_eq!(list["total"], 3, "{list}");
    let mut names: Vec<&str> = items(&list).iter().filter_map(|u| u["username"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Bob.Smith", "alice", "carol"]);
    let page = run_json(&db, &["user", "list", "--site", "acme", "--limit", "1", "--offset", "1"]);
    assert_eq!(
        (items(&page).len(), &page["total"], &page["offset"]),
        (1, &Value::from(3), &Value::from(1))
    );

    let output = run(&db, &["user", "list", "--site", "acme"]);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(
        stdout.lines().any(|line| line.contains("alice\talice@example.com\ttrue\tpassword")),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("(3 shown of 3)"));
}

async fn groups_providers_and_sites(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let acme = run_json(&db, &["site", "create", "--slug", "acme", "--name", "Acme Inc."]);
    assert_eq!(
        (&acme["allow_manual_users"], &acme["allow_manual_groups"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    run_ok(&db, &["site", "create", "--slug", "zeta"]);

    let sites = run_json(&db, &["site", "list"]);
    assert_eq!(sites["total"], 2, "{sites}");
    // `--json` may come anywhere after the command group's name.
    for args in [&["site", "list", "--json", "--limit", "1"][..], &["site", "--json", "list"]] {
        let page: Value = serde_json::from_str(&run_ok(&db, args)).expect("JSON");
        assert_eq!(page["total"], 2, "roster {args:?}: {page}");
    }
    let text = run_ok(&db, &["site", "list"]);
    assert!(text.lines().any(|line| line.starts_with("acme\tAcme Inc.\t")), "{text}");
    assert_eq!(run_json(&db, &["site", "show", "--site", "acme"])["id"], acme["id"]);
    let text = run_ok(&db, &["site", "show", "--site", "acme"]);
    assert!(text.lines().any(|line| line == "name: Acme Inc."), "{text}");

    let group = run_json(&db, &["group", "create", "--site", "acme", "--name", "Engineering"]);
    assert_eq!(group["name"], "Engineering");
    assert_eq!(group["managed_by_provider_id"], Value::Null);
    let text = run_ok(&db, &["group", "create", "--site", "acme", "--name", "Sales"]);
    assert!(text.lines().any(|line| line == "name: Sales"), "{text}");
    let shown = run_json(&db, &["group", "show", "--site", "acme", "--group", "engineering"]);
    assert_eq!((&shown["id"], &shown["name"]), (&group["id"], &Value::from("Engineering")));
    let list = run_json(&db, &["group", "list", "--site", "acme"]);
    assert_eq!(list["total"], 2, "{list}");
    let text = run_ok(&db, &["group", "list", "--site", "acme"]);
    let expected = format!("{}\tEngineering\t-", group["id"].as_str().expect("id"));
    assert!(text.lines().any(|line| line == expected), "{text}");
    let text = run_ok(&db, &["group", "show", "--site", "acme", "--group", "Sales"]);
    assert!(text.lines().any(|line| line == "name: Sales"), "{text}");

    let okta = run_json(
        &db,
        &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"],
    );
    assert_eq!((&okta["kind"], &okta["name"]), (&Value::from("okta"), &Value::from("Okta")));
    assert_eq!(okta["saml"]["trust"].as_str().map(str::is_empty), Some(false), "{okta}");
    let text = run_ok(
        &db,
        &["provider", "create", "--site", "acme", "--kind", "entra_id", "--name", "Entra ID"],
    );
    assert!(text.lines().any(|line| line == "kind: entra_id"), "{text}");
    assert_eq!(
        run_json(&db, &["provider", "show", "--site", "acme", "--provider", "Okta"])["id"],
        okta["id"]
    );
    let text = run_ok(&db, &["provider", "show", "--site", "acme", "--provider", "Entra ID"]);
    assert!(text.lines().any(|line| line == "name: Entra ID"), "{text}");
    let list = run_json(&db, &["provider", "list", "--site", "acme"]);
    let mut kinds: Vec<&str> = items(&list).iter().filter_map(|p| p["kind"].as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["entra_id", "okta"]);
    let text = run_ok(&db, &["provider", "list", "--site", "acme"]);
    let expected = format!("{}\tokta\tOkta", okta["id"].as_str().expect("id"));
    assert!(text.lines().any(|line| line == expected), "{text}");
}

async fn admin_keys(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let acme = run_json(&db, &["site", "create", "--slug", "acme"]);
    let site_key = run_json(&db, &["admin-key", "create", "--site", "acme", "--name", "deploy"]);
    let operator = run_json(&db, &["admin-key", "create", "--operator", "--name", "ops"]);
    assert_eq!(operator["site_id"], Value::Null);
    assert!(operator["secret"].as_str().is_some_and(|s| s.starts_with("roster_ak_")));

    let all = run_json(&db, &["admin-key", "list"]);
    assert_eq!(all["total"], 2, "{all}");
    assert!(
        items(&all).iter().all(|key| key.get("secret").is_none()),
        "secrets are never listed: {all}"
    );
    let acme_keys = run_json(&db, &["admin-key", "list", "--site", "acme"]);
    assert_eq!(items(&acme_keys).len(), 1, "{acme_keys}");
    assert_eq!(
        (&items(&acme_keys)[0]["id"], &items(&acme_keys)[0]["site_id"]),
        (&site_key["id"], &acme["id"])
    );
    let text = run_ok(&db, &["admin-key", "list"]);
    let id = site_key["id"].as_str().expect("id");
    let line = text.lines().find(|line| line.starts_with(id)).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("\tdeploy\t") && line.ends_with("\t-"), "{line}");
    assert!(!text.contains(site_key["secret"].as_str().expect("secret")), "{text}");

    assert_eq!(
        run_json(&db, &["admin-key", "revoke", "--id", id]),
        serde_json::json!({ "revoked": true })
    );
    let listed = run_json(&db, &["admin-key", "list", "--site", "acme"]);
    assert!(items(&listed)[0]["revoked_at"].is_string(), "{listed}");
    // Revoking again is harmless.
    run_ok(&db, &["admin-key", "revoke", "--id", id]);

    let before = snapshot(&db).await;
    assert_fails(
        &run(&db, &["admin-key", "revoke", "--id", "no-such-key"]),
        &["admin key not found"],
    );
    assert_fails(&run(&db, &["admin-key", "create", "--site", "nope"]), &["site not found"]);
    assert_eq!(snapshot(&db).await, before);
}

/// A usage mistake (a missing or unknown flag) is one line too, with clap's
/// exit code 2; help still prints in full.
async fn usage_mistakes_are_one_line(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    for args in [
        &["site", "create"][..],
        &["site", "create", "--slug", "a", "--colour", "blue"],
        &["user", "frobnicate"],
        // `serve` prints no data, so it has no `--json`.
        &["serve", "--json"],
    ] {
        let mut full: Vec<&str> = db.cli_args.iter().map(String::as_str).collect();
        full.extend_from_slice(args);
        let output = roster(&full).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{}", describe(&output));
        assert!(stderr.starts_with("error: "), "{}", describe(&output));
    }
    let help = roster(&["site", "create", "--help"]).output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("--slug"));
}

async fn bad_input_is_refused_and_changes_nothing(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["user", "create", "--site", "acme", "--username", "alice"]);
    run_ok(&db, &["group", "create", "--site", "acme", "--name", "engineering"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"]);
    let before = snapshot(&db).await;

    let cases: &[(&[&str], &[&str])] = &[
        (&["site", "create", "--slug", "Not Valid"], &["slug", "lower-case"]),
        (&["site", "create", "--slug", "acme"], &["slug", "taken"]),
        (
            &["user", "create", "--site", "acme", "--username", "ALICE"],
            &["username", "already exists"],
        ),
        (&["user", "create", "--site", "nope", "--username", "bob"], &["site not found"]),
        (
            &["user", "create", "--site", "acme", "--username", "bob", "--email", "bob-at-example"],
            &["email"],
        ),
        (
            &["user", "create", "--site", "acme", "--username", "bob", "--sso-provider", "Nope"],
            &["provider not found"],
        ),
        (
            &["provider", "create", "--site", "acme", "--kind", "github", "--name", "GitHub"],
            &["kind", "github"],
        ),
        (&["group", "create", "--site", "acme", "--name", "ENGINEERING"], &["name", "ENGINEERING"]),
        (&["user", "list", "--site", "nope"], &["site not found"]),
        (&["user", "show", "--site", "acme", "--user", "nobody"], &["user not found"]),
    ];
    for (args, expected) in cases {
        let output = run(&db, args);
        assert_fails(&output, expected);
        assert_eq!(snapshot(&db).await, before, "roster {args:?} changed the data");
    }

    // A URL of another database is refused before anything is opened, and
    // no SQLite data directory appears in the working directory instead.
    let cwd = tempfile::tempdir().expect("temporary directory");
    let output = roster(&[
        "--database-url",
        "mysql://root@127.0.0.1/roster",
        "site",
        "create",
        "--slug",
        "beta",
    ])
    .current_dir(cwd.path())
    .output()
    .expect("run the roster binary");
    assert_fails(&output, &["--database-url", "postgres://"]);
    assert!(is_empty(cwd.path()), "the command left files behind");
    assert_eq!(snapshot(&db).await, before);
}

/// `provider options --site acme --provider NAME` and `extra`.
fn set<'a>(provider: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["provider", "options", "--site", "acme", "--provider", provider];
    args.extend_from_slice(extra);
    args
}

async fn provider_options(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "entra_id", "--name", "Entra"]);
    let okta = run_json(
        &db,
        &set(
            "Okta",
            &[
                "--set",
                "site_admin_groups=Admins, IT *",
                "--set",
                "deprovisioning_method=delete",
                "--set",
                "sftp=true",
                "--set",
                "default_time_zone=Europe/Paris",
                "--set",
                "provision_company=Acme",
            ],
        ),
    );
    let options = &okta["provisioning"];
    assert_eq!(options["site_admin_groups"], "Admins,IT *", "{okta}");
    assert_eq!(options["deprovisioning_method"], "delete");
    assert_eq!(options["sftp"], true);
    assert_eq!(options["default_time_zone"], "Europe/Paris");
    let cleared = run_json(
        &db,
        &set("Okta", &["--unset", "provision_company", "--set", "site_admin_groups="]),
    );
    assert_eq!(cleared["provisioning"]["provision_company"], Value::Null, "{cleared}");
    assert_eq!(cleared["provisioning"]["site_admin_groups"], "");
    assert_eq!(cleared["provisioning"]["default_time_zone"], "Europe/Paris");

    let before = snapshot(&db).await;
    assert_fails(
        &run(&db, &set("Okta", &["--set", "default_time_zone=Mars/Olympus"])),
        &["provisioning.default_time_zone"],
    );
    assert_fails(&run(&db, &set("Okta", &["--set", "shoe_size=42"])), &["shoe_size"]);
    assert_fails(&run(&db, &set("Okta", &["--set", "sftp"])), &["OPTION=VALUE"]);
    assert_fails(
        &run(&db, &set("Okta", &["--set", "default_groups=Nobody"])),
        &["provisioning.default_groups"],
    );
    assert_fails(&run(&db, &set("Okta", &[])), &["nothing to change"]);
    assert_fails(&run(&db, &set("Entra", &["--set", "only_groups=Sales"])), &["scoping filters"]);
    assert_eq!(snapshot(&db).await, before);
}

/// `roster <command> --help`, which must succeed.
pub(crate) fn help(command: &[String]) -> String {
    let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
    args.push("--help");
    let output = roster(&args).output().expect("run the roster binary");
    assert!(output.status.success(), "roster {args:?}: {}", describe(&output));
    String::from_utf8(output.stdout).expect("UTF-8 help")
}

/// The lines of a help section (`Commands:`, `Options:`) up to the next
/// heading.
fn section<'a>(help: &'a str, heading: &str) -> Vec<&'a str> {
    help.lines()
        .skip_while(|line| *line != heading)
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .collect()
}

/// Every command that does something, as its path of names (`["serve"]`,
/// `["provider", "scim"]`, ...), found by following the `Commands:` lists
/// of the help, so that a new command is checked without being named here.
fn leaf_commands() -> Vec<Vec<String>> {
    let mut leaves = Vec::new();
    let mut todo = vec![Vec::new()];
    while let Some(command) = todo.pop() {
        let text = help(&command);
        let children: Vec<Vec<String>> = section(&text, "Commands:")
            .iter()
            .filter_map(|line| line.split_whitespace().next())
            .filter(|name| *name != "help")
            .map(|name| [command.clone(), vec![name.to_owned()]].concat())
            .collect();
        if children.is_empty() {
            leaves.push(command);
        } else {
            todo.extend(children);
        }
    }
    leaves.sort();
    leaves
}

/// The options of a help text, each with its help: on the same line after
/// the flag (short help) or on the next line (long help), `[env: ...]` and
/// `[default: ...]` left out.
pub(crate) fn options(help: &str) -> Vec<(String, String)> {
    let lines = section(help, "Options:");
    let mut found = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim();
        if !line.starts_with('-') {
            continue;
        }
        let (flag, rest) = line.split_once("  ").unwrap_or((line, ""));
        let next = lines.get(index + 1).map_or("", |next| next.trim());
        let text = if !rest.trim().is_empty() || next.starts_with('-') { rest } else { next };
        let text = text.split(" [").next().unwrap_or("").trim();
        let text = if text.starts_with('[') { "" } else { text };
        found.push((flag.trim().to_owned(), text.to_owned()));
    }
    found
}

#[test]
fn help_parsers_read_commands_and_options() {
    let short = "Usage: roster site [OPTIONS] <COMMAND>\n\nCommands:\n  create  Create a site\n  \
                 help    Print this\n\nOptions:\n      --site <SITE>                  \n      \
                 --json                         Print JSON\n  -h, --help  Print help\n";
    assert_eq!(
        section(short, "Commands:"),
        ["  create  Create a site", "  help    Print this", ""]
    );
    let long = "Options:\n      --data-dir <DIR>\n          Directory [env: X=]\n\n      \
                --reset\n\n      --overlap <O>\n          How long\n";
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    };
    assert_eq!(
        options(short),
        pairs(&[("--site <SITE>", ""), ("--json", "Print JSON"), ("-h, --help", "Print help")])
    );
    assert_eq!(
        options(long),
        pairs(&[("--data-dir <DIR>", "Directory"), ("--reset", ""), ("--overlap <O>", "How long")])
    );
}

/// Every flag of every command says what it is.
#[test]
fn every_flag_has_a_help_line() {
    let leaves = leaf_commands();
    for expected in [&["serve"][..], &["site", "list"], &["provider", "scim"]] {
        assert!(leaves.iter().any(|leaf| leaf == expected), "{expected:?} not in {leaves:?}");
    }
    for command in leaves {
        let text = help(&command);
        let found = options(&text);
        assert!(found.iter().any(|(flag, _)| flag.contains("--help")), "{command:?}: {text}");
        for (flag, explained) in found {
            assert!(!explained.is_empty(), "roster {command:?}: {flag} has no help:\n{text}");
        }
    }
}

/// `--json` is offered by every command that prints data, which is every
/// command but `serve`.
#[test]
fn json_is_offered_by_every_command_but_serve() {
    for command in leaf_commands() {
        let text = help(&command);
        let offered = options(&text).iter().any(|(flag, _)| flag == "--json");
        assert_eq!(offered, command != ["serve"], "roster {command:?}:\n{text}");
    }
}

/// The help of `provider scim` says when a secret is printed, not that one
/// always is.
#[test]
fn scim_help_says_when_a_secret_is_printed() {
    let text = help(&["provider".to_owned(), "scim".to_owned()]);
    assert!(!text.contains("prints a new secret once"), "{text}");
    for phrase in ["--reset", "--auth off", "no secret is printed", "--expires"] {
        assert!(text.contains(phrase), "{phrase:?} missing from:\n{text}");
    }
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).expect("read the directory").next().is_none()
}

async fn sites_are_isolated(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let a = run_json(&db, &["site", "create", "--slug", "a"]);
    let b = run_json(&db, &["site", "create", "--slug", "b"]);
    run_ok(&db, &["user", "create", "--site", "a", "--username", "alice"]);
    run_ok(&db, &["group", "create", "--site", "a", "--name", "eng"]);
    run_ok(&db, &["provider", "create", "--site", "a", "--kind", "okta", "--name", "Okta"]);
    let a_key = run_json(&db, &["admin-key", "create", "--site", "a"]);
    let b_key = run_json(&db, &["admin-key", "create", "--site", "b"]);
    run_json(&db, &["admin-key", "create", "--operator"]);
    let before = snapshot(&db).await;

    assert_fails(
        &run(&db, &["user", "show", "--site", "b", "--user", "alice"]),
        &["user not found"],
    );
    assert_fails(
        &run(&db, &["group", "show", "--site", "b", "--group", "eng"]),
        &["group not found"],
    );
    assert_fails(
        &run(&db, &["provider", "show", "--site", "b", "--provider", "Okta"]),
        &["provider not found"],
    );
    // A user of b cannot sign in through a's provider.
    assert_fails(
        &run(
            &db,
            &["user", "create", "--site", "b", "--username", "bob", "--sso-provider", "Okta"],
        ),
        &["provider not found"],
    );
    assert_eq!(snapshot(&db).await, before);

    run_json(&db, &["user", "show", "--site", "a", "--user", "alice"]);
    for command in ["user", "group", "provider"] {
        assert_eq!(run_json(&db, &[command, "list", "--site", "b"])["total"], 0, "{command} list");
        assert_eq!(run_json(&db, &[command, "list", "--site", "a"])["total"], 1, "{command} list");
    }
    for (slug, site, key) in [("a", &a, &a_key), ("b", &b, &b_key)] {
        let listed = run_json(&db, &["admin-key", "list", "--site", slug]);
        assert_eq!(items(&listed).len(), 1, "{listed}");
        assert_eq!(items(&listed)[0]["id"], key["id"]);
        assert_eq!(items(&listed)[0]["site_id"], site["id"]);
    }
}

async fn manual_changes_can_be_locked(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let locked = run_json(&db, &["site", "create", "--slug", "locked", "--no-manual-users"]);
    assert_eq!(
        (&locked["allow_manual_users"], &locked["allow_manual_groups"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    run_json(&db, &["site", "create", "--slug", "no-groups", "--no-manual-groups"]);
    let before = snapshot(&db).await;

    let output = run(&db, &["user", "create", "--site", "locked", "--username", "alice"]);
    assert_fails(&output, &["allow_manual_users"]);
    let output = run(&db, &["group", "create", "--site", "no-groups", "--name", "eng"]);
    assert_fails(&output, &["allow_manual_groups"]);
    assert_eq!(snapshot(&db).await, before);

    // Each setting locks only what it names.
    run_json(&db, &["group", "create", "--site", "locked", "--name", "eng"]);
    run_json(&db, &["user", "create", "--site", "no-groups", "--username", "alice"]);
}

crate::on_both_databases!(
    provider_options,
    scim_prints_a_secret_only_when_it_makes_one,
    usage_mistakes_are_one_line,
    bootstrap_as_in_the_readme,
    users,
    groups_providers_and_sites,
    admin_keys,
    bad_input_is_refused_and_changes_nothing,
    sites_are_isolated,
    manual_changes_can_be_locked,
);
