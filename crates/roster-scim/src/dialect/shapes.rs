//! Values in a shape the strict engine refuses but that say one thing:
//! group members given as bare ids ([`Tolerance::MemberAsId`]) and a PATCH
//! path that names a whole schema extension ([`Tolerance::ExtensionUrnPath`]).

use serde_json::{Map, Value, json};

use super::{Applied, Tolerance, get_ci_mut};
use crate::schema::{GROUP_RESOURCE, ResourceType};

/// `members` of a group as the engine wants them: every string element of
/// the array (or a lone string) becomes `{"value": id}`. Objects and other
/// values are left for the engine to judge.
pub(super) fn fix_members(rt: &ResourceType, members: &mut Value, applied: &mut Applied) {
    if rt.id != GROUP_RESOURCE.id {
        return;
    }
    match members {
        Value::String(id) => {
            *members = json!([{ "value": id }]);
            applied.note(Tolerance::MemberAsId);
        }
        Value::Array(items) => {
            for item in items {
                if let Value::String(id) = item {
                    *item = json!({ "value": id });
                    applied.note(Tolerance::MemberAsId);
                }
            }
        }
        _ => {}
    }
}

/// [`fix_members`] on the `members` key of an object (a resource, or a
/// path-less PATCH value).
pub(super) fn fix_members_key(
    rt: &ResourceType,
    object: &mut Map<String, Value>,
    applied: &mut Applied,
) {
    if let Some(members) = get_ci_mut(object, "members") {
        fix_members(rt, members, applied);
    }
}

/// Whether a PATCH path names `members` (bare or qualified by the core
/// Group URN) as a whole, so that its value is a list of members.
pub(super) fn is_members(path: &str) -> bool {
    let path = path
        .strip_prefix(GROUP_RESOURCE.schema.id)
        .map_or(path, |rest| rest.strip_prefix(':').unwrap_or(path));
    path.eq_ignore_ascii_case("members")
}

/// An operation whose path is exactly an extension URN of `rt` (any letter
/// case), which RFC 7644 §3.5.2 paths do not allow (a path names an
/// attribute) but which has one reading, the extension's whole object:
///
/// - an `add` or `replace` whose value is an object becomes path-less, with
///   the value under the URN: RFC 7644 §3.5.2.1 and §3.5.2.3 give path-less
///   operations exactly that meaning;
/// - a `remove` without a value (or with `null`) becomes a path-less
///   `replace` of `{URN: null}`, which unassigns the extension as a whole
///   (RFC 7643 §2.5: `null` is unassigned), as removing each of its
///   attributes would.
///
/// Other operations stay as they are.
pub(super) fn fix_extension_path(
    rt: &ResourceType,
    operation: &mut Map<String, Value>,
    applied: &mut Applied,
) {
    let op = crate::resource::get_ci(operation, "op").and_then(Value::as_str);
    let remove = match op {
        Some("add" | "replace") => false,
        Some("remove") => true,
        _ => return,
    };
    let Some(Value::String(path)) = crate::resource::get_ci(operation, "path") else { return };
    let Some((extension, _)) =
        rt.extensions.iter().find(|(schema, _)| schema.id.eq_ignore_ascii_case(path))
    else {
        return;
    };
    let value = crate::resource::get_ci(operation, "value");
    let fits =
        if remove { value.is_none_or(Value::is_null) } else { value.is_some_and(Value::is_object) };
    if !fits {
        return;
    }
    let key = |name: &str| operation.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned();
    let (Some(op_key), Some(path_key)) = (key("op"), key("path")) else { return };
    let value_key = key("value").unwrap_or_else(|| "value".to_owned());
    operation.remove(&path_key);
    let value = operation.remove(&value_key).unwrap_or(Value::Null);
    if remove {
        operation.insert(op_key, Value::from("replace"));
    }
    operation.insert(value_key, json!({ extension.id: value }));
    applied.note(Tolerance::ExtensionUrnPath);
}
