//! `attributes` / `excludedAttributes` projection (RFC 7644 §3.9, RFC 7643
//! §2.2 `returned`), run over `tests/data/projection/`.
//!
//! A case's input lines are query parameters, `name=value`, as
//! `Projection::from_params` reads them (a lone `>` is none). The output is
//! the projected resource, one line per top-level member in name order as
//! compact JSON with sorted keys, or the SCIM error. Files named
//! `user*.txt` project `user.json` as a User, `group*.txt` project
//! `group.json` as a Group. Both fixtures hold a `password`, members no
//! schema defines and unassigned values, which projection leaves out.

use roster_scim::schema::{GROUP_RESOURCE, ResourceType, Returned, USER_RESOURCE};
use roster_scim::{Projection, ProjectionPath, project};
use serde_json::{Map, Value, json};

use crate::query::params;
use crate::runner::{Files, Layout, sorted};

const FILES: Files = Files { dir: "projection", prefix: "", layout: Layout::Input };

/// The resource type and fixture a data file projects.
fn subject(file: &str) -> (&'static ResourceType, Value) {
    if file.starts_with("group") {
        (&GROUP_RESOURCE, FILES.fixture("group.json"))
    } else {
        (&USER_RESOURCE, FILES.fixture("user.json"))
    }
}

fn render(value: &Value) -> String {
    let Value::Object(members) = sorted(value) else { return value.to_string() };
    let lines: Vec<String> = members.iter().map(|(key, value)| format!("{key}: {value}")).collect();
    if lines.is_empty() { "(empty)".into() } else { lines.join("\n") }
}

fn actual(file: &str, input: &[String]) -> String {
    let (rt, resource) = subject(file);
    match Projection::from_params(rt, &params(input)) {
        Ok(projection) => render(&project(rt, &resource, &projection)),
        Err(error) => format!("error: {error}"),
    }
}

#[test]
fn data_files_match_the_code() {
    let total = FILES.run(|file, case| Ok(actual(&file.name, &case.input)));
    assert!(total >= 129, "only {total} projection cases");
}

/// Every projection of every data file, with its resource type and input.
fn all_projections() -> Vec<(&'static ResourceType, Value, Projection)> {
    let mut all = Vec::new();
    for file in FILES.load() {
        for case in &file.cases {
            let (rt, resource) = subject(&file.name);
            if let Ok(projection) = Projection::from_params(rt, &params(&case.input)) {
                all.push((rt, resource, projection));
            }
        }
    }
    all
}

/// Whether `part` is `whole` with members and array elements left out.
fn is_part_of(part: &Value, whole: &Value) -> bool {
    match (part, whole) {
        (Value::Object(p), Value::Object(w)) => {
            p.iter().all(|(k, v)| w.get(k).is_some_and(|wv| is_part_of(v, wv)))
        }
        (Value::Array(p), Value::Array(w)) => {
            // Elements keep their order: match them greedily.
            let mut rest = w.iter();
            p.iter().all(|pv| rest.any(|wv| is_part_of(pv, wv)))
        }
        _ => part == whole,
    }
}

fn names_a_request_attribute(path: &ProjectionPath) -> bool {
    match path {
        ProjectionPath::Schema(_) => false,
        ProjectionPath::Attribute(resolved) => {
            resolved.sub.unwrap_or(resolved.attribute).returned == Returned::Request
        }
    }
}

#[test]
fn projections_only_remove_and_keep_what_must_stay() {
    let all = all_projections();
    assert!(all.len() >= 100, "only {} projections", all.len());
    for (rt, resource, projection) in all {
        let out = project(rt, &resource, &projection);
        let context = format!("{projection:?}");
        assert!(is_part_of(&out, &resource), "{context}: {out}");
        assert_eq!(out["id"], resource["id"], "{context}: id is always returned");
        assert!(out.get("schemas").is_some(), "{context}: schemas is always returned");
        assert!(out.get("password").is_none(), "{context}: password is never returned");
        assert!(out.get("internalNote").is_none(), "{context}: unknown members are dropped");
        assert_eq!(project(rt, &out, &projection), out, "{context}: projection is idempotent");
        let only_always = out.as_object().unwrap().keys().all(|k| k == "id" || k == "schemas");
        // Only a `request` attribute that `attributes` names (such as
        // `members.display`) adds to the default set.
        if let Projection::Only(paths) = &projection
            && !paths.iter().any(names_a_request_attribute)
        {
            let default = project(rt, &resource, &Projection::Default);
            assert!(is_part_of(&out, &default), "{context}: nothing beyond the default set");
        }
        if only_always {
            continue;
        }
        // Any extension URN left in `schemas` has attributes in `out`.
        for urn in out["schemas"].as_array().unwrap() {
            let urn = urn.as_str().unwrap();
            if urn != rt.schema.id {
                assert!(out.get(urn).is_some(), "{context}: {urn} listed without attributes");
            }
        }
    }
}

#[test]
fn non_objects_and_empty_resources_pass_through() {
    let rt = &USER_RESOURCE;
    for value in [json!(null), json!([1, 2]), json!("x"), json!(3)] {
        assert_eq!(project(rt, &value, &Projection::Default), value);
    }
    assert_eq!(project(rt, &json!({}), &Projection::Default), json!({}));
    let only = Projection::Only(vec![ProjectionPath::parse(rt, "userName", "attributes").unwrap()]);
    assert_eq!(project(rt, &json!({"userName": null, "id": "1"}), &only), json!({"id": "1"}));
}

#[test]
fn extension_urns_stay_in_schemas_only_with_their_attributes() {
    let rt = &USER_RESOURCE;
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let user = json!({
        "schemas": [rt.schema.id, enterprise],
        "id": "1",
        "userName": "a",
        enterprise: {"organization": "Acme"},
    });
    let names = |text: &str| {
        let params = vec![("attributes".to_string(), text.to_string())];
        Projection::from_params(rt, &params).unwrap()
    };
    let out = project(rt, &user, &names("userName"));
    assert_eq!(out, json!({"schemas": [rt.schema.id], "id": "1", "userName": "a"}));
    let out = project(rt, &user, &names("organization"));
    assert_eq!(
        out,
        json!({"schemas": [rt.schema.id, enterprise], "id": "1", enterprise: {"organization": "Acme"}})
    );
    // A URN listed in `schemas` whose object is absent is not touched.
    let bare = json!({"schemas": [rt.schema.id, enterprise], "id": "1"});
    assert_eq!(project(rt, &bare, &names("userName")), bare);
    // An extension object that is not an object is dropped with its URN.
    let odd = json!({"schemas": [rt.schema.id, enterprise], "id": "1", enterprise: "Acme"});
    assert_eq!(
        project(rt, &odd, &Projection::Default),
        json!({"schemas": [rt.schema.id], "id": "1"})
    );
}

#[test]
fn members_keep_the_case_they_were_stored_in() {
    let rt = &USER_RESOURCE;
    let user =
        json!({"schemas": [rt.schema.id], "ID": "1", "UserName": "a", "NAME": {"GivenName": "B"}});
    let params = vec![("attributes".to_string(), "name.givenName".to_string())];
    let projection = Projection::from_params(rt, &params).unwrap();
    let out = project(rt, &user, &projection);
    let expected: Map<String, Value> = serde_json::from_value(
        json!({"schemas": [rt.schema.id], "ID": "1", "NAME": {"GivenName": "B"}}),
    )
    .unwrap();
    assert_eq!(out, Value::Object(expected));
}
