//! PATCH (RFC 7644 §3.5.2): a request body parsed into operations, and the
//! operations applied to a resource, all or nothing.
//!
//! [`PatchRequest::parse`] reads the body strictly: `schemas` lists
//! `urn:ietf:params:scim:api:messages:2.0:PatchOp`, `Operations` is a
//! non-empty array, `op` is exactly `add`, `replace` or `remove` (lower
//! case: capitalised ops are an identity-provider quirk that the dialect
//! layer rewrites before this point), `path` parses as RFC 7644 §3.5.2's
//! `PATH`. [`apply`] then runs the operations on a copy of the resource and
//! returns the result, or the first error and nothing else: the function is
//! pure, so a failed PATCH leaves nothing behind (RFC 7644 §3.5.2: "the
//! PATCH operation is atomic").
//!
//! How the RFC is read, where it leaves a choice:
//!
//! - Paths resolve like filter paths ([`ResourceType::resolve`]): in any
//!   case, with or without a schema URN; an unknown attribute is 400
//!   `invalidPath`. A sub-attribute of a multi-valued attribute needs a
//!   value filter (`emails[type eq "work"].value`, not `emails.value`), and a
//!   value filter needs a multi-valued attribute; otherwise `invalidPath`.
//!   So does a value filter that does not fit the schema.
//! - Path-less `add` and `replace` take an object of attributes, as a PUT
//!   body does: keys may be bare, dotted (`name.givenName`), URN-qualified
//!   (`urn:...:enterprise:2.0:User:organization`) or an extension URN
//!   holding an object of that extension's attributes; each key is one
//!   operation with that path. As in [`crate::normalize`], keys that name no
//!   attribute (and `schemas`) are ignored.
//! - `add` to a single-valued attribute sets it; to a multi-valued one it
//!   appends the values of the given array (a lone value is
//!   `invalidValue`), merging a value equal to an existing one into it
//!   (equal `value` sub-attribute for complex values, equality otherwise;
//!   strings compare per `caseExact`) so nothing is duplicated (§3.5.2.1:
//!   an existing value is not added again). `replace` of a multi-valued
//!   attribute replaces all of its values with the given array.
//! - `add` and `replace` of a complex attribute, or of the values a filter
//!   selects, merge the given sub-attributes into the existing value and
//!   leave the others unchanged (§3.5.2.3). Where a filter selects no value,
//!   both are 400 `noTarget` (§3.5.2.3; the dialect layer may turn this into
//!   an add for identity providers that rely on it).
//! - `null` as a value (or a sub-attribute's value) unassigns the target,
//!   as in a PUT body (RFC 7643 §2.5), except that `add` of `null` or `[]`
//!   to a multi-valued attribute adds nothing.
//! - `remove` needs a path (else 400 `noTarget`, §3.5.2.2). Removing an
//!   absent attribute, or a filter that selects nothing, changes nothing and
//!   is no error. RFC 7644 defines no `value` for `remove`; roster accepts
//!   one only with the path of a whole multi-valued attribute, as an array
//!   naming the values to remove (matched as `add` matches duplicates),
//!   which is the form Entra ID uses for group members. Elsewhere a `value`
//!   is 400 `invalidValue`.
//! - Mutability (RFC 7643 §2.2, RFC 7644 §3.5.2): an operation whose path
//!   names a `readOnly` attribute or sub-attribute (`id`, `meta`, `groups`,
//!   `members[...].display`) is 400 `mutability`, unless it is an `add` or
//!   `replace` that leaves the value as it is, so a path-less `replace`
//!   that echoes the resource's `id` succeeds. `readOnly` sub-attributes
//!   inside a value the client sends (`display` of a new member) are
//!   ignored, as in a POST. An `immutable` attribute can be set while it has
//!   no value and never changed or removed afterwards; an `immutable`
//!   sub-attribute cannot change in place (a member's `value`, `$ref` and
//!   `type`), but the value holding it can be added and removed as a whole
//!   (a member, or a complex attribute). Re-adding an existing member keeps
//!   its immutable sub-attributes rather than failing.
//! - `primary` (RFC 7643 §2.4): when an operation marks a value primary,
//!   the other values of that attribute get `"primary": false` (the RFC lets
//!   the service provider do so). An operation that itself marks two values
//!   primary (two new values, or a filter that selects two) is 400
//!   `invalidValue`.
//! - After the operations, the result is checked as a PUT body would be
//!   (types, `required`, one `primary`): a PATCH cannot reach a state a PUT
//!   could not. A PATCH that changes nothing succeeds with `changed` false.

mod ops;
mod target;

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::resource::{Origin, describe, get_ci, normalize_map};
use crate::schema::ResourceType;
use crate::{PatchPath, ScimError, parse_patch_path};

/// The schema URN of a PATCH request body (RFC 7644 §3.5.2).
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A parsed PATCH request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchRequest {
    /// At least one operation, in the order given.
    pub operations: Vec<PatchOperation>,
}

/// One PATCH operation (RFC 7644 §3.5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchOperation {
    /// `add`; without a path, `value` is an object of attributes.
    Add { path: Option<PatchPath>, value: Value },
    /// `replace`; without a path, `value` is an object of attributes.
    Replace { path: Option<PatchPath>, value: Value },
    /// `remove`; `value`, when given, is an array naming values to remove.
    Remove { path: PatchPath, value: Option<Vec<Value>> },
}

/// What a PATCH did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchOutcome {
    /// The resource after the operations, in canonical form, with its
    /// `readOnly` attributes (`id`, `meta`, ...) as they were.
    pub resource: Value,
    /// Whether `resource` differs from the canonical form of the input.
    pub changed: bool,
    /// For resources with `members` (groups): the members present after and
    /// not before, in their order in `resource`, so that the store can
    /// write membership as a delta.
    pub members_added: Vec<Value>,
    /// The `value`s of the members present before and not after, in their
    /// order in the input.
    pub members_removed: Vec<String>,
}

impl PatchRequest {
    /// Parses a PATCH request body.
    pub fn parse(body: &Value) -> Result<Self, ScimError> {
        let Some(object) = body.as_object() else {
            return Err(ScimError::invalid_syntax(format!(
                "a PATCH body must be a JSON object, not {}",
                describe(body)
            )));
        };
        check_schemas(object)?;
        let Some(operations) = get_ci(object, "Operations") else {
            return Err(ScimError::invalid_syntax("the PATCH body has no \"Operations\""));
        };
        let Some(items) = operations.as_array() else {
            return Err(ScimError::invalid_syntax(format!(
                "\"Operations\" must be an array of operations, not {}",
                describe(operations)
            )));
        };
        if items.is_empty() {
            return Err(ScimError::invalid_syntax(
                "\"Operations\" is empty; a PATCH needs at least one operation",
            ));
        }
        let operations = items
            .iter()
            .enumerate()
            .map(|(i, item)| PatchOperation::parse(item).map_err(|e| in_operation(i, e)))
            .collect::<Result<_, _>>()?;
        Ok(Self { operations })
    }
}

impl PatchOperation {
    fn parse(item: &Value) -> Result<Self, ScimError> {
        let Some(object) = item.as_object() else {
            return Err(ScimError::invalid_syntax(format!(
                "an operation must be an object, not {}",
                describe(item)
            )));
        };
        let op = match get_ci(object, "op") {
            None => return Err(ScimError::invalid_syntax("the operation has no \"op\"")),
            Some(Value::String(op)) => op.as_str(),
            Some(other) => {
                return Err(ScimError::invalid_syntax(format!(
                    "\"op\" must be a string, not {}",
                    describe(other)
                )));
            }
        };
        let path = match get_ci(object, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(parse_patch_path(text).map_err(|e| {
                ScimError::invalid_path(format!("invalid path {}: {e}", Value::from(text.as_str())))
            })?),
            Some(other) => {
                return Err(ScimError::invalid_path(format!(
                    "\"path\" must be a string, not {}",
                    describe(other)
                )));
            }
        };
        let value = get_ci(object, "value");
        match op {
            "add" | "replace" => {
                let Some(value) = value else {
                    return Err(ScimError::invalid_value(format!(
                        "the operation \"{op}\" needs a \"value\""
                    )));
                };
                if path.is_none() && !value.is_object() {
                    return Err(ScimError::invalid_value(format!(
                        "the operation \"{op}\" without a path needs an object of attributes as \
                         its value, not {}",
                        describe(value)
                    )));
                }
                let value = value.clone();
                Ok(if op == "add" {
                    PatchOperation::Add { path, value }
                } else {
                    PatchOperation::Replace { path, value }
                })
            }
            "remove" => {
                let Some(path) = path else {
                    return Err(ScimError::no_target(
                        "a remove operation needs a path naming what to remove",
                    ));
                };
                let value = match value {
                    None | Some(Value::Null) => None,
                    Some(Value::Array(items)) => Some(items.clone()),
                    Some(other) => {
                        return Err(ScimError::invalid_value(format!(
                            "the value of a remove operation, when given, must be an array of \
                             the values to remove, not {}",
                            describe(other)
                        )));
                    }
                };
                Ok(PatchOperation::Remove { path, value })
            }
            other => Err(ScimError::invalid_syntax(format!(
                "\"op\" must be \"add\", \"replace\" or \"remove\" (in lower case), not {}",
                Value::from(other)
            ))),
        }
    }
}

/// RFC 7644 §3.5.2: the body's `schemas` is the PatchOp URN.
fn check_schemas(object: &Map<String, Value>) -> Result<(), ScimError> {
    let must = || format!("\"schemas\" must be an array listing \"{PATCH_OP_URN}\"");
    let Some(schemas) = get_ci(object, "schemas") else {
        return Err(ScimError::invalid_syntax(format!(
            "the PATCH body has no \"schemas\"; {}",
            must()
        )));
    };
    let listed = schemas.as_array().is_some_and(|list| {
        list.iter()
            .any(|item| item.as_str().is_some_and(|urn| urn.eq_ignore_ascii_case(PATCH_OP_URN)))
    });
    if !listed {
        return Err(ScimError::invalid_syntax(format!("{}, not {schemas}", must())));
    }
    Ok(())
}

/// Applies `request` to `resource`, a resource of the type `rt` as the
/// service provider holds it (with `id`, `meta`, and for a group its
/// current `members`), and returns the outcome; see the module
/// documentation for the rules. Nothing is applied unless everything is.
pub fn apply(
    rt: &ResourceType,
    resource: &Value,
    request: &PatchRequest,
) -> Result<PatchOutcome, ScimError> {
    let base = normalize_map(rt, resource, Origin::Stored).map_err(|e| {
        // The service provider's own representation is wrong: not the
        // client's fault.
        ScimError::new(
            crate::ScimStatus::InternalServerError,
            None,
            format!("the stored resource is invalid: {}", e.detail),
        )
    })?;
    let mut work = base.clone();
    for (i, operation) in request.operations.iter().enumerate() {
        ops::run(rt, &mut work, operation).map_err(|e| in_operation(i, e))?;
    }
    let result = normalize_map(rt, &Value::Object(work), Origin::Stored).map_err(|e| {
        ScimError { detail: format!("the result of the operations is invalid: {}", e.detail), ..e }
    })?;
    let changed = result != base;
    let (members_added, members_removed) = member_deltas(rt, &base, &result);
    Ok(PatchOutcome { resource: Value::Object(result), changed, members_added, members_removed })
}

/// Says which operation an error comes from.
fn in_operation(index: usize, error: ScimError) -> ScimError {
    ScimError { detail: format!("Operations[{index}]: {}", error.detail), ..error }
}

/// The members added and removed between `before` and `after`, by `value`.
/// Only the added members are copied: a group of 500 members is compared
/// by reference (copying both lists was a quarter of a PATCH's time).
fn member_deltas(
    rt: &ResourceType,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> (Vec<Value>, Vec<String>) {
    let Some(attr) = rt.schema.attribute("members") else { return (Vec::new(), Vec::new()) };
    fn members<'a>(resource: &'a Map<String, Value>, name: &str) -> &'a [Value] {
        resource.get(name).and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }
    fn id(member: &Value) -> Option<&str> {
        member.get("value")?.as_str()
    }
    let (old, new) = (members(before, attr.name), members(after, attr.name));
    let old_ids: HashSet<&str> = old.iter().filter_map(id).collect();
    let new_ids: HashSet<&str> = new.iter().filter_map(id).collect();
    let mut seen = HashSet::new();
    let added = new
        .iter()
        .filter(|member| {
            id(member).is_some_and(|value| !old_ids.contains(value) && seen.insert(value))
        })
        .cloned()
        .collect();
    let mut seen = HashSet::new();
    let removed = old
        .iter()
        .filter_map(id)
        .filter(|value| !new_ids.contains(value) && seen.insert(*value))
        .map(str::to_owned)
        .collect();
    (added, removed)
}
