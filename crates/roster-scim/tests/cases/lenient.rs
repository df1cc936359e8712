//! The lenient layer's invariant (issue 16 §1), as a table over every
//! request the strict engine's own data files hold: a request the strict
//! engine accepts comes back from `patch_body`, `resource_body` and
//! `filter_text` unchanged, with no tolerance applied, so that applying the
//! lenient layer to every provider kind changes the meaning of no
//! conformant request.
//!
//! The inputs are read from `tests/data/filter/`, `tests/data/patch/` and
//! `tests/data/resource/normalize_*.txt`, whatever their expected outputs
//! say; an input the strict engine refuses is skipped here (the dialect
//! cases cover those).

use std::fs;
use std::path::PathBuf;

use roster_scim::schema::{GROUP_RESOURCE, ResourceType, USER_RESOURCE};
use roster_scim::{
    PatchRequest, Tolerance, apply, filter_text, normalize, parse_filter, patch_body,
    resolve_filter, resource_body,
};
use serde_json::{Value, json};

use crate::kitchen::{type_named, type_of};

fn data(dir: &str) -> Vec<(String, String)> {
    let dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/data").join(dir);
    let mut files: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// The value after `key: ` on a line of `text`, for each such line.
fn fields<'t>(text: &'t str, key: &str) -> Vec<(usize, &'t str)> {
    let prefix = format!("{key}: ");
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| Some((i, line.strip_prefix(&prefix)?)))
        .collect()
}

const TYPES: [&ResourceType; 2] = [&USER_RESOURCE, &GROUP_RESOURCE];

#[test]
fn conformant_filters_pass_unchanged() {
    let mut checked = 0;
    for (name, text) in data("filter") {
        if name.starts_with("patch") || name.starts_with("attr_path") {
            continue;
        }
        for input in text.lines().filter_map(|line| line.strip_prefix("> ")) {
            for rt in TYPES {
                let accepted = parse_filter(input).is_ok_and(|t| resolve_filter(rt, &t).is_ok());
                if accepted {
                    let out = filter_text(rt, input);
                    assert_eq!((out.value.as_str(), out.applied), (input, vec![]), "{name}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 150, "only {checked} conformant filters");
}

/// The start resource of a PATCH case: a name in `start.json`, or JSON.
fn start_of(raw: &str, starts: &Value) -> Value {
    starts.get(raw.trim()).cloned().unwrap_or_else(|| serde_json::from_str(raw).unwrap())
}

#[test]
fn conformant_patches_pass_unchanged() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("tests/data/patch/start.json");
    let starts: Value = serde_json::from_str(&fs::read_to_string(dir).unwrap()).unwrap();
    let mut checked = 0;
    for (name, text) in data("patch") {
        let starts_at = fields(&text, "start");
        let bodies = fields(&text, "ops")
            .into_iter()
            .map(|(i, ops)| {
                let ops: Value = serde_json::from_str(ops).unwrap();
                (i, json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops }))
            })
            .chain(fields(&text, "body").into_iter().map(|(i, b)| (i, serde_json::from_str(b).unwrap())));
        for (line, body) in bodies {
            // The case's start is the last `start:` before its body.
            let Some((_, start)) = starts_at.iter().rev().find(|(at, _)| *at < line) else {
                continue;
            };
            let start = start_of(start, &starts);
            let rt = type_of(&start);
            let conformant =
                PatchRequest::parse(&body).is_ok_and(|r| apply(rt, &start, &r).is_ok());
            if conformant {
                let out = patch_body(rt, &body);
                assert_eq!((&out.value, out.applied), (&body, vec![]), "{name}:{}", line + 1);
                checked += 1;
            }
        }
    }
    assert!(checked >= 150, "only {checked} conformant PATCH bodies");
}

#[test]
fn conformant_resources_pass_unchanged() {
    let mut checked = 0;
    for (name, text) in data("resource") {
        if !name.starts_with("normalize") {
            continue;
        }
        let types = fields(&text, "type");
        for (line, input) in fields(&text, "input") {
            let Some((_, kind)) = types.iter().rev().find(|(at, _)| *at < line) else { continue };
            let rt = type_named(kind.trim());
            let body: Value = serde_json::from_str(input).unwrap();
            if normalize(rt, &body).is_ok() {
                let out = resource_body(rt, &body);
                assert_eq!((&out.value, out.applied), (&body, vec![]), "{name}:{}", line + 1);
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "only {checked} conformant resources");
}

/// Every lenient tolerance turns a request the strict engine refuses into
/// one it accepts; the semantic one is the only one that is not lenient.
#[test]
fn lenient_and_semantic_tolerances() {
    let semantic: Vec<Tolerance> = Tolerance::ALL.into_iter().filter(|t| !t.is_lenient()).collect();
    assert_eq!(semantic, [Tolerance::EntraReplaceMissAdds]);
    let patch = |ops: Value| json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops });
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "a" });
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "G" });
    let employee = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", enterprise], "id": "u2", "userName": "b", enterprise: { "department": "R&D", "manager": { "value": "u1" } } });
    let cases = [
        (
            &USER_RESOURCE,
            &user,
            patch(json!([{ "op": "Add", "path": enterprise, "value": { "department": "R&D" } }])),
            vec![Tolerance::CapitalisedOp, Tolerance::ExtensionUrnPath],
        ),
        (
            &USER_RESOURCE,
            &employee,
            patch(json!([{ "op": "remove", "path": enterprise }])),
            vec![Tolerance::ExtensionUrnPath],
        ),
        (
            &GROUP_RESOURCE,
            &group,
            patch(json!([{ "op": "add", "path": "members", "value": ["u1", { "value": "u2" }] }])),
            vec![Tolerance::MemberAsId],
        ),
        (
            &GROUP_RESOURCE,
            &group,
            patch(json!([{ "op": "add", "path": "members", "value": "u1" }])),
            vec![Tolerance::MemberAsId],
        ),
        (
            &GROUP_RESOURCE,
            &group,
            patch(json!([{ "op": "replace", "value": { "members": ["u1"] } }])),
            vec![Tolerance::MemberAsId],
        ),
    ];
    for (rt, start, body, applied) in cases {
        let raw = PatchRequest::parse(&body).and_then(|r| apply(rt, start, &r));
        assert!(raw.is_err(), "the strict engine refuses {body}");
        let out = patch_body(rt, &body);
        assert_eq!(out.applied, applied, "{body}");
        let request = PatchRequest::parse(&out.value).unwrap();
        let outcome = apply(rt, start, &request).unwrap();
        assert!(outcome.changed, "{body}");
    }
    let members = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": ["u1", "u2"] });
    assert!(normalize(&GROUP_RESOURCE, &members).is_err());
    let out = resource_body(&GROUP_RESOURCE, &members);
    assert_eq!(out.applied, [Tolerance::MemberAsId]);
    let normalized = normalize(&GROUP_RESOURCE, &out.value).unwrap();
    assert_eq!(normalized["members"], json!([{ "value": "u1" }, { "value": "u2" }]));
    // A user has no members: a `members` key there is left to the engine.
    let odd = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "members": ["u1"] });
    assert!(resource_body(&USER_RESOURCE, &odd).applied.is_empty());
}
