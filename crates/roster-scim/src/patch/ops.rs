//! The three PATCH operations (RFC 7644 §3.5.2.1–3) applied to a resource
//! in canonical form. Each works on the value of one attribute: it reads
//! the current value, computes the new one, checks mutability by comparing
//! the two, and only then writes it back.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::PatchOperation;
use super::target::{Select, Target};
use crate::ScimError;
use crate::resource::{
    Origin, clean_element, clean_partial, clean_value, describe, is_primary, same_element,
    value_key,
};
use crate::schema::{AttrType, Attribute, Mutability, ResourceType};

/// `add` or `replace`: they differ only on a whole multi-valued attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Add,
    Replace,
}

/// Applies one operation to `resource`.
pub(super) fn run(
    rt: &ResourceType,
    resource: &mut Map<String, Value>,
    operation: &PatchOperation,
) -> Result<(), ScimError> {
    match operation {
        PatchOperation::Add { path: Some(path), value } => {
            set(resource, &Target::from_path(rt, path)?, value, Mode::Add)
        }
        PatchOperation::Replace { path: Some(path), value } => {
            set(resource, &Target::from_path(rt, path)?, value, Mode::Replace)
        }
        PatchOperation::Add { path: None, value } => pathless(rt, resource, value, Mode::Add),
        PatchOperation::Replace { path: None, value } => {
            pathless(rt, resource, value, Mode::Replace)
        }
        PatchOperation::Remove { path, value } => {
            remove(resource, &Target::from_path(rt, path)?, value.as_deref())
        }
    }
}

/// RFC 7644 §3.5.2.1 and §3.5.2.3 without a path: each key of the object
/// is an operation on the attribute it names.
fn pathless(
    rt: &ResourceType,
    resource: &mut Map<String, Value>,
    value: &Value,
    mode: Mode,
) -> Result<(), ScimError> {
    let Some(object) = value.as_object() else {
        return Err(ScimError::invalid_value(format!(
            "an operation without a path needs an object of attributes, not {}",
            describe(value)
        )));
    };
    for (key, item) in object {
        let extension = rt.schema_by_urn(key).filter(|schema| schema.id != rt.schema.id);
        let Some(schema) = extension else {
            if let Some(target) = Target::from_key(rt, None, key)? {
                set(resource, &target, item, mode)?;
            }
            continue;
        };
        match item {
            Value::Null => {
                resource.remove(schema.id);
            }
            Value::Object(attributes) => {
                for (name, item) in attributes {
                    if let Some(target) = Target::from_key(rt, Some(schema.id), name)? {
                        set(resource, &target, item, mode)?;
                    }
                }
            }
            other => {
                return Err(ScimError::invalid_value(format!(
                    "{} must be an object holding the extension's attributes, not {}",
                    schema.id,
                    describe(other)
                )));
            }
        }
    }
    Ok(())
}

/// `add` or `replace` of `value` at `target`.
fn set(
    resource: &mut Map<String, Value>,
    target: &Target,
    value: &Value,
    mode: Mode,
) -> Result<(), ScimError> {
    let read_only = target.read_only();
    // A client may not write a readOnly value, so what it sends there is
    // compared as it is, and must equal the current value.
    let origin = if read_only { Origin::Stored } else { Origin::Client };
    // The old value is kept for comparison only where a rule needs it;
    // otherwise it is moved out and changed without a copy.
    let compare = read_only || target.attr.mutability == Mutability::Immutable;
    let kept = compare.then(|| target.current(resource).cloned()).flatten();
    let before = target.take(resource);
    let after = compute(target, before, value, mode, origin)?;
    if read_only && after != kept {
        return Err(ScimError::mutability(format!(
            "{} is read-only; the operation would change it",
            target.label
        )));
    }
    if compare {
        check_immutable(target, kept.as_ref(), after.as_ref())?;
    }
    target.store(resource, after);
    Ok(())
}

/// The attribute's value after `add` or `replace` of `value`.
fn compute(
    target: &Target,
    before: Option<Value>,
    value: &Value,
    mode: Mode,
    origin: Origin,
) -> Result<Option<Value>, ScimError> {
    let attr = target.attr;
    let label = target.label.as_str();
    match &target.select {
        Select::Whole if attr.multi_valued => match mode {
            Mode::Add => append(attr, before, value, label, origin),
            Mode::Replace => clean_value(attr, value, &label, origin),
        },
        // Unassigning a whole complex value removes it, as `remove` does,
        // immutable sub-attributes included.
        Select::Whole if attr.kind == AttrType::Complex && value.is_null() => Ok(None),
        Select::Whole if attr.kind == AttrType::Complex => {
            let partial = clean_partial(attr, value, &label, origin)?;
            merge_single(attr, before, &partial, label)
        }
        Select::Whole => clean_element(attr, value, &label, origin),
        Select::Sub(sub) => {
            let mut partial = Map::new();
            let clean = clean_value(sub, value, &label, origin)?.unwrap_or(Value::Null);
            partial.insert(sub.name.to_owned(), clean);
            merge_single(attr, before, &partial, &target.parent_label)
        }
        Select::Values { filter, sub } => {
            let partial = match sub {
                Some(sub) => {
                    let mut partial = Map::new();
                    let clean = clean_value(sub, value, &label, origin)?.unwrap_or(Value::Null);
                    partial.insert(sub.name.to_owned(), clean);
                    partial
                }
                None => clean_partial(attr, value, &label, origin)?,
            };
            let mut items = elements(before);
            let selected: Vec<usize> = (0..items.len())
                .filter(|&i| items.get(i).is_some_and(|item| filter.matches(item)))
                .collect();
            if selected.is_empty() {
                return Err(ScimError::no_target(format!("no value matches {label}")));
            }
            let mut marked = Vec::new();
            for i in selected {
                if let Some(Value::Object(item)) = items.get_mut(i)
                    && merge(attr, item, &partial, &target.parent_label, Merge::Update)?
                {
                    marked.push(i);
                }
            }
            settle_primary(attr, &mut items, &marked, &target.parent_label)?;
            items.retain(|item| item.as_object().is_none_or(|object| !object.is_empty()));
            Ok((!items.is_empty()).then_some(Value::Array(items)))
        }
    }
}

/// RFC 7644 §3.5.2.1: the values of the array `value` added to a
/// multi-valued attribute, each merged into an equal value if there is one.
fn append(
    attr: &Attribute,
    before: Option<Value>,
    value: &Value,
    label: &str,
    origin: Origin,
) -> Result<Option<Value>, ScimError> {
    let mut items = elements(before);
    let new = match value {
        Value::Null => &Vec::new(),
        Value::Array(new) => new,
        other => {
            return Err(ScimError::invalid_value(format!(
                "{label} is multi-valued: add takes an array of values, not {}",
                describe(other)
            )));
        }
    };
    let mut marked = Vec::new();
    // Existing elements by `value`, so that adding to a large list is not
    // quadratic; elements without a string `value` are compared whole.
    let mut by_value: HashMap<String, usize> = items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| value_key(attr, item).map(|key| (key, index)))
        .collect();
    for item in new {
        let Some(clean) = clean_element(attr, item, &label, origin)? else { continue };
        let key = value_key(attr, &clean);
        let found = match &key {
            Some(key) => by_value.get(key).copied(),
            None => items.iter().position(|existing| same_element(attr, existing, &clean)),
        };
        match found {
            Some(i) => {
                if let (Some(Value::Object(existing)), Value::Object(partial)) =
                    (items.get_mut(i), &clean)
                    && merge(attr, existing, partial, label, Merge::Readd)?
                {
                    marked.push(i);
                }
            }
            None => {
                if is_primary(&clean) {
                    marked.push(items.len());
                }
                if let Some(key) = key {
                    by_value.insert(key, items.len());
                }
                items.push(clean);
            }
        }
    }
    settle_primary(attr, &mut items, &marked, label)?;
    Ok((!items.is_empty()).then_some(Value::Array(items)))
}

/// How a merge treats `immutable` sub-attributes that already have a
/// different value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Merge {
    /// An update of an existing value: refused.
    Update,
    /// A value added again (RFC 7644 §3.5.2.1: an existing value is not
    /// added twice): the existing one is kept, and so is its `value`.
    Readd,
}

/// Merges the sub-attributes of `partial` into `existing` (`null` removes
/// one), and says whether `partial` marks it primary.
fn merge(
    attr: &Attribute,
    existing: &mut Map<String, Value>,
    partial: &Map<String, Value>,
    label: &str,
    mode: Merge,
) -> Result<bool, ScimError> {
    for (name, value) in partial {
        let Some(sub) = attr.sub(name) else { continue };
        let conflict = sub.mutability == Mutability::Immutable
            && existing.get(sub.name).is_some_and(|old| old != value);
        match mode {
            Merge::Readd if conflict || sub.name == "value" => continue,
            Merge::Update if conflict => {
                return Err(ScimError::mutability(format!(
                    "{label}.{} is immutable: an existing value cannot be changed or removed",
                    sub.name
                )));
            }
            Merge::Readd | Merge::Update => {}
        }
        if value.is_null() {
            existing.remove(sub.name);
        } else {
            existing.insert(sub.name.to_owned(), value.clone());
        }
    }
    Ok(partial.get("primary") == Some(&Value::Bool(true)))
}

/// Merges `partial` into a single-valued complex attribute.
fn merge_single(
    attr: &Attribute,
    before: Option<Value>,
    partial: &Map<String, Value>,
    label: &str,
) -> Result<Option<Value>, ScimError> {
    let mut object = match before {
        Some(Value::Object(object)) => object,
        _ => Map::new(),
    };
    merge(attr, &mut object, partial, label, Merge::Update)?;
    Ok((!object.is_empty()).then_some(Value::Object(object)))
}

/// RFC 7643 §2.4: when an operation marks one value primary (`marked`
/// holds the positions of the values it marks, already primary or not),
/// the others stop being primary; an operation may not mark two.
fn settle_primary(
    attr: &Attribute,
    items: &mut [Value],
    marked: &[usize],
    label: &str,
) -> Result<(), ScimError> {
    if attr.sub("primary").is_none() {
        return Ok(());
    }
    let mut marked = marked.to_vec();
    marked.sort_unstable();
    marked.dedup();
    match marked.as_slice() {
        [] => Ok(()),
        [keep] => {
            for (i, item) in items.iter_mut().enumerate() {
                if i != *keep
                    && is_primary(item)
                    && let Some(object) = item.as_object_mut()
                {
                    object.insert("primary".to_owned(), Value::Bool(false));
                }
            }
            Ok(())
        }
        _ => Err(ScimError::invalid_value(format!(
            "the operation marks {} values of {label} primary; at most one value may be primary",
            marked.len()
        ))),
    }
}

/// RFC 7644 §3.5.2.2: `remove`.
fn remove(
    resource: &mut Map<String, Value>,
    target: &Target,
    values: Option<&[Value]>,
) -> Result<(), ScimError> {
    let label = target.label.as_str();
    if target.read_only() {
        return Err(ScimError::mutability(format!("{label} is read-only and cannot be removed")));
    }
    let attr = target.attr;
    // Only an immutable attribute needs its old value for comparison; any
    // other is moved out and changed in place (member lists are large).
    let kept = (attr.mutability == Mutability::Immutable)
        .then(|| target.current(resource).cloned())
        .flatten();
    let before = target.take(resource);
    let after = match (&target.select, values) {
        (Select::Whole, Some(values)) if attr.multi_valued => {
            let mut items = elements(before);
            for value in values {
                if let Some(clean) = clean_element(attr, value, &label, Origin::Client)? {
                    items.retain(|item| !same_element(attr, item, &clean));
                }
            }
            (!items.is_empty()).then_some(Value::Array(items))
        }
        (_, Some(_)) => {
            return Err(ScimError::invalid_value(format!(
                "a remove operation takes a value only with the path of a whole multi-valued \
                 attribute, to name the values to remove; {label} is not one"
            )));
        }
        (Select::Whole, None) => None,
        (Select::Sub(sub), None) => {
            let mut object = match before {
                Some(Value::Object(object)) => object,
                _ => Map::new(),
            };
            remove_sub(&mut object, sub, label)?;
            (!object.is_empty()).then_some(Value::Object(object))
        }
        (Select::Values { filter, sub }, None) => {
            let mut items = elements(before);
            match sub {
                None => items.retain(|item| !filter.matches(item)),
                Some(sub) => {
                    for item in &mut items {
                        if filter.matches(item)
                            && let Some(object) = item.as_object_mut()
                        {
                            remove_sub(object, sub, label)?;
                        }
                    }
                    items.retain(|item| item.as_object().is_none_or(|object| !object.is_empty()));
                }
            }
            (!items.is_empty()).then_some(Value::Array(items))
        }
    };
    if attr.mutability == Mutability::Immutable {
        check_immutable(target, kept.as_ref(), after.as_ref())?;
    }
    target.store(resource, after);
    Ok(())
}

/// Removes one sub-attribute, unless it is immutable and set.
fn remove_sub(
    object: &mut Map<String, Value>,
    sub: &Attribute,
    label: &str,
) -> Result<(), ScimError> {
    if sub.mutability == Mutability::Immutable && object.contains_key(sub.name) {
        return Err(ScimError::mutability(format!(
            "{label} is immutable: an existing value cannot be changed or removed"
        )));
    }
    object.remove(sub.name);
    Ok(())
}

/// RFC 7643 §2.2: an `immutable` attribute may be set while it has no
/// value, and never changed afterwards.
fn check_immutable(
    target: &Target,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), ScimError> {
    if target.attr.mutability == Mutability::Immutable && before.is_some() && before != after {
        return Err(ScimError::mutability(format!(
            "{} is immutable: an existing value cannot be changed or removed",
            target.label
        )));
    }
    Ok(())
}

/// The elements of a multi-valued attribute's value.
fn elements(value: Option<Value>) -> Vec<Value> {
    match value {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}
