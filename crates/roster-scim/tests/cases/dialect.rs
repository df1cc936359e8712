//! The dialect layer (`roster_scim::{patch_body, resource_body,
//! filter_text, replace_misses_as_adds}`) run over `tests/data/dialect/`.
//!
//! Each case has `type: User` or `type: Group` (or `start:`, a resource of
//! `tests/data/dialect/start.json`, which also gives the type) and exactly
//! one input field:
//!
//! - `patch:` a PATCH body: the output shows the tolerances applied, what
//!   the strict engine makes of the raw body (`raw:`, parsed and applied to
//!   the start) and of the normalised one (`strict:`), the normalised body
//!   (or `body: unchanged`), and for a `noTarget` the `retry:` request of
//!   `replace_misses_as_adds` with its outcome;
//! - `resource:` a POST/PUT body: the same, with `roster_scim::normalize`;
//! - `filter:` a filter: the same, with `parse_filter` + `resolve_filter`,
//!   and the normalised text.
//!
//! Every case must also keep two invariants, which no expected output can
//! excuse: an input needing no tolerance comes back equal, and normalising
//! twice changes nothing more.

use roster_scim::schema::{ResourceType, USER_RESOURCE};
use roster_scim::{
    Normalized, PatchOperation, PatchRequest, ScimError, ScimType, Tolerance, apply, filter_text,
    normalize, parse_filter, patch_body, replace_misses_as_adds, resolve_filter, resource_body,
};
use serde_json::{Value, json};

use crate::kitchen::type_named;
use crate::runner::{self, Case, Files, Layout};

const FILES: Files = Files { dir: "dialect", prefix: "", layout: Layout::Fields };

enum Body {
    Patch(Value),
    Resource(Value),
    Filter(String),
}

struct Input {
    rt: &'static ResourceType,
    start: Option<Value>,
    body: Body,
}

fn read(case: &Case) -> Input {
    let start = case.field("start").map(|name| {
        let all = FILES.fixture("start.json");
        all.get(name)
            .cloned()
            .unwrap_or_else(|| panic!("{}: no start resource {name:?}", case.at()))
    });
    let rt = match (case.field("type"), &start) {
        (Some(name), _) => type_named(name),
        (None, Some(start)) => type_named(start["meta"]["resourceType"].as_str().unwrap()),
        (None, None) => panic!("{}: give type: or start:", case.at()),
    };
    let body = match (case.field("patch"), case.field("resource"), case.field("filter")) {
        (Some(text), None, None) => Body::Patch(case.json(text)),
        (None, Some(text), None) => Body::Resource(case.json(text)),
        (None, None, Some(text)) => Body::Filter(text.to_string()),
        _ => panic!("{}: give exactly one of patch:, resource:, filter:", case.at()),
    };
    Input { rt, start, body }
}

fn applied_line(applied: &[Tolerance]) -> String {
    let names: Vec<&str> = applied.iter().map(|t| t.name()).collect();
    format!("applied: [{}]", names.join(", "))
}

/// The strict engine's verdict on a PATCH body: parsed, then applied to the
/// start resource when there is one.
fn strict_patch(input: &Input, body: &Value) -> Result<Option<Value>, ScimError> {
    let request = PatchRequest::parse(body)?;
    match &input.start {
        Some(start) => apply(input.rt, start, &request).map(|outcome| Some(outcome.resource)),
        None => Ok(None),
    }
}

fn verdict(result: &Result<Option<Value>, ScimError>) -> String {
    match result {
        Ok(None) => "ok".to_string(),
        Ok(Some(resource)) => format!("ok {}", runner::compact(resource)),
        Err(e) => format!("error: {e}"),
    }
}

/// One operation as JSON, for showing a retried request.
fn operation_json(operation: &PatchOperation) -> Value {
    match operation {
        PatchOperation::Add { path, value } => {
            json!({"op": "add", "path": path.as_ref().map(ToString::to_string), "value": value})
        }
        PatchOperation::Replace { path, value } => {
            json!({"op": "replace", "path": path.as_ref().map(ToString::to_string), "value": value})
        }
        PatchOperation::Remove { path, value } => {
            json!({"op": "remove", "path": path.to_string(), "value": value})
        }
    }
}

/// What `replace_misses_as_adds` makes of a normalised body that answered
/// `noTarget`, and the outcome of its retry.
fn retry_lines(rt: &ResourceType, start: &Value, body: &Value) -> Vec<String> {
    let request = PatchRequest::parse(body).unwrap();
    let Some(retry) = replace_misses_as_adds(rt, start, &request) else {
        return vec!["retry: none".to_string()];
    };
    let ops: Vec<Value> = retry.value.operations.iter().map(operation_json).collect();
    let outcome = apply(rt, start, &retry.value).map(|outcome| Some(outcome.resource));
    vec![
        applied_line(&retry.applied),
        format!("retry: {}", runner::compact(&json!(ops))),
        format!("retried: {}", verdict(&outcome)),
    ]
}

fn body_lines(out: &mut Vec<String>, raw: &Value, normalized: &Normalized) {
    if normalized.value == *raw {
        out.push("body: unchanged".to_string());
    } else {
        out.push(runner::pretty(&normalized.value));
    }
}

fn actual(input: &Input) -> String {
    let mut out = Vec::new();
    match &input.body {
        Body::Patch(raw) => {
            let normalized = patch_body(input.rt, raw);
            out.push(applied_line(&normalized.applied));
            out.push(format!("raw: {}", verdict(&strict_patch(input, raw))));
            let strict = strict_patch(input, &normalized.value);
            out.push(format!("strict: {}", verdict(&strict)));
            if let (Err(e), Some(start)) = (&strict, &input.start)
                && e.scim_type == Some(ScimType::NoTarget)
            {
                out.extend(retry_lines(input.rt, start, &normalized.value));
            }
            body_lines(&mut out, raw, &normalized);
        }
        Body::Resource(raw) => {
            let normalized = resource_body(input.rt, raw);
            out.push(applied_line(&normalized.applied));
            let strict = |body: &Value| verdict(&normalize(input.rt, body).map(Some));
            out.push(format!("raw: {}", strict(raw)));
            out.push(format!("strict: {}", strict(&normalized.value)));
            body_lines(&mut out, raw, &normalized);
        }
        Body::Filter(raw) => {
            let normalized = filter_text(input.rt, raw);
            out.push(applied_line(&normalized.applied));
            let strict = |text: &str| match parse_filter(text) {
                Err(e) => format!("error: {e}"),
                Ok(tree) => match resolve_filter(input.rt, &tree) {
                    Ok(_) => format!("ok {tree}"),
                    Err(e) => format!("error: {e}"),
                },
            };
            out.push(format!("raw: {}", strict(raw)));
            out.push(format!("strict: {}", strict(&normalized.value)));
            if normalized.value == *raw {
                out.push("text: unchanged".to_string());
            } else {
                out.push(format!("text: {}", normalized.value));
            }
        }
    }
    out.join("\n")
}

/// The invariants every case must keep, whatever its expected output.
fn invariants(input: &Input) -> Result<(), String> {
    fn twice<T: PartialEq + std::fmt::Debug>(
        raw: &T,
        once: &Normalized<T>,
        again: &Normalized<T>,
    ) -> Result<(), String> {
        if once.applied.is_empty() && once.value != *raw {
            return Err(format!("changed with no tolerance: {:?}", once.value));
        }
        if !again.applied.is_empty() || again.value != once.value {
            return Err(format!("not idempotent: {:?} then {:?}", once, again));
        }
        Ok(())
    }
    match &input.body {
        Body::Patch(raw) => {
            let once = patch_body(input.rt, raw);
            twice(raw, &once, &patch_body(input.rt, &once.value))
        }
        Body::Resource(raw) => {
            let once = resource_body(input.rt, raw);
            twice(raw, &once, &resource_body(input.rt, &once.value))
        }
        Body::Filter(raw) => {
            let once = filter_text(input.rt, raw);
            twice(raw, &once, &filter_text(input.rt, &once.value))
        }
    }
}

#[test]
fn data_files_match_the_dialect_layer() {
    let total = FILES.run(|_, case| {
        let input = read(case);
        invariants(&input)?;
        Ok(actual(&input))
    });
    assert!(total >= 49, "only {total} dialect cases");
}

#[test]
fn every_tolerance_is_named_and_described() {
    let names: std::collections::HashSet<&str> = Tolerance::ALL.iter().map(|t| t.name()).collect();
    assert_eq!(names.len(), Tolerance::ALL.len());
    for tolerance in Tolerance::ALL {
        assert!(!tolerance.describe().is_empty());
        assert_eq!(tolerance.to_string(), tolerance.name());
    }
}

#[test]
fn the_strict_engine_still_refuses_the_raw_forms() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    });
    let error = PatchRequest::parse(&body).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
    let fixed = patch_body(&USER_RESOURCE, &body);
    assert_eq!(fixed.applied, [Tolerance::CapitalisedOp, Tolerance::StringBoolean]);
    let request = PatchRequest::parse(&fixed.value).unwrap();
    assert!(matches!(
        &request.operations[0],
        PatchOperation::Replace { value: Value::Bool(false), .. }
    ));
    assert!(parse_filter("userName eq alice@x").is_err());
    assert!(parse_filter(&filter_text(&USER_RESOURCE, "userName eq alice@x").value).is_ok());
    let user = json!({"schemas": ["urn:scim:schemas:core:2.0"], "userName": "a"});
    assert_eq!(
        normalize(&USER_RESOURCE, &user).unwrap_err().scim_type,
        Some(ScimType::InvalidSyntax)
    );
    assert!(normalize(&USER_RESOURCE, &resource_body(&USER_RESOURCE, &user).value).is_ok());
}
