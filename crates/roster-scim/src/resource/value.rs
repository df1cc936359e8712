//! One attribute's value checked against its definition (RFC 7643 §2.3,
//! §2.4) and rewritten into canonical form: sub-attribute names in the case
//! of the schema, unknown sub-attributes and unassigned values (`null`,
//! `[]`, `{}`) left out, client-sent `readOnly` sub-attributes dropped, and
//! each value of a multi-valued attribute present once.
//!
//! Shared by [`normalize`](super::normalize) and the PATCH engine, so a
//! value written by PUT and the same value written by PATCH end up alike.

use std::collections::HashMap;
use std::fmt::Display;

use serde_json::{Map, Value};

use super::{Origin, datetime};
use crate::ScimError;
use crate::schema::{AttrType, Attribute, Mutability};

/// The canonical form of `value` for `attr` (single- or multi-valued), or
/// `None` when it is unassigned. `label` names the attribute in errors.
pub(crate) fn clean_value(
    attr: &Attribute,
    value: &Value,
    label: &dyn Display,
    origin: Origin,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if !attr.multi_valued {
        return clean_element(attr, value, label, origin);
    }
    let Some(items) = value.as_array() else {
        return Err(ScimError::invalid_value(format!(
            "{label} is multi-valued and must be an array{}, not {}",
            of_what(attr),
            describe(value)
        )));
    };
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    // Elements with a string `value` are found again by that value (as
    // `same_element` compares it) in a map, so that large member lists
    // normalize in linear time; other elements are compared one by one.
    let mut by_value: HashMap<String, usize> = HashMap::new();
    for item in items {
        let Some(clean) = clean_element(attr, item, label, origin)? else { continue };
        let key = value_key(attr, &clean);
        let found = match &key {
            Some(key) => by_value.get(key).copied(),
            None => out.iter().position(|existing| same_element(attr, existing, &clean)),
        };
        // A value given twice is one value (RFC 7644 §3.5.2.1 does not add
        // an existing value again): the later one's sub-attributes are
        // merged into the first, whose `value` is kept.
        match found.and_then(|index| out.get_mut(index)) {
            Some(Value::Object(existing)) => {
                if let Value::Object(later) = clean {
                    existing.extend(later.into_iter().filter(|(name, _)| name != "value"));
                }
            }
            Some(_) => {}
            None => {
                if let Some(key) = key {
                    by_value.insert(key, out.len());
                }
                out.push(clean);
            }
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    check_primary(attr, &out, label)?;
    Ok(Some(Value::Array(out)))
}

/// The canonical form of one value of `attr` (the value of a single-valued
/// attribute, or one element of a multi-valued one), or `None` when it is
/// unassigned.
pub(crate) fn clean_element(
    attr: &Attribute,
    value: &Value,
    label: &dyn Display,
    origin: Origin,
) -> Result<Option<Value>, ScimError> {
    let ok = match (attr.kind, value) {
        (_, Value::Null) => return Ok(None),
        (AttrType::Complex, _) => {
            let mut object = clean_partial(attr, value, label, origin)?;
            object.retain(|_, sub| !sub.is_null());
            // A value left with only readOnly sub-attributes (a manager's
            // displayName without its value) holds nothing a client wrote:
            // unassigned, as it would be in a client's body.
            let writable = attr.mutability == Mutability::ReadOnly
                || object.keys().any(|name| {
                    attr.sub(name).is_some_and(|sub| sub.mutability != Mutability::ReadOnly)
                });
            if !writable {
                return Ok(None);
            }
            for sub in attr.sub_attributes {
                let dropped = origin == Origin::Client && sub.mutability == Mutability::ReadOnly;
                if sub.required && !dropped && !object.contains_key(sub.name) {
                    return Err(ScimError::invalid_value(format!(
                        "{label}.{} is required",
                        sub.name
                    )));
                }
            }
            return Ok(Some(Value::Object(object)));
        }
        (AttrType::String | AttrType::Reference, Value::String(_)) => true,
        (AttrType::Boolean, Value::Bool(_)) => true,
        (AttrType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (AttrType::Decimal, Value::Number(_)) => true,
        (AttrType::DateTime, Value::String(s)) => datetime::parse(s).is_some(),
        (AttrType::Binary, Value::String(s)) => is_base64(s),
        _ => false,
    };
    if !ok {
        let subject = if attr.multi_valued { "each value of " } else { "" };
        return Err(ScimError::invalid_value(format!(
            "{subject}{label} must be {}, not {}",
            expected(attr.kind),
            describe(value)
        )));
    }
    Ok(Some(value.clone()))
}

/// The sub-attributes of the complex `value` in canonical form, keeping
/// `null` (and unassigned values, as `null`) so that a merge can unassign
/// them: the value of a PATCH that updates some sub-attributes only.
/// Unknown sub-attributes are left out, as are `readOnly` ones from a
/// client.
pub(crate) fn clean_partial(
    attr: &Attribute,
    value: &Value,
    label: &dyn Display,
    origin: Origin,
) -> Result<Map<String, Value>, ScimError> {
    let Some(object) = value.as_object() else {
        let subject = if attr.multi_valued { "each value of " } else { "" };
        return Err(ScimError::invalid_value(format!(
            "{subject}{label} must be {}, not {}",
            expected(AttrType::Complex),
            describe(value)
        )));
    };
    let mut out = Map::new();
    // A handful of sub-attributes at most: a list is cheaper than a set.
    let mut seen: Vec<&str> = Vec::with_capacity(object.len());
    for (key, item) in object {
        let Some(sub) = attr.sub(key) else { continue };
        if seen.contains(&sub.name) {
            return Err(twice(&format!("{label}.{}", sub.name)));
        }
        seen.push(sub.name);
        if origin == Origin::Client && sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let sub_label = SubLabel(label, sub.name);
        let clean = clean_value(sub, item, &sub_label, origin)?.unwrap_or(Value::Null);
        out.insert(sub.name.to_owned(), clean);
    }
    Ok(out)
}

/// The label of a sub-attribute in errors (`emails.value`), written only
/// when an error is: the labels of a 500-member list's sub-attributes were
/// a good part of normalising it.
struct SubLabel<'a>(&'a dyn Display, &'a str);

impl Display for SubLabel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more
/// than once."
pub(crate) fn check_primary(
    attr: &Attribute,
    items: &[Value],
    label: &dyn Display,
) -> Result<(), ScimError> {
    if attr.sub("primary").is_none() {
        return Ok(());
    }
    let count = items.iter().filter(|item| is_primary(item)).count();
    if count > 1 {
        return Err(ScimError::invalid_value(format!(
            "{label} has {count} values with \"primary\": true; at most one value may be primary"
        )));
    }
    Ok(())
}

/// Whether an element of a multi-valued attribute is marked primary.
pub(crate) fn is_primary(item: &Value) -> bool {
    item.get("primary") == Some(&Value::Bool(true))
}

/// The identity of an element with a string `value`, as [`same_element`]
/// compares it: the value itself, lower-cased unless it is case-exact.
/// `None` for elements that must be compared whole.
pub(crate) fn value_key(attr: &Attribute, element: &Value) -> Option<String> {
    let sub = attr.sub("value")?;
    let text = element.get("value")?.as_str()?;
    Some(if sub.case_exact { text.to_owned() } else { crate::fold(text) })
}

/// Whether two values of `attr` are the same value: for complex values
/// with a `value` sub-attribute, equal `value`s (the identity a client
/// means by "this e-mail address" or "this member"), otherwise equal
/// values. Strings compare as the attribute's `caseExact` says.
pub(crate) fn same_element(attr: &Attribute, a: &Value, b: &Value) -> bool {
    if let Some(sub) = attr.sub("value")
        && let (Some(x), Some(y)) = (a.get("value"), b.get("value"))
    {
        return equal(sub, x, y);
    }
    equal(attr, a, b)
}

/// Whether two values of the simple attribute `attr` are equal.
pub(crate) fn equal(attr: &Attribute, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !attr.case_exact => {
            x == y || crate::fold(x) == crate::fold(y)
        }
        _ => a == b,
    }
}

/// An error for an attribute given twice under names that differ in case.
pub(crate) fn twice(label: &str) -> ScimError {
    ScimError::invalid_syntax(format!(
        "{label} is given more than once (attribute names are case-insensitive)"
    ))
}

/// A short description of a JSON value for error messages.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => {
            let head: String = s.chars().take(40).collect();
            format!("the string {}...", Value::String(head))
        }
        Value::String(_) => format!("the string {value}"),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// What a value of `kind` looks like, for error messages.
fn expected(kind: AttrType) -> &'static str {
    match kind {
        AttrType::String => "a string",
        AttrType::Boolean => "a boolean (true or false)",
        AttrType::Decimal => "a number",
        AttrType::Integer => "an integer",
        AttrType::DateTime => {
            "an RFC 3339 date-time string with an offset, such as \"2008-01-23T04:56:22Z\""
        }
        AttrType::Binary => "a base64 string",
        AttrType::Reference => "a reference (a string)",
        AttrType::Complex => "an object",
    }
}

/// " of objects" and the like, for the multi-valued error message.
fn of_what(attr: &Attribute) -> &'static str {
    match attr.kind {
        AttrType::Complex => " of objects",
        AttrType::String | AttrType::Reference | AttrType::Binary => " of strings",
        AttrType::Boolean => " of booleans",
        AttrType::Integer | AttrType::Decimal => " of numbers",
        AttrType::DateTime => " of date-time strings",
    }
}

/// RFC 7643 §2.3.6: base64 as in RFC 4648 §4 (the standard alphabet, with
/// padding to a multiple of four characters).
fn is_base64(text: &str) -> bool {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let body = text.trim_end_matches('=');
    bytes.len() - body.len() <= 2
        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_follows_rfc_4648_section_4() {
        for ok in ["", "TWFu", "TWE=", "TQ==", "+/+/"] {
            assert!(is_base64(ok), "{ok:?}");
        }
        for bad in ["TWF", "TQ=", "T===", "TW=a", "-_-_", "TWFu\n", "TW u"] {
            assert!(!is_base64(bad), "{bad:?}");
        }
    }

    #[test]
    fn long_strings_are_shortened_in_messages() {
        let long = Value::String("x".repeat(100));
        assert_eq!(describe(&long), format!("the string \"{}\"...", "x".repeat(40)));
        assert_eq!(describe(&serde_json::json!("a\"b")), "the string \"a\\\"b\"");
    }
}
