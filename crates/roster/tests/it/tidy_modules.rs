//! Tidy checks of the module edges inside crates, which no compiler
//! enforces (see ARCHITECTURE.md):
//!
//! - `roster-app` is split into areas, each a folder under `src/` (admin,
//!   scim, and later sso, sync, jobs, logs). An area never names another
//!   area; the shared modules (the `.rs` files beside `lib.rs`: context,
//!   access, provisioning, ...) never name an area, so areas depend on
//!   what is shared and never the reverse. `lib.rs` and `scheduler.rs`
//!   stand above the areas and may name them.
//! - An area opens transactions only in its `mod.rs` (its `read()` and
//!   `write()`, which hand out the area's capability set); no other file of
//!   the area touches the context's store.
//! - In `roster-http`, a router folder named like an area (`src/admin`,
//!   `src/scim`) calls only that area of `roster_app`.
//! - `ARCHITECTURE.md`'s codemap names every crate and every area, and
//!   every path it names exists.
//!
//! The check is a pure function over file texts, also run here on bad
//! input, so that a check that passes everything fails its own test.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// Every `.rs` file below `dir`, as (path relative to `dir`, text).
fn rust_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                out.push((relative, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The areas of `roster-app`: the folders directly under its `src/`.
fn app_areas(root: &Path) -> Vec<String> {
    let mut areas: Vec<String> = std::fs::read_dir(root.join("crates/roster-app/src"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    areas.sort();
    areas
}

/// The top-level names of every `prefix::{...}` group in `text`, nested
/// groups included (`crate::{ids::{a, b}, admin::X}` gives `ids`, `admin`).
fn grouped_names(text: &str, prefix: &str) -> Vec<String> {
    let opening = format!("{prefix}::{{");
    let mut names = Vec::new();
    for (at, _) in text.match_indices(&opening) {
        let body = &text[at + opening.len()..];
        let (mut depth, mut item) = (0usize, String::new());
        for c in body.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    names.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            if depth == 0 || item.is_empty() {
                item.push(c);
            }
        }
        names.push(item);
    }
    names
        .iter()
        .filter_map(|item| item.trim().split(|c: char| !(c.is_alphanumeric() || c == '_')).next())
        .map(str::to_owned)
        .collect()
}

/// Whether `text` names the module `prefix::area`, as a path
/// (`crate::scim::mapping`, `crate::scim;`) or inside a grouped import
/// (`use crate::{admin, Context};`, nested groups too).
fn names_module(text: &str, prefix: &str, area: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let direct = format!("{prefix}::{area}");
    let by_path = text.match_indices(&direct).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + direct.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    });
    by_path || grouped_names(text, prefix).iter().any(|name| name == area)
}

/// The ways a file of `roster-app` can name the crate root: `crate`, and
/// `super` as many times as the file's module is deep (`provisioning.rs`
/// and `admin/mod.rs` are one deep, `admin/users.rs` two).
fn root_prefixes(path: &str) -> Vec<String> {
    let segments = path.split('/').count();
    let depth = if path.ends_with("/mod.rs") { segments - 1 } else { segments };
    let mut prefixes = vec!["crate".to_owned()];
    if depth > 0 {
        prefixes.push(vec!["super"; depth].join("::"));
    }
    prefixes
}

/// The area a file belongs to: its first folder, when that is an area.
fn area_of<'a>(path: &str, areas: &'a [String]) -> Option<&'a str> {
    let (first, _) = path.split_once('/')?;
    areas.iter().map(String::as_str).find(|area| *area == first)
}

/// Every forbidden edge among `files` of `roster-app` (paths relative to
/// its `src/`). `lib.rs` declares the areas and is exempt; an area's
/// `mod.rs` is where its transactions are opened, so only it may reach the
/// context's store.
/// The files of `roster-app` that stand above the areas and may name them.
const ABOVE_THE_AREAS: [&str; 2] = ["lib.rs", "scheduler.rs"];

fn app_problems(files: &[(String, String)], areas: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in files {
        // Above the areas: `lib.rs` hands them out, and the scheduler runs
        // jobs that belong to any of them.
        if ABOVE_THE_AREAS.contains(&path.as_str()) {
            continue;
        }
        let own = area_of(path, areas);
        let prefixes = root_prefixes(path);
        for area in areas.iter().filter(|area| Some(area.as_str()) != own) {
            if prefixes.iter().any(|prefix| names_module(text, prefix, area)) {
                problems.push(match own {
                    Some(own) => {
                        format!("roster-app/src/{path}: the {own} area names the {area} area")
                    }
                    None => format!("roster-app/src/{path}: a shared module names the {area} area"),
                });
            }
        }
        if let Some(own) = own
            && *path != format!("{own}/mod.rs")
            && text.contains("ctx.store")
        {
            problems.push(format!(
                "roster-app/src/{path}: opens the store outside {own}/mod.rs, around the area's \
                 capability set"
            ));
        }
    }
    problems
}

/// Every router folder of `roster-http` that calls another area than its
/// own (paths relative to its `src/`).
fn http_problems(files: &[(String, String)], areas: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in files {
        let Some(own) = area_of(path, areas) else { continue };
        for area in areas.iter().filter(|area| area.as_str() != own) {
            if names_module(text, "roster_app", area) {
                problems
                    .push(format!("roster-http/src/{path}: the {own} routes call the {area} area"));
            }
        }
    }
    problems
}

#[test]
fn areas_depend_on_shared_modules_and_never_on_each_other() {
    let root = workspace_root();
    let areas = app_areas(&root);
    assert!(areas.contains(&"admin".to_owned()) && areas.contains(&"scim".to_owned()), "{areas:?}");
    let app = rust_files(&root.join("crates/roster-app/src"));
    let http = rust_files(&root.join("crates/roster-http/src"));
    let mut problems = app_problems(&app, &areas);
    problems.extend(http_problems(&http, &areas));
    assert!(problems.is_empty(), "forbidden module edges:\n{}", problems.join("\n"));
}

#[test]
fn the_module_check_reports_every_forbidden_edge() {
    let areas = vec!["admin".to_owned(), "scim".to_owned()];
    let file = |path: &str, text: &str| (path.to_owned(), text.to_owned());
    let app = [
        file("lib.rs", "pub mod admin;\npub mod scim;\nuse crate::admin::Admin;"),
        file("admin/users.rs", "use crate::scim::mapping::BaseUrl;\nuse crate::Principal;"),
        file("admin/ok.rs", "use super::AdminError;\nuse crate::provisioning;\n// crate::scimitar"),
        file("admin/mod.rs", "use super::scim::ScimTx;\nlet tx = self.ctx.store.read();"),
        file("admin/sneaky.rs", "let tx = self.ctx.store.write();"),
        file("scim/groups.rs", "use crate::{Context, admin};"),
        file("scim/nested.rs", "use crate::{ids::{a, b}, admin::views::X};"),
        file("scim/deep/x.rs", "use super::super::super::admin::views;"),
        file("provisioning.rs", "fn f() -> super::scim::ScimFailure { todo!() }"),
        file("context.rs", "use crate::Clock;\nuse crate::{ids::{scim_like}, Clock};"),
    ];
    assert_eq!(
        app_problems(&app, &areas),
        [
            "roster-app/src/admin/users.rs: the admin area names the scim area",
            "roster-app/src/admin/mod.rs: the admin area names the scim area",
            "roster-app/src/admin/sneaky.rs: opens the store outside admin/mod.rs, around the \
             area's capability set",
            "roster-app/src/scim/groups.rs: the scim area names the admin area",
            "roster-app/src/scim/nested.rs: the scim area names the admin area",
            "roster-app/src/scim/deep/x.rs: the scim area names the admin area",
            "roster-app/src/provisioning.rs: a shared module names the scim area",
        ]
    );
    let http = [
        file("admin/users.rs", "use roster_app::admin::views::UserView;\nuse roster_app::App;"),
        file("scim/extract.rs", "use roster_app::admin::AdminError;"),
        file("scim/grouped.rs", "use roster_app::{App, admin::{AdminError, views}};"),
        file("error.rs", "use roster_app::admin::AdminError;\nuse roster_app::scim::ScimFailure;"),
    ];
    assert_eq!(
        http_problems(&http, &areas),
        [
            "roster-http/src/scim/extract.rs: the scim routes call the admin area",
            "roster-http/src/scim/grouped.rs: the scim routes call the admin area",
        ]
    );
}

/// What is wrong with the codemap of `ARCHITECTURE.md`: paths it names
/// that do not exist (`exists` says which do), and crates and areas it
/// does not name.
fn codemap_problems(
    architecture: &str,
    crates: &[String],
    areas: &[String],
    exists: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let quoted: Vec<&str> = architecture.split('`').skip(1).step_by(2).collect();
    for path in quoted.iter().filter(|text| text.starts_with("crates/")) {
        if !exists(path.trim_end_matches('/')) {
            problems.push(format!("ARCHITECTURE.md names {path}, which does not exist"));
        }
    }
    for krate in crates {
        if !quoted.iter().any(|text| text.trim_end_matches('/') == format!("crates/{krate}")) {
            problems.push(format!("ARCHITECTURE.md does not name crates/{krate}"));
        }
    }
    for area in areas {
        if !quoted.contains(&format!("{area}/").as_str()) {
            problems.push(format!("ARCHITECTURE.md does not name the {area}/ area"));
        }
    }
    problems
}

#[test]
fn the_codemap_matches_the_folders() {
    let root = workspace_root();
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut crates: Vec<String> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    crates.sort();
    let exists = |path: &str| root.join(path).exists();
    let problems = codemap_problems(&architecture, &crates, &app_areas(&root), &exists);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_codemap_check_reports_missing_and_unnamed_folders() {
    let text = "- `crates/roster-app`: areas `admin/` and `crates/roster-app/src/gone.rs`.";
    let exists = |path: &str| path == "crates/roster-app";
    let crates = vec!["roster-app".to_owned(), "roster-new".to_owned()];
    let areas = vec!["admin".to_owned(), "sso".to_owned()];
    assert_eq!(
        codemap_problems(text, &crates, &areas, &exists),
        [
            "ARCHITECTURE.md names crates/roster-app/src/gone.rs, which does not exist",
            "ARCHITECTURE.md does not name crates/roster-new",
            "ARCHITECTURE.md does not name the sso/ area",
        ]
    );
}

/// Files whose text bakes the checkout's path into a test binary
/// (`env!` of the manifest folder). The build folder is shared between
/// checkouts (CI's and an engineer's), and cargo does not rebuild a test
/// whose sources did not change, so such a binary would read the data of
/// the checkout that built it, or of one that no longer exists. Tests read
/// `CARGO_MANIFEST_DIR` when they run instead, which cargo and nextest set.
fn baked_path_problems(files: &[(String, String)]) -> Vec<String> {
    let baked = concat!("env!(\"CARGO_", "MANIFEST_DIR\")");
    files
        .iter()
        .filter(|(_, text)| text.contains(baked))
        .map(|(path, _)| format!("{path} uses {baked}; read the variable at run time"))
        .collect()
}

#[test]
fn tests_find_their_data_at_run_time() {
    let crates = workspace_root().join("crates");
    let problems = baked_path_problems(&rust_files(&crates));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let bad = concat!("let dir = env!(\"CARGO_", "MANIFEST_DIR\");");
    assert_eq!(
        baked_path_problems(&[("a.rs".to_owned(), bad.to_owned())]),
        [concat!("a.rs uses env!(\"CARGO_", "MANIFEST_DIR\"); read the variable at run time")]
    );
}
