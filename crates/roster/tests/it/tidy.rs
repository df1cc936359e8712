//! Tidy checks: facts about the repository that no compiler enforces.
//!
//! - The crate graph points inward as STYLE.md draws it: every crate's
//!   `[dependencies]` are checked against the rule tables below, and every
//!   crate folder is named like its package and takes `version` and
//!   `publish = false` from the workspace.
//! - The README's `## Configuration` table lists exactly the flags, and the
//!   environment variables, that `roster serve --help` prints.
//!
//! The checks are pure functions over text, each also run on deliberately bad
//! input here, so a check that silently passes everything would fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Which `roster-*` crates a crate may depend on.
enum RosterEdges {
    None,
    Only(&'static [&'static str]),
    Any,
}

/// Allowed edges between roster crates. A crate not named here may depend on
/// no roster crate.
const ROSTER_EDGES: &[(&str, RosterEdges)] = &[
    ("roster-scim", RosterEdges::None),
    ("roster-domain", RosterEdges::None),
    ("roster-saml", RosterEdges::None),
    ("roster-ldap", RosterEdges::None),
    (
        "roster-store",
        RosterEdges::Only(&["roster-domain", "roster-scim"]),
    ),
    (
        "roster-app",
        RosterEdges::Only(&[
            "roster-domain",
            "roster-scim",
            "roster-store",
            "roster-saml",
            "roster-ldap",
        ]),
    ),
    (
        "roster-http",
        RosterEdges::Only(&["roster-app", "roster-domain", "roster-scim"]),
    ),
    ("roster", RosterEdges::Any),
    ("roster-bench", RosterEdges::None),
];

/// What the pure cores must not import: they do no I/O and spawn nothing.
const NOT_IN_PURE_CORES: &[&str] = &[
    "tokio",
    "sqlx",
    "axum",
    "hyper",
    "tower",
    "tower-http",
    "reqwest",
];

/// Third-party crates a roster crate must not depend on.
const FORBIDDEN_DEPENDENCIES: &[(&str, &[&str])] = &[
    ("roster-scim", NOT_IN_PURE_CORES),
    ("roster-domain", NOT_IN_PURE_CORES),
    ("roster-app", &["axum", "hyper", "tower", "tower-http"]),
    ("roster-http", &["sqlx"]),
];

/// `roster-store` is the only crate with SQL.
const SQLX_ALLOWED_IN: &[&str] = &["roster-store"];

fn workspace_root() -> PathBuf {
    // CARGO_MANIFEST_DIR is crates/roster.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

fn is_roster_crate(name: &str) -> bool {
    name == "roster" || name.starts_with("roster-")
}

fn is_workspace_inherited(value: Option<&toml::Value>) -> bool {
    value
        .and_then(|v| v.get("workspace"))
        .and_then(toml::Value::as_bool)
        == Some(true)
}

/// The package names of a manifest's normal dependencies (including
/// target-specific ones), resolving `package = "..."` renames, also those
/// made in the root `[workspace.dependencies]`.
fn normal_dependencies(
    manifest: &toml::Table,
    workspace_deps: Option<&toml::Table>,
) -> BTreeSet<String> {
    let mut tables: Vec<&toml::Table> = manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .into_iter()
        .collect();
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        tables.extend(
            targets
                .values()
                .filter_map(|t| t.get("dependencies")?.as_table()),
        );
    }
    let mut names = BTreeSet::new();
    for (key, spec) in tables.into_iter().flatten() {
        let inherited = workspace_deps
            .filter(|_| is_workspace_inherited(Some(spec)))
            .and_then(|deps| deps.get(key));
        let renamed = spec
            .get("package")
            .or_else(|| inherited?.get("package"))
            .and_then(toml::Value::as_str);
        names.insert(renamed.unwrap_or(key.as_str()).to_string());
    }
    names
}

/// Why `krate` may not depend on `dep`, if it may not.
fn forbidden_edge(krate: &str, dep: &str) -> Option<String> {
    if is_roster_crate(dep) {
        let rule = ROSTER_EDGES
            .iter()
            .find(|(name, _)| *name == krate)
            .map(|(_, rule)| rule);
        return match rule {
            Some(RosterEdges::Any) => None,
            Some(RosterEdges::Only(allowed)) if allowed.contains(&dep) => None,
            Some(RosterEdges::Only(allowed)) => {
                Some(format!("{krate} may depend only on {}", allowed.join(", ")))
            }
            Some(RosterEdges::None) => Some(format!("{krate} may depend on no roster crate")),
            None => Some(format!(
                "{krate} has no rule in ROSTER_EDGES, so it may depend on no roster crate"
            )),
        };
    }
    if dep == "sqlx" && !SQLX_ALLOWED_IN.contains(&krate) {
        return Some(format!(
            "only {} may depend on sqlx",
            SQLX_ALLOWED_IN.join(", ")
        ));
    }
    FORBIDDEN_DEPENDENCIES
        .iter()
        .find(|(name, banned)| *name == krate && banned.contains(&dep))
        .map(|_| format!("{krate} must not depend on {dep}"))
}

/// Every problem with the workspace: `root` is the root `Cargo.toml`, `crates`
/// holds (folder name under crates/, its `Cargo.toml`).
fn check_workspace(root: &str, crates: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    let root: toml::Table = match root.parse() {
        Ok(table) => table,
        Err(e) => return vec![format!("root Cargo.toml does not parse: {e}")],
    };
    let workspace = root.get("workspace");
    let workspace_deps = workspace
        .and_then(|w| w.get("dependencies"))
        .and_then(toml::Value::as_table);
    let publish = workspace
        .and_then(|w| w.get("package")?.get("publish"))
        .and_then(toml::Value::as_bool);
    if publish != Some(false) {
        problems.push("root Cargo.toml: [workspace.package] must set publish = false".to_string());
    }
    for (folder, text) in crates {
        let manifest: toml::Table = match text.parse() {
            Ok(table) => table,
            Err(e) => {
                problems.push(format!("crates/{folder}/Cargo.toml does not parse: {e}"));
                continue;
            }
        };
        let package = manifest.get("package");
        let name = package
            .and_then(|p| p.get("name"))
            .and_then(toml::Value::as_str)
            .unwrap_or("");
        if name != folder {
            problems.push(format!(
                "crates/{folder}: package is named {name:?}, not like its folder"
            ));
        }
        if !is_workspace_inherited(package.and_then(|p| p.get("version"))) {
            problems.push(format!(
                "crates/{folder}: version must be `version.workspace = true`"
            ));
        }
        if !is_workspace_inherited(package.and_then(|p| p.get("publish"))) {
            problems.push(format!(
                "crates/{folder}: publish must be `publish.workspace = true`"
            ));
        }
        for dep in normal_dependencies(&manifest, workspace_deps) {
            if let Some(reason) = forbidden_edge(folder, &dep) {
                problems.push(format!("forbidden edge {folder} -> {dep}: {reason}"));
            }
        }
    }
    problems
}

#[test]
fn crate_dependency_edges_point_inward() {
    let root = workspace_root();
    let root_manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let mut crates = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let path = entry.unwrap().path().join("Cargo.toml");
        if path.is_file() {
            let folder = path
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            crates.push((folder, std::fs::read_to_string(&path).unwrap()));
        }
    }
    crates.sort();
    assert!(
        crates.len() >= 8,
        "expected the workspace's crates under crates/, found {crates:?}"
    );
    let problems = check_workspace(&root_manifest, &crates);
    assert!(
        problems.is_empty(),
        "the crate graph breaks STYLE.md's rules:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn dependency_check_reports_forbidden_edges() {
    let root = "[workspace]\n[workspace.package]\npublish = false\n\
                [workspace.dependencies]\nstore = { path = \"crates/roster-store\", package = \"roster-store\" }\n";
    let good = "version.workspace = true\npublish.workspace = true\n";
    let manifest = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\n{good}\n[dependencies]\n{deps}\n")
    };
    let crates = vec![
        (
            "roster-domain".to_string(),
            manifest("roster-domain", "store.workspace = true\ntokio = \"1\""),
        ),
        (
            "roster-http".to_string(),
            manifest(
                "roster-http",
                "db = { version = \"0.9\", package = \"sqlx\" }",
            ),
        ),
        (
            "roster-app".to_string(),
            manifest(
                "roster-app",
                "[target.'cfg(unix)'.dependencies]\naxum = \"0.8\"",
            ),
        ),
        (
            "roster-widget".to_string(),
            manifest(
                "roster-widget",
                "roster-scim = { path = \"../roster-scim\" }",
            ),
        ),
        (
            "roster-store".to_string(),
            manifest(
                "roster-store",
                "sqlx = \"0.9\"\nroster-domain = { path = \"x\" }",
            ),
        ),
        (
            "roster-scim".to_string(),
            "[package]\nname = \"scim\"\nversion = \"0.1.0\"\n[dev-dependencies]\ntokio = \"1\"\n"
                .to_string(),
        ),
    ];
    let problems = check_workspace(root, &crates);
    let expected = [
        "forbidden edge roster-domain -> roster-store: roster-domain may depend on no roster crate",
        "forbidden edge roster-domain -> tokio: roster-domain must not depend on tokio",
        "forbidden edge roster-http -> sqlx: only roster-store may depend on sqlx",
        "forbidden edge roster-app -> axum: roster-app must not depend on axum",
        "forbidden edge roster-widget -> roster-scim: roster-widget has no rule in ROSTER_EDGES, so it may depend on no roster crate",
        "crates/roster-scim: package is named \"scim\", not like its folder",
        "crates/roster-scim: version must be `version.workspace = true`",
        "crates/roster-scim: publish must be `publish.workspace = true`",
    ];
    assert_eq!(problems, expected, "got:\n  {}", problems.join("\n  "));

    let published = check_workspace("[workspace]\n", &[]);
    assert_eq!(
        published,
        ["root Cargo.toml: [workspace.package] must set publish = false"]
    );
}

/// A long flag and the environment variable it reads, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Flag {
    long: String,
    env: Option<String>,
}

/// The long flags in clap's help text, with their `[env: NAME=...]`, in
/// order. Options are lines indented 2 to 6 spaces starting with `-`; more
/// indented lines continue the entry above (wrapped or long help).
fn parse_help_flags(help: &str) -> Vec<Flag> {
    let mut entries: Vec<String> = Vec::new();
    let mut in_option = false;
    for line in help.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if (2..=6).contains(&indent) && text.starts_with('-') {
            entries.push(text.to_string());
            in_option = true;
        } else if indent > 6 && in_option {
            if let Some(entry) = entries.last_mut() {
                entry.push(' ');
                entry.push_str(text);
            }
        } else {
            // A heading, a positional argument or prose ends the option.
            in_option = false;
        }
    }
    let name_of = |s: &str| {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect::<String>()
    };
    entries
        .iter()
        .filter_map(|entry| {
            let flag = entry
                .split_whitespace()
                .find(|word| word.starts_with("--"))?;
            let long = format!("--{}", name_of(&flag[2..]));
            let env = entry
                .split_once("[env:")
                .map(|(_, rest)| name_of(rest.trim_start()));
            Some(Flag { long, env })
        })
        .filter(|flag| flag.long != "--help" && flag.long != "--version")
        .collect()
}

/// The cells of a markdown table row, trimmed; `\|` does not split.
fn table_cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let inner = inner
        .strip_suffix('|')
        .filter(|s| !s.ends_with('\\'))
        .unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cells.last_mut().unwrap().push(chars.next().unwrap())
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells.iter().map(|c| c.trim().to_string()).collect()
}

fn code_span(cell: &str) -> Option<&str> {
    cell.strip_prefix('`')?
        .strip_suffix('`')
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.contains('`'))
}

/// The rows of the table under `## Configuration` in the README, or what is
/// wrong with them.
fn parse_readme_flags(readme: &str) -> Result<Vec<Flag>, Vec<String>> {
    let mut lines = readme
        .lines()
        .skip_while(|line| line.trim() != "## Configuration");
    if lines.next().is_none() {
        return Err(vec![
            "README.md has no `## Configuration` heading".to_string(),
        ]);
    }
    let rows: Vec<&str> = lines
        .take_while(|line| !line.starts_with("# ") && !line.starts_with("## "))
        .map(str::trim)
        .filter(|line| line.starts_with('|'))
        .collect();
    let is_separator = |row: &str| row.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '));
    let (mut flags, mut errors) = (Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        if is_separator(row) || rows.get(i + 1).is_some_and(|next| is_separator(next)) {
            continue;
        }
        let cells = table_cells(row);
        let long = cells
            .first()
            .and_then(|c| code_span(c))
            .and_then(|c| c.split_whitespace().next());
        let env = match cells.get(1).map(String::as_str) {
            Some("—") => Some(None),
            Some(cell) => code_span(cell)
                .filter(|name| name.starts_with("ROSTER_"))
                .map(|name| Some(name.to_string())),
            None => None,
        };
        match (cells.len(), long, env) {
            (4, Some(long), Some(env)) if long.starts_with("--") => flags.push(Flag { long: long.to_string(), env }),
            _ => errors.push(format!(
                "README.md configuration row is not | `--flag` | `ROSTER_...` or — | default | meaning |: {row}"
            )),
        }
    }
    if rows.is_empty() {
        errors.push("README.md's `## Configuration` section has no table".to_string());
    }
    if errors.is_empty() {
        Ok(flags)
    } else {
        Err(errors)
    }
}

/// Every difference between the flags `--help` prints and the README's rows.
fn compare_flags(help: &[Flag], readme: &[Flag]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut documented: BTreeMap<&str, &Flag> = BTreeMap::new();
    for row in readme {
        if documented.insert(&row.long, row).is_some() {
            problems.push(format!("README.md lists `{}` more than once", row.long));
        }
    }
    let show = |env: &Option<String>| {
        env.clone()
            .unwrap_or_else(|| "no environment variable".to_string())
    };
    for flag in help {
        match documented.remove(flag.long.as_str()) {
            None => problems.push(format!(
                "README.md is missing `{}` ({})",
                flag.long,
                show(&flag.env)
            )),
            Some(row) if row.env != flag.env => problems.push(format!(
                "`{}`: README.md says {}, but --help says {}",
                flag.long,
                show(&row.env),
                show(&flag.env)
            )),
            Some(_) => {}
        }
    }
    for long in documented.keys() {
        problems.push(format!(
            "README.md documents `{long}`, which `roster serve --help` does not have"
        ));
    }
    problems
}

#[test]
fn readme_configuration_table_matches_serve_help() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    command.args(["serve", "--help"]);
    // clap prints the values of set variables; the help must not depend on them.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ROSTER_") {
            command.env_remove(name);
        }
    }
    let output = command.output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "roster serve --help failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let help_flags = parse_help_flags(&help);
    assert!(
        !help_flags.is_empty(),
        "found no flags in `roster serve --help`:\n{help}"
    );
    let readme_flags =
        parse_readme_flags(&readme).unwrap_or_else(|errors| panic!("{}", errors.join("\n")));
    let problems = compare_flags(&help_flags, &readme_flags);
    assert!(
        problems.is_empty(),
        "README.md's configuration table is out of date:\n  {}",
        problems.join("\n  ")
    );
}

fn flag(long: &str, env: Option<&str>) -> Flag {
    Flag {
        long: long.to_string(),
        env: env.map(str::to_string),
    }
}

const SAMPLE_SHORT_HELP: &str = "\
Run the provisioning server

Usage: roster serve [OPTIONS] --admin-key <ADMIN_KEY> [SITE]

Arguments:
  [SITE]  Only this site [env: ROSTER_NOT_A_FLAG=]

Options:
      --listen <LISTEN>              Where the HTTP server listens [env: ROSTER_LISTEN=] [default: 127.0.0.1:8080]
      --database-url <DATABASE_URL>  A sqlite: or postgres: URL, which is long enough to wrap over [env:
                                     ROSTER_DATABASE_URL=sqlite://roster.db]
      --admin-key <ADMIN_KEY>        Key for the admin API [env: ROSTER_ADMIN_KEY]
      --dry-run                      Plan changes without applying them
  -v, --verbose...                   More logging
  -h, --help                         Print help
";

const SAMPLE_LONG_HELP: &str = "\
Options:
      --listen <LISTEN>
          Where the HTTP server listens.

          - --port is not accepted: give host:port.

          [env: ROSTER_LISTEN=]
          [default: 127.0.0.1:8080]

  -q, --quiet
          Log warnings only

  -h, --help
          Print help (see a summary with '-h')
";

#[test]
fn help_parser_reads_flags_and_env_names() {
    assert_eq!(
        parse_help_flags(SAMPLE_SHORT_HELP),
        [
            flag("--listen", Some("ROSTER_LISTEN")),
            flag("--database-url", Some("ROSTER_DATABASE_URL")),
            flag("--admin-key", Some("ROSTER_ADMIN_KEY")),
            flag("--dry-run", None),
            flag("--verbose", None),
        ]
    );
    assert_eq!(
        parse_help_flags(SAMPLE_LONG_HELP),
        [
            flag("--listen", Some("ROSTER_LISTEN")),
            flag("--quiet", None)
        ]
    );
}

const SAMPLE_README: &str = "\
# roster

## Configuration

Every flag can also be set through its environment variable.

| Flag | Environment variable | Default | Meaning |
| --- | --- | --- | --- |
| `--listen` | `ROSTER_LISTEN` | `127.0.0.1:8080` | where the HTTP server listens |
| `--database-url` | `ROSTER_DATABASE_URL` | `sqlite://roster.db` | a `sqlite:` or `postgres:` URL, \\| escaped |
| `--dry-run` | — | off | plan changes without applying them |

## Other

| `--not-configuration` | — | x | y |
";

#[test]
fn readme_parser_reads_the_configuration_table() {
    assert_eq!(
        parse_readme_flags(SAMPLE_README),
        Ok(vec![
            flag("--listen", Some("ROSTER_LISTEN")),
            flag("--database-url", Some("ROSTER_DATABASE_URL")),
            flag("--dry-run", None),
        ])
    );
    assert!(parse_readme_flags("# roster\n").is_err());
    assert!(parse_readme_flags("## Configuration\n\nNone yet.\n").is_err());
    let bad = "## Configuration\n| a | b | c | d |\n|---|---|---|---|\n| `--x` | ROSTER_X | 1 | m |\n| --y | — | 1 |\n";
    assert_eq!(parse_readme_flags(bad).unwrap_err().len(), 2);
}

#[test]
fn comparison_reports_every_difference() {
    let help = [
        flag("--listen", Some("ROSTER_LISTEN")),
        flag("--admin-key", Some("ROSTER_ADMIN_KEY")),
        flag("--dry-run", None),
    ];
    let readme = [
        flag("--listen", Some("ROSTER_LISTEN")),
        flag("--dry-run", Some("ROSTER_DRY_RUN")),
        flag("--old", None),
        flag("--listen", Some("ROSTER_LISTEN")),
    ];
    assert_eq!(
        compare_flags(&help, &readme),
        [
            "README.md lists `--listen` more than once",
            "README.md is missing `--admin-key` (ROSTER_ADMIN_KEY)",
            "`--dry-run`: README.md says ROSTER_DRY_RUN, but --help says no environment variable",
            "README.md documents `--old`, which `roster serve --help` does not have",
        ]
    );
    assert!(compare_flags(&help, &help).is_empty());
}
