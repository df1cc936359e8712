//! Resource representations (RFC 7643 §3): a client's POST or PUT body, or
//! the result of a PATCH, turned into the one canonical form roster
//! stores, compares and returns.
//!
//! The canonical form is a JSON object in which
//!
//! - attribute and sub-attribute names have the case of the schema
//!   definitions (`userName`, `name.givenName`, `members.$ref`);
//! - `id`, `externalId`, `meta` and the core schema's attributes are
//!   top-level, and each extension's attributes sit in an object under the
//!   extension's URN
//!   (`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
//!   {"organization": "Acme"}`);
//! - every value has its attribute's type, and no value is unassigned:
//!   `null`, `[]` and `{}` mean "no value" (RFC 7643 §2.5) and are left out,
//!   and so is a complex value left with only `readOnly` sub-attributes;
//! - `schemas` lists the core schema URN, then the URNs of the extensions
//!   that hold a value, in the resource type's order.
//!
//! How a client body is read ([`normalize`]):
//!
//! - Names are case-insensitive (RFC 7643 §2.1). A top-level name resolves
//!   as [`ResourceType::resolve`] resolves a filter path: common attributes,
//!   then the core schema, then extensions. A key may also be URN-qualified
//!   (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization`),
//!   and a key that is an extension URN holds that extension's attributes.
//! - Attributes that no schema of the resource type defines, unknown
//!   sub-attributes, and objects under unknown URNs are ignored, not
//!   refused: identity providers send extras (RFC 7644 §3.3 lets a service
//!   provider ignore what it does not support), and refusing them would
//!   break provisioning for no gain. The same name given twice in different
//!   case is refused (400 `invalidSyntax`), since either choice would drop
//!   one silently.
//! - `readOnly` attributes and sub-attributes the client sent (`id`,
//!   `meta`, `groups`, `members[].display`) are ignored, not refused
//!   (RFC 7643 §2.2, RFC 7644 §3.3 and §3.5.1). `writeOnly` ones
//!   (`password`) are kept for the caller, which must never return them.
//! - Types are checked (RFC 7643 §2.3): a wrong type is 400 `invalidValue`
//!   naming the attribute and the type expected. A multi-valued attribute
//!   takes an array, never a lone value. `canonicalValues` are not
//!   enforced (RFC 7643 §7 lets a service provider accept other values).
//! - A multi-valued attribute holds each value once: values with the same
//!   identity (equal `value` sub-attributes, compared per `caseExact`, or
//!   equal values when there is no `value`) are merged into the first, as
//!   a PATCH `add` merges them, so a group never lists a member twice.
//! - `required` attributes must have a value, and at most one value of a
//!   multi-valued attribute is `primary` (RFC 7643 §2.4): otherwise 400
//!   `invalidValue`.
//! - `schemas` must be present and list the core schema URN (RFC 7644 §3.3):
//!   otherwise 400 `invalidSyntax`. The extension URNs it lists are not
//!   checked: `schemas` is recomputed from the attributes present.
//!
//! This is the strict RFC engine. Identity-provider quirks (booleans sent as
//! `"True"`, capitalised PATCH ops, non-standard URNs) are rewritten by a
//! separate dialect layer before a body reaches this module, never
//! tolerated here.

mod datetime;
mod value;

use std::collections::HashSet;

use serde_json::{Map, Value};

pub(crate) use datetime::{Instant, parse as parse_date_time};
pub(crate) use value::{
    clean_element, clean_partial, clean_value, describe, is_primary, same_element, value_key,
};

use crate::ScimError;
use crate::schema::{Attribute, Mutability, ResourceType, Schema};

/// Who wrote the representation being normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A client: `readOnly` attributes are dropped, `schemas` is required.
    Client,
    /// The service provider itself (the resource a PATCH starts from, and
    /// its result): `readOnly` attributes are kept, `schemas` is recomputed
    /// without being required.
    Stored,
}

/// The canonical form of a client's POST or PUT body for the resource type
/// `rt` (see the module documentation for the rules), or why it is
/// refused.
///
/// ```
/// # use roster_scim::{normalize, schema::USER_RESOURCE};
/// # use serde_json::json;
/// let body = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "USERNAME": "bjensen",
///     "id": "ignored",
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization": "Acme",
/// });
/// assert_eq!(normalize(&USER_RESOURCE, &body).unwrap(), json!({
///     "schemas": [
///         "urn:ietf:params:scim:schemas:core:2.0:User",
///         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
///     ],
///     "userName": "bjensen",
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"organization": "Acme"},
/// }));
/// ```
pub fn normalize(rt: &ResourceType, input: &Value) -> Result<Value, ScimError> {
    normalize_map(rt, input, Origin::Client).map(Value::Object)
}

/// [`normalize`] for a representation written by `origin`.
pub(crate) fn normalize_map(
    rt: &ResourceType,
    input: &Value,
    origin: Origin,
) -> Result<Map<String, Value>, ScimError> {
    let Some(object) = input.as_object() else {
        return Err(ScimError::invalid_syntax(format!(
            "a {} resource must be a JSON object, not {}",
            rt.name,
            describe(input)
        )));
    };
    if origin == Origin::Client {
        check_schemas(rt, object)?;
    }
    let mut out = Builder { rt, origin, root: Map::new(), seen: HashSet::new() };
    for (key, value) in object {
        match classify(rt, key) {
            Key::Schemas | Key::Unknown => {}
            Key::Extension(schema) => {
                if value.is_null() {
                    continue;
                }
                let Some(attributes) = value.as_object() else {
                    return Err(ScimError::invalid_value(format!(
                        "{} must be an object holding the extension's attributes, not {}",
                        schema.id,
                        describe(value)
                    )));
                };
                for (name, value) in attributes {
                    if let Some(attr) = schema.attribute(name) {
                        out.put(schema, attr, value)?;
                    }
                }
            }
            Key::Attribute(schema, attr) => out.put(schema, attr, value)?,
        }
    }
    out.finish()
}

/// What a top-level key of a representation names.
enum Key {
    Schemas,
    /// An extension URN: the value holds the extension's attributes.
    Extension(&'static Schema),
    /// An attribute, bare or URN-qualified.
    Attribute(&'static Schema, &'static Attribute),
    Unknown,
}

fn classify(rt: &ResourceType, key: &str) -> Key {
    if key.eq_ignore_ascii_case("schemas") {
        return Key::Schemas;
    }
    if let Some(schema) = rt.schema_by_urn(key) {
        // The core schema's URN is not a container of attributes.
        return if schema.id == rt.schema.id { Key::Unknown } else { Key::Extension(schema) };
    }
    let (urn, name) = match key.rsplit_once(':') {
        Some((urn, name)) if is_urn(urn) => (Some(urn), name),
        Some(_) => return Key::Unknown,
        None => (None, key),
    };
    match rt.resolve(urn, name, None) {
        Ok(resolved) => Key::Attribute(resolved.schema, resolved.attribute),
        Err(_) => Key::Unknown,
    }
}

fn is_urn(text: &str) -> bool {
    text.get(..4).is_some_and(|scheme| scheme.eq_ignore_ascii_case("urn:"))
}

/// RFC 7644 §3.3: the body's `schemas` lists the core schema URN.
fn check_schemas(rt: &ResourceType, object: &Map<String, Value>) -> Result<(), ScimError> {
    let must = || format!("\"schemas\" must be an array listing \"{}\"", rt.schema.id);
    let Some(schemas) = get_ci(object, "schemas") else {
        return Err(ScimError::invalid_syntax(format!(
            "the resource has no \"schemas\"; {}",
            must()
        )));
    };
    let Some(list) = schemas.as_array() else {
        return Err(ScimError::invalid_syntax(format!("{}, not {}", must(), describe(schemas))));
    };
    let mut core = false;
    for item in list {
        let Some(urn) = item.as_str() else {
            return Err(ScimError::invalid_syntax(format!(
                "\"schemas\" must hold schema URNs (strings), not {}",
                describe(item)
            )));
        };
        core |= urn.eq_ignore_ascii_case(rt.schema.id);
    }
    if !core {
        return Err(ScimError::invalid_syntax(must()));
    }
    Ok(())
}

/// The canonical representation under construction.
struct Builder<'a> {
    rt: &'a ResourceType,
    origin: Origin,
    root: Map<String, Value>,
    /// The attributes met so far, by schema and canonical name, to refuse
    /// one given twice.
    seen: HashSet<(&'static str, &'static str)>,
}

impl Builder<'_> {
    fn put(
        &mut self,
        schema: &'static Schema,
        attr: &'static Attribute,
        value: &Value,
    ) -> Result<(), ScimError> {
        let label = label(self.rt, schema, attr);
        if !self.seen.insert((schema.id, attr.name)) {
            return Err(value::twice(&label));
        }
        if self.origin == Origin::Client && attr.mutability == Mutability::ReadOnly {
            return Ok(());
        }
        let Some(clean) = clean_value(attr, value, &label, self.origin)? else {
            return Ok(());
        };
        let container = if schema.id == self.rt.schema.id {
            &mut self.root
        } else {
            let entry = self.root.entry(schema.id).or_insert_with(|| Value::Object(Map::new()));
            match entry {
                Value::Object(map) => map,
                // Only this builder writes under an extension URN, always an object.
                _ => return Ok(()),
            }
        };
        container.insert(attr.name.to_owned(), clean);
        Ok(())
    }

    fn finish(self) -> Result<Map<String, Value>, ScimError> {
        let Builder { rt, origin, mut root, .. } = self;
        check_required(rt, rt.schema, &root, origin)?;
        let mut schemas = vec![Value::from(rt.schema.id)];
        for (schema, required) in rt.extensions {
            match root.get(schema.id).and_then(Value::as_object) {
                Some(attributes) => {
                    check_required(rt, schema, attributes, origin)?;
                    schemas.push(Value::from(schema.id));
                }
                None if *required => {
                    return Err(ScimError::invalid_value(format!(
                        "the extension {} is required",
                        schema.id
                    )));
                }
                None => {}
            }
        }
        root.insert("schemas".to_owned(), Value::Array(schemas));
        Ok(root)
    }
}

fn check_required(
    rt: &ResourceType,
    schema: &'static Schema,
    attributes: &Map<String, Value>,
    origin: Origin,
) -> Result<(), ScimError> {
    for attr in schema.attributes {
        let dropped = origin == Origin::Client && attr.mutability == Mutability::ReadOnly;
        if attr.required && !dropped && !attributes.contains_key(attr.name) {
            return Err(ScimError::invalid_value(format!(
                "{} is required",
                label(rt, schema, attr)
            )));
        }
    }
    Ok(())
}

/// How errors name a top-level attribute: bare for the core schema and the
/// common attributes, URN-qualified for an extension.
pub(crate) fn label(rt: &ResourceType, schema: &Schema, attr: &Attribute) -> String {
    if schema.id == rt.schema.id {
        attr.name.to_owned()
    } else {
        format!("{}:{}", schema.id, attr.name)
    }
}

/// The member `name` of `object`: the exact key if present, else the first
/// key equal to it ignoring ASCII case (RFC 7643 §2.1).
pub(crate) fn get_ci<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    object.get(name).or_else(|| {
        object.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value)
    })
}
