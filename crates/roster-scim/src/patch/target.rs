//! What a PATCH operation acts on: a path (or a key of a path-less value)
//! resolved against the schema, and the reading and writing of that
//! attribute in a canonical resource.

use serde_json::{Map, Value};

use crate::eval::CompiledFilter;
use crate::resource::label;
use crate::schema::{Attribute, Mutability, ResolveError, Resolved, ResourceType};
use crate::{PatchPath, ScimError, parse_attr_path};

/// An attribute of the resource and the part of it an operation selects.
pub(super) struct Target {
    /// The extension URN the attribute sits under, if any.
    extension: Option<&'static str>,
    pub(super) attr: &'static Attribute,
    pub(super) select: Select,
    /// The target in canonical spelling, for messages.
    pub(super) label: String,
    /// The value (or values) the target is part of, without the selected
    /// sub-attribute: `name`, or `emails[type eq "work"]`, for messages
    /// about sub-attributes.
    pub(super) parent_label: String,
}

/// The part of an attribute an operation selects.
pub(super) enum Select {
    /// The whole attribute.
    Whole,
    /// One sub-attribute of a single-valued complex attribute.
    Sub(&'static Attribute),
    /// The values of a multi-valued complex attribute that match a filter,
    /// or one sub-attribute of them.
    Values { filter: CompiledFilter, sub: Option<&'static Attribute> },
}

impl Target {
    /// The target of an operation's `path`.
    pub(super) fn from_path(rt: &ResourceType, path: &PatchPath) -> Result<Self, ScimError> {
        let invalid = |why: String| {
            ScimError::invalid_path(format!(
                "invalid path {}: {why}",
                Value::from(path.to_string())
            ))
        };
        match path {
            PatchPath::Attr(attr) => {
                let resolved = rt
                    .resolve(attr.urn.as_deref(), &attr.name, attr.sub.as_deref())
                    .map_err(|e| invalid(unknown(rt, &e, attr.urn.as_deref(), &attr.name)))?;
                Self::attribute(rt, resolved).map_err(invalid)
            }
            PatchPath::Value { attr, filter, sub } => {
                let resolved = rt
                    .resolve(attr.urn.as_deref(), &attr.name, attr.sub.as_deref())
                    .map_err(|e| invalid(unknown(rt, &e, attr.urn.as_deref(), &attr.name)))?;
                let attribute = resolved.attribute;
                if !attribute.multi_valued {
                    return Err(invalid(format!(
                        "{} is single-valued; a value filter selects values of a multi-valued \
                         attribute",
                        attribute.name
                    )));
                }
                let compiled = CompiledFilter::for_values(rt, attr, filter).map_err(|e| {
                    let why = e.detail.strip_prefix("invalid filter: ").unwrap_or(&e.detail);
                    invalid(why.to_owned())
                })?;
                let sub = match sub {
                    None => None,
                    Some(name) => Some(attribute.sub(name).ok_or_else(|| {
                        invalid(format!(
                            "the attribute \"{}\" has no sub-attribute \"{name}\"",
                            attribute.name
                        ))
                    })?),
                };
                let parent_label = format!("{}[{filter}]", label(rt, resolved.schema, attribute));
                let label = match sub {
                    Some(sub) => format!("{parent_label}.{}", sub.name),
                    None => parent_label.clone(),
                };
                Ok(Self {
                    extension: extension(rt, &resolved),
                    attr: attribute,
                    select: Select::Values { filter: compiled, sub },
                    label,
                    parent_label,
                })
            }
        }
    }

    /// The target of a key of a path-less `add` or `replace` value:
    /// `None` for a key that names no attribute, which is ignored.
    pub(super) fn from_key(
        rt: &ResourceType,
        urn: Option<&str>,
        key: &str,
    ) -> Result<Option<Self>, ScimError> {
        if urn.is_none() && key.eq_ignore_ascii_case("schemas") {
            return Ok(None);
        }
        let Ok(path) = parse_attr_path(key) else { return Ok(None) };
        if urn.is_some() && path.urn.is_some() {
            return Ok(None);
        }
        let urn = urn.or(path.urn.as_deref());
        match rt.resolve(urn, &path.name, path.sub.as_deref()) {
            Ok(resolved) => Self::attribute(rt, resolved).map(Some).map_err(|why| {
                ScimError::invalid_path(format!("invalid key {}: {why}", Value::from(key)))
            }),
            Err(_) => Ok(None),
        }
    }

    /// The target of an attribute path without a filter.
    fn attribute(rt: &ResourceType, resolved: Resolved) -> Result<Self, String> {
        let attr = resolved.attribute;
        let base = label(rt, resolved.schema, attr);
        let (select, label) = match resolved.sub {
            None => (Select::Whole, base.clone()),
            Some(sub) if attr.multi_valued => {
                return Err(format!(
                    "{base} is multi-valued; name the values to change with a filter, as in \
                     {base}[value eq \"...\"].{}",
                    sub.name
                ));
            }
            Some(sub) => (Select::Sub(sub), format!("{base}.{}", sub.name)),
        };
        Ok(Self { extension: extension(rt, &resolved), attr, select, label, parent_label: base })
    }

    /// Whether the target is `readOnly`: the attribute, or the selected
    /// sub-attribute.
    pub(super) fn read_only(&self) -> bool {
        let sub = match &self.select {
            Select::Whole | Select::Values { sub: None, .. } => None,
            Select::Sub(sub) | Select::Values { sub: Some(sub), .. } => Some(*sub),
        };
        self.attr.mutability == Mutability::ReadOnly
            || sub.is_some_and(|sub| sub.mutability == Mutability::ReadOnly)
    }

    /// The attribute's current value in `resource`.
    pub(super) fn current<'r>(&self, resource: &'r Map<String, Value>) -> Option<&'r Value> {
        let container = match self.extension {
            None => resource,
            Some(urn) => resource.get(urn)?.as_object()?,
        };
        container.get(self.attr.name)
    }

    /// Moves the attribute's current value out of `resource` (to be put
    /// back with [`Target::store`]), so that large values such as member
    /// lists are changed in place rather than copied.
    pub(super) fn take(&self, resource: &mut Map<String, Value>) -> Option<Value> {
        let container = match self.extension {
            None => resource,
            Some(urn) => resource.get_mut(urn)?.as_object_mut()?,
        };
        container.remove(self.attr.name)
    }

    /// Sets the attribute's value in `resource`, or unassigns it.
    pub(super) fn store(&self, resource: &mut Map<String, Value>, value: Option<Value>) {
        let name = self.attr.name.to_owned();
        let Some(urn) = self.extension else {
            match value {
                Some(value) => resource.insert(name, value),
                None => resource.remove(&name),
            };
            return;
        };
        let mut container = match resource.remove(urn) {
            Some(Value::Object(container)) => container,
            _ => Map::new(),
        };
        match value {
            Some(value) => container.insert(name, value),
            None => container.remove(&name),
        };
        if !container.is_empty() {
            resource.insert(urn.to_owned(), Value::Object(container));
        }
    }
}

fn extension(rt: &ResourceType, resolved: &Resolved) -> Option<&'static str> {
    (resolved.schema.id != rt.schema.id).then_some(resolved.schema.id)
}

/// Why a path does not resolve, with a hint when it names an extension
/// rather than one of its attributes.
fn unknown(rt: &ResourceType, error: &ResolveError, urn: Option<&str>, name: &str) -> String {
    if let Some(urn) = urn
        && let Some(schema) = rt.schema_by_urn(&format!("{urn}:{name}"))
    {
        return format!(
            "a path names an attribute, not the extension {}; name one of its attributes (as in \
             {}:{}) or use an operation without a path",
            schema.id,
            schema.id,
            schema.attributes.first().map_or("name", |attr| attr.name)
        );
    }
    error.to_string()
}
