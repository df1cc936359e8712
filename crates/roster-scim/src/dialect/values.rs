//! Schema-driven rewrites of attribute values and keys, shared by
//! [`super::patch_body`] and [`super::resource_body`]: string booleans
//! ([`Tolerance::StringBoolean`]) and non-standard schema URNs
//! ([`Tolerance::LegacySchemaUrn`]).
//!
//! Keys resolve as the strict engine resolves them
//! ([`ResourceType::resolve`]: any letter case, bare, dotted or
//! URN-qualified, or under an extension URN); a key that resolves to nothing
//! is left alone, as the engine will ignore it.

use serde_json::{Map, Value};

use super::{Applied, Tolerance};
use crate::schema::{AttrType, Attribute, ENTERPRISE_USER, ResourceType};
use crate::{PatchPath, parse_attr_path, parse_patch_path};

/// What the `value` of a PATCH operation with a path stands for.
pub(super) struct Target {
    /// The attribute or sub-attribute whose value(s) `value` gives.
    pub attribute: &'static Attribute,
    /// Whether `value` is the array of all values of a multi-valued
    /// attribute, rather than one value.
    pub whole_multi: bool,
}

/// The target of a PATCH `path`, or `None` when it does not parse or
/// resolve (the engine will say why).
pub(super) fn patch_target(rt: &ResourceType, path: &str) -> Option<Target> {
    match parse_patch_path(path).ok()? {
        PatchPath::Attr(attr) => {
            let resolved = rt.resolve(attr.urn.as_deref(), &attr.name, attr.sub.as_deref()).ok()?;
            let attribute = resolved.sub.unwrap_or(resolved.attribute);
            Some(Target { attribute, whole_multi: attribute.multi_valued })
        }
        PatchPath::Value { attr, sub, .. } => {
            let resolved = rt.resolve(attr.urn.as_deref(), &attr.name, sub.as_deref()).ok()?;
            // A value filter selects single values: `value` is one value of
            // the attribute, or of its sub-attribute.
            Some(Target {
                attribute: resolved.sub.unwrap_or(resolved.attribute),
                whole_multi: false,
            })
        }
    }
}

/// Rewrites string booleans in `value`, a value of `attribute` (all of its
/// values when `whole_multi`).
pub(super) fn fix_value(
    attribute: &Attribute,
    whole_multi: bool,
    value: &mut Value,
    applied: &mut Applied,
) {
    match value {
        Value::Array(items) if whole_multi => {
            for item in items {
                fix_element(attribute, item, applied);
            }
        }
        _ => fix_element(attribute, value, applied),
    }
}

/// Rewrites string booleans in one value of `attribute`.
fn fix_element(attribute: &Attribute, value: &mut Value, applied: &mut Applied) {
    match attribute.kind {
        AttrType::Boolean => {
            if let Some(boolean) = value.as_str().and_then(string_boolean) {
                *value = Value::Bool(boolean);
                applied.note(Tolerance::StringBoolean);
            }
        }
        AttrType::Complex => {
            if let Some(object) = value.as_object_mut() {
                for (key, sub_value) in object.iter_mut() {
                    if let Some(sub) = attribute.sub(key) {
                        fix_value(sub, sub.multi_valued, sub_value, applied);
                    }
                }
            }
        }
        _ => {}
    }
}

/// `"true"` or `"false"` in any letter case, as Entra ID writes them.
fn string_boolean(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Rewrites an object of attributes (a POST/PUT body, or the value of a
/// path-less `add`/`replace`): non-standard URN keys first, then string
/// booleans under every key that resolves.
pub(super) fn fix_attributes(
    rt: &ResourceType,
    object: &mut Map<String, Value>,
    applied: &mut Applied,
) {
    fix_urn_keys(rt, object, applied);
    for (key, value) in object.iter_mut() {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(schema) = rt.schema_by_urn(key) {
            // An extension URN holding an object of that extension's
            // attributes (RFC 7643 §3.3).
            let Some(inner) = value.as_object_mut() else { continue };
            for (name, inner_value) in inner.iter_mut() {
                let Ok(path) = parse_attr_path(name) else { continue };
                if path.urn.is_some() {
                    continue;
                }
                let Ok(resolved) = rt.resolve(Some(schema.id), &path.name, path.sub.as_deref())
                else {
                    continue;
                };
                fix_resolved(resolved.attribute, resolved.sub, inner_value, applied);
            }
            continue;
        }
        let Ok(path) = parse_attr_path(key) else { continue };
        let Ok(resolved) = rt.resolve(path.urn.as_deref(), &path.name, path.sub.as_deref()) else {
            continue;
        };
        fix_resolved(resolved.attribute, resolved.sub, value, applied);
    }
}

fn fix_resolved(
    attribute: &Attribute,
    sub: Option<&Attribute>,
    value: &mut Value,
    applied: &mut Applied,
) {
    let target = sub.unwrap_or(attribute);
    fix_value(target, target.multi_valued, value, applied);
}

/// The non-standard schema URNs OneLogin's templates use, longest first so
/// that `urn:scim:schemas:core:2.0:User:userName` strips the `:User` too,
/// each with whether it stands for the core schema (else the enterprise
/// extension).
const ONELOGIN_URNS: &[(&str, bool)] = &[
    ("urn:scim:schemas:extension:enterprise:2.0:User", false),
    ("urn:scim:schemas:extension:enterprise:1.0:User", false),
    ("urn:scim:schemas:extension:enterprise:2.0", false),
    ("urn:scim:schemas:extension:enterprise:1.0", false),
    ("urn:scim:schemas:core:2.0:Group", true),
    ("urn:scim:schemas:core:1.0:Group", true),
    ("urn:scim:schemas:core:2.0:User", true),
    ("urn:scim:schemas:core:1.0:User", true),
    ("urn:scim:schemas:core:2.0", true),
    ("urn:scim:schemas:core:1.0", true),
];

/// The RFC 7643 URN for a OneLogin one of `rt`, with the standard form of
/// whatever followed it in `text` (`""` when `text` is the URN itself).
fn standard_urn(rt: &ResourceType, text: &str) -> Option<String> {
    for (urn, core) in ONELOGIN_URNS {
        let Some(head) = text.get(..urn.len()) else { continue };
        let rest = &text[urn.len()..];
        if !head.eq_ignore_ascii_case(urn) || !(rest.is_empty() || rest.starts_with(':')) {
            continue;
        }
        let standard = if *core {
            // `urn:scim:schemas:core:2.0:Group` names another resource
            // type than a User's: no rewrite, not even by a shorter prefix.
            let named = urn.rsplit(':').next().filter(|last| !last.contains('.'));
            if named.is_some_and(|name| !name.eq_ignore_ascii_case(rt.schema.name)) {
                return None;
            }
            rt.schema.id
        } else {
            rt.schema_by_urn(ENTERPRISE_USER.id)?.id
        };
        return Some(format!("{standard}{rest}"));
    }
    None
}

/// OneLogin URNs in `schemas`, each replaced by the RFC 7643 URN, keeping
/// the first of duplicates.
pub(super) fn fix_schemas(
    rt: &ResourceType,
    object: &mut Map<String, Value>,
    applied: &mut Applied,
) {
    let Some(Value::Array(schemas)) = super::get_ci_mut(object, "schemas") else { return };
    let mut changed = false;
    let mut out: Vec<Value> = Vec::with_capacity(schemas.len());
    for item in schemas.iter() {
        let item = match item.as_str().and_then(|urn| standard_urn(rt, urn)) {
            Some(standard) => {
                changed = true;
                Value::String(standard)
            }
            None => item.clone(),
        };
        let duplicate = out.iter().any(|seen| match (seen.as_str(), item.as_str()) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        });
        if !duplicate {
            out.push(item);
        }
    }
    // Only a rewritten list is deduplicated: a standard one stays as sent.
    if changed {
        *schemas = out;
        applied.note(Tolerance::LegacySchemaUrn);
    }
}

/// Top-level keys that are, or are qualified by, a OneLogin URN, renamed
/// to the RFC 7643 form unless that key is present too.
fn fix_urn_keys(rt: &ResourceType, object: &mut Map<String, Value>, applied: &mut Applied) {
    let renames: Vec<(String, String)> = object
        .keys()
        .filter_map(|key| Some((key.clone(), standard_urn(rt, key)?)))
        .filter(|(_, standard)| !object.keys().any(|key| key.eq_ignore_ascii_case(standard)))
        .collect();
    for (old, new) in renames {
        if let Some(value) = object.remove(&old) {
            object.insert(new, value);
            applied.note(Tolerance::LegacySchemaUrn);
        }
    }
}
