//! Which attributes a response holds (RFC 7644 §3.9, RFC 7643 §2.2
//! `returned`): the `attributes` and `excludedAttributes` parameters
//! parsed into a [`Projection`], and [`project`], which applies one to a
//! resource.
//!
//! A resource is a JSON object with canonical attribute names: common and
//! core attributes at the top, extension attributes in an object under
//! their schema URN. Rules, attribute by attribute and, inside complex
//! attributes, sub-attribute by sub-attribute:
//!
//! - `returned: never` (`password`) is never returned.
//! - `returned: always` (`id`) is always returned; `schemas` too.
//! - `returned: default` is returned unless `attributes` is given without
//!   it, or `excludedAttributes` names it.
//! - `returned: request` is returned only when `attributes` names it.
//!
//! Decisions where the RFCs leave room:
//!
//! - Both parameters given: `attributes` wins and `excludedAttributes` is
//!   ignored (after being checked). RFC 7644 §3.9 defines
//!   `excludedAttributes` as removing names "from the default set", and
//!   `attributes` as replacing that set, so with `attributes` there is no
//!   default set left to remove from.
//! - A sub-attribute path (`name.givenName`, `emails.value`) keeps only the
//!   named sub-attributes, in every value of a multi-valued attribute;
//!   values left empty are dropped.
//! - A schema URN alone (`urn:...:enterprise:2.0:User`) names every
//!   attribute of that schema; the core schema's URN also names the common
//!   attributes (`externalId`, `meta`), which have no schema of their own.
//! - A value filter (`attributes=emails[type eq "work"]`) is `400
//!   invalidValue` citing RFC 7644 §3.9: the parameters name attributes,
//!   and returning every e-mail would give the client values it excluded.
//! - `attributes=members,members.display` returns the whole attribute and
//!   the named `request` sub-attribute too.
//! - Unknown names are `400 invalidValue`, naming the parameter. Naming a
//!   `never` attribute, or `schemas`, is accepted and has no effect.
//! - `schemas` lists the extensions present: when projection removes every
//!   attribute of an extension, its URN leaves `schemas` (RFC 7643 §3:
//!   `schemas` names the schemas "used to define the attributes present").
//! - Unassigned values (`null`, `[]`, `{}`) are left out (RFC 7643 §2.5
//!   makes them equivalent to absence), and so are members that no schema
//!   defines: the schemas describe exactly what is returned.
//!
//! This is the projection of query responses. A `request` attribute is
//! also returned after a write that named it; that is the caller's to add.

use serde_json::{Map, Value};

use crate::query::{single_param, split_list};
use crate::schema::{
    AttrType, Attribute, COMMON, ResolveError, Resolved, ResourceType, Returned, Schema,
};
use crate::{ScimError, parse_attr_path};

/// One name of `attributes` or `excludedAttributes`, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectionPath {
    /// A whole schema, by its URN.
    Schema(&'static Schema),
    /// An attribute or a sub-attribute.
    Attribute(Resolved),
}

impl ProjectionPath {
    /// Parses and resolves one name; `param` names the parameter in errors.
    pub fn parse(rt: &ResourceType, text: &str, param: &str) -> Result<Self, ScimError> {
        if let Some(schema) = rt.schema_by_urn(text) {
            return Ok(Self::Schema(schema));
        }
        let invalid = |why: String| ScimError::invalid_value(format!("{param} \"{text}\": {why}"));
        // A value filter selects values, which `attributes` cannot do: it
        // names attributes only (RFC 7644 §3.9, in the notation of §3.10).
        // Answering with every e-mail for `emails[type eq "work"]` would
        // return values the client excluded, so it is refused, with the way
        // to ask.
        if let Some((name, _)) = text.split_once('[') {
            return Err(invalid(format!(
                "RFC 7644 §3.9 takes attribute names, not value filters; ask for \"{}\" \
                 and pick the values from the response, or search with a filter",
                name.trim()
            )));
        }
        let path = parse_attr_path(text).map_err(|err| invalid(err.to_string()))?;
        rt.resolve(path.urn.as_deref(), &path.name, path.sub.as_deref())
            .map(Self::Attribute)
            .map_err(|err| match err {
                ResolveError::UnknownSchema(_) => invalid(
                    "it is neither a schema of this resource type nor an attribute of one".into(),
                ),
                other => invalid(other.to_string()),
            })
    }
}

/// What a response returns, from `attributes` and `excludedAttributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Projection {
    /// Neither parameter: every `default` and `always` attribute.
    #[default]
    Default,
    /// `attributes`: these and the `always` attributes.
    Only(Vec<ProjectionPath>),
    /// `excludedAttributes` alone: the default set without these (`always`
    /// attributes stay).
    Except(Vec<ProjectionPath>),
}

impl Projection {
    /// From the names of both parameters, each item one path (empty lists
    /// are absent parameters).
    pub fn parse(
        rt: &ResourceType,
        attributes: &[&str],
        excluded_attributes: &[&str],
    ) -> Result<Self, ScimError> {
        let resolve = |names: &[&str], param: &str| -> Result<Vec<ProjectionPath>, ScimError> {
            let mut paths: Vec<ProjectionPath> = Vec::with_capacity(names.len());
            // `schemas` is always returned (RFC 7643 §3); naming it changes
            // nothing.
            for name in names.iter().filter(|name| !name.eq_ignore_ascii_case("schemas")) {
                let path = ProjectionPath::parse(rt, name, param)?;
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
            Ok(paths)
        };
        let only = resolve(attributes, "attributes")?;
        let except = resolve(excluded_attributes, "excludedAttributes")?;
        Ok(if !attributes.is_empty() {
            Self::Only(only)
        } else if !except.is_empty() {
            Self::Except(except)
        } else {
            Self::Default
        })
    }

    /// From the query parameters of any request that returns resources
    /// (`GET`, `POST`, `PUT`, `PATCH`; RFC 7644 §3.9): only `attributes`
    /// and `excludedAttributes` (names matched without case, each given at
    /// most once, comma-separated paths) are read.
    pub fn from_params(rt: &ResourceType, params: &[(String, String)]) -> Result<Self, ScimError> {
        let attributes: Vec<&str> = single_param(params, "attributes")?
            .map(|v| split_list(v).collect())
            .unwrap_or_default();
        let excluded: Vec<&str> = single_param(params, "excludedAttributes")?
            .map(|v| split_list(v).collect())
            .unwrap_or_default();
        Self::parse(rt, &attributes, &excluded)
    }
}

/// `resource` with only the attributes `projection` returns (see the module
/// documentation). A value that is not an object is returned unchanged.
pub fn project(rt: &ResourceType, resource: &Value, projection: &Projection) -> Value {
    let Some(object) = resource.as_object() else { return resource.clone() };
    let mut out = Map::new();
    let mut emptied: Vec<&'static str> = Vec::new();
    for (key, value) in object {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key.clone(), value.clone());
            continue;
        }
        let extension = rt
            .extensions
            .iter()
            .map(|(schema, _)| *schema)
            .find(|s| s.id.eq_ignore_ascii_case(key));
        let projected = match extension {
            Some(schema) => {
                let projected = project_extension(schema, value, projection);
                if projected.is_none() && is_assigned(value) {
                    emptied.push(schema.id);
                }
                projected
            }
            None => core_attribute(rt, key)
                .and_then(|attribute| project_attribute(rt.schema, attribute, value, projection)),
        };
        if let Some(projected) = projected {
            out.insert(key.clone(), projected);
        }
    }
    if !emptied.is_empty() {
        let schemas = out.iter_mut().find(|(key, _)| key.eq_ignore_ascii_case("schemas"));
        if let Some((_, Value::Array(urns))) = schemas {
            urns.retain(|urn| {
                !urn.as_str().is_some_and(|urn| emptied.iter().any(|e| e.eq_ignore_ascii_case(urn)))
            });
        }
    }
    Value::Object(out)
}

/// A common or core attribute by its member name.
fn core_attribute(rt: &ResourceType, name: &str) -> Option<&'static Attribute> {
    COMMON
        .iter()
        .find(|attr| attr.name.eq_ignore_ascii_case(name))
        .or_else(|| rt.schema.attribute(name))
}

/// The attributes of an extension's object that `projection` returns, or
/// `None` if none is left.
fn project_extension(
    schema: &'static Schema,
    value: &Value,
    projection: &Projection,
) -> Option<Value> {
    let object = value.as_object()?;
    let out: Map<String, Value> = object
        .iter()
        .filter_map(|(key, value)| {
            let attribute = schema.attribute(key)?;
            Some((key.clone(), project_attribute(schema, attribute, value, projection)?))
        })
        .collect();
    (!out.is_empty()).then_some(Value::Object(out))
}

/// What of an attribute is returned.
#[derive(Debug, PartialEq)]
enum Pick {
    /// The attribute, each sub-attribute by its own `returned`.
    Whole,
    /// The attribute named whole by `attributes` together with some of its
    /// sub-attributes: each by its own `returned`, and these `request`
    /// ones too (`attributes=members,members.display`).
    WholeAnd(Vec<&'static str>),
    /// Only these sub-attributes (and those always returned).
    Only(Vec<&'static str>),
    /// Every sub-attribute returned by default but these.
    Except(Vec<&'static str>),
    Nothing,
}

/// What `projection` returns of `attribute` of `schema`.
fn pick(schema: &Schema, attribute: &Attribute, projection: &Projection) -> Pick {
    let by_default = || match attribute.returned {
        Returned::Always | Returned::Default => Pick::Whole,
        Returned::Never | Returned::Request => Pick::Nothing,
    };
    if attribute.returned == Returned::Never {
        return Pick::Nothing;
    }
    let (paths, only) = match projection {
        Projection::Default => return by_default(),
        Projection::Only(paths) => (paths, true),
        Projection::Except(paths) => (paths, false),
    };
    let mut subs = Vec::new();
    let mut whole = false;
    for path in paths {
        match path {
            ProjectionPath::Schema(named) if named.id == schema.id => whole = true,
            ProjectionPath::Schema(_) => {}
            ProjectionPath::Attribute(resolved) => {
                let same =
                    resolved.schema.id == schema.id && resolved.attribute.name == attribute.name;
                match (same, resolved.sub) {
                    (false, _) => {}
                    (true, None) => whole = true,
                    (true, Some(sub)) => subs.push(sub.name),
                }
            }
        }
    }
    match (whole, only) {
        (true, true) if subs.is_empty() => return Pick::Whole,
        (true, true) => return Pick::WholeAnd(subs),
        (true, false) => return except_whole(attribute),
        (false, _) => {}
    }
    match (only, subs.is_empty()) {
        (true, false) => Pick::Only(subs),
        (true, true) if attribute.returned == Returned::Always => Pick::Whole,
        (true, true) => Pick::Nothing,
        (false, false) if by_default() == Pick::Whole => Pick::Except(subs),
        (false, _) => by_default(),
    }
}

/// An excluded attribute: gone, unless it is always returned.
fn except_whole(attribute: &Attribute) -> Pick {
    if attribute.returned == Returned::Always { Pick::Whole } else { Pick::Nothing }
}

/// The projected value of `attribute`, or `None` if nothing of it is left.
fn project_attribute(
    schema: &Schema,
    attribute: &'static Attribute,
    value: &Value,
    projection: &Projection,
) -> Option<Value> {
    let pick = pick(schema, attribute, projection);
    if pick == Pick::Nothing || !is_assigned(value) {
        return None;
    }
    if attribute.kind != AttrType::Complex {
        return Some(value.clone());
    }
    let keep = |sub: &Attribute| match (&pick, sub.returned) {
        (_, Returned::Never) => false,
        (_, Returned::Always) => true,
        (Pick::Only(names), _) => names.contains(&sub.name),
        (Pick::Except(names), Returned::Default) => !names.contains(&sub.name),
        (Pick::Whole | Pick::WholeAnd(_), Returned::Default) => true,
        (Pick::WholeAnd(names), Returned::Request) => names.contains(&sub.name),
        (Pick::Whole | Pick::Except(_) | Pick::Nothing, Returned::Request) => false,
        (Pick::Nothing, Returned::Default) => false,
    };
    let project_value = |value: &Value| -> Option<Value> {
        let object = value.as_object()?;
        let out: Map<String, Value> = object
            .iter()
            .filter(|(key, value)| attribute.sub(key).is_some_and(keep) && is_assigned(value))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        (!out.is_empty()).then_some(Value::Object(out))
    };
    match value {
        Value::Array(values) if attribute.multi_valued => {
            let out: Vec<Value> = values.iter().filter_map(project_value).collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        other => project_value(other),
    }
}

/// Whether a value is assigned (RFC 7643 §2.5: `null`, `[]` and `{}` are
/// not).
fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(values) => !values.is_empty(),
        Value::Object(members) => !members.is_empty(),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
    }
}
