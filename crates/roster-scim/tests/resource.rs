//! [`normalize`] and filter evaluation ([`matches`], [`matches_value`]) run
//! over the data files in `tests/data/resource/` (STYLE rule 7).
//!
//! `normalize*.txt`: each case has a `type:` (User, Group or Kitchen, the
//! test-only type of `kitchen.rs`) and an `input:` body; the expected
//! output is the canonical resource as pretty JSON with sorted keys, or
//! `error: <status> <scimType>: <detail>`.
//!
//! `eval*.txt`: the directive `@resource NAME.json` names the resource the
//! file's filters are evaluated against (its type follows from its
//! `schemas`). Each case is a filter; the expected output is `true`,
//! `false` or the error. A case `value N of ATTR: FILTER` evaluates the
//! filter on the N-th (from 0) value of the multi-valued attribute ATTR,
//! as inside `ATTR[FILTER]`.
//!
//! `UPDATE_EXPECT=1 cargo test -p roster-scim --test resource` rewrites the
//! expected outputs; review the diff.

// Integration-test helpers are plain functions, not `#[test]`s, so clippy's
// allow-in-tests settings do not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Shared with tests/patch.rs, which uses the parts this file does not.
#[allow(dead_code)]
#[path = "data/resource/cases.rs"]
mod cases;
#[path = "data/resource/kitchen.rs"]
mod kitchen;

use std::path::{Path, PathBuf};

use roster_scim::schema::{GROUP, GROUP_RESOURCE, ResourceType, USER_RESOURCE};
use roster_scim::{ScimError, matches, matches_value, normalize, parse_attr_path, parse_filter};
use serde_json::Value;

use cases::{Case, DataFile};
use kitchen::{KITCHEN, KITCHEN_RESOURCE};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/resource")
}

fn resource_type(name: &str) -> &'static ResourceType {
    match name {
        "User" => &USER_RESOURCE,
        "Group" => &GROUP_RESOURCE,
        "Kitchen" => &KITCHEN_RESOURCE,
        other => panic!("unknown resource type {other:?}"),
    }
}

/// The resource type of a resource, from its `schemas`.
fn type_of(resource: &Value) -> &'static ResourceType {
    let listed = |urn: &str| {
        resource["schemas"].as_array().is_some_and(|list| list.iter().any(|s| s == urn))
    };
    if listed(GROUP.id) {
        &GROUP_RESOURCE
    } else if listed(KITCHEN.id) {
        &KITCHEN_RESOURCE
    } else {
        &USER_RESOURCE
    }
}

/// One input for [`check`].
enum Input {
    Normalize { rt: &'static ResourceType, body: Value },
    Eval { resource: Value, filter: String },
    EvalValue { resource: Value, attr: String, index: usize, filter: String },
}

fn read(file: &DataFile, case: &Case) -> Input {
    if file.name.starts_with("normalize") {
        let rt = resource_type(case.field("type").expect("a type: field"));
        let body = cases::json(case, case.field("input").expect("an input: field"));
        return Input::Normalize { rt, body };
    }
    let name = file.directive("resource").expect("an @resource directive");
    let text = std::fs::read_to_string(file.dir.join(name)).unwrap();
    let resource: Value = serde_json::from_str(&text).unwrap();
    let element = case.title.strip_prefix("value ").and_then(|rest| {
        let (index, rest) = rest.split_once(" of ")?;
        let (attr, filter) = rest.split_once(": ")?;
        Some((index.parse().ok()?, attr.to_string(), filter.to_string()))
    });
    match element {
        Some((index, attr, filter)) => Input::EvalValue { resource, attr, index, filter },
        None => Input::Eval { resource, filter: case.title.clone() },
    }
}

fn error(e: &ScimError) -> String {
    format!("error: {e}")
}

/// What the code makes of `input`, in the data files' form.
fn actual(input: &Input) -> String {
    let result = match input {
        Input::Normalize { rt, body } => {
            return normalize(rt, body).map_or_else(|e| error(&e), |v| cases::pretty(&v));
        }
        Input::Eval { resource, filter } => parse_filter(filter)
            .map_err(ScimError::from)
            .and_then(|filter| matches(type_of(resource), &filter, resource)),
        Input::EvalValue { resource, attr, index, filter } => {
            let element = &resource[attr.as_str()][index];
            assert!(!element.is_null(), "{attr} has no value {index}");
            let path = parse_attr_path(attr).unwrap();
            parse_filter(filter)
                .map_err(ScimError::from)
                .and_then(|filter| matches_value(type_of(resource), &path, &filter, element))
        }
    };
    result.map_or_else(|e| error(&e), |hit| hit.to_string())
}

/// Checks one case: the output for `input` is `expect`.
fn check(input: &Input, expect: &str) -> Result<(), String> {
    let actual = actual(input);
    if actual == expect {
        return Ok(());
    }
    Err(format!("expected:\n{expect}\nactual:\n{actual}"))
}

#[test]
fn normalize_data_files() {
    let total = cases::run(&data_dir(), "normalize", true, read, actual, check);
    assert!(total >= 60, "only {total} normalize cases");
}

#[test]
fn eval_data_files() {
    let total = cases::run(&data_dir(), "eval", false, read, actual, check);
    assert!(total >= 100, "only {total} eval cases");
}

/// Property: normalising a canonical resource (with its `schemas`) changes
/// nothing, for every body a normalize case accepts.
#[test]
fn normalize_is_idempotent() {
    let mut accepted = 0;
    for (file, _, _) in cases::load(&data_dir(), "normalize", true) {
        for case in &file.cases {
            let Input::Normalize { rt, body } = read(&file, case) else { continue };
            let Ok(once) = normalize(rt, &body) else { continue };
            let twice = normalize(rt, &once).unwrap_or_else(|e| panic!("{}: {e}", case.title));
            assert_eq!(twice, once, "{}:{}", file.name, case.line);
            accepted += 1;
        }
    }
    assert!(accepted >= 20, "only {accepted} accepted normalize cases");
}

#[test]
fn user_fixture_is_canonical() {
    let text = std::fs::read_to_string(data_dir().join("user.json")).unwrap();
    let user: Value = serde_json::from_str(&text).unwrap();
    // Everything but the readOnly attributes a client cannot send.
    let mut expected = user.clone();
    for read_only in ["id", "meta", "groups"] {
        expected.as_object_mut().unwrap().remove(read_only);
    }
    let manager =
        &mut expected["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"];
    manager.as_object_mut().unwrap().remove("displayName");
    for email in expected["emails"].as_array_mut().unwrap() {
        email.as_object_mut().unwrap().remove("display");
    }
    assert_eq!(normalize(&USER_RESOURCE, &user).unwrap(), expected);
}
