//! Tidy checks of the module edges inside crates, which no compiler
//! enforces (see ARCHITECTURE.md):
//!
//! - `roster-app` is split into areas, each a folder under `src/` (admin,
//!   scim, and later sso, sync, jobs, logs). An area never names another
//!   area; the shared modules (the `.rs` files beside `lib.rs`: context,
//!   access, provisioning, ...) never name an area, so areas depend on
//!   what is shared and never the reverse.
//! - In `roster-http`, a router folder named like an area (`src/admin`,
//!   `src/scim`) calls only that area of `roster_app`.
//! - `ARCHITECTURE.md`'s codemap names every crate and every area, and
//!   every path it names exists.
//!
//! The check is a pure function over file texts, also run here on bad
//! input, so that a check that passes everything fails its own test.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
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

/// Whether `text` names the module `prefix::area`, as a path
/// (`crate::scim::mapping`, `crate::scim;`) or inside a grouped import
/// (`use crate::{admin, Context};`).
fn names_module(text: &str, prefix: &str, area: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let direct = format!("{prefix}::{area}");
    let by_path = text.match_indices(&direct).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + direct.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    });
    let grouped = format!("{prefix}::{{");
    let in_group = text.match_indices(&grouped).any(|(at, _)| {
        let body = &text[at + grouped.len()..];
        let body = &body[..body.find('}').unwrap_or(body.len())];
        body.split(|c: char| !is_ident(c)).any(|word| word == area)
    });
    by_path || in_group
}

/// The area a file belongs to: its first folder, when that is an area.
fn area_of<'a>(path: &str, areas: &'a [String]) -> Option<&'a str> {
    let (first, _) = path.split_once('/')?;
    areas.iter().map(String::as_str).find(|area| *area == first)
}

/// Every forbidden edge among `files` of `roster-app` (paths relative to
/// its `src/`).
fn app_problems(files: &[(String, String)], areas: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in files {
        let own = area_of(path, areas);
        if own.is_none() && path == "lib.rs" {
            continue;
        }
        for area in areas.iter().filter(|area| Some(area.as_str()) != own) {
            if names_module(text, "crate", area) || names_module(text, "super::super", area) {
                problems.push(match own {
                    Some(own) => {
                        format!("roster-app/src/{path}: the {own} area names the {area} area")
                    }
                    None => format!("roster-app/src/{path}: a shared module names the {area} area"),
                });
            }
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
        file("scim/groups.rs", "use crate::{Context, admin};"),
        file("scim/deep/x.rs", "use super::super::admin::views;"),
        file("provisioning.rs", "fn f() -> crate::scim::ScimFailure { todo!() }"),
        file("context.rs", "use crate::Clock;"),
    ];
    assert_eq!(
        app_problems(&app, &areas),
        [
            "roster-app/src/admin/users.rs: the admin area names the scim area",
            "roster-app/src/scim/groups.rs: the scim area names the admin area",
            "roster-app/src/scim/deep/x.rs: the scim area names the admin area",
            "roster-app/src/provisioning.rs: a shared module names the scim area",
        ]
    );
    let http = [
        file("admin/users.rs", "use roster_app::admin::views::UserView;\nuse roster_app::App;"),
        file("scim/extract.rs", "use roster_app::admin::AdminError;"),
        file("error.rs", "use roster_app::admin::AdminError;\nuse roster_app::scim::ScimFailure;"),
    ];
    assert_eq!(
        http_problems(&http, &areas),
        ["roster-http/src/scim/extract.rs: the scim routes call the admin area"]
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
