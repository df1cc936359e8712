//! The CLI's commands that change and remove what the admin API does:
//! users (with their passwords), groups and their members, providers,
//! sites, and the events feed; each with `--json`, and refusals that are
//! one line and change nothing.

use serde_json::Value;

use crate::cli::{assert_fails, run, run_json, run_ok, snapshot};
use crate::helpers::{self, Backend};

/// A command line: its fixed start, then the rest.
fn line<'a>(start: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
    [start, rest].concat()
}

async fn users_are_changed_and_deleted(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"]);
    run_ok(&db, &["user", "create", "--site", "acme", "--username", "ada", "--email", "a@x.test"]);
    let update = ["user", "update", "--site", "acme", "--user", "ADA"];

    let changed = run_json(
        &db,
        &line(
            &update,
            &["--username", "ada.l", "--full-name", "Ada L", "--email", "", "--enabled", "off"],
        ),
    );
    assert_eq!(changed["username"], "ada.l", "{changed}");
    assert_eq!(changed["full_name"], "Ada L");
    assert_eq!(changed["email"], Value::Null, "an empty value clears");
    assert_eq!(changed["enabled"], false);
    let sso = run_json(
        &db,
        &["user", "update", "--site", "acme", "--user", "ada.l", "--sso-provider", "Okta"],
    );
    assert_eq!(sso["auth_method"], "sso", "{sso}");

    let before = snapshot(&db).await;
    assert_fails(
        &run(&db, &["user", "update", "--site", "acme", "--user", "ada.l"]),
        &["nothing to change"],
    );
    assert_fails(
        &run(
            &db,
            &["user", "update", "--site", "acme", "--user", "ada.l", "--time-zone", "Mars/Base"],
        ),
        &["time_zone"],
    );
    // An SSO user has no password to set.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("password");
    std::fs::write(&file, "correct horse battery staple\n").unwrap();
    let file = file.display().to_string();
    let password =
        ["user", "password", "--site", "acme", "--user", "ada.l", "--password-file", &file];
    assert_fails(&run(&db, &password), &["auth_method"]);
    assert_eq!(snapshot(&db).await, before, "refusals change nothing");

    run_json(&db, &["user", "update", "--site", "acme", "--user", "ada.l", "--password-sign-in"]);
    let set = run_json(&db, &password);
    assert_eq!(set["username"], "ada.l", "{set}");
    let output = run(&db, &password);
    assert!(output.status.success());
    assert!(!String::from_utf8_lossy(&output.stdout).contains("horse"), "never printed");

    let deleted = run_json(&db, &["user", "delete", "--site", "acme", "--user", "ada.l"]);
    assert_eq!(deleted, serde_json::json!({ "deleted": true }));
    assert_fails(
        &run(&db, &["user", "show", "--site", "acme", "--user", "ada.l"]),
        &["user not found"],
    );
}

async fn groups_and_members(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["user", "create", "--site", "acme", "--username", "ada"]);
    run_ok(&db, &["group", "create", "--site", "acme", "--name", "eng"]);
    let group = ["--site", "acme", "--group", "ENG"];

    let added = run_json(
        &db,
        &line(&["group", "member", "add", "--site", "acme", "--group", "ENG"], &["--user", "ada"]),
    );
    assert_eq!((&added["username"], &added["is_admin"]), (&"ada".into(), &false.into()), "{added}");
    let updated = run_json(
        &db,
        &line(
            &["group", "member", "update", "--site", "acme", "--group", "ENG"],
            &["--user", "ada", "--admin", "on"],
        ),
    );
    assert_eq!(updated["is_admin"], true, "{updated}");
    let listed =
        run_json(&db, &line(&["group", "member", "list", "--site", "acme", "--group", "ENG"], &[]));
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["items"][0]["is_admin"], true);
    let text =
        run_ok(&db, &line(&["group", "member", "list", "--site", "acme", "--group", "ENG"], &[]));
    assert!(
        text.starts_with(&format!("{}\tada\ttrue", added["user_id"].as_str().unwrap())),
        "{text}"
    );

    let before = snapshot(&db).await;
    assert_fails(
        &run(
            &db,
            &line(
                &["group", "member", "add", "--site", "acme", "--group", "ENG"],
                &["--user", "nobody"],
            ),
        ),
        &["user not found"],
    );
    assert_fails(
        &run(&db, &[&["group", "update"][..], &group, &["--name", ""]].concat()),
        &["name"],
    );
    assert_eq!(snapshot(&db).await, before);

    let removed = run_json(
        &db,
        &line(
            &["group", "member", "remove", "--site", "acme", "--group", "ENG"],
            &["--user", "ada"],
        ),
    );
    assert_eq!(removed, serde_json::json!({ "removed": true }));
    assert_fails(
        &run(
            &db,
            &line(
                &["group", "member", "remove", "--site", "acme", "--group", "ENG"],
                &["--user", "ada"],
            ),
        ),
        &["member not found"],
    );
    let renamed =
        run_json(&db, &[&["group", "update"][..], &group, &["--name", "Engineering"]].concat());
    assert_eq!(renamed["name"], "Engineering", "{renamed}");
    let output = run(&db, &["group", "delete", "--site", "acme", "--group", "engineering"]);
    assert!(output.status.success());
    assert!(output.stdout.is_empty(), "text goes to standard error");
    assert_eq!(run_json(&db, &["group", "list", "--site", "acme"])["total"], 0);
}

async fn providers_sites_and_events(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    run_ok(&db, &["site", "create", "--slug", "acme"]);
    run_ok(&db, &["provider", "create", "--site", "acme", "--kind", "okta", "--name", "Okta"]);
    let renamed = run_json(
        &db,
        &["provider", "rename", "--site", "acme", "--provider", "Okta", "--name", "Okta EU"],
    );
    assert_eq!(renamed["name"], "Okta EU", "{renamed}");
    run_json(&db, &["provider", "delete", "--site", "acme", "--provider", "Okta EU"]);
    assert_eq!(run_json(&db, &["provider", "list", "--site", "acme"])["total"], 0);

    let site = run_json(
        &db,
        &[
            "site",
            "update",
            "--site",
            "acme",
            "--name",
            "Acme Corp",
            "--manual-groups",
            "off",
            "--two-factor",
            "always",
            "--application-url",
            "https://app.acme.test/",
        ],
    );
    assert_eq!(site["name"], "Acme Corp", "{site}");
    assert_eq!(site["allow_manual_groups"], false);
    assert_eq!(site["two_factor"], "always");
    let cleared = run_json(&db, &["site", "update", "--site", "acme", "--application-url", ""]);
    assert_eq!(cleared["application_url"], Value::Null, "{cleared}");

    // The feed reads the history oldest first, from an entry on.
    run_ok(&db, &["user", "create", "--site", "acme", "--username", "ada"]);
    run_ok(&db, &["user", "create", "--site", "acme", "--username", "bob"]);
    let page = run_json(&db, &["logs", "events", "--site", "acme"]);
    let seqs: Vec<i64> =
        page["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.len() >= 2 && seqs.windows(2).all(|w| w[0] < w[1]), "{page}");
    assert_eq!(page["next"], *seqs.last().unwrap());
    let after = seqs[seqs.len() - 2].to_string();
    let rest = run_json(&db, &["logs", "events", "--site", "acme", "--after", &after]);
    assert_eq!(rest["items"].as_array().unwrap().len(), 1, "{rest}");
    let output = run(&db, &["logs", "events", "--site", "acme", "--after", &after]);
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);
    assert!(String::from_utf8_lossy(&output.stderr).contains("next: --after"));

    let deleted = run_json(&db, &["site", "delete", "--site", "acme"]);
    assert_eq!(deleted, serde_json::json!({ "deleted": true }));
    assert_fails(&run(&db, &["site", "show", "--site", "acme"]), &["site not found"]);
}

crate::on_both_databases!(
    users_are_changed_and_deleted,
    groups_and_members,
    providers_sites_and_events
);
