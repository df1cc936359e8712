//! [`normalize`] and filter evaluation ([`matches`], [`matches_value`]) run
//! over `tests/data/resource/`.
//!
//! `normalize*.txt` cases have a `type:` field (User, Group or Kitchen, the
//! test-only type of `kitchen.rs`) and an `input:` body; the output is the
//! canonical resource as pretty JSON with sorted keys, or `error: <status>
//! <scimType>: <detail>`.
//!
//! In `eval*.txt`, the directive `@resource NAME.json` names the resource
//! the file's filters are evaluated against (its type follows from its
//! `schemas`). A case's input is a filter; the output is `true`, `false` or
//! the error. An input `value N of ATTR: FILTER` evaluates the filter on the
//! N-th (from 0) value of the multi-valued attribute ATTR, as inside
//! `ATTR[FILTER]`.

use roster_scim::schema::{ResourceType, USER_RESOURCE};
use roster_scim::{ScimError, matches, matches_value, normalize, parse_attr_path, parse_filter};
use serde_json::Value;

use crate::kitchen::{type_named, type_of};
use crate::runner::{self, Case, DataFile, Files, Layout};

const NORMALIZE: Files = Files { dir: "resource", prefix: "normalize", layout: Layout::Fields };
const EVAL: Files = Files { dir: "resource", prefix: "eval", layout: Layout::Input };

/// The resource type and body of a normalize case.
fn read_normalize(case: &Case) -> (&'static ResourceType, Value) {
    let rt = type_named(case.field("type").expect("a type: field"));
    let body = case.json(case.field("input").expect("an input: field"));
    (rt, body)
}

fn error(e: &ScimError) -> String {
    format!("error: {e}")
}

/// What [`normalize`] makes of a case, in the data files' form.
fn normalized(case: &Case) -> String {
    let (rt, body) = read_normalize(case);
    normalize(rt, &body).map_or_else(|e| error(&e), |v| runner::pretty(&v))
}

/// What filter evaluation makes of a case, in the data files' form.
fn evaluated(file: &DataFile, case: &Case) -> String {
    let name = file.directive("resource").expect("an @resource directive");
    let resource = EVAL.fixture(name);
    let title = case.text();
    let element = title.strip_prefix("value ").and_then(|rest| {
        let (index, rest) = rest.split_once(" of ")?;
        let (attr, filter) = rest.split_once(": ")?;
        Some((index.parse::<usize>().ok()?, attr, filter))
    });
    let result = match element {
        Some((index, attr, filter)) => {
            let element = &resource[attr][index];
            assert!(!element.is_null(), "{}: {attr} has no value {index}", case.at());
            let path = parse_attr_path(attr).unwrap();
            parse_filter(filter)
                .map_err(ScimError::from)
                .and_then(|filter| matches_value(type_of(&resource), &path, &filter, element))
        }
        None => parse_filter(&title)
            .map_err(ScimError::from)
            .and_then(|filter| matches(type_of(&resource), &filter, &resource)),
    };
    result.map_or_else(|e| error(&e), |hit| hit.to_string())
}

#[test]
fn normalize_data_files() {
    let total = NORMALIZE.run(|_, case| Ok(normalized(case)));
    assert!(total >= 121, "only {total} normalize cases");
}

#[test]
fn eval_data_files() {
    let total = EVAL.run(|file, case| Ok(evaluated(file, case)));
    assert!(total >= 294, "only {total} eval cases");
}

/// Property: normalising a canonical resource (with its `schemas`) changes
/// nothing, for every body a normalize case accepts.
#[test]
fn normalize_is_idempotent() {
    let mut accepted = 0;
    for file in NORMALIZE.load() {
        for case in &file.cases {
            let (rt, body) = read_normalize(case);
            let Ok(once) = normalize(rt, &body) else { continue };
            let twice = normalize(rt, &once).unwrap_or_else(|e| panic!("{}: {e}", case.at()));
            assert_eq!(twice, once, "{}", case.at());
            accepted += 1;
        }
    }
    assert!(accepted >= 20, "only {accepted} accepted normalize cases");
}

#[test]
fn user_fixture_is_canonical() {
    let user = NORMALIZE.fixture("user.json");
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
