//! Tidy checks: facts about the repository that no compiler enforces.
//!
//! - The crate graph points inward as STYLE.md draws it: every crate's
//!   `[dependencies]` obey the rule tables below, and every crate folder is
//!   named like its package and takes `version` and `publish = false` from
//!   the workspace.
//! - The README's `## Configuration` table lists exactly the flags, and their
//!   environment variables, that `roster serve --help` prints.
//!
//! The checks are pure functions over text, each also run here on bad input,
//! so a check that silently passes everything fails its own test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use toml::{Table, Value};

/// The roster crates each crate may depend on, space-separated; `*` is any.
/// A crate not named here may depend on no roster crate.
const ROSTER_EDGES: &[(&str, &str)] = &[
    ("roster-scim", ""),
    ("roster-domain", ""),
    ("roster-saml", ""),
    ("roster-ldap", ""),
    ("roster-store", "roster-domain roster-scim"),
    ("roster-app", "roster-domain roster-scim roster-store roster-saml roster-ldap"),
    ("roster-http", "roster-app roster-domain roster-scim"),
    ("roster", "*"),
    ("roster-bench", ""),
];

/// The pure cores do no I/O and spawn nothing (STYLE.md rule 1).
const NOT_IN_PURE_CORES: &str = "tokio sqlx axum hyper tower tower-http reqwest";

/// Third-party crates a crate must not depend on, space-separated.
const FORBIDDEN_DEPENDENCIES: &[(&str, &str)] = &[
    ("roster-scim", NOT_IN_PURE_CORES),
    ("roster-domain", NOT_IN_PURE_CORES),
    ("roster-app", "axum hyper tower tower-http"),
    ("roster-http", "sqlx"),
];

/// `roster-store` is the only crate with SQL.
const SQLX_ALLOWED_IN: &str = "roster-store";

fn workspace_root() -> PathBuf {
    // CARGO_MANIFEST_DIR is crates/roster.
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// The value at `path` under `value`, if every step exists.
fn lookup<'a>(value: Option<&'a Value>, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value?, |v, key| v.get(key))
}

/// Whether a manifest field reads `field.workspace = true`.
fn inherited(field: Option<&Value>) -> bool {
    lookup(field, &["workspace"]).and_then(Value::as_bool) == Some(true)
}

/// The package names of a manifest's normal dependencies, also the
/// target-specific ones, through `package = "..."` renames in the manifest
/// or in the root `[workspace.dependencies]`.
fn normal_dependencies(manifest: &Value, workspace_deps: Option<&Value>) -> BTreeSet<String> {
    let targets =
        manifest.get("target").and_then(Value::as_table).into_iter().flat_map(Table::values);
    let tables = std::iter::once(manifest).chain(targets).filter_map(|t| t.get("dependencies"));
    let mut names = BTreeSet::new();
    for (key, spec) in tables.filter_map(Value::as_table).flatten() {
        let shared = lookup(workspace_deps, &[key]).filter(|_| inherited(Some(spec)));
        let package = spec.get("package").or_else(|| shared?.get("package"));
        names.insert(package.and_then(Value::as_str).unwrap_or(key).to_string());
    }
    names
}

/// Why `krate` may not depend on `dep`, if it may not.
fn forbidden_edge(krate: &str, dep: &str) -> Option<String> {
    let rule = |table: &[(&str, &'static str)]| table.iter().find(|r| r.0 == krate).map(|r| r.1);
    if dep == "roster" || dep.starts_with("roster-") {
        return match rule(ROSTER_EDGES) {
            Some("*") => None,
            Some(allowed) if allowed.split(' ').any(|a| a == dep) => None,
            Some("") | None => Some(format!("{krate} may depend on no roster crate")),
            Some(allowed) => Some(format!("{krate} may depend only on {allowed}")),
        };
    }
    if dep == "sqlx" && !SQLX_ALLOWED_IN.split(' ').any(|a| a == krate) {
        return Some(format!("only {SQLX_ALLOWED_IN} may depend on sqlx"));
    }
    let banned = rule(FORBIDDEN_DEPENDENCIES).is_some_and(|b| b.split(' ').any(|b| b == dep));
    banned.then(|| format!("{krate} must not depend on {dep}"))
}

/// Every problem with the workspace, given the root `Cargo.toml` and each
/// (folder under crates/, its `Cargo.toml`).
fn check_workspace(root: &str, crates: &[(String, String)]) -> Vec<String> {
    let Ok(root) = root.parse::<Table>().map(Value::Table) else {
        return vec!["root Cargo.toml does not parse".to_string()];
    };
    let mut problems = Vec::new();
    let publish = lookup(Some(&root), &["workspace", "package", "publish"]);
    if publish.and_then(Value::as_bool) != Some(false) {
        problems.push("root Cargo.toml: [workspace.package] must set publish = false".to_string());
    }
    let workspace_deps = lookup(Some(&root), &["workspace", "dependencies"]);
    for (folder, text) in crates {
        let Ok(manifest) = text.parse::<Table>().map(Value::Table) else {
            problems.push(format!("crates/{folder}/Cargo.toml does not parse"));
            continue;
        };
        let package = manifest.get("package");
        let name = lookup(package, &["name"]).and_then(Value::as_str).unwrap_or("");
        if name != folder {
            problems.push(format!("crates/{folder}: the package is named {name:?}"));
        }
        for field in ["version", "publish"] {
            if !inherited(lookup(package, &[field])) {
                problems.push(format!("crates/{folder}: needs `{field}.workspace = true`"));
            }
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
        let dir = entry.unwrap().path();
        if let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) {
            crates.push((dir.file_name().unwrap().to_string_lossy().into_owned(), manifest));
        }
    }
    crates.sort();
    assert!(crates.len() >= 8, "expected the crates under crates/, found {crates:?}");
    let problems = check_workspace(&root_manifest, &crates);
    assert!(problems.is_empty(), "the crate graph breaks STYLE.md:\n  {}", problems.join("\n  "));
}

#[test]
fn dependency_check_reports_forbidden_edges() {
    let root = "[workspace.package]\npublish = false\n[workspace.dependencies]\n\
                store = { path = \"crates/roster-store\", package = \"roster-store\" }\n";
    let crates = [
        ("roster-domain", "store.workspace = true\ntokio = \"1\""),
        ("roster-http", "db = { version = \"0.9\", package = \"sqlx\" }"),
        ("roster-app", "[target.'cfg(unix)'.dependencies]\naxum = \"0.8\""),
        ("roster-widget", "roster-scim = { path = \"../roster-scim\" }"),
        ("roster-store", "sqlx = \"0.9\"\nroster-domain = { path = \"../roster-domain\" }"),
    ];
    let package = "version.workspace = true\npublish.workspace = true";
    let manifest = |(name, deps): &(&str, &str)| {
        let text = format!("[package]\nname = \"{name}\"\n{package}\n[dependencies]\n{deps}");
        (name.to_string(), text)
    };
    let mut crates: Vec<_> = crates.iter().map(manifest).collect();
    let scim = "[package]\nname = \"scim\"\nversion = \"0.1.0\"\n[dev-dependencies]\ntokio = \"1\"";
    crates.push(("roster-scim".to_string(), scim.to_string()));
    let problems = check_workspace(root, &crates);
    let expected = [
        "forbidden edge roster-domain -> roster-store: roster-domain may depend on no roster crate",
        "forbidden edge roster-domain -> tokio: roster-domain must not depend on tokio",
        "forbidden edge roster-http -> sqlx: only roster-store may depend on sqlx",
        "forbidden edge roster-app -> axum: roster-app must not depend on axum",
        "forbidden edge roster-widget -> roster-scim: roster-widget may depend on no roster crate",
        "crates/roster-scim: the package is named \"scim\"",
        "crates/roster-scim: needs `version.workspace = true`",
        "crates/roster-scim: needs `publish.workspace = true`",
    ];
    assert_eq!(problems, expected, "got:\n  {}", problems.join("\n  "));
    let unpublished = ["root Cargo.toml: [workspace.package] must set publish = false"];
    assert_eq!(check_workspace("[workspace]\n", &[]), unpublished);
}

/// A long flag and the environment variable it reads, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Flag {
    long: String,
    env: Option<String>,
}

/// The name at the start of `s`: letters, digits, `-` and `_`.
fn leading_name(s: &str) -> String {
    s.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

/// The long flags in clap's help text with their `[env: NAME=...]`, in
/// order, leaving out `--help` and `--version`, which are not configuration.
/// An option starts on a line indented 2 to 6 spaces with `-`; lines indented
/// more continue it (wrapped text or long help).
fn parse_help_flags(help: &str) -> Vec<Flag> {
    let mut entries: Vec<String> = Vec::new();
    let mut in_option = false;
    for line in help.lines().filter(|line| !line.trim().is_empty()) {
        let text = line.trim_start();
        let indent = line.len() - text.len();
        if (2..=6).contains(&indent) && text.starts_with('-') {
            entries.push(text.to_string());
            in_option = true;
        } else if indent > 6 && in_option {
            entries.last_mut().unwrap().push_str(&format!(" {text}"));
        } else {
            // A heading, a positional argument or prose ends the option.
            in_option = false;
        }
    }
    let flag = |entry: &String| {
        let long = entry.split_whitespace().find_map(|word| word.strip_prefix("--"))?;
        let env = entry.split_once("[env:").map(|(_, rest)| leading_name(rest.trim_start()));
        Some(Flag { long: format!("--{}", leading_name(long)), env })
    };
    let configuration = |flag: &Flag| flag.long != "--help" && flag.long != "--version";
    entries.iter().filter_map(flag).filter(configuration).collect()
}

/// The text of a cell that is one code span: `` `--listen` `` -> `--listen`.
fn code_span(cell: &str) -> Option<&str> {
    let text = cell.strip_prefix('`')?.strip_suffix('`')?.trim();
    (!text.is_empty() && !text.contains('`')).then_some(text)
}

/// One configuration row, or `None` if it is not
/// `| `--flag` | `ROSTER_...` or — | default | meaning |`.
fn parse_row(row: &str) -> Option<Flag> {
    // An escaped `\|` stays in its cell: only a default or a meaning would hold one.
    let row = row.replace("\\|", "\u{1}");
    let cells: Vec<&str> = row.strip_prefix('|')?.strip_suffix('|')?.split('|').collect();
    let [flag, env, _default, _meaning] = cells.as_slice() else {
        return None;
    };
    let long = code_span(flag.trim())?.split_whitespace().next()?.to_string();
    let env = match env.trim() {
        "—" => None,
        env => Some(code_span(env).filter(|name| name.starts_with("ROSTER_"))?.to_string()),
    };
    long.starts_with("--").then_some(Flag { long, env })
}

/// The rows of the table under `## Configuration` in the README, or what is
/// wrong with them.
fn parse_readme_flags(readme: &str) -> Result<Vec<Flag>, Vec<String>> {
    let heading = readme.lines().skip_while(|line| line.trim_end() != "## Configuration");
    let section =
        heading.skip(1).take_while(|line| !line.starts_with("# ") && !line.starts_with("## "));
    let rows: Vec<&str> = section.map(str::trim).filter(|line| line.starts_with('|')).collect();
    if rows.is_empty() {
        return Err(vec!["README.md has no table under `## Configuration`".to_string()]);
    }
    let is_separator = |row: &str| row.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '));
    let (mut flags, mut errors) = (Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        // The header is the row above the separator.
        if is_separator(row) || rows.get(i + 1).is_some_and(|next| is_separator(next)) {
            continue;
        }
        match parse_row(row) {
            Some(flag) => flags.push(flag),
            None => errors.push(format!(
                "README.md row is not | `--flag` | `ROSTER_...` or — | default | meaning |: {row}"
            )),
        }
    }
    if errors.is_empty() { Ok(flags) } else { Err(errors) }
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
    let env = |flag: &Flag| flag.env.clone().unwrap_or_else(|| "no environment variable".into());
    for flag in help {
        let (long, env_help) = (&flag.long, env(flag));
        match documented.remove(long.as_str()) {
            None => problems.push(format!("README.md is missing `{long}` ({env_help})")),
            Some(row) if row.env != flag.env => problems
                .push(format!("`{long}`: README.md says {}, --help says {env_help}", env(row))),
            Some(_) => {}
        }
    }
    for long in documented.keys() {
        problems.push(format!("README.md documents `{long}`, which `roster serve --help` lacks"));
    }
    problems
}

#[test]
fn readme_configuration_table_matches_serve_help() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    // clap shows the values of set ROSTER_* variables: the help must not depend on the caller.
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    let output = command.args(["serve", "--help"]).env_clear().output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "roster serve --help failed:\n{stderr}");
    let help = String::from_utf8(output.stdout).unwrap();
    let help_flags = parse_help_flags(&help);
    assert!(!help_flags.is_empty(), "found no flags in `roster serve --help`:\n{help}");
    let readme_flags = parse_readme_flags(&readme).unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let problems = compare_flags(&help_flags, &readme_flags);
    assert!(problems.is_empty(), "README.md is out of date:\n  {}", problems.join("\n  "));
}

/// Flags written `--a=ROSTER_A --b`, to keep expectations on one line.
fn flags(spec: &str) -> Vec<Flag> {
    let flag = |word: &str| match word.split_once('=') {
        Some((long, env)) => Flag { long: long.into(), env: Some(env.into()) },
        None => Flag { long: word.into(), env: None },
    };
    spec.split_whitespace().map(flag).collect()
}

#[test]
fn help_parser_reads_flags_and_env_names() {
    let short = "\
Usage: roster serve [OPTIONS] --admin-key <ADMIN_KEY> [SITE]

Arguments:
  [SITE]  Only this site [env: ROSTER_NOT_A_FLAG=]

Options:
      --listen <LISTEN>              Where it listens [env: ROSTER_LISTEN=] [default: 127.0.0.1:8080]
      --database-url <DATABASE_URL>  A sqlite: or postgres: URL, long enough to wrap [env:
                                     ROSTER_DATABASE_URL=sqlite://roster.db]
      --admin-key <ADMIN_KEY>        Key for the admin API [env: ROSTER_ADMIN_KEY]
      --dry-run                      Plan changes without applying them
  -v, --verbose...                   More logging
  -h, --help                         Print help
";
    let expected = "--listen=ROSTER_LISTEN --database-url=ROSTER_DATABASE_URL \
                    --admin-key=ROSTER_ADMIN_KEY --dry-run --verbose";
    assert_eq!(parse_help_flags(short), flags(expected));

    let long = "\
Options:
      --listen <LISTEN>
          Where the HTTP server listens.

          - --port is not accepted: give host:port.

          [env: ROSTER_LISTEN=]
          [default: 127.0.0.1:8080]

  -q, --quiet
          Log warnings only
";
    assert_eq!(parse_help_flags(long), flags("--listen=ROSTER_LISTEN --quiet"));
}

#[test]
fn readme_parser_reads_the_configuration_table() {
    let readme = "\
## Configuration

| Flag | Environment variable | Default | Meaning |
| --- | --- | --- | --- |
| `--listen` | `ROSTER_LISTEN` | `127.0.0.1:8080` | where the HTTP server listens |
| `--database-url` | `ROSTER_DATABASE_URL` | `sqlite://roster.db` | a URL, \\| escaped |
| `--dry-run` | — | off | plan changes without applying them |

## Other

| `--not-configuration` | — | x | y |
";
    let expected = "--listen=ROSTER_LISTEN --database-url=ROSTER_DATABASE_URL --dry-run";
    assert_eq!(parse_readme_flags(readme), Ok(flags(expected)));
    assert!(parse_readme_flags("# roster\n").is_err());
    assert!(parse_readme_flags("## Configuration\n\nNone yet.\n").is_err());
    let bad = "## Configuration\n| a | b | c | d |\n|---|---|---|---|\n\
               | `--x` | ROSTER_X | 1 | m |\n| --y | — | 1 | m |\n| `--z` | — | 1 |\n";
    assert_eq!(parse_readme_flags(bad).unwrap_err().len(), 3);
}

#[test]
fn comparison_reports_every_difference() {
    let help = flags("--listen=ROSTER_LISTEN --admin-key=ROSTER_ADMIN_KEY --dry-run");
    let readme =
        flags("--listen=ROSTER_LISTEN --dry-run=ROSTER_DRY_RUN --old --listen=ROSTER_LISTEN");
    let expected = [
        "README.md lists `--listen` more than once",
        "README.md is missing `--admin-key` (ROSTER_ADMIN_KEY)",
        "`--dry-run`: README.md says ROSTER_DRY_RUN, --help says no environment variable",
        "README.md documents `--old`, which `roster serve --help` lacks",
    ];
    assert_eq!(compare_flags(&help, &readme), expected);
    assert!(compare_flags(&help, &help).is_empty());
}
