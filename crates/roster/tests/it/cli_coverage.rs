//! The CLI covers the admin API: every operation of the OpenAPI document
//! (`GET /api/admin/openapi.json`, read from a running server) maps to the
//! `roster` command line that does the same, or is listed in [`NO_CLI`]
//! with the reason it has none. A new operation without a command fails
//! here by its id, and so does a mapping to an operation that is gone.
//! Each mapped command must exist, offer `--json` and every flag its line
//! names, as `roster <command> --help` shows.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::cli::{help, options};
use crate::helpers::{Backend, spawn_app};

/// Operation id -> the command lines that perform it (`update_provider`
/// is one command per group of settings). `SITE`, `ID` and the like stand
/// for values; only the words and the `--flags` are checked.
const CLI: &[(&str, &[&str])] = &[
    ("list_sites", &["site list"]),
    ("create_site", &["site create --slug SITE"]),
    ("get_site", &["site show --site SITE"]),
    ("update_site", &["site update --site SITE --name NAME"]),
    ("delete_site", &["site delete --site SITE"]),
    ("list_admin_keys", &["admin-key list"]),
    ("create_operator_key", &["admin-key create --operator"]),
    ("list_site_keys", &["admin-key list --site SITE"]),
    ("create_site_key", &["admin-key create --site SITE"]),
    ("revoke_admin_key", &["admin-key revoke --id ID"]),
    ("list_sp_keys", &["sp-key list"]),
    ("rotate_sp_keys", &["sp-key rotate --purpose both --overlap 7d"]),
    ("list_users", &["user list --site SITE --search TEXT"]),
    ("create_user", &["user create --site SITE --username NAME"]),
    ("get_user", &["user show --site SITE --user NAME"]),
    ("update_user", &["user update --site SITE --user NAME --email MAIL"]),
    ("delete_user", &["user delete --site SITE --user NAME"]),
    ("set_user_password", &["user password --site SITE --user NAME --password-file FILE"]),
    ("get_user_two_factor", &["user two-factor --site SITE --user NAME"]),
    ("reset_user_two_factor", &["user two-factor --site SITE --user NAME --reset"]),
    ("list_groups", &["group list --site SITE"]),
    ("create_group", &["group create --site SITE --name NAME"]),
    ("get_group", &["group show --site SITE --group NAME"]),
    ("update_group", &["group update --site SITE --group NAME --name NEW"]),
    ("delete_group", &["group delete --site SITE --group NAME"]),
    ("list_group_members", &["group member list --site SITE --group NAME"]),
    ("add_group_member", &["group member add --site SITE --group NAME --user USER --admin on"]),
    (
        "update_group_member",
        &["group member update --site SITE --group NAME --user USER --admin off"],
    ),
    ("remove_group_member", &["group member remove --site SITE --group NAME --user USER"]),
    ("list_providers", &["provider list --site SITE"]),
    (
        "create_provider",
        &[
            "provider create --site SITE --kind okta --name NAME",
            "provider ldap --create --site SITE --provider NAME",
        ],
    ),
    ("get_provider", &["provider show --site SITE --provider NAME"]),
    (
        "update_provider",
        &[
            "provider rename --site SITE --provider NAME --name NEW",
            "provider options --site SITE --provider NAME --set OPTION=VALUE --unset OPTION",
            "provider saml --site SITE --provider NAME --metadata-url URL --name-id email",
            "provider ldap --site SITE --provider NAME --host HOST",
            "provider ldap --site SITE --provider NAME --remove",
        ],
    ),
    ("delete_provider", &["provider delete --site SITE --provider NAME"]),
    ("set_provider_scim_credential", &["provider scim --site SITE --provider NAME --auth token"]),
    ("get_provider_setup_guide", &["provider guide --site SITE --provider NAME"]),
    ("run_sync", &["sync run --site SITE --provider NAME --full"]),
    ("list_sync_runs", &["sync runs --site SITE --provider NAME"]),
    ("search_history", &["logs history --site SITE --action created"]),
    ("events", &["logs events --site SITE --after SEQ"]),
    ("search_scim_log", &["logs scim --site SITE --status 4xx"]),
    ("get_scim_log_entry", &["logs scim --site SITE --id ID"]),
    ("list_lifecycle_rules", &["lifecycle-rule list --site SITE"]),
    (
        "create_lifecycle_rule",
        &["lifecycle-rule create --site SITE --action disable --inactive-days 90"],
    ),
    ("delete_lifecycle_rule", &["lifecycle-rule delete --site SITE --id ID"]),
    ("list_webhooks", &["webhook list --site SITE"]),
    ("create_webhook", &["webhook create --site SITE --url URL"]),
    ("get_webhook", &["webhook show --site SITE --id ID"]),
    ("update_webhook", &["webhook update --site SITE --id ID --enabled on"]),
    ("delete_webhook", &["webhook delete --site SITE --id ID"]),
    ("rotate_webhook_secret", &["webhook rotate-secret --site SITE --id ID"]),
    ("list_webhook_deliveries", &["webhook deliveries --site SITE --id ID"]),
    ("list_setup_links", &["setup-link list --site SITE"]),
    ("create_setup_link", &["setup-link create --site SITE --provider NAME"]),
    ("revoke_setup_link", &["setup-link revoke --site SITE --id ID"]),
];

/// Operations with no command, and why.
const NO_CLI: &[(&str, &str)] = &[
    ("openapi_document", "the HTTP API's own description; the CLI describes itself with --help"),
    (
        "redeem_ticket",
        "the application redeems, within seconds and server to server, the one-time \
         ticket a person's browser brought it; redeeming it anywhere else would only spend \
         that person's sign-in",
    ),
];

/// The document's operation ids.
fn operation_ids(document: &Value) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for item in document["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("a path item").values() {
            let id = operation["operationId"].as_str().expect("every operation has an id");
            ids.insert(id.to_owned());
        }
    }
    ids
}

/// What is wrong between the document's operations and the two tables.
fn coverage_problems(
    documented: &BTreeSet<String>,
    cli: &[(&str, &[&str])],
    no_cli: &[(&str, &str)],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    for id in cli.iter().map(|(id, _)| id).chain(no_cli.iter().map(|(id, _)| id)) {
        if !listed.insert(*id) {
            problems.push(format!("{id} is listed twice"));
        }
    }
    for id in documented {
        if !listed.contains(id.as_str()) {
            problems.push(format!(
                "the operation {id} has no CLI command: add one to CLI, or say why in NO_CLI"
            ));
        }
    }
    for id in listed {
        if !documented.contains(id) {
            problems.push(format!("{id} is listed but the admin API has no such operation"));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_operation_has_a_cli_command() {
    let app = spawn_app(Backend::Sqlite).await;
    let response =
        app.client.get(format!("{}/api/admin/openapi.json", app.address)).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let documented = operation_ids(&response.json().await.unwrap());
    assert!(documented.len() > 50, "too few operations read: {documented:?}");
    let problems = coverage_problems(&documented, CLI, NO_CLI);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each mapped command exists, offers `--json`, and has every flag its
/// line names.
#[test]
fn every_mapped_command_exists_and_offers_json() {
    for (id, lines) in CLI {
        for line in *lines {
            let words: Vec<String> = line
                .split_whitespace()
                .take_while(|word| !word.starts_with("--"))
                .map(str::to_owned)
                .collect();
            let text = help(&words);
            assert!(
                !text.lines().any(|line| line == "Commands:"),
                "{id}: `roster {line}` names a group of commands, not one:\n{text}"
            );
            let offered: Vec<String> = options(&text)
                .into_iter()
                .filter_map(|(flag, _)| {
                    flag.split([',', ' ']).find(|part| part.starts_with("--")).map(str::to_owned)
                })
                .collect();
            let flags = line.split_whitespace().filter(|word| word.starts_with("--"));
            for flag in flags.chain(["--json"]) {
                let flag = flag.split('=').next().unwrap_or(flag);
                assert!(
                    offered.iter().any(|offered| offered == flag),
                    "{id}: `roster {line}` has no {flag}:\n{text}"
                );
            }
        }
    }
}

/// The comparison reports each kind of gap, so that a check that passes
/// everything fails here.
#[test]
fn the_coverage_check_reports_missing_stale_and_doubled_entries() {
    let documented: BTreeSet<String> =
        ["list_sites", "new_thing", "openapi_document"].map(str::to_owned).into();
    let cli: &[(&str, &[&str])] =
        &[("list_sites", &["site list"]), ("gone_thing", &["site show"]), ("list_sites", &[])];
    let no_cli: &[(&str, &str)] = &[("openapi_document", "the document")];
    assert_eq!(
        coverage_problems(&documented, cli, no_cli),
        [
            "list_sites is listed twice",
            "the operation new_thing has no CLI command: add one to CLI, or say why in NO_CLI",
            "gone_thing is listed but the admin API has no such operation",
        ]
    );
    assert!(coverage_problems(&documented, &cli[..1], no_cli).len() == 1);
}
